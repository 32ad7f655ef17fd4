use actix_web::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp, TestResponse, unique_mpn_id};
use crate::on_both;

on_both!(
    an_invited_owner_enabled_again_stays_invited_and_never_counts_as_an_owner,
    one_address_is_one_person_whatever_its_form,
    invisible_characters_are_refused_in_addresses_and_names,
    guessable_passwords_are_refused,
    a_user_disabled_and_enabled_again_keeps_no_old_session,
);

async fn enrol_as(app: &TestApp, email: &str, display_name: &str, password: &str) -> TestResponse {
    app.post("/v1/accounts")
        .json(&json!({
            "organization": {"name": "Contoso", "mpn_id": unique_mpn_id(), "country": "US"},
            "owner": {"email": email, "display_name": display_name, "password": password}
        }))
        .send()
        .await
}

/// Invites `email` as `role` into the owner's organization: the user's id and the one-time token.
async fn invite(app: &TestApp, token: &str, email: &str, role: &str) -> (String, String) {
    let res = app
        .post("/v1/users")
        .bearer(token)
        .json(&json!({"email": email, "display_name": "Invited One", "role": role}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    (
        res.body["user"]["id"].as_str().unwrap().to_owned(),
        res.body["invitation_token"].as_str().unwrap().to_owned(),
    )
}

fn pointer_and_code(body: &Value) -> (String, String) {
    (
        body["errors"][0]["pointer"].as_str().unwrap_or_default().to_owned(),
        body["errors"][0]["code"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn an_invited_owner_enabled_again_stays_invited_and_never_counts_as_an_owner(app: TestApp) {
    let org = app.enrol().await;
    let email = format!("ghost-{}@contoso.example", Uuid::now_v7().simple());
    let (ghost, token) = invite(&app, &org.owner.token, &email, "owner").await;
    let path = format!("/v1/users/{ghost}");
    for (status, expected) in [("disabled", "disabled"), ("active", "invited")] {
        let res = app
            .patch(&path)
            .bearer(&org.owner.token)
            .json(&json!({"status": status}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.body["status"], expected, "{}", res.body);
    }
    // The real owner cannot hand the organization to an owner nobody can log in as.
    app.patch(&format!("/v1/users/{}", org.owner.id))
        .bearer(&org.owner.token)
        .json(&json!({"role": "manager"}))
        .send()
        .await
        .problem(StatusCode::CONFLICT, "last_owner");
    // Accepting is what makes the second owner real.
    let accepted = app
        .post("/v1/auth/accept-invitation")
        .json(&json!({"token": token, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "active");
    let demoted = app
        .patch(&format!("/v1/users/{}", org.owner.id))
        .bearer(&org.owner.token)
        .json(&json!({"role": "manager"}))
        .send()
        .await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.body);
}

async fn one_address_is_one_person_whatever_its_form(app: TestApp) {
    let local = format!("casey-{}", Uuid::now_v7().simple());
    let first = enrol_as(&app, &format!("{local}@em.example"), "Casey", PASSWORD).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    for same in [
        format!("{local}@ＥＭ.example"),
        format!("{local}@EM.EXAMPLE"),
        format!(" {local}@em.example "),
    ] {
        let again = enrol_as(&app, &same, "Casey", PASSWORD).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{same}: {}", again.body);
        app.login(&same, PASSWORD).await;
    }
    // A look-alike domain is another address, stored in the form that shows it.
    let lookalike = enrol_as(&app, &format!("{local}@\u{435}m.example"), "Casey", PASSWORD).await;
    assert_eq!(lookalike.status, StatusCode::CREATED, "{}", lookalike.body);
    let stored = lookalike.body["user"]["email"].as_str().unwrap();
    assert!(stored.starts_with(&format!("{local}@xn--")), "{stored}");
}

async fn invisible_characters_are_refused_in_addresses_and_names(app: TestApp) {
    let local = format!("zw-{}", Uuid::now_v7().simple());
    for (email, name, pointer) in [
        (format!("{local}@em.example\u{200B}"), "Casey", "#/owner/email"),
        (format!("{local}\u{200D}@em.example"), "Casey", "#/owner/email"),
        (
            format!("{local}@em.example"),
            "Casey\u{202E}txet",
            "#/owner/display_name",
        ),
        (format!("{local}@em.example"), "\u{2066}Casey", "#/owner/display_name"),
    ] {
        let res = enrol_as(&app, &email, name, PASSWORD).await;
        res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        let found = res.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["pointer"] == pointer && e["code"] == "invalid_characters");
        assert!(
            found,
            "{email:?} {name:?}: no invalid_characters at {pointer}: {}",
            res.body
        );
    }
    let org = app.enrol().await;
    let renamed = app
        .patch(&format!("/v1/users/{}", org.owner.id))
        .bearer(&org.owner.token)
        .json(&json!({"display_name": "Ada\u{200F}"}))
        .send()
        .await;
    renamed.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
}

async fn guessable_passwords_are_refused(app: TestApp) {
    let local = format!("weak-{}", Uuid::now_v7().simple());
    let email = format!("{local}@contoso.example");
    for weak in ["          ", "aaaaaaaaaa", "password12", "qwertyuiop1", email.as_str()] {
        let res = enrol_as(&app, &email, "Weak Walter", weak).await;
        res.problem(StatusCode::UNPROCESSABLE_ENTITY, "weak_password");
        assert_eq!(
            pointer_and_code(&res.body),
            ("#/owner/password".to_owned(), "weak_password".to_owned()),
            "{weak:?}"
        );
    }
    let strong = enrol_as(&app, &email, "Weak Walter", PASSWORD).await;
    assert_eq!(strong.status, StatusCode::CREATED, "{}", strong.body);

    // An invitee's own address is no password either.
    let org = app.enrol().await;
    let invitee = format!("invitee-{}@contoso.example", Uuid::now_v7().simple());
    let (_, token) = invite(&app, &org.owner.token, &invitee, "developer").await;
    for weak in [invitee.as_str(), "1111111111"] {
        let res = app
            .post("/v1/auth/accept-invitation")
            .json(&json!({"token": token, "password": weak}))
            .send()
            .await;
        res.problem(StatusCode::UNPROCESSABLE_ENTITY, "weak_password");
        assert_eq!(pointer_and_code(&res.body).0, "#/password");
    }
    let accepted = app
        .post("/v1/auth/accept-invitation")
        .json(&json!({"token": token, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
}

async fn a_user_disabled_and_enabled_again_keeps_no_old_session(app: TestApp) {
    let org = app.enrol().await;
    let member = app.member(&org, "developer").await;
    let me = |token: String| {
        let app = &app;
        async move { app.get("/v1/users/me").bearer(&token).send().await.status }
    };
    assert_eq!(me(member.token.clone()).await, StatusCode::OK);
    for (status, old_token) in [
        ("disabled", StatusCode::UNAUTHORIZED),
        ("active", StatusCode::UNAUTHORIZED),
    ] {
        let res = app
            .patch(&format!("/v1/users/{}", member.id))
            .bearer(&org.owner.token)
            .json(&json!({"status": status}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(me(member.token.clone()).await, old_token, "the old token once {status}");
    }
    // A new login works at once, even within the second the user was enabled again.
    let fresh = app.login(&member.email, PASSWORD).await;
    assert_eq!(me(fresh).await, StatusCode::OK);
    // Others' sessions are untouched.
    assert_eq!(me(org.owner.token.clone()).await, StatusCode::OK);
}
