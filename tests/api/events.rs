use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Org, TestApp};
use crate::offers::{draft, live_offer};
use crate::on_both;
use crate::solutions::solution;
use cosell::auth::roles::Role;

on_both!(
    every_change_is_an_event_in_sequence_with_its_object,
    the_feed_pages_and_filters_oldest_first,
    only_owners_managers_and_staff_read_events,
    internal_notes_never_reach_a_partner_event,
);

/// Every event of `org`'s feed, oldest first, read page by page.
pub async fn feed(app: &TestApp, org: &Org) -> Vec<Value> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page = app
            .get(&format!("/v1/events?after={after}&limit=7"))
            .bearer(&org.owner.token)
            .send()
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let items = page.body["items"].as_array().unwrap().clone();
        events.extend(items);
        match page.body["next_cursor"].as_str() {
            Some(next) => {
                assert!(page.header("link").unwrap().contains(&format!("after={next}")));
                after = next.parse().unwrap();
            }
            None => return events,
        }
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

async fn every_change_is_an_event_in_sequence_with_its_object(app: TestApp) {
    let org = app.enrol().await;
    let reviewer = app.staff(Role::Reviewer).await;
    let support = app.staff(Role::Support).await;
    let live = live_offer(&app, &org, &reviewer).await;
    let legacy = solution(&app, &org, &support).await;
    let merge = app
        .post(&format!("/v1/solutions/{legacy}/merge"))
        .bearer(&org.owner.token)
        .json(&json!({"offer_id": live}))
        .send()
        .await;
    assert_eq!(merge.status, StatusCode::CREATED, "{}", merge.body);
    let ticket = merge.body["id"].as_str().unwrap();
    let resolved = app
        .post(&format!("/v1/support-tickets/{ticket}/resolve"))
        .bearer(&support.token)
        .json(&json!({"resolution": "merged"}))
        .send()
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);

    let events = feed(&app, &org).await;
    let sequences: Vec<i64> = events.iter().map(|e| e["sequence"].as_i64().unwrap()).collect();
    assert_eq!(
        sequences,
        (1..=events.len() as i64).collect::<Vec<_>>(),
        "gap-free, from 1"
    );
    let seen = types(&events);
    for expected in [
        "organization.created",
        "user.created",
        "publisher_profile.created",
        "offer.created",
        "offer.updated",
        "offer.published",
        "offer.certification_passed",
        "offer.went_live",
        "solution.imported",
        "solution.merge_requested",
        "support_ticket.opened",
        "support_ticket.resolved",
        "solution.merged",
        "offer.co_sell_inherited",
    ] {
        assert!(seen.contains(&expected), "{expected} missing from {seen:?}");
    }
    // Every audit event of the organization is an event, and no more.
    let audit = app
        .get("/v1/audit-events?limit=100")
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), events.len());

    let went_live = events.iter().find(|e| e["type"] == "offer.went_live").unwrap();
    let object = &went_live["data"]["object"];
    assert_eq!(object["id"], live.as_str());
    assert_eq!(object["status"], "live");
    assert!(
        object.get("allowed_actions").is_none(),
        "allowed_actions are the caller's"
    );
    // The object is the offer as its owner's GET shows it, at the time of the change.
    let now = app
        .get(&format!("/v1/offers/{live}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(object["listing"], now.body["listing"]);
    let inherited = events.iter().find(|e| e["type"] == "offer.co_sell_inherited").unwrap();
    assert_eq!(
        inherited["data"]["object"]["co_sell_status"],
        "azure_ip_co_sell_incentivized"
    );
    let merged = events.iter().find(|e| e["type"] == "solution.merged").unwrap();
    assert_eq!(merged["data"]["object"]["migration_status"], "merged");
    assert_eq!(merged["organization_id"], org.id.as_str());
    assert!(merged["request_id"].as_str().is_some_and(|r| !r.is_empty()));

    let one = app
        .get(&format!("/v1/events/{}", merged["id"].as_str().unwrap()))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(&one.body, merged);
}

async fn the_feed_pages_and_filters_oldest_first(app: TestApp) {
    let org = app.enrol().await;
    let offer = draft(&app, &org, "saas").await;
    for n in 0..3 {
        let edit = app
            .patch(&format!("/v1/offers/{offer}"))
            .bearer(&org.owner.token)
            .json(&json!({"name": format!("Renamed {n}")}))
            .send()
            .await;
        assert_eq!(edit.status, StatusCode::OK);
    }
    let offers = app
        .get("/v1/events?type=offer.*&limit=100")
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(
        types(offers.body["items"].as_array().unwrap()),
        ["offer.created", "offer.updated", "offer.updated", "offer.updated"]
    );
    let renamed: Vec<&str> = offers.body["items"].as_array().unwrap()[1..]
        .iter()
        .map(|e| e["data"]["object"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        renamed,
        ["Renamed 0", "Renamed 1", "Renamed 2"],
        "each event has the object of its time"
    );
    let two = app
        .get("/v1/events?type=offer.updated,organization.created&limit=100")
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(two.body["items"].as_array().unwrap().len(), 4);
    let last = offers.body["items"][3]["sequence"].as_i64().unwrap();
    let after = app
        .get(&format!("/v1/events?after={last}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(after.body["items"], json!([]));
    assert_eq!(after.body["next_cursor"], Value::Null);
    for bad in [
        "type=offers.*",
        "type=offer.nothing",
        "after=-1",
        "limit=0",
        "limit=101",
    ] {
        app.get(&format!("/v1/events?{bad}"))
            .bearer(&org.owner.token)
            .send()
            .await
            .problem(StatusCode::BAD_REQUEST, "invalid_parameter");
    }
}

async fn only_owners_managers_and_staff_read_events(app: TestApp) {
    let org = app.enrol().await;
    let other = app.enrol().await;
    let manager = app.member(&org, "manager").await;
    let developer = app.member(&org, "developer").await;
    let support = app.staff(Role::Support).await;
    let first = feed(&app, &org).await[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/events/{first}");
    assert_eq!(
        app.get(&path).bearer(&manager.token).send().await.status,
        StatusCode::OK
    );
    app.get("/v1/events")
        .bearer(&developer.token)
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    app.get(&path)
        .bearer(&developer.token)
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    app.get(&path)
        .bearer(&other.owner.token)
        .send()
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    app.get(&format!("/v1/events?organization_id={}", org.id))
        .bearer(&other.owner.token)
        .send()
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    app.get("/v1/events")
        .bearer(&support.token)
        .send()
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_parameter");
    let staff = app
        .get(&format!("/v1/events?organization_id={}", org.id))
        .bearer(&support.token)
        .send()
        .await;
    assert_eq!(staff.status, StatusCode::OK);
    assert_eq!(staff.body["items"][0]["id"], first.as_str());
}

async fn internal_notes_never_reach_a_partner_event(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let ticket = app
        .post("/v1/support-tickets")
        .bearer(&org.owner.token)
        .json(&json!({"category": "general", "subject": "A question", "description": "How?"}))
        .send()
        .await;
    let path = format!("/v1/support-tickets/{}", ticket.body["id"].as_str().unwrap());
    let secret = "staff only: this partner is on the watch list";
    for (body, internal) in [(secret, true), ("We are on it.", false)] {
        let res = app
            .post(&format!("{path}/comments"))
            .bearer(&support.token)
            .json(&json!({"body": body, "internal": internal}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
    let events = feed(&app, &org).await;
    assert!(types(&events).contains(&"support_ticket.replied"));
    let replied = events
        .iter()
        .rev()
        .find(|e| e["type"] == "support_ticket.replied")
        .unwrap();
    assert_eq!(
        replied["data"]["object"]["comment_count"], 1,
        "internal notes are not counted"
    );
    let all = serde_json::to_string(&events).unwrap();
    assert!(!all.contains("watch list"), "an internal note reached a partner event");
}
