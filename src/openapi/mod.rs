//! The OpenAPI document: its frame (info, tags, security scheme, shared responses). Paths and
//! schemas are collected from the same `.service(..)` registration the server uses (see `app`).

mod precision;

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub mod responses {
    //! Error responses, named once and referenced by every operation.
    #![allow(dead_code)]
    use crate::http::problem::Problem;
    use utoipa::ToResponse;

    const PROBLEM: &str = "application/problem+json";
    const _: &str = PROBLEM;

    /// Malformed JSON or a member of the wrong type, an unknown member (`unknown_field`), or a bad
    /// path, query or header parameter (`invalid_parameter`).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json", example = json!({
        "type": "urn:cosell:problem:unknown_field", "title": "Bad Request", "status": 400,
        "detail": "`status` is not a member this request accepts.", "instance": "/v1/publisher-profiles",
        "code": "unknown_field", "request_id": "01937e4a-7b1c-7000-8000-00000000abcd",
        "errors": [{"pointer": "#/status", "code": "unknown_field", "message": "unknown field `status`"}]
    }))]
    pub struct BadRequest(Problem);

    /// Missing, expired or invalid bearer token (`unauthenticated`); answered with `WWW-Authenticate: Bearer`.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json", headers(("WWW-Authenticate" = String, description = "Always `Bearer`")), example = json!({
        "type": "urn:cosell:problem:unauthenticated", "title": "Unauthorized", "status": 401,
        "detail": "The access token is missing, expired or invalid.", "instance": "/v1/users/me",
        "code": "unauthenticated", "request_id": "01937e4a-7b1c-7000-8000-00000000abcd"
    }))]
    pub struct Unauthenticated(Problem);

    /// The caller's role may not do this to an object it can see (`forbidden`).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json", example = json!({
        "type": "urn:cosell:problem:forbidden", "title": "Forbidden", "status": 403,
        "detail": "Your role does not allow this action.", "instance": "/v1/offers/01937e4a-7b1c-7000-8000-000000000010/publish",
        "code": "forbidden", "request_id": "01937e4a-7b1c-7000-8000-00000000abcd"
    }))]
    pub struct Forbidden(Problem);

    /// No such object, or another organization's (`not_found`); the body is the same either way.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json", example = json!({
        "type": "urn:cosell:problem:not_found", "title": "Not Found", "status": 404,
        "detail": "No such object.", "instance": "/v1/offers/01937e4a-7b1c-7000-8000-000000000010",
        "code": "not_found", "request_id": "01937e4a-7b1c-7000-8000-00000000abcd"
    }))]
    pub struct NotFound(Problem);

    /// Not allowed in the current state, or a uniqueness clash (`already_exists`, `last_owner`,
    /// `invalid_state_transition`, `request_in_progress`, …).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json", example = json!({
        "type": "urn:cosell:problem:invalid_state_transition", "title": "Conflict", "status": 409,
        "detail": "This action is not allowed while the object is `draft`.", "instance": "/v1/offers/01937e4a-7b1c-7000-8000-000000000010/go-live",
        "code": "invalid_state_transition", "request_id": "01937e4a-7b1c-7000-8000-00000000abcd",
        "current_state": "draft", "allowed_actions": ["edit", "publish", "delete"]
    }))]
    pub struct Conflict(Problem);

    /// `If-Match` named a version that is no longer current (`precondition_failed`).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json", example = json!({
        "type": "urn:cosell:problem:precondition_failed", "title": "Precondition Failed", "status": 412,
        "detail": "The object has changed since the version given in If-Match; fetch it again.",
        "instance": "/v1/offers/01937e4a-7b1c-7000-8000-000000000010",
        "code": "precondition_failed", "request_id": "01937e4a-7b1c-7000-8000-00000000abcd"
    }))]
    pub struct PreconditionFailed(Problem);

    /// The body did not arrive within 30 s (`request_timeout`); the connection is closed.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct RequestTimeout(Problem);

    /// The body is larger than 256 KiB (`payload_too_large`).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct PayloadTooLarge(Problem);

    /// The body is not `application/json` (`unsupported_media_type`).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct UnsupportedMediaType(Problem);

    /// Well-formed but breaks a rule (`validation_error`, `idempotency_key_reused`, …); `errors`
    /// points at each field, a missing required member with code `required`.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json", example = json!({
        "type": "urn:cosell:problem:validation_error", "title": "Unprocessable Entity", "status": 422,
        "detail": "The request breaks one or more rules; see `errors`.", "instance": "/v1/publisher-profiles",
        "code": "validation_error", "request_id": "01937e4a-7b1c-7000-8000-00000000abcd",
        "errors": [{"pointer": "#/website", "code": "invalid_url", "message": "must be an absolute https:// URL"}]
    }))]
    pub struct Unprocessable(Problem);

    /// Too many attempts (`rate_limited`); see `Retry-After`.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait")))]
    pub struct TooManyRequests(Problem);

    /// The database is busy or unreachable (`unavailable`); see `Retry-After`.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait")))]
    pub struct Unavailable(Problem);
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "cosell",
        description = "Co-sell publishing workflow of a cloud marketplace partner portal: legacy co-sell solutions, \
marketplace offers, publishing through certification and preview, and the partner support desk.\n\n\
**Try it:** enrol with `POST /v1/accounts`, get a token with `POST /v1/auth/token`, press **Authorize** and paste \
the `access_token`.\n\n\
**Conventions:** JSON bodies with snake_case members; unknown members are refused (400 `unknown_field`). \
Errors are `application/problem+json` with a stable `code`. Lists take `limit` (1–100) and `cursor` and answer \
`{items, next_cursor}` plus a `Link: rel=\"next\"` header, newest first. Single objects carry an `ETag`; send it \
back in `If-Match` on PATCH, DELETE and actions (412 when stale). Any POST accepts `Idempotency-Key`. \
Every response has a `Request-Id`.",
        version = "1.0.0",
        license(name = "MIT"),
    ),
    modifiers(&Security),
    components(schemas(crate::http::problem::Problem, crate::error::FieldIssue), responses(
        responses::BadRequest,
        responses::Unauthenticated,
        responses::Forbidden,
        responses::NotFound,
        responses::Conflict,
        responses::PreconditionFailed,
        responses::RequestTimeout,
        responses::PayloadTooLarge,
        responses::UnsupportedMediaType,
        responses::Unprocessable,
        responses::TooManyRequests,
        responses::Unavailable,
    )),
    tags(
        (name = "accounts", description = "Enrolment, tokens and invitations"),
        (name = "organization", description = "The caller's partner organization"),
        (name = "users", description = "Users of an organization and their roles"),
        (name = "publisher-profiles", description = "Publisher profiles that own offers"),
        (name = "offers", description = "Marketplace offers, their sections, readiness and publishing"),
        (name = "submissions", description = "Publish attempts: certification, preview, go live"),
        (name = "solutions", description = "Legacy co-sell solutions: merge, migrate or discard"),
        (name = "support-tickets", description = "The partner support desk"),
        (name = "audit", description = "The append-only audit log"),
        (name = "events", description = "The event feed: every change of an organization, in commit order"),
        (name = "webhooks", description = "Webhook endpoints and the log of their deliveries"),
        (name = "service", description = "Health, readiness and this document"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        scheme.description = Some("An access token from `POST /v1/auth/token`.".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The answers every operation shares, added once here instead of on each handler: 400 for a
/// bad or unknown parameter; 401 where a bearer token is needed; 404 where a path names an
/// object; 412 where `If-Match` is honoured; 413, 415 and 422 where a body is read; 503 where the
/// database is used; and on every POST, `Idempotency-Key` with its 409, 413 and 422. Handlers
/// list only what is particular to them (403, 409 and the success answers).
pub fn finish(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{Ref, RefOr, Required};

    if let Some(components) = doc.components.as_mut() {
        components.schemas.values_mut().for_each(forbid_nul);
    }
    doc.extensions
        .get_or_insert_with(Default::default)
        .insert("webhooks".into(), webhooks());
    for (path, item) in doc.paths.paths.iter_mut() {
        let takes_id = path.contains("{id}");
        let touches_database = path.starts_with("/v1/");
        let operations = [
            (false, &mut item.get),
            (true, &mut item.post),
            (false, &mut item.put),
            (false, &mut item.patch),
            (false, &mut item.delete),
        ];
        for (is_post, op) in operations {
            let Some(op) = op else { continue };
            for parameter in op.parameters.iter_mut().flatten() {
                describe_parameter(path, parameter);
            }
            let has_body = op.request_body.is_some();
            let has_if_match = op.parameters.iter().flatten().any(|p| p.name == "If-Match");
            let authenticated = op.security.iter().flatten().any(|s| {
                serde_json::to_value(s).is_ok_and(|v| v.as_object().is_some_and(|o| o.contains_key("bearer")))
            });
            let responses = &mut op.responses.responses;
            let mut add = |status: &str, name: &str| {
                responses
                    .entry(status.into())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
            };
            add("400", "BadRequest");
            if authenticated {
                add("401", "Unauthenticated");
            }
            if takes_id {
                add("404", "NotFound");
            }
            if has_if_match {
                add("412", "PreconditionFailed");
            }
            if has_body || is_post {
                add("413", "PayloadTooLarge");
                add("422", "Unprocessable");
            }
            if has_body {
                add("408", "RequestTimeout");
                add("415", "UnsupportedMediaType");
            }
            if is_post {
                add("409", "Conflict");
            }
            if touches_database {
                add("503", "Unavailable");
            }
            if is_post {
                let parameter = ParameterBuilder::new()
                    .name("Idempotency-Key")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(
                        "Makes a retry safe: for 24 hours a repeat with the same key and body gets the first answer \
again with `Idempotent-Replayed: true`; another body is 422 `idempotency_key_reused`; a repeat while the \
first runs is 409 `request_in_progress`.",
                    ))
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(Some("^[!-~]{1,255}$")),
                    ))
                    .build();
                op.parameters.get_or_insert_with(Vec::new).push(parameter);
            }
        }
    }
    precision::apply(doc);
}

