//! Answers for requests no handler takes: 405 with `Allow` when the path exists for other
//! methods, else 404. The route table is read from the OpenAPI document, which is generated from
//! the same registration the server uses.

use actix_web::dev::ResourceDef;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};

use crate::error::ApiError;

pub struct RouteTable {
    routes: Vec<(ResourceDef, String)>,
}

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods: Vec<&str> = Vec::new();
                let ops = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                methods.extend(ops.iter().filter(|(_, present)| *present).map(|(m, _)| *m));
                (ResourceDef::new(path.as_str()), methods.join(", "))
            })
            .collect();
        Self { routes }
    }

    /// The methods allowed on `path`, if any route matches it.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        self.routes
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, allow)| allow.as_str())
    }
}

pub async fn unmatched(req: HttpRequest, table: web::Data<RouteTable>) -> Result<actix_web::HttpResponse, ApiError> {
    Err(match table.allowed(req.path()) {
        Some(allow) => ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{} is not allowed here; allowed: {allow}.", req.method()),
        )
        .with_allow(allow),
        None => ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such route."),
    })
}
