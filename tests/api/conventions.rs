use actix_web::http::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, TestApp};
use crate::on_both;

on_both!(
    malformed_bodies_are_problems_not_plain_text,
    an_oversized_body_is_413,
    unknown_routes_and_methods_are_problems,
    every_answer_carries_a_request_id,
    health_and_readiness_answer,
    a_bad_path_parameter_is_400,
    concurrent_reads_never_exhaust_the_pool,
);

async fn malformed_bodies_are_problems_not_plain_text(app: TestApp) {
    let org = app.enrol().await;
    let post = || app.post("/v1/publisher-profiles").bearer(&org.owner.token);
    post()
        .raw("application/json", "{\"publisher_id\": ")
        .send()
        .await
        .problem(StatusCode::BAD_REQUEST, "bad_request");
    post()
        .raw("application/json", "")
        .send()
        .await
        .problem(StatusCode::BAD_REQUEST, "bad_request");
    post()
        .raw("application/json", "[1, 2]")
        .send()
        .await
        .problem(StatusCode::BAD_REQUEST, "bad_request");
    post()
        .raw("text/plain", "{}")
        .send()
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    app.post("/v1/accounts")
        .send()
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    post()
        .raw("application/json", deep)
        .send()
        .await
        .problem(StatusCode::BAD_REQUEST, "bad_request");
    let typed = post().json(&json!({"publisher_id": 42})).send().await;
    assert_eq!(
        typed.problem(StatusCode::BAD_REQUEST, "bad_request")["errors"][0]["pointer"],
        "#/publisher_id"
    );
    let listed = app.get("/v1/publisher-profiles").bearer(&org.owner.token).send().await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 0, "nothing was stored");
}

async fn an_oversized_body_is_413(app: TestApp) {
    let org = app.enrol().await;
    let big = format!("{{\"display_name\": \"{}\"}}", "x".repeat(300 * 1024));
    let res = app
        .post("/v1/publisher-profiles")
        .bearer(&org.owner.token)
        .raw("application/json", big.clone())
        .send()
        .await;
    res.problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let keyed = app
        .post("/v1/publisher-profiles")
        .bearer(&org.owner.token)
        .header("idempotency-key", "big-one")
        .raw("application/json", big)
        .send()
        .await;
    keyed.problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

async fn unknown_routes_and_methods_are_problems(app: TestApp) {
    app.get("/v1/nothing-here")
        .send()
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    app.get("/nothing")
        .send()
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let res = app.request(actix_web::http::Method::PUT, "/v1/users/me").send().await;
    res.problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert_eq!(res.header("allow"), Some("GET"));
    let res = app
        .request(
            actix_web::http::Method::PUT,
            &format!("/v1/publisher-profiles/{}", uuid::Uuid::now_v7()),
        )
        .send()
        .await;
    res.problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert_eq!(res.header("allow"), Some("GET, PATCH, DELETE"));
    let res = app.delete("/v1/accounts").send().await;
    assert_eq!(res.header("allow"), Some("POST"));
}

async fn every_answer_carries_a_request_id(app: TestApp) {
    let ok = app
        .get("/healthz")
        .header("request-id", "client-correlation-1")
        .send()
        .await;
    let id = ok.header("request-id").expect("Request-Id").to_owned();
    assert_ne!(
        id, "client-correlation-1",
        "ids are generated; the client's is only logged"
    );
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    let other = app.get("/healthz").send().await;
    assert_ne!(other.header("request-id"), Some(id.as_str()));
    let problem = app.get("/v1/users/me").send().await;
    problem.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

async fn health_and_readiness_answer(app: TestApp) {
    assert_eq!(app.get("/healthz").send().await.body["status"], "ok");
    assert_eq!(app.get("/readyz").send().await.body["status"], "ok");
    let doc = app.get("/openapi.json").send().await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.body["info"]["title"], "cosell");
    let ui = app.get("/swagger-ui/").send().await;
    assert_eq!(ui.status, StatusCode::OK);
    let metrics = app.get("/metrics").send().await;
    let text = metrics.body.as_str().unwrap_or_default();
    assert!(
        text.contains("cosell_http_requests_total{status_class=\"2xx\"}"),
        "{text}"
    );
    assert!(text.contains("cosell_db_pool_connections"));
    if app.backend == Backend::Sqlite {
        // Readiness really asks the database: with the pool's database gone it is 503.
        let mut conn = app.pool.get().unwrap();
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SELECT 1").unwrap();
    }
}

async fn a_bad_path_parameter_is_400(app: TestApp) {
    let org = app.enrol().await;
    let res = app.get("/v1/users/not-a-uuid").bearer(&org.owner.token).send().await;
    res.problem(StatusCode::BAD_REQUEST, "invalid_parameter");
}

#[actix_web::test]
async fn cors_allows_configured_origins_and_exposes_the_documented_headers() {
    let app = TestApp::start_with(
        Backend::Sqlite,
        &[("COSELL_CORS_ORIGINS", "https://portal.contoso.example")],
    )
    .await
    .unwrap();
    let res = app
        .get("/healthz")
        .header("origin", "https://portal.contoso.example")
        .send()
        .await;
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://portal.contoso.example")
    );
    let exposed = res
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "etag",
        "location",
        "link",
        "request-id",
        "retry-after",
        "idempotent-replayed",
        "www-authenticate",
    ] {
        assert!(exposed.contains(name), "{name} not exposed: {exposed}");
    }
    let foreign = app
        .get("/healthz")
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert!(foreign.header("access-control-allow-origin").is_none());
    let preflight = app
        .request(actix_web::http::Method::OPTIONS, "/v1/users/me")
        .header("origin", "https://portal.contoso.example")
        .header("access-control-request-method", "PATCH")
        .header(
            "access-control-request-headers",
            "authorization, if-match, idempotency-key",
        )
        .send()
        .await;
    assert!(preflight.status.is_success(), "{:?}", preflight.status);
}