/// The OpenAPI 3.1 `webhooks` section: what a webhook endpoint receives.
fn webhooks() -> serde_json::Value {
    let header = |name: &str, description: &str| {
        serde_json::json!({"name": name, "in": "header", "required": true, "description": description,
                           "schema": {"type": "string"}})
    };
    serde_json::json!({
        "event": {
            "post": {
                "operationId": "receive_event",
                "tags": ["webhooks"],
                "summary": "An event, delivered to a webhook endpoint",
                "description": "Each event an endpoint asks for (`enabled_events`) is POSTed to its URL with the \
    Standard Webhooks headers; the body is the event exactly as `GET /v1/events/{id}` shows it. Verify \
    `webhook-signature` (HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` with the endpoint's secret; two \
    space-separated signatures for 24 hours after a rotation), drop repeats by `webhook-id`, and answer 2xx within \
    the timeout (10 s by default). Anything else is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; \
    `410 Gone` disables the endpoint. First attempts reach an endpoint in the order of the events' `sequence`; \
    retries may overtake. See docs/webhooks.md.",
                "parameters": [
                    header("webhook-id", "The event's id: the same on every attempt."),
                    header("webhook-timestamp", "Unix seconds of this attempt."),
                    header("webhook-signature", "`v1,<base64 signature>`, space-separated when two secrets are valid."),
                ],
                "requestBody": {
                    "required": true,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventView"}}}
                },
                "security": [],
                "responses": {
                    "2XX": {"description": "Received; the delivery succeeded."},
                    "410": {"description": "Gone: the endpoint is disabled (`disabled_reason: gone`)."}
                }
            }
        }
    })
}

