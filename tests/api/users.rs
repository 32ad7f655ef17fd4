use actix_web::http::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Org, TestApp};
use crate::on_both;

on_both!(
    who_may_invite_whom,
    who_may_change_roles_and_remove_users,
    the_last_active_owner_is_protected,
    two_owners_demoting_each_other_leave_one_owner,
    another_organizations_user_is_indistinguishable_from_a_missing_one,
    a_stale_if_match_changes_nothing,
    listing_users_walks_every_row_exactly_once,
    staff_see_users_of_every_organization_but_cannot_manage_them,
    a_staff_role_cannot_be_granted_over_http,
);

async fn invite(app: &TestApp, token: &str, role: &str) -> StatusCode {
    let email = format!("invitee-{}@contoso.example", Uuid::now_v7().simple());
    app.post("/v1/users")
        .bearer(token)
        .json(&json!({"email": email, "display_name": "Invitee", "role": role}))
        .send()
        .await
        .status
}

async fn who_may_invite_whom(app: TestApp) {
    let org = app.enrol().await;
    let manager = app.member(&org, "manager").await;
    let developer = app.member(&org, "developer").await;
    let cases = [
        (&org.owner.token, "owner", StatusCode::CREATED),
        (&org.owner.token, "manager", StatusCode::CREATED),
        (&org.owner.token, "developer", StatusCode::CREATED),
        (&manager.token, "owner", StatusCode::FORBIDDEN),
        (&manager.token, "manager", StatusCode::CREATED),
        (&manager.token, "developer", StatusCode::CREATED),
        (&developer.token, "developer", StatusCode::FORBIDDEN),
        (&developer.token, "manager", StatusCode::FORBIDDEN),
    ];
    for (token, role, expected) in cases {
        assert_eq!(invite(&app, token, role).await, expected, "inviting a {role}");
    }
    let duplicate = app
        .post("/v1/users")
        .bearer(&org.owner.token)
        .json(&json!({"email": developer.email, "display_name": "Again", "role": "developer"}))
        .send()
        .await;
    duplicate.problem(StatusCode::CONFLICT, "already_exists");
}

