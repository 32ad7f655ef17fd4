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
    description = "The document this service is generated from, as served to Swagger UI and code generators; the same as the committed `openapi/openapi.json`. No authentication.",
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
    description = "Request counts by status class, a latency histogram, the database pool's gauges, webhook deliveries by outcome and the age of the oldest due delivery, in Prometheus text format.",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain; version=0.0.4", body = String)),
    security(())
)]
#[get("/metrics")]
pub async fn get_metrics(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.state();
    let mut text = crate::http::metrics::METRICS.render(pool.connections, pool.idle_connections);
    // Without the database, the rest is still worth answering.
    let oldest = db::read(&state.pool, |conn| {
        let now = crate::time::now();
        Ok(crate::webhooks::repo::oldest_due(conn, now)?.map(|due| (now - due).num_milliseconds().max(0)))
    })
    .await
    .ok()
    .flatten();
    text.push_str(&webhook_metrics(oldest));
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(text)
}

fn webhook_metrics(oldest_due_ms: Option<i64>) -> String {
    use std::fmt::Write;
    use std::sync::atomic::Ordering;
    let outcomes = &crate::webhooks::recorder::OUTCOMES;
    let mut out = String::new();
    out.push_str("# HELP cosell_webhook_attempts_total Webhook delivery attempts by outcome (this process).\n");
    out.push_str("# TYPE cosell_webhook_attempts_total counter\n");
    for (outcome, counter) in [
        ("succeeded", &outcomes.succeeded),
        ("retried", &outcomes.failed_attempts),
        ("failed", &outcomes.given_up),
    ] {
        let _ = writeln!(
            out,
            "cosell_webhook_attempts_total{{outcome=\"{outcome}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }
    out.push_str("# HELP cosell_webhook_oldest_due_seconds How long the longest-waiting due delivery has waited.\n");
    out.push_str("# TYPE cosell_webhook_oldest_due_seconds gauge\n");
    let _ = writeln!(
        out,
        "cosell_webhook_oldest_due_seconds {}",
        oldest_due_ms.map_or(0.0, |ms| ms as f64 / 1000.0)
    );
    out
}