/// Says in the document what the server refuses in every query parameter: NUL characters, and
/// values outside an enum filter's list.
fn describe_parameter(path: &str, parameter: &mut utoipa::openapi::path::Parameter) {
    use utoipa::openapi::path::{ParameterIn, ParameterStyle};
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
    use utoipa::openapi::{Ref, RefOr};

    if parameter.parameter_in != ParameterIn::Query {
        return;
    }
    // An enum filter is a list of the enum's values, sent as one comma-separated parameter
    // (`status=draft,live`; the server also takes `status=draft&status=live`).
    if let Some((values, enum_schema)) = list_filter(path, &parameter.name) {
        let items: RefOr<Schema> = match enum_schema {
            Some(name) => RefOr::Ref(Ref::from_schema_name(name)),
            None => ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(values))
                .into(),
        };
        parameter.schema = Some(ArrayBuilder::new().items(items).min_items(Some(1)).into());
        parameter.style = Some(ParameterStyle::Form);
        parameter.explode = Some(false);
        return;
    }
    let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut() else {
        return;
    };
    if is_string(&schema.schema_type) && schema.format.is_none() && schema.pattern.is_none() {
        schema.pattern = Some(NO_NUL.into());
    }
}

/// The pattern of text that the service accepts anywhere: anything but NUL.
const NO_NUL: &str = "^[^\\u0000]*$";