async fn who_may_change_roles_and_remove_users(app: TestApp) {
    let org = app.enrol().await;
    let second_owner = app.member(&org, "owner").await;
    let manager = app.member(&org, "manager").await;
    let developer = app.member(&org, "developer").await;
    let target = app.member(&org, "developer").await;
    let patch = |token: &str, id: &str, body: serde_json::Value| {
        let (app, token, path) = (&app, token.to_owned(), format!("/v1/users/{id}"));
        async move { app.patch(&path).bearer(&token).json(&body).send().await.status }
    };

    assert_eq!(
        patch(&developer.token, &target.id, json!({"role": "manager"})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        patch(&manager.token, &second_owner.id, json!({"role": "developer"})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        patch(&manager.token, &target.id, json!({"role": "owner"})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        patch(&manager.token, &target.id, json!({"role": "manager"})).await,
        StatusCode::OK
    );
    assert_eq!(
        patch(&org.owner.token, &target.id, json!({"role": "owner"})).await,
        StatusCode::OK
    );
    // Anyone may rename themselves, nobody else but owners and managers.
    assert_eq!(
        patch(&developer.token, &developer.id, json!({"display_name": "Dev Eloper"})).await,
        StatusCode::OK
    );
    assert_eq!(
        patch(&developer.token, &manager.id, json!({"display_name": "Nope"})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        patch(&manager.token, &second_owner.id, json!({"display_name": "Renamed"})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        patch(&developer.token, &developer.id, json!({"role": "owner"})).await,
        StatusCode::FORBIDDEN
    );

    let remove = |token: &str, id: &str| {
        let (app, token, path) = (&app, token.to_owned(), format!("/v1/users/{id}"));
        async move { app.delete(&path).bearer(&token).send().await.status }
    };
    assert_eq!(remove(&developer.token, &manager.id).await, StatusCode::FORBIDDEN);
    assert_eq!(remove(&manager.token, &second_owner.id).await, StatusCode::FORBIDDEN);
    assert_eq!(remove(&manager.token, &developer.id).await, StatusCode::NO_CONTENT);
    assert_eq!(remove(&org.owner.token, &second_owner.id).await, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/v1/users/{}", developer.id))
            .bearer(&org.owner.token)
            .send()
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let events = app
        .get(&format!("/v1/audit-events?entity_type=user&entity_id={}", target.id))
        .bearer(&org.owner.token)
        .send()
        .await;
    let actions: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "user.role_changed",
            "user.role_changed",
            "user.activated",
            "user.invited"
        ]
    );
    assert_eq!(events.body["items"][0]["from_state"], "manager");
    assert_eq!(events.body["items"][0]["to_state"], "owner");
}

async fn the_last_active_owner_is_protected(app: TestApp) {
    let org = app.enrol().await;
    let me = format!("/v1/users/{}", org.owner.id);
    for body in [json!({"role": "manager"}), json!({"status": "disabled"})] {
        app.patch(&me)
            .bearer(&org.owner.token)
            .json(&body)
            .send()
            .await
            .problem(StatusCode::CONFLICT, "last_owner");
    }
    app.delete(&me)
        .bearer(&org.owner.token)
        .send()
        .await
        .problem(StatusCode::CONFLICT, "last_owner");

    // A disabled second owner does not count as the one that remains.
    let other = app.member(&org, "owner").await;
    let res = app
        .patch(&format!("/v1/users/{}", other.id))
        .bearer(&org.owner.token)
        .json(&json!({"status": "disabled"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK);
    app.delete(&me)
        .bearer(&org.owner.token)
        .send()
        .await
        .problem(StatusCode::CONFLICT, "last_owner");

    let res = app
        .patch(&format!("/v1/users/{}", other.id))
        .bearer(&org.owner.token)
        .json(&json!({"status": "active"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let res = app
        .patch(&me)
        .bearer(&org.owner.token)
        .json(&json!({"role": "developer"}))
        .send()
        .await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "with another active owner the demotion goes through"
    );
}

async fn two_owners_demoting_each_other_leave_one_owner(app: TestApp) {
    let org = app.enrol().await;
    let other = app.member(&org, "owner").await;
    let first = app
        .patch(&format!("/v1/users/{}", other.id))
        .bearer(&org.owner.token)
        .json(&json!({"role": "manager"}))
        .send();
    let second = app
        .patch(&format!("/v1/users/{}", org.owner.id))
        .bearer(&other.token)
        .json(&json!({"role": "manager"}))
        .send();
    let (a, b) = futures_util::future::join(first, second).await;
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| [StatusCode::OK, StatusCode::CONFLICT, StatusCode::FORBIDDEN].contains(s)),
        "{statuses:?}"
    );
    let owners = app
        .get("/v1/users?role=owner&status=active")
        .bearer(&org.owner.token)
        .send()
        .await;
    let owners = if owners.status == StatusCode::OK {
        owners
    } else {
        app.get("/v1/users?role=owner&status=active")
            .bearer(&other.token)
            .send()
            .await
    };
    assert_eq!(owners.body["items"].as_array().unwrap().len(), 1, "{}", owners.body);
}

async fn another_organizations_user_is_indistinguishable_from_a_missing_one(app: TestApp) {
    let ours = app.enrol().await;
    let theirs = app.enrol().await;
    let colleague = app.member(&theirs, "developer").await;
    for member in [&ours.owner, &app.member(&ours, "developer").await] {
        let foreign = app
            .get(&format!("/v1/users/{}", colleague.id))
            .bearer(&member.token)
            .send()
            .await;
        let missing = app
            .get(&format!("/v1/users/{}", Uuid::now_v7()))
            .bearer(&member.token)
            .send()
            .await;
        foreign.problem(StatusCode::NOT_FOUND, "not_found");
        missing.problem(StatusCode::NOT_FOUND, "not_found");
        for key in ["type", "title", "status", "detail", "code"] {
            assert_eq!(foreign.body[key], missing.body[key], "{key}");
        }
    }
    let patch = app
        .patch(&format!("/v1/users/{}", colleague.id))
        .bearer(&ours.owner.token)
        .json(&json!({"role": "owner"}))
        .send()
        .await;
    patch.problem(StatusCode::NOT_FOUND, "not_found");
    let delete = app
        .delete(&format!("/v1/users/{}", colleague.id))
        .bearer(&ours.owner.token)
        .send()
        .await;
    delete.problem(StatusCode::NOT_FOUND, "not_found");
    let still = app
        .get(&format!("/v1/users/{}", colleague.id))
        .bearer(&theirs.owner.token)
        .send()
        .await;
    assert_eq!(still.body["role"], "developer");
    let listed = app.get("/v1/users").bearer(&ours.owner.token).send().await;
    assert!(
        listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["organization_id"] == ours.id.as_str())
    );
}

async fn a_stale_if_match_changes_nothing(app: TestApp) {
    let org = app.enrol().await;
    let dev = app.member(&org, "developer").await;
    let path = format!("/v1/users/{}", dev.id);
    let before = app.get(&path).bearer(&org.owner.token).send().await;
    let etag = before.etag();
    let first = app
        .patch(&path)
        .bearer(&org.owner.token)
        .header("if-match", &etag)
        .json(&json!({"display_name": "First"}))
        .send()
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_ne!(first.etag(), etag);
    let stale = app
        .patch(&path)
        .bearer(&org.owner.token)
        .header("if-match", &etag)
        .json(&json!({"role": "manager"}))
        .send()
        .await;
    stale.problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
    let stale_delete = app
        .delete(&path)
        .bearer(&org.owner.token)
        .header("if-match", &etag)
        .send()
        .await;
    stale_delete.problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
    let after = app.get(&path).bearer(&org.owner.token).send().await;
    assert_eq!(after.body["role"], "developer");
    assert_eq!(after.body["display_name"], "First");
    assert_eq!(after.etag(), first.etag());
}

async fn listing_users_walks_every_row_exactly_once(app: TestApp) {
    let org: Org = app.enrol().await;
    for _ in 0..6 {
        assert_eq!(invite(&app, &org.owner.token, "developer").await, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut path = "/v1/users?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let page = app.get(&path).bearer(&org.owner.token).send().await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        pages += 1;
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => {
                let link = page.header("link").expect("a Link header on a page with a successor");
                assert!(
                    link.contains("rel=\"next\"") && link.contains(cursor) && link.contains("limit=3"),
                    "{link}"
                );
                path = format!("/v1/users?limit=3&cursor={cursor}");
            }
            None => {
                assert!(page.header("link").is_none());
                break;
            }
        }
    }
    assert_eq!(seen.len(), 7);
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");
    sorted.dedup();
    assert_eq!(sorted.len(), 7, "no row twice");

    for bad in [
        "limit=0",
        "limit=101",
        "limit=1000000",
        "limit=abc",
        "cursor=bogus",
        "sort=name",
    ] {
        let res = app
            .get(&format!("/v1/users?{bad}"))
            .bearer(&org.owner.token)
            .send()
            .await;
        res.problem(StatusCode::BAD_REQUEST, "invalid_parameter");
    }
}

async fn staff_see_users_of_every_organization_but_cannot_manage_them(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(cosell::auth::roles::Role::Support).await;
    let res = app
        .get(&format!("/v1/users/{}", org.owner.id))
        .bearer(&support.token)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let listed = app
        .get(&format!("/v1/users?organization_id={}", org.id))
        .bearer(&support.token)
        .send()
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let res = app
        .patch(&format!("/v1/users/{}", org.owner.id))
        .bearer(&support.token)
        .json(&json!({"role": "manager"}))
        .send()
        .await;
    res.problem(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(invite(&app, &support.token, "developer").await, StatusCode::FORBIDDEN);
}

async fn a_staff_role_cannot_be_granted_over_http(app: TestApp) {
    let org = app.enrol().await;
    let dev = app.member(&org, "developer").await;
    for role in ["support", "reviewer"] {
        let res = app
            .patch(&format!("/v1/users/{}", dev.id))
            .bearer(&org.owner.token)
            .json(&json!({"role": role}))
            .send()
            .await;
        res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        let invited = app
            .post("/v1/users")
            .bearer(&org.owner.token)
            .json(&json!({"email": "s@contoso.example", "display_name": "S", "role": role}))
            .send()
            .await;
        invited.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    }
}

on_both!(the_audit_log_is_for_owners_managers_and_staff);

async fn the_audit_log_is_for_owners_managers_and_staff(app: TestApp) {
    let org = app.enrol().await;
    let other = app.enrol().await;
    let manager = app.member(&org, "manager").await;
    let developer = app.member(&org, "developer").await;
    let path = format!("/v1/audit-events?entity_type=organization&entity_id={}", org.id);
    for token in [&org.owner.token, &manager.token] {
        let res = app.get(&path).bearer(token).send().await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.body["items"][0]["action"], "organization.created");
        assert!(
            res.body["items"][0]["request_id"]
                .as_str()
                .is_some_and(|id| !id.is_empty())
        );
    }
    app.get(&path)
        .bearer(&developer.token)
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    let foreign = app.get(&path).bearer(&other.owner.token).send().await;
    assert_eq!(
        foreign.body["items"].as_array().unwrap().len(),
        0,
        "another organization's events stay hidden"
    );
    for role in [cosell::auth::roles::Role::Support, cosell::auth::roles::Role::Reviewer] {
        let staff = app.staff(role).await;
        let res = app.get(&path).bearer(&staff.token).send().await;
        assert_eq!(res.body["items"].as_array().unwrap().len(), 1);
    }
}
