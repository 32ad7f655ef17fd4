//! What makes the document precise enough for code generators, applied to the whole document
//! once it is assembled: a server, the license's identifier, the headers every answer carries,
//! conditional reads, list pages that reference their item schema, and members the server
//! always sends marked `required`.

use std::collections::BTreeSet;

use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ArrayItems, ObjectBuilder, Schema, Type};
use utoipa::openapi::server::Server;
use utoipa::openapi::{OpenApi, Ref, RefOr, Required};

/// `*`, or a comma-separated list of quoted entity tags, each perhaps weak.
pub const ENTITY_TAGS: &str = r#"^(\*|(W/)?"[!#-~]*"(\s*,\s*(W/)?"[!#-~]*")*)$"#;

/// Members that are left out, not sent as `null`, when they have nothing to say.
const OMITTED_WHEN_EMPTY: [(&str, &str); 6] = [
    ("Problem", "errors"),
    ("Problem", "allowed_actions"),
    ("Problem", "current_state"),
    ("Operation", "value"),
    ("Operation", "from"),
    ("EventData", "changes"),
];

pub fn apply(doc: &mut OpenApi) {
    let mut server = Server::new("/");
    server.description = Some("The server that serves this document".into());
    doc.servers = Some(vec![server]);
    if let Some(license) = doc.info.license.as_mut() {
        license.identifier = Some("MIT".into());
    }
    let requested = schemas_in_requests(doc);
    for item in doc.paths.paths.values_mut() {
        let operations = [
            (false, &mut item.get),
            (true, &mut item.post),
            (false, &mut item.patch),
            (false, &mut item.delete),
        ];
        for (is_post, op) in operations {
            if let Some(op) = op {
                headers_of(op, is_post);
                if let Some(body) = op.request_body.as_mut() {
                    optional_body(body);
                }
            }
        }
    }
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for response in components.responses.values_mut() {
        if let RefOr::T(response) = response {
            add_header(response, "Request-Id", REQUEST_ID);
        }
    }
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    for name in names {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) else {
            continue;
        };
        if let Some(item) = name.strip_prefix("Page_")
            && let Some(RefOr::T(Schema::Array(items))) = object.properties.get_mut("items")
        {
            items.items = ArrayItems::RefOrSchema(Box::new(RefOr::Ref(Ref::from_schema_name(item))));
        }
        if !requested.contains(&name) {
            for member in object.properties.keys() {
                let omitted = OMITTED_WHEN_EMPTY.contains(&(name.as_str(), member.as_str()));
                if !omitted && !object.required.contains(member) {
                    object.required.push(member.clone());
                }
            }
        }
    }
}

/// A body that may be left out is optional (`required: false`) with the schema of what may be
/// sent, not `oneOf [null, X]`: generators then make it an optional argument of type X.
fn optional_body(body: &mut RequestBody) {
    for content in body.content.values_mut() {
        let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema else {
            continue;
        };
        let is_null =
            |s: &RefOr<Schema>| serde_json::to_value(s).is_ok_and(|v| v == serde_json::json!({"type": "null"}));
        let rest: Vec<&RefOr<Schema>> = one_of.items.iter().filter(|s| !is_null(s)).collect();
        if let [only] = rest.as_slice()
            && rest.len() < one_of.items.len()
        {
            content.schema = Some((*only).clone());
            body.required = Some(Required::False);
        }
    }
}

const REQUEST_ID: &str = "This request's id, also in problem bodies, audit events and the service's log.";

fn add_header(response: &mut Response, name: &str, description: &str) {
    let mut header = Header::default();
    header.description = Some(description.into());
    response.headers.entry(name.into()).or_insert(header);
}

fn entity_tag_parameter(name: &str, description: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(ENTITY_TAGS)),
        ))
        .build()
}