fn is_string(schema_type: &utoipa::openapi::schema::SchemaType) -> bool {
    use utoipa::openapi::schema::{SchemaType, Type};
    match schema_type {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(types) => types.contains(&Type::String),
        SchemaType::AnyValue => false,
    }
}

/// The comma-separated enum filters of list operations: the values each takes, and the schema
/// of the enum when it has one.
fn list_filter(path: &str, name: &str) -> Option<(Vec<String>, Option<&'static str>)> {
    use crate::offers::model::OfferStatus;
    use crate::solutions::model::MigrationStatus;
    use crate::submissions::model::SubmissionState;
    use crate::tickets::model::TicketStatus;
    use crate::webhooks::model::DeliveryStatus;
    fn names<'a>(
        values: impl IntoIterator<Item = &'a str>,
        schema: &'static str,
    ) -> Option<(Vec<String>, Option<&'static str>)> {
        Some((values.into_iter().map(str::to_owned).collect(), Some(schema)))
    }
    match (path, name) {
        ("/v1/offers", "status") => names(OfferStatus::ALL.iter().map(|v| v.as_str()), "OfferStatus"),
        ("/v1/submissions", "state") => names(SubmissionState::ALL.iter().map(|v| v.as_str()), "SubmissionState"),
        ("/v1/solutions", "migration_status") => {
            names(MigrationStatus::ALL.iter().map(|v| v.as_str()), "MigrationStatus")
        }
        ("/v1/support-tickets", "status") => names(TicketStatus::ALL.iter().map(|v| v.as_str()), "TicketStatus"),
        ("/v1/webhook-deliveries", "status") => names(DeliveryStatus::ALL.iter().map(|v| v.as_str()), "DeliveryStatus"),
        ("/v1/events", "type") => Some((crate::events::types::all_patterns(), None)),
        _ => None,
    }
}

/// States in the document that no text member takes a NUL character (the service refuses them),
/// and gives a member of a custom text `format` the pattern of its rule
/// ([`crate::validate::patterns`]).
fn forbid_nul(schema: &mut utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ArrayItems, KnownFormat, Schema, SchemaFormat};

    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(object) => {
            // A password is any text too (its format only tells tools to hide it).
            let free_text = match &object.format {
                None => true,
                Some(format) => *format == SchemaFormat::KnownFormat(KnownFormat::Password),
            };
            let rule = match &object.format {
                Some(SchemaFormat::Custom(format)) => crate::validate::patterns::of_format(format),
                _ => None,
            };
            if is_string(&object.schema_type) && object.pattern.is_none() && object.enum_values.is_none() {
                if let Some(pattern) = rule {
                    object.pattern = Some(pattern.into());
                } else if free_text {
                    object.pattern = Some(NO_NUL.into());
                }
            }
            object.properties.values_mut().for_each(forbid_nul);
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                forbid_nul(items);
            }
        }
        Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(forbid_nul),
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(forbid_nul),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(forbid_nul),
        _ => {}
    }
}
