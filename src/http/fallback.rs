//! What the OpenAPI document knows about routes, used where no handler answers: 405 with `Allow`
//! when the path exists for other methods, else 404; and 400 for query parameters an operation
//! does not document. The table is read from the document, which is generated from the same
//! registration the server uses.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, ResponseError, web};
use utoipa::openapi::path::{Operation, ParameterIn};

use crate::error::{ApiError, ErrorCode};

struct Route {
    def: ResourceDef,
    /// Each method with the names of the query parameters it documents.
    /// Each method's query parameters: name, and whether it is a list (`a,b` or `x=a&x=b`).
    methods: Vec<(Method, Vec<(String, bool)>)>,
    allow: String,
}

pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let ops: [(Method, &Option<Operation>); 5] = [
                    (Method::GET, &item.get),
                    (Method::POST, &item.post),
                    (Method::PUT, &item.put),
                    (Method::PATCH, &item.patch),
                    (Method::DELETE, &item.delete),
                ];
                let methods: Vec<(Method, Vec<(String, bool)>)> = ops
                    .into_iter()
                    .filter_map(|(method, op)| op.as_ref().map(|op| (method, query_names(op))))
                    .collect();
                let allow = methods.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>().join(", ");
                Route {
                    def: ResourceDef::new(path.as_str()),
                    methods,
                    allow,
                }
            })
            .collect();
        Self { routes }
    }

    /// The route of `path`; a literal route (`/v1/users/me`) wins over a pattern that also
    /// matches it (`/v1/users/{id}`), as in the server's own routing.
    fn route(&self, path: &str) -> Option<&Route> {
        let mut matching = self.routes.iter().filter(|r| r.def.is_match(path));
        let first = matching.next()?;
        if first.def.is_prefix() || !first.def.pattern().is_some_and(|p| p.contains('{')) {
            return Some(first);
        }
        Some(
            matching
                .find(|r| !r.def.pattern().is_some_and(|p| p.contains('{')))
                .unwrap_or(first),
        )
    }

    /// For a path that names a literal route: the methods it allows (a request there that
    /// failed to parse as a pattern route used the wrong method).
    pub fn literal_allowed(&self, path: &str) -> Option<&str> {
        self.route(path)
            .filter(|r| !r.def.pattern().is_some_and(|p| p.contains('{')))
            .map(|r| r.allow.as_str())
    }

    /// The methods allowed on `path`, if any route matches it.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        self.route(path).map(|r| r.allow.as_str())
    }

    /// The query parameters the operation documents, if the document has it.
    fn query_parameters(&self, method: &Method, path: &str) -> Option<&[(String, bool)]> {
        self.route(path)?
            .methods
            .iter()
            .find(|(m, _)| m == method)
            .map(|(_, names)| names.as_slice())
    }
}

fn query_names(op: &Operation) -> Vec<(String, bool)> {
    op.parameters
        .iter()
        .flatten()
        .filter(|p| matches!(p.parameter_in, ParameterIn::Query))
        .map(|p| (p.name.clone(), p.explode == Some(false)))
        .collect()
}

/// 405 for `method` on a path whose routes allow `allow`.
pub fn method_not_allowed(method: &Method, allow: &str) -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("{method} is not allowed here; allowed: {allow}."),
    )
    .with_allow(allow)
}

pub async fn unmatched(req: HttpRequest, table: web::Data<RouteTable>) -> Result<actix_web::HttpResponse, ApiError> {
    Err(match table.allowed(req.path()) {
        Some(allow) => method_not_allowed(req.method(), allow),
        None => ApiError::new(ErrorCode::NotFound, "No such route."),
    })
}

/// Refuses query parameters the operation does not document (and NUL characters), for every
/// route alike; requests without a query string pass untouched.
pub async fn query_guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !req.query_string().is_empty()
        && let Some(table) = req.app_data::<web::Data<RouteTable>>().cloned()
    {
        match check_query(&table, req.method(), req.path(), req.query_string()) {
            Err(e) => return Ok(req.into_response(e.error_response())),
            Ok(Some(joined)) => {
                let uri = format!("{}?{joined}", req.path());
                if let Ok(uri) = uri.parse() {
                    req.head_mut().uri = uri;
                }
            }
            Ok(None) => {}
        }
    }
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

/// Names under which clients put credentials in URLs; refused as such (401), not as unknown.
const CREDENTIAL_PARAMETERS: [&str; 6] = ["access_token", "token", "jwt", "bearer", "authorization", "api_key"];

/// Refuses what no operation takes; a list parameter sent once per value (`status=draft&status=live`,
/// as generated clients write arrays) comes back as the query to read instead, with the values
/// joined (`status=draft,live`).
fn check_query(table: &RouteTable, method: &Method, path: &str, query: &str) -> Result<Option<String>, ApiError> {
    let Some(known) = table.query_parameters(method, path) else {
        return Ok(None);
    };
    let mut repeated_list = false;
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if name.contains('\0') || value.contains('\0') {
            return Err(ApiError::invalid_parameter(
                "Query parameters must not contain NUL characters.",
            ));
        }
        if CREDENTIAL_PARAMETERS.iter().any(|c| name.eq_ignore_ascii_case(c)) {
            return Err(ApiError::unauthenticated(
                "Send the token in `Authorization: Bearer`, never in the query string.",
            ));
        }
        let Some((known_name, is_list)) = known.iter().find(|(k, _)| *k == name) else {
            let names: Vec<&str> = known.iter().map(|(k, _)| k.as_str()).collect();
            let detail = if known.is_empty() {
                format!("This operation takes no query parameters (got `{name}`).")
            } else {
                format!(
                    "Unknown query parameter `{name}`; this operation takes {}.",
                    names.join(", ")
                )
            };
            return Err(ApiError::invalid_parameter(detail));
        };
        if *is_list {
            repeated_list |= seen.contains(&known_name.as_str());
            seen.push(known_name.as_str());
        }
    }
    if !repeated_list {
        return Ok(None);
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let is_list = known.iter().any(|(k, list)| *k == name && *list);
        match pairs.iter_mut().find(|(n, _)| is_list && *n == name) {
            Some((_, joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            None => pairs.push((name.into_owned(), value.into_owned())),
        }
    }
    Ok(Some(
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish(),
    ))
}
