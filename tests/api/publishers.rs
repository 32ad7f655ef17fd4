use actix_web::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Org, TestApp, TestResponse};
use crate::on_both;

on_both!(
    owners_and_managers_manage_profiles_developers_only_read,
    a_publisher_id_is_never_reused,
    profile_fields_are_validated_with_pointers,
    another_organizations_profile_is_404_and_unchanged,
    staff_read_every_profile_and_change_none,
    idempotency_key_replays_the_first_answer,
);

fn profile_body(org: &Org) -> Value {
    json!({
        "publisher_id": format!("p{}", &Uuid::now_v7().simple().to_string()[20..]),
        "display_name": "Contoso",
        "mpn_id": org.mpn_id,
        "contact_name": "Ada Lovelace",
        "contact_email": "partners@contoso.example",
        "website": "https://contoso.example"
    })
}

async fn create(app: &TestApp, token: &str, body: &Value) -> TestResponse {
    app.post("/v1/publisher-profiles").bearer(token).json(body).send().await
}

async fn owners_and_managers_manage_profiles_developers_only_read(app: TestApp) {
    let org = app.enrol().await;
    let manager = app.member(&org, "manager").await;
    let developer = app.member(&org, "developer").await;

    for token in [&org.owner.token, &manager.token] {
        let res = create(&app, token, &profile_body(&org)).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let location = res.header("location").unwrap().to_owned();
        assert_eq!(
            location,
            format!("/v1/publisher-profiles/{}", res.body["id"].as_str().unwrap())
        );
        assert_eq!(res.body["status"], "active");

        let read = app.get(&location).bearer(&developer.token).send().await;
        assert_eq!(read.status, StatusCode::OK);
        let dev_patch = app
            .patch(&location)
            .bearer(&developer.token)
            .json(&json!({"display_name": "Dev"}))
            .send()
            .await;
        dev_patch.problem(StatusCode::FORBIDDEN, "forbidden");
        let dev_delete = app.delete(&location).bearer(&developer.token).send().await;
        dev_delete.problem(StatusCode::FORBIDDEN, "forbidden");

        let patched = app
            .patch(&location)
            .bearer(token)
            .header("if-match", &read.etag())
            .json(&json!({"display_name": "Contoso Cloud"}))
            .send()
            .await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
        assert_eq!(patched.body["display_name"], "Contoso Cloud");
        assert_eq!(patched.body["version"], 2);

        let deleted = app
            .delete(&location)
            .bearer(token)
            .header("if-match", &patched.etag())
            .send()
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(
            app.get(&location).bearer(token).send().await.status,
            StatusCode::NOT_FOUND
        );
        let id = location.rsplit('/').next().unwrap();
        assert_eq!(app.audit_count(id), 3, "created, updated, deleted");
    }
    create(&app, &developer.token, &profile_body(&org))
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    let listed = app.get("/v1/publisher-profiles").bearer(&developer.token).send().await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        0,
        "deleted profiles are not listed"
    );
}

async fn a_publisher_id_is_never_reused(app: TestApp) {
    let org = app.enrol().await;
    let other = app.enrol().await;
    let body = profile_body(&org);
    let first = create(&app, &org.owner.token, &body).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let events = app
        .get(&format!(
            "/v1/audit-events?entity_id={}",
            first.body["id"].as_str().unwrap()
        ))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(events.body["items"][0]["action"], "publisher_profile.created");
    assert_eq!(
        events.body["items"][0]["request_id"].as_str(),
        first.header("request-id"),
        "the audit event carries the request id"
    );
    let mut theirs = body.clone();
    theirs["mpn_id"] = json!(other.mpn_id);
    create(&app, &other.owner.token, &theirs)
        .await
        .problem(StatusCode::CONFLICT, "already_exists");

    let deleted = app
        .delete(first.header("location").unwrap())
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    create(&app, &org.owner.token, &body)
        .await
        .problem(StatusCode::CONFLICT, "already_exists");
    create(&app, &other.owner.token, &theirs)
        .await
        .problem(StatusCode::CONFLICT, "already_exists");

    let renamed = app
        .patch(first.header("location").unwrap())
        .bearer(&org.owner.token)
        .json(&json!({"publisher_id": "renamed"}))
        .send()
        .await;
    assert_eq!(
        renamed.problem(StatusCode::BAD_REQUEST, "unknown_field")["errors"][0]["pointer"],
        "#/publisher_id"
    );
}

async fn profile_fields_are_validated_with_pointers(app: TestApp) {
    let org = app.enrol().await;
    let cases = [
        ("publisher_id", json!("Has Spaces"), "#/publisher_id"),
        ("publisher_id", json!("ab"), "#/publisher_id"),
        ("display_name", json!("x".repeat(51)), "#/display_name"),
        ("website", json!("http://contoso.example"), "#/website"),
        ("website", json!("javascript:alert(1)"), "#/website"),
        ("contact_email", json!("not an email"), "#/contact_email"),
        ("mpn_id", json!("999999"), "#/mpn_id"),
    ];
    for (field, value, pointer) in cases {
        let mut body = profile_body(&org);
        body[field] = value.clone();
        let res = create(&app, &org.owner.token, &body).await;
        let problem = res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{field} = {value}");
    }
    let mut body = profile_body(&org);
    body["status"] = json!("suspended");
    let res = create(&app, &org.owner.token, &body).await;
    assert_eq!(
        res.problem(StatusCode::BAD_REQUEST, "unknown_field")["errors"][0]["pointer"],
        "#/status"
    );

    let created = create(&app, &org.owner.token, &profile_body(&org)).await;
    let location = created.header("location").unwrap();
    let res = app
        .patch(location)
        .bearer(&org.owner.token)
        .json(&json!({"display_name": null}))
        .send()
        .await;
    res.problem(StatusCode::BAD_REQUEST, "bad_request");
    let res = app
        .patch(location)
        .bearer(&org.owner.token)
        .json(&json!({"website": "ftp://contoso.example"}))
        .send()
        .await;
    res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    let unchanged = app.get(location).bearer(&org.owner.token).send().await;
    assert_eq!(unchanged.body["version"], 1);
    assert_eq!(unchanged.body["website"], "https://contoso.example/");
}

