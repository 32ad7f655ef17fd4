use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::events::feed;
use crate::helpers::{Org, TestApp};
use crate::offers::{complete_sections, draft, full_co_sell, live_offer, live_offer_with, publisher};
use crate::on_both;
use cosell::auth::roles::Role;

on_both!(
    publishing_would_change_exactly_what_was_edited,
    an_edit_undone_is_no_unpublished_change,
    each_update_event_turns_the_object_before_into_the_object_after,
    certification_feedback_tracks_its_own_fix,
    nothing_to_compare_and_what_is_not_yours,
);

/// What a submission's snapshot holds, read from the offer as `GET` shows it now.
pub async fn content(app: &TestApp, org: &Org, offer: &str) -> Value {
    let view = app
        .get(&format!("/v1/offers/{offer}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    let mut content = serde_json::Map::new();
    for member in [
        "name",
        "offer_alias",
        "offer_type",
        "publisher_profile_id",
        "setup",
        "properties",
        "listing",
        "plans",
        "resell_csp",
        "co_sell",
    ] {
        content.insert(member.into(), view.body[member].clone());
    }
    Value::Object(content)
}

/// `document` with RFC 6902 `operations` applied.
pub fn apply(document: &Value, operations: &Value) -> Value {
    let patch: json_patch::Patch = serde_json::from_value(operations.clone()).expect("RFC 6902 operations");
    let mut patched = document.clone();
    json_patch::patch(&mut patched, &patch).expect("the operations apply");
    patched
}

async fn changes(app: &TestApp, org: &Org, offer: &str, against: &str) -> crate::helpers::TestResponse {
    app.get(&format!("/v1/offers/{offer}/changes?against={against}"))
        .bearer(&org.owner.token)
        .send()
        .await
}

async fn edit(app: &TestApp, org: &Org, offer: &str, patch: Value) -> Value {
    let res = app
        .patch(&format!("/v1/offers/{offer}"))
        .bearer(&org.owner.token)
        .json(&patch)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.body
}

/// A complete offer with its co-sell section, taken live; returns its id.
async fn live_with_co_sell(app: &TestApp, org: &Org) -> String {
    let reviewer = app.staff(Role::Reviewer).await;
    live_offer_with(app, org, &reviewer, &[complete_sections(), full_co_sell()]).await
}

async fn publishing_would_change_exactly_what_was_edited(app: TestApp) {
    let org = app.enrol().await;
    let offer = live_with_co_sell(&app, &org).await;
    edit(
        &app,
        &org,
        &offer,
        json!({"co_sell": {"platforms": ["Azure", "Dynamics 365"]}}),
    )
    .await;
    let edited = edit(
        &app,
        &org,
        &offer,
        json!({"listing": {"summary": "Analytics for every team, now in real time.", "search_keywords": ["analytics", "real time"]}}),
    )
    .await;
    assert_eq!(edited["has_unpublished_changes"], true);

    let res = changes(&app, &org, &offer, "live").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["against"]["state"], "completed");
    assert_eq!(res.body["against"]["sequence"], 1);
    let submission = app
        .get(&format!(
            "/v1/submissions/{}",
            res.body["against"]["submission_id"].as_str().unwrap()
        ))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(submission.status, StatusCode::OK, "{}", submission.body);
    let now = content(&app, &org, &offer).await;
    assert_ne!(submission.body["snapshot"], now);
    assert_eq!(
        apply(&submission.body["snapshot"], &res.body["operations"]),
        now,
        "the operations turn the live snapshot into the content now"
    );
    let sections: Vec<(&str, &str)> = res.body["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["section"].as_str().unwrap(), s["change"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sections,
        [
            ("setup", "unchanged"),
            ("properties", "unchanged"),
            ("listing", "edited"),
            ("plans", "unchanged"),
            ("resell_csp", "unchanged"),
            ("co_sell", "edited"),
        ]
    );
    // A changed list is one replace of the list, not a replace per element.
    let keywords: Vec<&Value> = res.body["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["path"].as_str().unwrap().starts_with("/listing/search_keywords"))
        .collect();
    assert_eq!(keywords.len(), 1, "{keywords:?}");
    assert_eq!(keywords[0]["op"], "replace");
    assert_eq!(keywords[0]["path"], "/listing/search_keywords");

    // Edited again within co-sell: the section is edited against live, and the comparison
    // still turns the live snapshot into the content now.
    edit(
        &app,
        &org,
        &offer,
        json!({"co_sell": {"segments": ["Enterprise", "SMB"]}}),
    )
    .await;
    let res = changes(&app, &org, &offer, "live").await;
    let now = content(&app, &org, &offer).await;
    assert_eq!(apply(&submission.body["snapshot"], &res.body["operations"]), now);
    let by_submission = changes(
        &app,
        &org,
        &offer,
        res.body["against"]["submission_id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(by_submission.status, StatusCode::OK);
    assert_eq!(by_submission.body, res.body, "live is that submission");
}

async fn an_edit_undone_is_no_unpublished_change(app: TestApp) {
    let org = app.enrol().await;
    let reviewer = app.staff(Role::Reviewer).await;
    let offer = live_offer(&app, &org, &reviewer).await;
    let original = content(&app, &org, &offer).await["listing"]["summary"].clone();
    let edited = edit(&app, &org, &offer, json!({"listing": {"summary": "Something else."}})).await;
    assert_eq!(edited["has_unpublished_changes"], true);
    let undone = edit(&app, &org, &offer, json!({"listing": {"summary": original}})).await;
    assert_eq!(undone["has_unpublished_changes"], false, "{undone}");
    let res = changes(&app, &org, &offer, "live").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["operations"], json!([]));
    assert!(
        res.body["sections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["change"] == "unchanged")
    );
    let read = app
        .get(&format!("/v1/offers/{offer}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(read.body["has_unpublished_changes"], false);
    let list = app.get("/v1/offers?limit=100").bearer(&org.owner.token).send().await;
    let summary = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == offer.as_str())
        .unwrap()
        .clone();
    assert_eq!(summary["has_unpublished_changes"], false);
    // And a change again is one.
    let again = edit(&app, &org, &offer, json!({"name": "Renamed"})).await;
    assert_eq!(again["has_unpublished_changes"], true);
}

async fn each_update_event_turns_the_object_before_into_the_object_after(app: TestApp) {
    let org = app.enrol().await;
    let offer = draft(&app, &org, "saas").await;
    let mut contents = vec![content(&app, &org, &offer).await];
    for patch in [
        complete_sections(),
        full_co_sell(),
        json!({"name": "Second name", "listing": {"summary": "Shorter."}, "co_sell": null}),
        json!({"properties": {"categories": ["analytics", "security"]}}),
    ] {
        edit(&app, &org, &offer, patch).await;
        contents.push(content(&app, &org, &offer).await);
    }
    let history = app
        .get(&format!("/v1/offers/{offer}/history?limit=100"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    let mut updates: Vec<Value> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "offer.updated")
        .cloned()
        .collect();
    updates.reverse(); // oldest first
    assert_eq!(updates.len(), 4);
    for (i, update) in updates.iter().enumerate() {
        assert!(update["changes"].as_array().is_some_and(|c| !c.is_empty()), "{update}");
        assert_eq!(
            apply(&contents[i], &update["changes"]),
            contents[i + 1],
            "edit {i}: {}",
            update["changes"]
        );
    }
    // The audit log shows them too, and the events carry the same operations.
    let audit = app
        .get(&format!("/v1/audit-events?entity_id={offer}&limit=100"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let mut from_audit: Vec<Value> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "offer.updated")
        .map(|e| e["changes"].clone())
        .collect();
    from_audit.reverse();
    let from_events: Vec<Value> = feed(&app, &org)
        .await
        .into_iter()
        .filter(|e| e["type"] == "offer.updated")
        .map(|e| e["data"]["changes"].clone())
        .collect();
    let from_history: Vec<Value> = updates.iter().map(|u| u["changes"].clone()).collect();
    assert_eq!(from_audit, from_history);
    assert_eq!(from_events, from_history);
    let created = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "offer.created")
        .unwrap()
        .clone();
    assert_eq!(created["changes"], Value::Null, "only updates carry changes");

    // Other objects' updates carry theirs, and never a secret.
    let profile = publisher(&app, &org).await;
    let path = format!("/v1/publisher-profiles/{profile}");
    let before = app.get(&path).bearer(&org.owner.token).send().await.body;
    let after = app
        .patch(&path)
        .bearer(&org.owner.token)
        .json(&json!({"display_name": "Contoso Labs"}))
        .send()
        .await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
    let member = app.member(&org, "developer").await;
    let promoted = app
        .patch(&format!("/v1/users/{}", member.id))
        .bearer(&org.owner.token)
        .json(&json!({"role": "manager", "display_name": "Dev Promoted"}))
        .send()
        .await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.body);
    let log = app
        .get("/v1/audit-events?limit=100")
        .bearer(&org.owner.token)
        .send()
        .await
        .body;
    let find = |action: &str| {
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action}"))
            .clone()
    };
    let strip = |mut v: Value| {
        for maintained in ["version", "updated_at", "allowed_actions"] {
            v.as_object_mut().unwrap().remove(maintained);
        }
        v
    };
    let profile_update = find("publisher_profile.updated");
    assert_eq!(
        apply(&strip(before), &profile_update["changes"]),
        strip(after.body),
        "{profile_update}"
    );
    let role = find("user.role_changed");
    assert_eq!(
        role["changes"],
        json!([{"op": "replace", "path": "/role", "value": "manager"}])
    );
    let renamed = find("user.updated");
    assert_eq!(
        renamed["changes"],
        json!([{"op": "replace", "path": "/display_name", "value": "Dev Promoted"}])
    );
    let everything = log.to_string();
    for secret in ["password", "secret", "token_hash"] {
        assert!(!everything.contains(secret), "`{secret}` in the audit log");
    }
}

async fn certification_feedback_tracks_its_own_fix(app: TestApp) {
    let org = app.enrol().await;
    let reviewer = app.staff(Role::Reviewer).await;
    let offer = draft(&app, &org, "saas").await;
    edit(&app, &org, &offer, complete_sections()).await;
    let submission = app
        .post(&format!("/v1/offers/{offer}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(submission.status, StatusCode::CREATED, "{}", submission.body);
    let readiness = format!("/v1/offers/{offer}/readiness");
    let before = app.get(&readiness).bearer(&org.owner.token).send().await;
    assert_eq!(before.body["certification_feedback"], json!([]), "nothing failed yet");
    let failed = app
        .post(&format!(
            "/v1/submissions/{}/certify",
            submission.body["id"].as_str().unwrap()
        ))
        .bearer(&reviewer.token)
        .json(&json!({"result": "failed", "feedback": [
            {"section": "listing", "pointer": "#/listing/summary", "message": "Say what it does."},
            {"section": "listing", "pointer": "#/listing/description", "message": "Name the data sources."}
        ]}))
        .send()
        .await;
    assert_eq!(failed.status, StatusCode::OK, "{}", failed.body);
    let addressed = |body: &Value| -> Vec<(String, bool)> {
        body["certification_feedback"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["pointer"].as_str().unwrap().to_owned(),
                    f["addressed"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let open = app.get(&readiness).bearer(&org.owner.token).send().await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.body);
    assert_eq!(
        addressed(&open.body),
        [
            ("#/listing/summary".to_owned(), false),
            ("#/listing/description".to_owned(), false)
        ]
    );
    assert_eq!(open.body["certification_feedback"][0]["message"], "Say what it does.");
    edit(
        &app,
        &org,
        &offer,
        json!({"listing": {"summary": "Turns telemetry into dashboards."}}),
    )
    .await;
    let fixed = app.get(&readiness).bearer(&org.owner.token).send().await;
    assert_eq!(
        addressed(&fixed.body),
        [
            ("#/listing/summary".to_owned(), true),
            ("#/listing/description".to_owned(), false)
        ]
    );
    // Publishing again leaves `attention_needed`: the feedback is history, not a to-do.
    let again = app
        .post(&format!("/v1/offers/{offer}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    let in_certification = app.get(&readiness).bearer(&org.owner.token).send().await;
    assert_eq!(in_certification.body["certification_feedback"], json!([]));
}

async fn nothing_to_compare_and_what_is_not_yours(app: TestApp) {
    let org = app.enrol().await;
    let offer = draft(&app, &org, "saas").await;
    for against in ["live", "preview", &uuid::Uuid::now_v7().to_string()] {
        let res = changes(&app, &org, &offer, against).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{against}: {}", res.body);
        assert_eq!(res.body["code"], "nothing_to_compare");
    }
    let bad = changes(&app, &org, &offer, "yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_eq!(bad.body["code"], "invalid_parameter");

    // In preview: compared with preview, not live.
    edit(&app, &org, &offer, complete_sections()).await;
    let reviewer = app.staff(Role::Reviewer).await;
    let submission = app
        .post(&format!("/v1/offers/{offer}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    app.post(&format!(
        "/v1/submissions/{}/certify",
        submission.body["id"].as_str().unwrap()
    ))
    .bearer(&reviewer.token)
    .json(&json!({"result": "passed"}))
    .send()
    .await;
    let preview = changes(&app, &org, &offer, "preview").await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert_eq!(preview.body["against"]["state"], "in_preview");
    assert_eq!(preview.body["operations"], json!([]));
    assert_eq!(changes(&app, &org, &offer, "live").await.status, StatusCode::CONFLICT);

    // Another organization's offer, or its submission id against one's own offer.
    let other = app.enrol().await;
    let theirs = app
        .get(&format!("/v1/offers/{offer}/changes?against=preview"))
        .bearer(&other.owner.token)
        .send()
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.body);
    let own = draft(&app, &other, "saas").await;
    let crossed = changes(&app, &other, &own, submission.body["id"].as_str().unwrap()).await;
    assert_eq!(crossed.status, StatusCode::CONFLICT, "{}", crossed.body);
    // A developer reads the comparison like the offer.
    let developer = app.member(&org, "developer").await;
    let read = app
        .get(&format!("/v1/offers/{offer}/changes?against=preview"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
}
