//! Sessions: refresh tokens rotated once each, reuse ending the session, logout, and changing
//! one's password or being disabled ending every session of that user.

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};
use crate::on_both;

on_both!(
    changing_ones_password_ends_every_session,
    a_wrong_current_password_or_a_weak_new_one_is_refused,
    a_refresh_token_is_good_for_one_use_and_reuse_ends_its_session,
    one_refresh_token_sent_twice_at_once_ends_its_session,
    password_change_and_disabling_void_refresh_tokens,
    logout_ends_the_session_and_everywhere_ends_them_all,
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

/// A login's answer: the access and refresh tokens.
async fn login_pair(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let res = app
        .post("/v1/auth/token")
        .json(&json!({"email": email, "password": password}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    pair(&res.body)
}

fn pair(body: &Value) -> (String, String) {
    let access = body["access_token"].as_str().expect("an access token").to_owned();
    let refresh = body["refresh_token"].as_str().expect("a refresh token").to_owned();
    (access, refresh)
}

async fn refresh(app: &TestApp, token: &str) -> crate::helpers::TestResponse {
    app.post("/v1/auth/refresh")
        .json(&json!({"refresh_token": token}))
        .send()
        .await
}

async fn works(app: &TestApp, access: &str) -> bool {
    app.get("/v1/users/me").bearer(access).send().await.status == StatusCode::OK
}

async fn a_refresh_token_is_good_for_one_use_and_reuse_ends_its_session(app: TestApp) {
    let org = app.enrol().await;
    let res = app
        .post("/v1/auth/token")
        .json(&json!({"email": org.owner.email, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(res.body["refresh_expires_in"], 30 * 24 * 3600);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let (_, first) = pair(&res.body);
    assert!(first.starts_with("csrt_"), "{first}");
    let (_, other_session) = login_pair(&app, &org.owner.email, PASSWORD).await;

    let rotated = refresh(&app, &first).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    assert_eq!(rotated.header("cache-control"), Some("no-store"));
    let (access, second) = pair(&rotated.body);
    assert_ne!(second, first);
    assert!(works(&app, &access).await);
    let me = app.get("/v1/users/me").bearer(&access).send().await;
    assert_eq!(me.body["id"], org.owner.id.as_str());

    // The used token again: someone else holds a copy. The session it belongs to ends.
    refresh(&app, &first)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    refresh(&app, &second)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    // Another login of the same user is another session.
    let res = refresh(&app, &other_session).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // Made-up tokens are 401 too.
    for token in ["csrt_not-a-token", "x"] {
        refresh(&app, token)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    app.post("/v1/auth/refresh")
        .json(&json!({}))
        .send()
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
}

async fn one_refresh_token_sent_twice_at_once_ends_its_session(app: TestApp) {
    let org = app.enrol().await;
    let (_, token) = login_pair(&app, &org.owner.email, PASSWORD).await;
    let (a, b) = futures_util::future::join(refresh(&app, &token), refresh(&app, &token)).await;
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::UNAUTHORIZED],
        "{} {}",
        a.body,
        b.body
    );
    let winner = if a.status == StatusCode::OK { &a } else { &b };
    let (_, next) = pair(&winner.body);
    refresh(&app, &next)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

async fn password_change_and_disabling_void_refresh_tokens(app: TestApp) {
    let org = app.enrol().await;
    let member = app.member(&org, "developer").await;
    let (access, token) = login_pair(&app, &org.owner.email, PASSWORD).await;
    let res = app
        .post("/v1/users/me/password")
        .bearer(&access)
        .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    refresh(&app, &token)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let (owner, fresh) = login_pair(&app, &org.owner.email, NEW_PASSWORD).await;
    let res = refresh(&app, &fresh).await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "a login right after the change: {}",
        res.body
    );

    let (_, member_token) = login_pair(&app, &member.email, PASSWORD).await;
    let path = format!("/v1/users/{}", member.id);
    for status in ["disabled", "active"] {
        let res = app
            .patch(&path)
            .bearer(&owner)
            .json(&json!({"status": status}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    refresh(&app, &member_token)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let (_, again) = login_pair(&app, &member.email, PASSWORD).await;
    assert_eq!(refresh(&app, &again).await.status, StatusCode::OK);
}

async fn logout_ends_the_session_and_everywhere_ends_them_all(app: TestApp) {
    let org = app.enrol().await;
    let email = &org.owner.email;
    let (first_access, first) = login_pair(&app, email, PASSWORD).await;
    let (second_access, second) = login_pair(&app, email, PASSWORD).await;
    let logout = |body: Value| {
        let app = &app;
        async move { app.post("/v1/auth/logout").json(&body).send().await }
    };
    let res = logout(json!({"refresh_token": first})).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    refresh(&app, &first)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    // The other session goes on; the access token of the ended one expires on its own.
    let res = refresh(&app, &second).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let (_, second) = pair(&res.body);
    assert!(works(&app, &first_access).await);
    // Unknown or already void: nothing to end, no error.
    for token in [first.as_str(), "csrt_never-issued"] {
        assert_eq!(
            logout(json!({"refresh_token": token})).await.status,
            StatusCode::NO_CONTENT
        );
    }

    let res = logout(json!({"refresh_token": second, "everywhere": true})).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    for access in [&first_access, &second_access] {
        assert!(
            !works(&app, access).await,
            "an access token outlived a logout everywhere"
        );
    }
    refresh(&app, &second)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    // A login right after is a new session.
    let (access, token) = login_pair(&app, email, PASSWORD).await;
    assert!(works(&app, &access).await);
    assert_eq!(refresh(&app, &token).await.status, StatusCode::OK);
    logout(json!({"refresh_token": token, "everywhere": "yes"}))
        .await
        .problem(StatusCode::BAD_REQUEST, "bad_request");
}
