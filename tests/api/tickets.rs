use actix_web::http::StatusCode;
use chrono::{DateTime, Datelike, Utc, Weekday};
use serde_json::json;

use crate::helpers::{Org, TestApp, listed_ids};
use crate::on_both;
use cosell::auth::roles::Role;

on_both!(
    a_ticket_is_due_two_business_days_after_it_opens,
    support_answers_asks_and_resolves_while_partners_reply_and_close,
    internal_notes_never_reach_partners,
    who_may_cancel_and_handle_tickets,
    another_organizations_tickets_and_comments_are_404,
    overdue_tickets_are_found_by_staff,
);

async fn open_ticket(app: &TestApp, org: &Org, token: &str) -> serde_json::Value {
    let res = app
        .post("/v1/support-tickets")
        .bearer(token)
        .json(&json!({"category": "publishing", "subject": "Certification feedback", "description": "What does it mean?"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{} ({})", res.body, org.id);
    res.body
}

async fn a_ticket_is_due_two_business_days_after_it_opens(app: TestApp) {
    let org = app.enrol().await;
    let ticket = open_ticket(&app, &org, &org.owner.token).await;
    assert_eq!(ticket["status"], "open");
    let created: DateTime<Utc> = ticket["created_at"].as_str().unwrap().parse().unwrap();
    let due: DateTime<Utc> = ticket["first_response_due_at"].as_str().unwrap().parse().unwrap();
    let mut expected = created;
    let mut added = 0;
    while added < 2 {
        expected += chrono::Duration::days(1);
        if !matches!(expected.weekday(), Weekday::Sat | Weekday::Sun) {
            added += 1;
        }
    }
    assert_eq!(due, expected);
    assert!(!matches!(due.weekday(), Weekday::Sat | Weekday::Sun));
    assert_eq!(ticket["overdue"], false);
    let merge = app
        .post("/v1/support-tickets")
        .bearer(&org.owner.token)
        .json(&json!({"category": "merge_request", "subject": "s", "description": "d"}))
        .send()
        .await;
    merge.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    let foreign = app
        .post("/v1/support-tickets")
        .bearer(&org.owner.token)
        .json(&json!({"category": "general", "subject": "s", "description": "d", "related_offer_id": uuid::Uuid::now_v7()}))
        .send()
        .await;
    foreign.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
}

async fn support_answers_asks_and_resolves_while_partners_reply_and_close(app: TestApp) {
    let org = app.enrol().await;
    let developer = app.member(&org, "developer").await;
    let support = app.staff(Role::Support).await;
    let ticket = open_ticket(&app, &org, &developer.token).await;
    let path = format!("/v1/support-tickets/{}", ticket["id"].as_str().unwrap());

    let asked = app
        .post(&format!("{path}/request-info"))
        .bearer(&support.token)
        .json(&json!({"message": "Which offer?"}))
        .send()
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_eq!(asked.body["status"], "awaiting_partner");
    assert!(asked.body["first_responded_at"].is_string());
    let other = open_ticket(&app, &org, &developer.token).await;
    let (asked_id, other_id) = (ticket["id"].as_str().unwrap(), other["id"].as_str().unwrap());
    let by_status = |status: &'static str| {
        let (app, token) = (&app, developer.token.clone());
        async move { listed_ids(app, &token, &format!("/v1/support-tickets?status={status}")).await }
    };
    assert_eq!(by_status("awaiting_partner").await, [asked_id]);
    assert_eq!(by_status("open").await, [other_id]);
    assert_eq!(
        by_status("open,awaiting_partner").await,
        [other_id, asked_id],
        "newest first"
    );
    let replied = app
        .post(&format!("{path}/comments"))
        .bearer(&developer.token)
        .json(&json!({"body": "Contoso Analytics."}))
        .send()
        .await;
    assert_eq!(replied.status, StatusCode::CREATED, "{}", replied.body);
    assert_eq!(
        app.get(&path).bearer(&developer.token).send().await.body["status"],
        "in_progress"
    );
    let comments = app
        .get(&format!("{path}/comments"))
        .bearer(&developer.token)
        .send()
        .await;
    let bodies: Vec<&str> = comments.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Which offer?", "Contoso Analytics."], "oldest first");

    let partner_assign = app
        .post(&format!("{path}/assign"))
        .bearer(&org.owner.token)
        .send()
        .await;
    partner_assign.problem(StatusCode::FORBIDDEN, "forbidden");
    let resolved = app
        .post(&format!("{path}/resolve"))
        .bearer(&support.token)
        .json(&json!({"resolution": "answered", "note": "See the guide."}))
        .send()
        .await;
    assert_eq!(resolved.body["status"], "resolved", "{}", resolved.body);
    assert_eq!(resolved.body["resolution"], "answered");
    let reopened = app
        .post(&format!("{path}/reopen"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(reopened.body["status"], "in_progress");
    app.post(&format!("{path}/resolve"))
        .bearer(&support.token)
        .json(&json!({"resolution": "merged"}))
        .send()
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    app.post(&format!("{path}/resolve"))
        .bearer(&support.token)
        .json(&json!({"resolution": "answered"}))
        .send()
        .await;
    let closed = app.post(&format!("{path}/close")).bearer(&developer.token).send().await;
    assert_eq!(closed.body["status"], "closed");
    let late = app
        .post(&format!("{path}/comments"))
        .bearer(&developer.token)
        .json(&json!({"body": "One more thing"}))
        .send()
        .await;
    late.problem(StatusCode::CONFLICT, "invalid_state_transition");
    let history = app
        .get(&format!(
            "/v1/audit-events?entity_id={}",
            ticket["id"].as_str().unwrap()
        ))
        .bearer(&org.owner.token)
        .send()
        .await;
    let actions: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "support_ticket.opened",
            "support_ticket.info_requested",
            "support_ticket.replied",
            "support_ticket.resolved",
            "support_ticket.reopened",
            "support_ticket.resolved",
            "support_ticket.closed"
        ]
    );
}

async fn internal_notes_never_reach_partners(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let reviewer = app.staff(Role::Reviewer).await;
    let ticket = open_ticket(&app, &org, &org.owner.token).await;
    let path = format!("/v1/support-tickets/{}", ticket["id"].as_str().unwrap());
    let note = app
        .post(&format!("{path}/comments"))
        .bearer(&support.token)
        .json(&json!({"body": "Partner seems confused", "internal": true}))
        .send()
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.body);
    assert_eq!(
        app.get(&path).bearer(&support.token).send().await.body["status"],
        "open",
        "a note is not an answer"
    );
    let answer = app
        .post(&format!("{path}/comments"))
        .bearer(&support.token)
        .json(&json!({"body": "Hello!"}))
        .send()
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    app.post(&format!("{path}/comments"))
        .bearer(&org.owner.token)
        .json(&json!({"body": "x", "internal": true}))
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    app.post(&format!("{path}/comments"))
        .bearer(&reviewer.token)
        .json(&json!({"body": "x"}))
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");

    let partner = app
        .get(&format!("{path}/comments"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let bodies: Vec<&str> = partner.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Hello!"]);
    let partner_ticket = app.get(&path).bearer(&org.owner.token).send().await;
    assert_eq!(partner_ticket.body["comment_count"], 1);
    assert_eq!(
        partner_ticket.body["status"], "in_progress",
        "support's answer started work"
    );
    let listed = app.get("/v1/support-tickets").bearer(&org.owner.token).send().await;
    assert_eq!(listed.body["items"][0]["comment_count"], 1);
    let staff = app.get(&format!("{path}/comments")).bearer(&support.token).send().await;
    assert_eq!(staff.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get(&path).bearer(&reviewer.token).send().await.body["comment_count"],
        2
    );
}

async fn who_may_cancel_and_handle_tickets(app: TestApp) {
    let org = app.enrol().await;
    let developer = app.member(&org, "developer").await;
    let other_developer = app.member(&org, "developer").await;
    let manager = app.member(&org, "manager").await;
    let support = app.staff(Role::Support).await;
    let reviewer = app.staff(Role::Reviewer).await;
    let first = open_ticket(&app, &org, &developer.token).await;
    let path = format!("/v1/support-tickets/{}", first["id"].as_str().unwrap());
    app.post(&format!("{path}/cancel"))
        .bearer(&other_developer.token)
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    app.post(&format!("{path}/cancel"))
        .bearer(&support.token)
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(
        app.post(&format!("{path}/cancel"))
            .bearer(&developer.token)
            .send()
            .await
            .body["status"],
        "canceled"
    );
    let second = open_ticket(&app, &org, &developer.token).await;
    let path = format!("/v1/support-tickets/{}", second["id"].as_str().unwrap());
    for (token, who) in [(&reviewer.token, "reviewer"), (&org.owner.token, "owner")] {
        app.post(&format!("{path}/resolve"))
            .bearer(token)
            .json(&json!({"resolution": "answered"}))
            .send()
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        app.post(&format!("{path}/assign"))
            .bearer(token)
            .send()
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        let _ = who;
    }
    let bad_assignee = app
        .post(&format!("{path}/assign"))
        .bearer(&support.token)
        .json(&json!({"assignee_id": reviewer.id}))
        .send()
        .await;
    bad_assignee.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    app.post("/v1/support-tickets")
        .bearer(&support.token)
        .json(&json!({"category": "general", "subject": "s", "description": "d"}))
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(
        app.post(&format!("{path}/cancel"))
            .bearer(&manager.token)
            .send()
            .await
            .body["status"],
        "canceled"
    );
    app.post(&format!("{path}/close"))
        .bearer(&developer.token)
        .send()
        .await
        .problem(StatusCode::CONFLICT, "invalid_state_transition");
}

async fn another_organizations_tickets_and_comments_are_404(app: TestApp) {
    let ours = app.enrol().await;
    let theirs = app.enrol().await;
    let ticket = open_ticket(&app, &ours, &ours.owner.token).await;
    let id = ticket["id"].as_str().unwrap();
    let random = uuid::Uuid::now_v7().to_string();
    for (method, suffix, body) in [
        ("GET", "", None),
        ("GET", "/comments", None),
        ("POST", "/comments", Some(json!({"body": "hi"}))),
        ("POST", "/close", None),
        ("POST", "/reopen", None),
        ("POST", "/cancel", None),
    ] {
        for target in [id, random.as_str()] {
            let mut req = app
                .request(
                    method.parse().unwrap(),
                    &format!("/v1/support-tickets/{target}{suffix}"),
                )
                .bearer(&theirs.owner.token);
            if let Some(body) = &body {
                req = req.json(body);
            }
            req.send().await.problem(StatusCode::NOT_FOUND, "not_found");
        }
    }
    assert!(
        app.get("/v1/support-tickets")
            .bearer(&theirs.owner.token)
            .send()
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let ours_view = app
        .get(&format!("/v1/support-tickets/{id}"))
        .bearer(&ours.owner.token)
        .send()
        .await;
    assert_eq!(
        (
            ours_view.body["status"].as_str(),
            ours_view.body["comment_count"].as_i64()
        ),
        (Some("open"), Some(0))
    );
}

async fn overdue_tickets_are_found_by_staff(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let late = open_ticket(&app, &org, &org.owner.token).await;
    let fresh = open_ticket(&app, &org, &org.owner.token).await;
    {
        use cosell::db::schema::support_tickets::dsl::*;
        use diesel::prelude::*;
        let mut conn = app.pool.get().unwrap();
        let past = chrono::Utc::now().naive_utc() - chrono::Duration::days(1);
        diesel::update(support_tickets.find(late["id"].as_str().unwrap()))
            .set(first_response_due_at.eq(past))
            .execute(&mut conn)
            .unwrap();
    }
    let overdue = app
        .get(&format!("/v1/support-tickets?overdue=true&organization_id={}", org.id))
        .bearer(&support.token)
        .send()
        .await;
    let ids: Vec<&str> = overdue.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [late["id"].as_str().unwrap()]);
    assert_eq!(overdue.body["items"][0]["overdue"], true);
    assert_ne!(ids[0], fresh["id"].as_str().unwrap());
    app.post(&format!("/v1/support-tickets/{}/assign", late["id"].as_str().unwrap()))
        .bearer(&support.token)
        .send()
        .await;
    let after = app
        .get(&format!("/v1/support-tickets?overdue=true&organization_id={}", org.id))
        .bearer(&support.token)
        .send()
        .await;
    assert!(
        after.body["items"].as_array().unwrap().is_empty(),
        "an answered ticket is no longer overdue"
    );
    let mine = app
        .get(&format!("/v1/support-tickets?assignee_id={}", support.id))
        .bearer(&support.token)
        .send()
        .await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
}