async fn another_organizations_profile_is_404_and_unchanged(app: TestApp) {
    let ours = app.enrol().await;
    let theirs = app.enrol().await;
    let created = create(&app, &theirs.owner.token, &profile_body(&theirs)).await;
    let foreign = created.header("location").unwrap().to_owned();
    let random = format!("/v1/publisher-profiles/{}", Uuid::now_v7());
    for member in [
        ours.owner.clone(),
        app.member(&ours, "manager").await,
        app.member(&ours, "developer").await,
    ] {
        let a = app.get(&foreign).bearer(&member.token).send().await;
        let b = app.get(&random).bearer(&member.token).send().await;
        a.problem(StatusCode::NOT_FOUND, "not_found");
        b.problem(StatusCode::NOT_FOUND, "not_found");
        assert_eq!(
            (a.body["detail"].clone(), a.body["title"].clone()),
            (b.body["detail"].clone(), b.body["title"].clone())
        );
        app.patch(&foreign)
            .bearer(&member.token)
            .json(&json!({"display_name": "Mine"}))
            .send()
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
        app.delete(&foreign)
            .bearer(&member.token)
            .send()
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }
    let after = app.get(&foreign).bearer(&theirs.owner.token).send().await;
    assert_eq!(after.body["display_name"], "Contoso");
    assert_eq!(after.body["version"], 1);
}

async fn staff_read_every_profile_and_change_none(app: TestApp) {
    let org = app.enrol().await;
    let created = create(&app, &org.owner.token, &profile_body(&org)).await;
    let location = created.header("location").unwrap();
    for role in [cosell::auth::roles::Role::Support, cosell::auth::roles::Role::Reviewer] {
        let staff = app.staff(role).await;
        assert_eq!(
            app.get(location).bearer(&staff.token).send().await.status,
            StatusCode::OK
        );
        let listed = app
            .get(&format!("/v1/publisher-profiles?organization_id={}", org.id))
            .bearer(&staff.token)
            .send()
            .await;
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
        app.patch(location)
            .bearer(&staff.token)
            .json(&json!({"display_name": "Staff"}))
            .send()
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        app.delete(location)
            .bearer(&staff.token)
            .send()
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        create(&app, &staff.token, &profile_body(&org))
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
    }
}

async fn idempotency_key_replays_the_first_answer(app: TestApp) {
    let org = app.enrol().await;
    let body = profile_body(&org);
    let send = |body: Value| {
        let (app, token) = (&app, org.owner.token.clone());
        async move {
            app.post("/v1/publisher-profiles")
                .bearer(&token)
                .header("idempotency-key", "create-contoso-1")
                .json(&body)
                .send()
                .await
        }
    };
    let first = send(body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(first.header("idempotent-replayed").is_none());
    let replay = send(body.clone()).await;
    assert_eq!(replay.status, StatusCode::CREATED);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.header("location"), first.header("location"));
    assert_eq!(replay.header("etag"), first.header("etag"));
    let listed = app.get("/v1/publisher-profiles").bearer(&org.owner.token).send().await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        1,
        "the repeat created nothing"
    );

    let mut other = body.clone();
    other["display_name"] = json!("Something else");
    send(other)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused");

    // Keys belong to their user: another user's identical key runs as a new request.
    let manager = app.member(&org, "manager").await;
    let mut fresh = profile_body(&org);
    fresh["publisher_id"] = json!(format!("q{}", &Uuid::now_v7().simple().to_string()[20..]));
    let theirs = app
        .post("/v1/publisher-profiles")
        .bearer(&manager.token)
        .header("idempotency-key", "create-contoso-1")
        .json(&fresh)
        .send()
        .await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    assert!(theirs.header("idempotent-replayed").is_none());

    // Anonymous callers cannot collide: the same key with other bodies runs each request.
    for mpn in [crate::helpers::unique_mpn_id(), crate::helpers::unique_mpn_id()] {
        let enrol = app
            .post("/v1/accounts")
            .header("idempotency-key", "signup")
            .json(&json!({"organization": {"name": "Anon", "mpn_id": mpn, "country": "US"},
                          "owner": {"email": format!("{mpn}@anon.example"), "display_name": "A", "password": crate::helpers::PASSWORD}}))
            .send()
            .await;
        assert_eq!(enrol.status, StatusCode::CREATED, "{}", enrol.body);
    }
    // An invitation's one-time token is never stored for replay: the repeat runs again.
    let invite = |key: &'static str| {
        let (app, token) = (&app, org.owner.token.clone());
        async move {
            app.post("/v1/users")
                .bearer(&token)
                .header("idempotency-key", key)
                .json(&json!({"email": "once@contoso.example", "display_name": "Once", "role": "developer"}))
                .send()
                .await
        }
    };
    assert_eq!(invite("invite-1").await.status, StatusCode::CREATED);
    let again = invite("invite-1").await;
    again.problem(StatusCode::CONFLICT, "already_exists");
    assert!(again.header("idempotent-replayed").is_none());

    let long_key = "k".repeat(256);
    let res = app
        .post("/v1/publisher-profiles")
        .bearer(&org.owner.token)
        .header("idempotency-key", &long_key)
        .json(&body)
        .send()
        .await;
    res.problem(StatusCode::BAD_REQUEST, "invalid_parameter");
}
