use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Member, Org, TestApp, TestResponse};
use crate::offers::{complete_sections, draft, live_offer, publisher};
use crate::on_both;
use crate::receiver::Receiver;
use crate::solutions::{legacy, solution};
use crate::webhooks::wait_for_status;
use cosell::audit::model::AuditAction;
use cosell::auth::roles::Role;

on_both!(
    every_change_is_an_event_in_sequence_with_its_object,
    the_feed_pages_and_filters_oldest_first,
    only_owners_managers_and_staff_read_events,
    internal_notes_never_reach_a_partner_event,
    every_action_is_an_event_of_its_type,
    an_edit_event_carries_the_offer_as_its_owner_reads_it,
    the_purge_deletes_events_past_retention_with_their_deliveries,
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

/// The edit's event carries the offer it wrote without reading it back: it must be, member for
/// member, what the owner's `GET` shows right after (`allowed_actions` aside), for a draft, a
/// live offer with unpublished changes, and a live offer whose edit was undone.
async fn an_edit_event_carries_the_offer_as_its_owner_reads_it(app: TestApp) {
    let org = app.enrol().await;
    let reviewer = app.staff(Role::Reviewer).await;
    let draft = draft(&app, &org, "saas").await;
    let live = live_offer(&app, &org, &reviewer).await;
    let summary = |text: &str| json!({"listing": {"summary": text}});
    let original = app
        .get(&format!("/v1/offers/{live}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let original_summary = original.body["listing"]["summary"].as_str().unwrap().to_owned();
    for (offer, patch, unpublished) in [
        (
            &draft,
            json!({"name": "Renamed draft", "setup": complete_sections()["setup"].clone()}),
            false,
        ),
        (&live, summary("Changed after going live"), true),
        (&live, summary(&original_summary), false),
    ] {
        let edited = app
            .patch(&format!("/v1/offers/{offer}"))
            .bearer(&org.owner.token)
            .json(&patch)
            .send()
            .await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        let event = feed(&app, &org).await.pop().unwrap();
        assert_eq!(event["type"], "offer.updated");
        let mut read = app
            .get(&format!("/v1/offers/{offer}"))
            .bearer(&org.owner.token)
            .send()
            .await
            .body;
        assert_eq!(read["has_unpublished_changes"], unpublished, "{read}");
        read.as_object_mut().unwrap().remove("allowed_actions");
        assert_eq!(event["data"]["object"], read);
    }
}

async fn the_purge_deletes_events_past_retention_with_their_deliveries(app: TestApp) {
    let org = app.enrol().await;
    let receiver = Receiver::start(&[]);
    let created = app
        .post("/v1/webhook-endpoints")
        .bearer(&org.owner.token)
        .json(&json!({"url": receiver.url, "enabled_events": ["offer.*"]}))
        .send()
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let offer = draft(&app, &org, "saas").await;
    let deliveries = async |app: &TestApp| {
        let page = app
            .get("/v1/webhook-deliveries?limit=100")
            .bearer(&org.owner.token)
            .send()
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        page.body["items"].as_array().unwrap().len()
    };
    let events = feed(&app, &org).await.len();
    assert!(events >= 3 && deliveries(&app).await >= 1);
    let mut conn = app.pool.get().unwrap();
    let now = cosell::time::now();
    // Events are kept for the retention, to the millisecond they occurred in.
    let kept = cosell::events::repo::purge(&mut conn, now - chrono::Duration::seconds(60)).unwrap();
    assert_eq!(kept, 0);
    assert_eq!(feed(&app, &org).await.len(), events);
    let purged = cosell::events::repo::purge(&mut conn, now + chrono::Duration::milliseconds(1)).unwrap();
    assert!(purged >= events, "{purged} of {events}");
    assert!(feed(&app, &org).await.is_empty());
    assert_eq!(deliveries(&app).await, 0, "deliveries go with their events");
    // Events after the cutoff stay.
    let renamed = app
        .patch(&format!("/v1/offers/{offer}"))
        .bearer(&org.owner.token)
        .json(&json!({"name": "Renamed after the purge"}))
        .send()
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let later = feed(&app, &org).await.len();
    assert!(later >= 1);
    assert_eq!(cosell::events::repo::purge(&mut conn, now).unwrap(), 0);
    assert_eq!(feed(&app, &org).await.len(), later);
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

/// The answer's body, once it is asserted to have `status`.
fn expect(res: TestResponse, status: StatusCode, what: &str) -> Value {
    assert_eq!(res.status, status, "{what}: {}", res.body);
    res.body
}

/// organization.updated; user.invited, .activated, .role_changed, .status_changed, .updated,
/// .removed, .password_changed (organization.created and user.created come with the enrolment).
async fn organization_and_users(app: &TestApp, org: &Org) {
    let renamed = app
        .patch("/v1/organization")
        .bearer(&org.owner.token)
        .json(&json!({"name": "Contoso Holdings"}))
        .send()
        .await;
    expect(renamed, StatusCode::OK, "organization.updated");
    // Invited, and activated by accepting the invitation.
    let member = app.member(org, "developer").await;
    let path = format!("/v1/users/{}", member.id);
    for (body, what) in [
        (json!({"role": "manager"}), "user.role_changed"),
        (json!({"status": "disabled"}), "user.status_changed"),
        (json!({"display_name": "Dee Veloper"}), "user.updated"),
    ] {
        let res = app.patch(&path).bearer(&org.owner.token).json(&body).send().await;
        expect(res, StatusCode::OK, what);
    }
    let removed = app.delete(&path).bearer(&org.owner.token).send().await;
    expect(removed, StatusCode::NO_CONTENT, "user.removed");
    let other = app.member(org, "developer").await;
    let changed = app
        .post("/v1/users/me/password")
        .bearer(&other.token)
        .json(&json!({"current_password": crate::helpers::PASSWORD, "new_password": "a stapler of eleven horses"}))
        .send()
        .await;
    expect(changed, StatusCode::NO_CONTENT, "user.password_changed");
}

/// publisher_profile.created, .updated, .deleted.
async fn publisher_profile_lifecycle(app: &TestApp, org: &Org) {
    let path = format!("/v1/publisher-profiles/{}", publisher(app, org).await);
    let updated = app
        .patch(&path)
        .bearer(&org.owner.token)
        .json(&json!({"display_name": "Contoso Cloud"}))
        .send()
        .await;
    expect(updated, StatusCode::OK, "publisher_profile.updated");
    let deleted = app.delete(&path).bearer(&org.owner.token).send().await;
    expect(deleted, StatusCode::NO_CONTENT, "publisher_profile.deleted");
}

/// Publishes the offer at `path` (its sections complete); the submission's id.
async fn publish(app: &TestApp, org: &Org, path: &str) -> String {
    let published = app
        .post(&format!("{path}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let submission = expect(published, StatusCode::CREATED, "offer.published");
    submission["id"].as_str().unwrap().to_owned()
}

async fn certify(app: &TestApp, reviewer: &Member, submission: &str, body: Value, what: &str) {
    let certified = app
        .post(&format!("/v1/submissions/{submission}/certify"))
        .bearer(&reviewer.token)
        .json(&body)
        .send()
        .await;
    expect(certified, StatusCode::OK, what);
}

/// offer.publish_canceled, .certification_failed, .deleted (of a draft that needs attention).
async fn an_offer_canceled_failed_and_deleted(app: &TestApp, org: &Org, reviewer: &Member) {
    let path = format!("/v1/offers/{}", draft(app, org, "saas").await);
    let edited = app
        .patch(&path)
        .bearer(&org.owner.token)
        .json(&complete_sections())
        .send()
        .await;
    expect(edited, StatusCode::OK, "offer.updated");
    publish(app, org, &path).await;
    let canceled = app
        .post(&format!("{path}/cancel-publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(
        expect(canceled, StatusCode::OK, "offer.publish_canceled")["status"],
        "draft"
    );
    let submission = publish(app, org, &path).await;
    let failed = json!({"result": "failed", "feedback": [
        {"section": "listing", "pointer": "#/listing/description", "message": "Say what it does."}
    ]});
    certify(app, reviewer, &submission, failed, "offer.certification_failed").await;
    let deleted = app.delete(&path).bearer(&org.owner.token).send().await;
    expect(deleted, StatusCode::NO_CONTENT, "offer.deleted");
}

/// offer.distribution_stopped.
async fn distribution_stops(app: &TestApp, org: &Org, live: &str) {
    let stopped = app
        .post(&format!("/v1/offers/{live}/stop-distribution"))
        .bearer(&org.owner.token)
        .json(&json!({"confirm": true}))
        .send()
        .await;
    assert_eq!(
        expect(stopped, StatusCode::OK, "offer.distribution_stopped")["status"],
        "not_available"
    );
}

/// Asks for `solution` to be merged (into `offer_id` or a marketplace listing): the ticket's id.
async fn request_merge(app: &TestApp, org: &Org, solution: &str, target: Value) -> String {
    let merge = app
        .post(&format!("/v1/solutions/{solution}/merge"))
        .bearer(&org.owner.token)
        .json(&target)
        .send()
        .await;
    let ticket = expect(merge, StatusCode::CREATED, "solution.merge_requested");
    ticket["id"].as_str().unwrap().to_owned()
}

async fn resolve(app: &TestApp, support: &Member, ticket: &str, resolution: &str, what: &str) {
    let resolved = app
        .post(&format!("/v1/support-tickets/{ticket}/resolve"))
        .bearer(&support.token)
        .json(&json!({"resolution": resolution}))
        .send()
        .await;
    assert_eq!(expect(resolved, StatusCode::OK, what)["status"], "resolved");
}

/// solution.imported, .updated, .merge_requested, .merge_withdrawn, .merge_rejected, .merged
/// (and offer.co_sell_inherited into `live`).
async fn a_solution_imported_updated_and_merged(app: &TestApp, org: &Org, support: &Member, live: &str) {
    let id = solution(app, org, support).await;
    let path = format!("/v1/solutions/{id}");
    let found = expect(
        app.get(&path).bearer(&org.owner.token).send().await,
        StatusCode::OK,
        "the solution",
    );
    let mut changed = legacy(&org.mpn_id, found["ocp_solution_id"].as_str().unwrap());
    changed["name"] = json!("Contoso Retail Analytics");
    let reimported = app
        .post("/v1/solutions/import")
        .bearer(&support.token)
        .json(&json!({"solutions": [changed]}))
        .send()
        .await;
    assert_eq!(expect(reimported, StatusCode::OK, "solution.updated")["updated"], 1);
    let listing = json!({"listing_url": "https://appsource.microsoft.com/product/saas/contoso.analytics"});
    request_merge(app, org, &id, listing.clone()).await;
    let withdrawn = app
        .post(&format!("{path}/withdraw-merge"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(
        expect(withdrawn, StatusCode::OK, "solution.merge_withdrawn")["migration_status"],
        "pending"
    );
    let rejected = request_merge(app, org, &id, listing).await;
    resolve(app, support, &rejected, "rejected", "solution.merge_rejected").await;
    let merged = request_merge(app, org, &id, json!({"offer_id": live})).await;
    resolve(app, support, &merged, "merged", "solution.merged").await;
}

/// Migrates `solution` into a new draft offer: its id.
async fn migrate(app: &TestApp, org: &Org, solution: &str, profile: &str, alias: &str) -> String {
    let migrated = app
        .post(&format!("/v1/solutions/{solution}/migrate"))
        .bearer(&org.owner.token)
        .json(&json!({"offer_type": "saas", "publisher_profile_id": profile, "offer_alias": alias}))
        .send()
        .await;
    let offer = expect(migrated, StatusCode::CREATED, "solution.migrated");
    offer["id"].as_str().unwrap().to_owned()
}

/// solution.discarded, .discard_undone, .migrated, .migration_reverted, .migration_completed.
async fn a_solution_discarded_and_migrated(app: &TestApp, org: &Org, support: &Member, reviewer: &Member) {
    let id = solution(app, org, support).await;
    let path = format!("/v1/solutions/{id}");
    let discarded = app
        .post(&format!("{path}/discard"))
        .bearer(&org.owner.token)
        .json(&json!({"confirm": true}))
        .send()
        .await;
    expect(discarded, StatusCode::OK, "solution.discarded");
    let undone = app
        .post(&format!("{path}/undo-discard"))
        .bearer(&org.owner.token)
        .send()
        .await;
    expect(undone, StatusCode::OK, "solution.discard_undone");
    let profile = publisher(app, org).await;
    let reverted = migrate(app, org, &id, &profile, "contoso-retail").await;
    let deleted = app
        .delete(&format!("/v1/offers/{reverted}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    expect(deleted, StatusCode::NO_CONTENT, "solution.migration_reverted");
    let offer = format!(
        "/v1/offers/{}",
        migrate(app, org, &id, &profile, "contoso-retail-2").await
    );
    let edited = app
        .patch(&offer)
        .bearer(&org.owner.token)
        .json(&complete_sections())
        .send()
        .await;
    expect(edited, StatusCode::OK, "offer.updated");
    let submission = publish(app, org, &offer).await;
    certify(
        app,
        reviewer,
        &submission,
        json!({"result": "passed"}),
        "offer.certification_passed",
    )
    .await;
    let live = app
        .post(&format!("{offer}/go-live"))
        .bearer(&org.owner.token)
        .send()
        .await;
    expect(live, StatusCode::OK, "solution.migration_completed");
    let completed = expect(
        app.get(&path).bearer(&org.owner.token).send().await,
        StatusCode::OK,
        "the solution",
    );
    assert!(completed["completed_at"].is_string(), "{completed}");
}

async fn open_ticket(app: &TestApp, org: &Org) -> String {
    let opened = app
        .post("/v1/support-tickets")
        .bearer(&org.owner.token)
        .json(&json!({"category": "general", "subject": "A question", "description": "How?"}))
        .send()
        .await;
    let ticket = expect(opened, StatusCode::CREATED, "support_ticket.opened");
    ticket["id"].as_str().unwrap().to_owned()
}

/// support_ticket.opened, .info_requested, .replied, .assigned, .resolved, .reopened, .closed,
/// .canceled.
async fn tickets_answered_and_canceled(app: &TestApp, org: &Org, support: &Member) {
    let id = open_ticket(app, org).await;
    let path = format!("/v1/support-tickets/{id}");
    let asked = app
        .post(&format!("{path}/request-info"))
        .bearer(&support.token)
        .json(&json!({"message": "Which offer?"}))
        .send()
        .await;
    assert_eq!(
        expect(asked, StatusCode::OK, "support_ticket.info_requested")["status"],
        "awaiting_partner"
    );
    let replied = app
        .post(&format!("{path}/comments"))
        .bearer(&org.owner.token)
        .json(&json!({"body": "Contoso Analytics."}))
        .send()
        .await;
    expect(replied, StatusCode::CREATED, "support_ticket.replied");
    let assigned = app.post(&format!("{path}/assign")).bearer(&support.token).send().await;
    expect(assigned, StatusCode::OK, "support_ticket.assigned");
    let commented = app
        .post(&format!("{path}/comments"))
        .bearer(&org.owner.token)
        .json(&json!({"body": "It is the one on AppSource since 2024."}))
        .send()
        .await;
    expect(commented, StatusCode::CREATED, "support_ticket.commented");
    let noted = app
        .post(&format!("{path}/comments"))
        .bearer(&support.token)
        .json(&json!({"body": "Partner escalated by phone.", "internal": true}))
        .send()
        .await;
    expect(noted, StatusCode::CREATED, "support_ticket.internal_note_added");
    resolve(app, support, &id, "answered", "support_ticket.resolved").await;
    let reopened = app
        .post(&format!("{path}/reopen"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(
        expect(reopened, StatusCode::OK, "support_ticket.reopened")["status"],
        "in_progress"
    );
    resolve(app, support, &id, "answered", "support_ticket.resolved").await;
    let closed = app.post(&format!("{path}/close")).bearer(&org.owner.token).send().await;
    assert_eq!(
        expect(closed, StatusCode::OK, "support_ticket.closed")["status"],
        "closed"
    );
    let other = open_ticket(app, org).await;
    let canceled = app
        .post(&format!("/v1/support-tickets/{other}/cancel"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(
        expect(canceled, StatusCode::OK, "support_ticket.canceled")["status"],
        "canceled"
    );
}

/// webhook_endpoint.created, .updated, .secret_rotated, .disabled, .enabled, .ping, .deleted.
async fn a_webhook_endpoint_lifecycle(app: &TestApp, org: &Org) {
    let receiver = Receiver::start(&[]);
    let created = app
        .post("/v1/webhook-endpoints")
        .bearer(&org.owner.token)
        .json(
            &json!({"url": receiver.url, "description": "test receiver", "enabled_events": ["webhook_endpoint.ping"]}),
        )
        .send()
        .await;
    let created = expect(created, StatusCode::CREATED, "webhook_endpoint.created");
    let id = created["endpoint"]["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/webhook-endpoints/{id}");
    let updated = app
        .patch(&path)
        .bearer(&org.owner.token)
        .json(&json!({"description": "the receiver"}))
        .send()
        .await;
    expect(updated, StatusCode::OK, "webhook_endpoint.updated");
    for (action, what) in [
        ("rotate-secret", "webhook_endpoint.secret_rotated"),
        ("disable", "webhook_endpoint.disabled"),
        ("enable", "webhook_endpoint.enabled"),
        ("ping", "webhook_endpoint.ping"),
    ] {
        let res = app
            .post(&format!("{path}/{action}"))
            .bearer(&org.owner.token)
            .send()
            .await;
        expect(res, StatusCode::OK, what);
    }
    // The ping reached the (enabled) endpoint before it goes.
    wait_for_status(app, org, &format!("endpoint_id={id}"), "succeeded").await;
    assert_eq!(receiver.received()[0].json()["type"], "webhook_endpoint.ping");
    let deleted = app.delete(&path).bearer(&org.owner.token).send().await;
    expect(deleted, StatusCode::NO_CONTENT, "webhook_endpoint.deleted");
}

/// Every audit event of `org`, newest first, read page by page.
async fn audit_log(app: &TestApp, org: &Org) -> Vec<Value> {
    let mut events = Vec::new();
    let mut path = "/v1/audit-events?limit=100".to_owned();
    loop {
        let page = expect(
            app.get(&path).bearer(&org.owner.token).send().await,
            StatusCode::OK,
            "the audit log",
        );
        events.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => path = format!("/v1/audit-events?limit=100&cursor={next}"),
            None => return events,
        }
    }
}

async fn every_action_is_an_event_of_its_type(app: TestApp) {
    let org = app.enrol().await;
    let reviewer = app.staff(Role::Reviewer).await;
    let support = app.staff(Role::Support).await;
    organization_and_users(&app, &org).await;
    publisher_profile_lifecycle(&app, &org).await;
    let live = live_offer(&app, &org, &reviewer).await;
    an_offer_canceled_failed_and_deleted(&app, &org, &reviewer).await;
    a_solution_imported_updated_and_merged(&app, &org, &support, &live).await;
    distribution_stops(&app, &org, &live).await;
    a_solution_discarded_and_migrated(&app, &org, &support, &reviewer).await;
    tickets_answered_and_canceled(&app, &org, &support).await;
    a_webhook_endpoint_lifecycle(&app, &org).await;

    let events = feed(&app, &org).await;
    let sequences: Vec<i64> = events.iter().map(|e| e["sequence"].as_i64().unwrap()).collect();
    assert_eq!(
        sequences,
        (1..=events.len() as i64).collect::<Vec<_>>(),
        "gap-free, from 1"
    );
    let seen = types(&events);
    let missing: Vec<&str> = AuditAction::ALL
        .iter()
        .filter(|a| !a.is_staff_only())
        .map(|a| a.as_str())
        .filter(|a| !seen.contains(a))
        .collect();
    assert!(missing.is_empty(), "no event of {missing:?} in {seen:?}");

    // The audit log of the organization holds the same changes, one for one.
    let audit = audit_log(&app, &org).await;
    assert_eq!(audit.len(), events.len(), "as many audit events as events");
    let mut logged: Vec<&str> = audit.iter().map(|e| e["action"].as_str().unwrap()).collect();
    let mut emitted = seen.clone();
    logged.sort_unstable();
    emitted.sort_unstable();
    assert_eq!(logged, emitted, "the same actions in the audit log and the feed");
    for staff_only in AuditAction::STAFF_ONLY {
        assert!(!seen.contains(&staff_only.as_str()), "{staff_only} reached the feed");
    }

    // Staff see the internal note in the organization's audit log.
    let res = app
        .get(&format!(
            "/v1/audit-events?organization_id={}&action=support_ticket.internal_note_added",
            org.id
        ))
        .bearer(&support.token)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["items"].as_array().unwrap().len(), 1, "{}", res.body);
}
