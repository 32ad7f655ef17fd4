//! Sessions: changing one's password ends every session of that user.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};
use crate::on_both;

on_both!(
    changing_ones_password_ends_every_session,
    a_wrong_current_password_or_a_weak_new_one_is_refused,
);

const NEW_PASSWORD: &str = "a stapler of eleven horses";

async fn changing_ones_password_ends_every_session(app: TestApp) {
    let org = app.enrol().await;
    let member = app.member(&org, "developer").await;
    let second = app.login(&member.email, PASSWORD).await;
    let res = app
        .post("/v1/users/me/password")
        .bearer(&member.token)
        .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    for token in [&member.token, &second] {
        let res = app.get("/v1/users/me").bearer(token).send().await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "a session outlived the change");
    }
    let old = app
        .post("/v1/auth/token")
        .json(&json!({"email": member.email, "password": PASSWORD}))
        .send()
        .await;
    old.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let fresh = app.login(&member.email, NEW_PASSWORD).await;
    let me = app.get("/v1/users/me").bearer(&fresh).send().await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    // Other users keep their sessions.
    let owner = app.get("/v1/users/me").bearer(&org.owner.token).send().await;
    assert_eq!(owner.status, StatusCode::OK);
    assert!(app.audit_count(&member.id) >= 3, "invited, activated, password changed");
}

async fn a_wrong_current_password_or_a_weak_new_one_is_refused(app: TestApp) {
    let org = app.enrol().await;
    let change = |current: &str, new: &str| {
        app.post("/v1/users/me/password")
            .bearer(&org.owner.token)
            .json(&json!({"current_password": current, "new_password": new}))
    };
    let res = change("not the password at all", NEW_PASSWORD).send().await;
    let problem = res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    assert_eq!(problem["errors"][0]["pointer"], "#/current_password", "{problem}");
    let res = change(PASSWORD, "password12").send().await;
    let problem = res.problem(StatusCode::UNPROCESSABLE_ENTITY, "weak_password");
    assert_eq!(problem["errors"][0]["pointer"], "#/new_password", "{problem}");
    let res = change(PASSWORD, &org.owner.email).send().await;
    res.problem(StatusCode::UNPROCESSABLE_ENTITY, "weak_password");
    let res = app
        .post("/v1/users/me/password")
        .bearer(&org.owner.token)
        .json(&json!({"new_password": NEW_PASSWORD}))
        .send()
        .await;
    assert!(res.status.is_client_error(), "{}", res.body);
    // Nothing changed: the session still works, the old password still logs in.
    let me = app.get("/v1/users/me").bearer(&org.owner.token).send().await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    app.login(&org.owner.email, PASSWORD).await;
    // Guessing the current password is limited as logins are.
    for _ in 0..5 {
        change("still not the password", NEW_PASSWORD).send().await;
    }
    let res = change(PASSWORD, NEW_PASSWORD).send().await;
    res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}