/// `Request-Id` on every answer, `Link` on list pages, `Idempotent-Replayed` on a POST's
/// successes, the quoted `ETag`, `If-Match` as entity tags, and `If-None-Match` with its 304 on
/// reads of one object.
fn headers_of(op: &mut Operation, is_post: bool) {
    let is_list = op.operation_id.as_deref().is_some_and(|id| id.starts_with("list_"));
    let mut has_etag = false;
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        add_header(response, "Request-Id", REQUEST_ID);
        let success = status.starts_with('2');
        if let Some(etag) = response.headers.get_mut("ETag") {
            etag.description = Some(
                "The version as a strong entity tag, quotes included (`\"3\"`): send it back as it is in \
`If-Match` or `If-None-Match`."
                    .into(),
            );
            has_etag |= status == "200";
        }
        if is_list && success {
            add_header(
                response,
                "Link",
                "`<…>; rel=\"next\"` with the next page's URL, when there is one.",
            );
        }
        if is_post && success {
            add_header(
                response,
                "Idempotent-Replayed",
                "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`.",
            );
        }
    }
    for parameter in op.parameters.iter_mut().flatten() {
        example_in_words(parameter);
        if parameter.name == "If-Match" {
            *parameter = entity_tag_parameter(
                "If-Match",
                "The `ETag` of the version being changed, quotes included (`\"3\"`), or `*`; a stale one is 412, \
one that is no entity tag (`3`) is 400.",
            );
        }
    }
    if has_etag && op.operation_id.as_deref().is_some_and(|id| id.starts_with("get_")) {
        op.parameters.get_or_insert_with(Vec::new).push(entity_tag_parameter(
            "If-None-Match",
            "The `ETag` of the copy you hold: while it is current, the answer is 304 without a body.",
        ));
        let mut not_modified = ResponseBuilder::new()
            .description("Not Modified: the copy named by `If-None-Match` is current.")
            .build();
        add_header(&mut not_modified, "ETag", "The current version's entity tag.");
        add_header(&mut not_modified, "Request-Id", REQUEST_ID);
        op.responses.responses.insert("304".into(), RefOr::T(not_modified));
    }
}

/// Swagger UI fills a parameter's example into its field, so an optional filter would be sent
/// with it (`status=draft,live` hiding the other offers): the example of an optional parameter
/// is given in its description instead.
fn example_in_words(parameter: &mut utoipa::openapi::path::Parameter) {
    if parameter.required == Required::True {
        return;
    }
    let Some(example) = serde_json::to_value(&*parameter)
        .ok()
        .and_then(|v| v.get("example").cloned())
    else {
        return;
    };
    let shown = match &example {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let description = match parameter.description.as_deref() {
        Some(text) if text.contains(&format!("`{shown}`")) => text.to_owned(),
        Some(text) => format!("{} For example `{shown}`.", text.trim_end()),
        None => format!("For example `{shown}`."),
    };
    *parameter = ParameterBuilder::from(parameter.clone())
        .example(None)
        .description(Some(description))
        .build();
}

/// The schemas a request body can carry, directly or through other schemas: these may have
/// members a client leaves out.
fn schemas_in_requests(doc: &OpenApi) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    let bodies = doc.paths.paths.values().flat_map(|item| {
        [&item.get, &item.post, &item.put, &item.patch, &item.delete]
            .into_iter()
            .flatten()
            .filter_map(|op| op.request_body.as_ref())
    });
    for body in bodies {
        collect_body(body, &mut pending);
    }
    let schemas = doc.components.as_ref().map(|c| &c.schemas);
    while let Some(name) = pending.pop() {
        if !found.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = schemas.and_then(|s| s.get(&name)) {
            refs_in(schema, &mut pending);
        }
    }
    found
}

fn collect_body(body: &RequestBody, out: &mut Vec<String>) {
    for content in body.content.values() {
        if let Some(schema) = &content.schema {
            refs_in(schema, out);
        }
    }
}

/// The names of the schemas `schema` refers to.
fn refs_in(schema: &RefOr<Schema>, out: &mut Vec<String>) {
    let value = serde_json::to_value(schema).unwrap_or_default();
    let mut stack = vec![&value];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref")
                    && let Some(name) = r.strip_prefix("#/components/schemas/")
                {
                    out.push(name.to_owned());
                }
                stack.extend(map.values());
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
}