#[actix_web::test]
async fn a_busy_sqlite_database_answers_503_with_retry_after() {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let app = TestApp::start_with(Backend::Sqlite, &[("COSELL_SQLITE_BUSY_TIMEOUT_MS", "50")])
        .await
        .unwrap();
    let org = app.enrol().await;
    let path = app.sqlite_path().unwrap();
    let mut other = diesel::sqlite::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    other.batch_execute("BEGIN IMMEDIATE").unwrap();
    let busy = app
        .patch("/v1/organization")
        .bearer(&org.owner.token)
        .json(&json!({"name": "Busy"}))
        .send()
        .await;
    busy.problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert!(
        !busy.body.to_string().contains("locked"),
        "no database text reaches the client"
    );
    other.batch_execute("ROLLBACK").unwrap();
    let after = app
        .patch("/v1/organization")
        .bearer(&org.owner.token)
        .json(&json!({"name": "Free"}))
        .send()
        .await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.body["name"], "Free");
}

/// Many more concurrent reads than pooled connections (four in tests), in rounds, so that later
/// rounds find every connection idle: each read holds one connection at a time, so none waits
/// for the pool's timeout and all answer.
async fn concurrent_reads_never_exhaust_the_pool(app: TestApp) {
    let org = app.enrol().await;
    for round in 0..3 {
        let started = std::time::Instant::now();
        let answers =
            futures_util::future::join_all((0..32).map(|_| app.get("/v1/users/me").bearer(&org.owner.token).send()))
                .await;
        for answer in &answers {
            assert_eq!(answer.status, StatusCode::OK, "round {round}: {}", answer.body);
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "round {round}: reads waited for connections"
        );
    }
}

/// PostgreSQL: when the database drops a worker's own connection, the next request reads through
/// the pool and answers as usual, and the one after opens a new connection.
#[actix_web::test]
async fn a_dropped_worker_connection_is_replaced_without_a_failed_request() {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Session {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let Some(app) = TestApp::start(crate::helpers::Backend::Postgres).await else {
        return eprintln!("COSELL_TEST_POSTGRES_URL is not set: skipped");
    };
    let org = app.enrol().await;
    let me = || app.get("/v1/users/me").bearer(&org.owner.token).send();
    assert_eq!(me().await.status, StatusCode::OK);
    let name = cosell::db::pg_async::application_name();
    let mut admin = diesel::pg::PgConnection::establish(&crate::helpers::postgres_url().unwrap()).unwrap();
    let backends = |admin: &mut diesel::pg::PgConnection| {
        diesel::sql_query("SELECT pid FROM pg_stat_activity WHERE application_name = $1")
            .bind::<diesel::sql_types::Text, _>(&name)
            .load::<Session>(admin)
            .unwrap()
    };
    let before = backends(&mut admin);
    assert_eq!(before.len(), 1, "the worker's connection is not open");
    diesel::sql_query("SELECT pg_terminate_backend($1)")
        .bind::<diesel::sql_types::Integer, _>(before[0].pid)
        .execute(&mut admin)
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !backends(&mut admin).is_empty() {
        assert!(std::time::Instant::now() < deadline, "the backend did not go");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let answered = me().await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    assert_eq!(me().await.status, StatusCode::OK);
    let after = backends(&mut admin);
    assert_eq!(after.len(), 1, "no new worker connection");
    assert_ne!(after[0].pid, before[0].pid);
}
