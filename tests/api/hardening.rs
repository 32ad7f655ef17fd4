//! The smaller holes: repeated credentials, tokens that claim too much, JSON that readers would
//! read differently, encoded bodies read as plain ones, bodies that never arrive.

use actix_web::http::StatusCode;
use base64::Engine;
use chrono::Utc;
use serde_json::{Value, json};

use crate::helpers::{SECRET, TestApp};
use crate::offers::draft;
use crate::on_both;

on_both!(
    two_authorization_headers_are_refused,
    tokens_that_claim_too_much_are_refused,
    a_member_named_twice_is_refused,
    an_encoded_body_is_refused,
);

mod a_body_that_never_arrives_is_408 {
    use super::*;
    use crate::helpers::Backend;

    async fn run(backend: Backend) {
        let settings = [("COSELL_BODY_TIMEOUT_SECONDS", "1")];
        let Some(app) = TestApp::start_with(backend, &settings).await else {
            eprintln!("COSELL_TEST_POSTGRES_URL is not set: skipped on PostgreSQL");
            return;
        };
        let org = app.enrol().await;
        let started = std::time::Instant::now();
        let res = app
            .patch("/v1/organization")
            .bearer(&org.owner.token)
            .stalled_json(b"{\"name\": \"Cont")
            .send()
            .await;
        res.problem(StatusCode::REQUEST_TIMEOUT, "request_timeout");
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        let after = app.get("/v1/organization").bearer(&org.owner.token).send().await;
        assert_eq!(after.body["name"], "Contoso", "nothing was written");
    }

    #[actix_web::test]
    async fn sqlite() {
        run(Backend::Sqlite).await;
    }
    #[actix_web::test]
    async fn postgres() {
        run(Backend::Postgres).await;
    }
}

async fn two_authorization_headers_are_refused(app: TestApp) {
    let org = app.enrol().await;
    let other = app.enrol().await;
    let res = app
        .get("/v1/users/me")
        .append_header("authorization", &format!("Bearer {}", org.owner.token))
        .append_header("authorization", &format!("Bearer {}", other.owner.token))
        .send()
        .await;
    res.problem(StatusCode::BAD_REQUEST, "bad_request");
    // The same token twice is still two headers.
    let res = app
        .get("/v1/users/me")
        .append_header("authorization", &format!("Bearer {}", org.owner.token))
        .append_header("authorization", &format!("Bearer {}", org.owner.token))
        .send()
        .await;
    res.problem(StatusCode::BAD_REQUEST, "bad_request");
    let res = app.get("/v1/users/me").bearer(&org.owner.token).send().await;
    assert_eq!(res.status, StatusCode::OK, "one header works: {}", res.body);
}

fn b64(value: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A token signed with the service's own secret, with any header and claims.
fn hand_signed(header: Value, claims: Value) -> String {
    let input = format!("{}.{}", b64(&header), b64(&claims));
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS256).unwrap();
    format!("{input}.{signature}")
}

async fn tokens_that_claim_too_much_are_refused(app: TestApp) {
    let org = app.enrol().await;
    let now = Utc::now().timestamp();
    let claims = |iat: i64, exp: i64| json!({"sub": org.owner.id, "org": org.id, "role": "owner", "iat": iat, "exp": exp, "iss": "cosell", "aud": "cosell-api"});
    let plain = json!({"alg": "HS256", "typ": "JWT"});
    let good = hand_signed(plain.clone(), claims(now, now + 600));
    assert_eq!(
        app.get("/v1/users/me").bearer(&good).send().await.status,
        StatusCode::OK
    );

    let cases = [
        (
            "a crit header",
            hand_signed(
                json!({"alg": "HS256", "typ": "JWT", "crit": ["exp"]}),
                claims(now, now + 600),
            ),
        ),
        (
            "issued an hour from now",
            hand_signed(plain.clone(), claims(now + 3_600, now + 4_000)),
        ),
        (
            "a ten-year lifetime",
            hand_signed(plain.clone(), claims(now, now + 10 * 365 * 86_400)),
        ),
        ("25 hours", hand_signed(plain, claims(now - 3_600, now + 24 * 3_600))),
    ];
    for (what, token) in cases {
        let res = app.get("/v1/users/me").bearer(&token).send().await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{what}: {}", res.body);
        assert_eq!(res.header("www-authenticate"), Some("Bearer"));
    }
}

async fn a_member_named_twice_is_refused(app: TestApp) {
    let org = app.enrol().await;
    let id = draft(&app, &org, "saas").await;
    let path = format!("/v1/offers/{id}");
    let before = app.get(&path).bearer(&org.owner.token).send().await;
    let res = app
        .patch(&path)
        .bearer(&org.owner.token)
        .raw(
            "application/json",
            r#"{"name": "Contoso Analytics Pro", "listing": {"summary": "a", "summary": "b"}}"#,
        )
        .send()
        .await;
    let problem = res.problem(StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(problem["errors"][0]["pointer"], "#/listing/summary", "{problem}");
    let res = app
        .patch(&path)
        .bearer(&org.owner.token)
        .raw("application/json", r#"{"name": "One", "name": "Two"}"#)
        .send()
        .await;
    let problem = res.problem(StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(problem["errors"][0]["pointer"], "#/name", "{problem}");
    let after = app.get(&path).bearer(&org.owner.token).send().await;
    assert_eq!(after.body["version"], before.body["version"], "nothing was written");

    // Typed bodies too, and members of the same name in different objects are fine.
    let res = app
        .post("/v1/support-tickets")
        .bearer(&org.owner.token)
        .raw(
            "application/json",
            r#"{"category": "publishing", "subject": "One", "subject": "Two", "description": "Text"}"#,
        )
        .send()
        .await;
    res.problem(StatusCode::BAD_REQUEST, "bad_request");
    let res = app
        .patch(&path)
        .bearer(&org.owner.token)
        .raw(
            "application/json",
            r#"{"setup": {"listing_option": "contact_me"}, "listing": {"summary": "Analytics"}, "properties": {"categories": ["analytics"]}}"#,
        )
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

async fn an_encoded_body_is_refused(app: TestApp) {
    let org = app.enrol().await;
    for encoding in ["gzip", "br", "deflate, identity"] {
        let res = app
            .patch("/v1/organization")
            .bearer(&org.owner.token)
            .header("content-encoding", encoding)
            .json(&json!({"name": "Fabrikam"}))
            .send()
            .await;
        res.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }
    let res = app
        .patch("/v1/organization")
        .bearer(&org.owner.token)
        .header("content-encoding", "identity")
        .json(&json!({"name": "Fabrikam"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["name"], "Fabrikam");
}
