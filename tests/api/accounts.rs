use actix_web::http::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, unique_mpn_id};
use crate::on_both;

on_both!(
    enrolment_creates_an_organization_and_its_owner,
    enrolling_the_same_mpn_id_twice_is_a_conflict,
    enrolment_validates_every_field_with_pointers,
    wrong_credentials_get_the_same_401_whichever_part_is_wrong,
    repeated_login_failures_are_answered_429,
    an_invitation_is_accepted_once,
    staff_log_in_with_the_same_token_endpoint,
);

async fn enrolment_creates_an_organization_and_its_owner(app: TestApp) {
    let org = app.enrol().await;
    let me = app.get("/v1/users/me").bearer(&org.owner.token).send().await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["role"], "owner");
    assert_eq!(me.body["status"], "active");
    assert_eq!(me.body["organization_id"], org.id.as_str());
    assert!(me.body.get("password_hash").is_none() && me.body.get("password").is_none());
    assert!(me.body["last_login_at"].is_string());

    let own = app.get("/v1/organization").bearer(&org.owner.token).send().await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body["mpn_id"], org.mpn_id.as_str());
    assert_eq!(own.etag(), "\"1\"");
    assert_eq!(app.audit_count(&org.id), 1, "organization.created is audited");
}

async fn enrolling_the_same_mpn_id_twice_is_a_conflict(app: TestApp) {
    let org = app.enrol().await;
    let res = app
        .post("/v1/accounts")
        .json(&json!({
            "organization": {"name": "Copycat", "mpn_id": org.mpn_id, "country": "DE"},
            "owner": {"email": "someone-else@contoso.example", "display_name": "Someone", "password": PASSWORD}
        }))
        .send()
        .await;
    res.problem(StatusCode::CONFLICT, "already_exists");
    let again = app
        .post("/v1/accounts")
        .json(&json!({
            "organization": {"name": "Other", "mpn_id": unique_mpn_id(), "country": "DE"},
            "owner": {"email": org.owner.email.to_uppercase(), "display_name": "Someone", "password": PASSWORD}
        }))
        .send()
        .await;
    again.problem(StatusCode::CONFLICT, "already_exists");
}

async fn enrolment_validates_every_field_with_pointers(app: TestApp) {
    let res = app
        .post("/v1/accounts")
        .json(&json!({
            "organization": {"name": "", "mpn_id": "12ab", "country": "XX"},
            "owner": {"email": "not-an-email", "display_name": "Ada", "password": "short"}
        }))
        .send()
        .await;
    let body = res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    for expected in [
        "#/organization/name",
        "#/organization/mpn_id",
        "#/organization/country",
        "#/owner/email",
        "#/owner/password",
    ] {
        assert!(pointers.contains(&expected), "{expected} missing from {pointers:?}");
    }
    let long_password = "x".repeat(129);
    let res = app
        .post("/v1/accounts")
        .json(&json!({
            "organization": {"name": "Contoso", "mpn_id": unique_mpn_id(), "country": "US"},
            "owner": {"email": "ada@contoso.example", "display_name": "Ada", "password": long_password}
        }))
        .send()
        .await;
    assert_eq!(
        res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error")["errors"][0]["pointer"],
        "#/owner/password"
    );
}

async fn wrong_credentials_get_the_same_401_whichever_part_is_wrong(app: TestApp) {
    let org = app.enrol().await;
    let wrong_password = app
        .post("/v1/auth/token")
        .json(&json!({"email": org.owner.email, "password": "not the password"}))
        .send()
        .await;
    let wrong_email = app
        .post("/v1/auth/token")
        .json(&json!({"email": "nobody@contoso.example", "password": PASSWORD}))
        .send()
        .await;
    wrong_password.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    wrong_email.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(wrong_password.body["detail"], wrong_email.body["detail"]);
    assert_eq!(wrong_password.header("www-authenticate"), Some("Bearer"));
    // The e-mail is matched without regard to case.
    app.login(&org.owner.email.to_uppercase(), PASSWORD).await;
}

async fn repeated_login_failures_are_answered_429(app: TestApp) {
    let org = app.enrol().await;
    for _ in 0..5 {
        let res = app
            .post("/v1/auth/token")
            .json(&json!({"email": org.owner.email, "password": "guess guess guess"}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let limited = app
        .post("/v1/auth/token")
        .json(&json!({"email": org.owner.email, "password": PASSWORD}))
        .send()
        .await;
    limited.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(
        limited
            .header("retry-after")
            .and_then(|v| v.parse::<u32>().ok())
            .is_some_and(|s| s > 0)
    );
}

async fn an_invitation_is_accepted_once(app: TestApp) {
    let org = app.enrol().await;
    let invited = app
        .post("/v1/users")
        .bearer(&org.owner.token)
        .json(&json!({"email": "dev@contoso.example", "display_name": "Dev", "role": "developer"}))
        .send()
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    assert_eq!(invited.body["user"]["status"], "invited");
    let token = invited.body["invitation_token"].as_str().unwrap();

    // An invited user cannot log in before accepting.
    let early = app
        .post("/v1/auth/token")
        .json(&json!({"email": "dev@contoso.example", "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(early.status, StatusCode::UNAUTHORIZED);

    let accepted = app
        .post("/v1/auth/accept-invitation")
        .json(&json!({"token": token, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "active");
    app.login("dev@contoso.example", PASSWORD).await;

    let replayed = app
        .post("/v1/auth/accept-invitation")
        .json(&json!({"token": token, "password": "another password!"}))
        .send()
        .await;
    replayed.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    let forged = app
        .post("/v1/auth/accept-invitation")
        .json(&json!({"token": "forged", "password": PASSWORD}))
        .send()
        .await;
    forged.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
}

async fn staff_log_in_with_the_same_token_endpoint(app: TestApp) {
    let support = app.staff(cosell::auth::roles::Role::Support).await;
    let me = app.get("/v1/users/me").bearer(&support.token).send().await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["role"], "support");
    assert!(me.body["organization_id"].is_null());
    app.get("/v1/organization")
        .bearer(&support.token)
        .send()
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
