//! Service endpoints outside `/v1`: liveness, readiness and the OpenAPI document.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::error::ApiError;
use crate::openapi::responses::Unavailable;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[utoipa::path(
    operation_id = "get_health",
    tag = "service",
    summary = "Liveness",
    description = "Answers while the process runs; touches nothing else.",
    responses((status = 200, description = "Alive", body = Health)),
    security(())
)]
#[get("/healthz")]
pub async fn get_health() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

#[utoipa::path(
    operation_id = "get_readiness",
    tag = "service",
    summary = "Readiness",
    description = "Answers 200 when the database answers, else 503.",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, response = Unavailable),
    ),
    security(())
)]
#[get("/readyz")]
pub async fn get_readiness(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    db::run(&state.pool, db::ping).await?;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}

/// The document, as served: generated once at start from the route registration.
pub struct Document(pub String);

#[utoipa::path(
    operation_id = "get_openapi_document",
    tag = "service",
    summary = "This OpenAPI document",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)),
    security(())
)]
#[get("/openapi.json")]
pub async fn get_openapi_document(document: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.0.clone())
}

#[utoipa::path(
    operation_id = "get_metrics",
    tag = "service",
    summary = "Metrics",
    description = "Request counts by status class, a latency histogram and the database pool's gauges, in Prometheus text format.",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain; version=0.0.4", body = String)),
    security(())
)]
#[get("/metrics")]
pub async fn get_metrics(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.state();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(crate::http::metrics::METRICS.render(pool.connections, pool.idle_connections))
}
