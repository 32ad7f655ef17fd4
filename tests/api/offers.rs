use actix_web::http::StatusCode;
use futures_util::future::join_all;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Member, Org, TestApp, listed_ids};
use crate::on_both;
use cosell::auth::roles::Role;

on_both!(
    the_whole_publishing_path_from_draft_to_live,
    every_present_value_is_validated_with_a_pointer,
    sections_merge_and_null_clears,
    publishing_an_incomplete_offer_creates_nothing,
    transitions_the_state_does_not_allow_change_nothing,
    twenty_concurrent_go_lives_have_one_winner,
    twenty_concurrent_publishes_create_one_submission,
    two_reviewers_certifying_one_submission_have_one_winner,
    another_organization_sees_no_offer_or_submission,
    roles_are_held_to_their_capabilities,
    deleting_follows_the_lifecycle,
    a_live_offer_keeps_its_listing_while_edited,
    listing_offers_filters_and_pages,
    a_stale_if_match_on_an_action_changes_nothing,
    actions_refuse_members_they_do_not_take,
    an_inherited_status_gives_way_to_a_better_one_earned,
    a_kept_rendering_serves_only_its_version_and_role,
);

pub async fn publisher(app: &TestApp, org: &Org) -> String {
    let res = app
        .post("/v1/publisher-profiles")
        .bearer(&org.owner.token)
        .json(&json!({
            "publisher_id": format!("p{}", &Uuid::now_v7().simple().to_string()[20..]),
            "display_name": "Contoso", "mpn_id": org.mpn_id, "contact_name": "Ada",
            "contact_email": "partners@contoso.example", "website": "https://contoso.example"
        }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.body["id"].as_str().unwrap().to_owned()
}

pub async fn draft(app: &TestApp, org: &Org, offer_type: &str) -> String {
    let profile = publisher(app, org).await;
    let res = app
        .post("/v1/offers")
        .bearer(&org.owner.token)
        .json(&json!({"publisher_profile_id": profile, "offer_alias": "contoso-analytics", "name": "Contoso Analytics", "offer_type": offer_type}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.body["id"].as_str().unwrap().to_owned()
}

pub fn complete_sections() -> Value {
    json!({
        "setup": {"listing_option": "contact_me"},
        "properties": {"categories": ["analytics"], "standard_contract": true},
        "listing": {
            "summary": "Analytics for every team.",
            "description": "Contoso Analytics turns telemetry into decisions.",
            "search_keywords": ["analytics"],
            "privacy_policy_url": "https://contoso.example/privacy",
            "support_contact": {"name": "Support", "email": "support@contoso.example", "url": "https://contoso.example/support"},
            "engineering_contact": {"name": "Eng", "email": "eng@contoso.example"}
        }
    })
}

pub fn full_co_sell() -> Value {
    json!({"co_sell": {
        "solution_type": "ip_application",
        "platforms": ["Azure"], "segments": ["Enterprise"],
        "solution_areas": [{"area": "Data & AI", "sub_areas": ["Analytics"]}],
        "documents": [
            {"doc_type": "one_pager", "name": "One pager", "url": "https://contoso.example/one-pager.pdf"},
            {"doc_type": "pitch_deck", "name": "Deck", "url": "https://contoso.example/deck.pdf"}
        ],
        "contacts": [{"name": "Sam Sales", "email": "sam@contoso.example", "job_title": "AE", "role": "partner_sales", "countries": ["OOO"]}]
    }})
}

/// A complete offer taken all the way to live; returns its id.
pub async fn live_offer(app: &TestApp, org: &Org, reviewer: &Member) -> String {
    live_offer_with(app, org, reviewer, &[complete_sections()]).await
}

/// An offer edited with `patches` in turn, then taken all the way to live; returns its id.
pub async fn live_offer_with(app: &TestApp, org: &Org, reviewer: &Member, patches: &[Value]) -> String {
    let id = draft(app, org, "saas").await;
    for patch in patches {
        let res = app
            .patch(&format!("/v1/offers/{id}"))
            .bearer(&org.owner.token)
            .json(patch)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let submission = app
        .post(&format!("/v1/offers/{id}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(submission.status, StatusCode::CREATED, "{}", submission.body);
    let certified = app
        .post(&format!(
            "/v1/submissions/{}/certify",
            submission.body["id"].as_str().unwrap()
        ))
        .bearer(&reviewer.token)
        .json(&json!({"result": "passed"}))
        .send()
        .await;
    assert_eq!(certified.status, StatusCode::OK, "{}", certified.body);
    let live = app
        .post(&format!("/v1/offers/{id}/go-live"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(live.status, StatusCode::OK, "{}", live.body);
    id
}

async fn the_whole_publishing_path_from_draft_to_live(app: TestApp) {
    let org = app.enrol().await;
    let developer = app.member(&org, "developer").await;
    let reviewer = app.staff(Role::Reviewer).await;
    let id = draft(&app, &org, "saas").await;
    let path = format!("/v1/offers/{id}");

    a_new_draft_cannot_publish(&app, &developer, &path).await;
    complete_sections_make_it_publishable(&app, &developer, &path).await;
    let first = publishing_opens_submission_one(&app, &developer, &path).await;
    the_certification_queue_lists_it(&app, &reviewer, &first).await;
    a_failed_certification_needs_attention(&app, &developer, &reviewer, &path, &first).await;
    let second = a_fix_is_published_again_and_passes(&app, &developer, &reviewer, &path).await;
    going_live_completes_the_submission(&app, &developer, &path, &second).await;

    // Co-sell readiness is computed once the offer is live and the checklist is met.
    let co_sell = app
        .patch(&path)
        .bearer(&developer.token)
        .json(&full_co_sell())
        .send()
        .await;
    assert_eq!(co_sell.body["co_sell_status"], "co_sell_ready", "{}", co_sell.body);
    assert_eq!(co_sell.body["co_sell_status_inherited"], false);

    the_history_tells_the_whole_path(&app, &org, &developer, &path).await;
    let submissions = app
        .get(&format!("{path}/submissions"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(submissions.body["items"].as_array().unwrap().len(), 2);
}

async fn a_new_draft_cannot_publish(app: &TestApp, developer: &Member, path: &str) {
    let created = app.get(path).bearer(&developer.token).send().await;
    assert_eq!(created.body["status"], "draft");
    assert_eq!(created.body["origin"], "created");
    assert_eq!(created.body["storefronts"], json!(["azure_marketplace", "appsource"]));
    assert_eq!(created.body["allowed_actions"], json!(["edit", "delete"]));
    let ready = app
        .get(&format!("{path}/readiness"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(ready.body["can_publish"], false);
}

/// Every required section, with a description the reviewer will find too vague.
async fn complete_sections_make_it_publishable(app: &TestApp, developer: &Member, path: &str) {
    let mut sections = complete_sections();
    sections["listing"]["description"] = json!("Too vague.");
    let edited = app.patch(path).bearer(&developer.token).json(&sections).send().await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert!(
        edited.body["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("publish"))
    );
    let ready = app
        .get(&format!("{path}/readiness"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(ready.body["can_publish"], true, "{}", ready.body);
    let statuses: Vec<(&str, &str)> = ready.body["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["section"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("setup", "complete"),
            ("properties", "complete"),
            ("listing", "complete"),
            ("plans", "not_started"),
            ("resell_csp", "not_started"),
            ("co_sell", "not_started")
        ]
    );
}

/// The first submission's id.
async fn publishing_opens_submission_one(app: &TestApp, developer: &Member, path: &str) -> String {
    let first = app
        .post(&format!("{path}/publish"))
        .bearer(&developer.token)
        .json(&json!({"notes_for_certification": "demo tenant"}))
        .send()
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["sequence"], 1);
    assert_eq!(first.body["state"], "in_certification");
    assert_eq!(first.body["snapshot"]["listing"]["description"], "Too vague.");
    let id = first.body["id"].as_str().unwrap().to_owned();
    assert_eq!(first.header("location").unwrap(), format!("/v1/submissions/{id}"));
    let steps: Vec<(&str, &str)> = first.body["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("automated_validation", "complete"),
            ("certification", "in_progress"),
            ("preview", "not_started"),
            ("publish", "not_started")
        ]
    );
    assert_eq!(
        app.get(path).bearer(&developer.token).send().await.body["status"],
        "publish_in_progress"
    );
    id
}

async fn the_certification_queue_lists_it(app: &TestApp, reviewer: &Member, submission: &str) {
    for (states, listed) in [
        ("in_certification", true),
        ("in_certification,in_preview", true),
        ("in_preview", false),
        ("in_preview,failed_certification", false),
    ] {
        let queue = listed_ids(
            app,
            &reviewer.token,
            &format!("/v1/submissions?state={states}&limit=100"),
        )
        .await;
        assert_eq!(queue.iter().any(|id| id == submission), listed, "state={states}");
    }
}

async fn a_failed_certification_needs_attention(
    app: &TestApp,
    developer: &Member,
    reviewer: &Member,
    path: &str,
    submission: &str,
) {
    let certify = format!("/v1/submissions/{submission}/certify");
    let no_feedback = app
        .post(&certify)
        .bearer(&reviewer.token)
        .json(&json!({"result": "failed"}))
        .send()
        .await;
    no_feedback.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    let failed = app
        .post(&certify)
        .bearer(&reviewer.token)
        .json(&json!({"result": "failed", "feedback": [{"section": "listing", "pointer": "#/listing/description", "message": "Say what it does."}]}))
        .send()
        .await;
    assert_eq!(failed.status, StatusCode::OK, "{}", failed.body);
    assert_eq!(failed.body["state"], "failed_certification");
    let seen = app
        .get(&format!("/v1/submissions/{submission}"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(
        seen.body["certification"]["feedback"][0]["message"],
        "Say what it does."
    );
    assert_eq!(seen.body["certification"]["reviewer_id"], reviewer.id.as_str());
    let offer = app.get(path).bearer(&developer.token).send().await;
    assert_eq!(offer.body["status"], "attention_needed");
}

/// The second submission's id, in preview.
async fn a_fix_is_published_again_and_passes(
    app: &TestApp,
    developer: &Member,
    reviewer: &Member,
    path: &str,
) -> String {
    let fixed = app
        .patch(path)
        .bearer(&developer.token)
        .json(&json!({"listing": {"description": "Contoso Analytics turns telemetry into decisions."}}))
        .send()
        .await;
    assert_eq!(fixed.status, StatusCode::OK);
    let second = app
        .post(&format!("{path}/publish"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    assert_eq!(second.body["sequence"], 2);
    let id = second.body["id"].as_str().unwrap().to_owned();
    let passed = app
        .post(&format!("/v1/submissions/{id}/certify"))
        .bearer(&reviewer.token)
        .json(&json!({"result": "passed"}))
        .send()
        .await;
    assert_eq!(passed.body["state"], "in_preview");
    assert!(
        passed.body["preview_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    );
    assert_eq!(
        app.get(path).bearer(&developer.token).send().await.body["status"],
        "preview"
    );
    id
}

async fn going_live_completes_the_submission(app: &TestApp, developer: &Member, path: &str, submission: &str) {
    let live = app
        .post(&format!("{path}/go-live"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(live.status, StatusCode::OK, "{}", live.body);
    assert_eq!(live.body["status"], "live");
    assert_eq!(live.body["has_ever_been_live"], true);
    assert_eq!(live.body["has_unpublished_changes"], false);
    assert!(
        live.body["live_url"]
            .as_str()
            .unwrap()
            .starts_with("https://azuremarketplace.microsoft.com/marketplace/apps/")
    );
    assert_eq!(live.body["co_sell_status"], "not_co_sell_ready");
    let completed = app
        .get(&format!("/v1/submissions/{submission}"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(completed.body["state"], "completed");
    assert!(
        completed.body["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "complete" && s["started_at"].is_string() && s["completed_at"].is_string())
    );
}

async fn the_history_tells_the_whole_path(app: &TestApp, org: &Org, developer: &Member, path: &str) {
    app.get(&format!("{path}/history"))
        .bearer(&developer.token)
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    let history = app
        .get(&format!("{path}/history?limit=100"))
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
            "offer.created",
            "offer.updated",
            "offer.published",
            "offer.certification_failed",
            "offer.updated",
            "offer.published",
            "offer.certification_passed",
            "offer.went_live",
            "offer.updated"
        ]
    );
}

async fn every_present_value_is_validated_with_a_pointer(app: TestApp) {
    let org = app.enrol().await;
    let id = draft(&app, &org, "consulting_service").await;
    let path = format!("/v1/offers/{id}");
    let cases = [
        (json!({"listing": {"summary": "x".repeat(101)}}), "#/listing/summary"),
        (
            json!({"listing": {"privacy_policy_url": "http://contoso.example/privacy"}}),
            "#/listing/privacy_policy_url",
        ),
        (
            json!({"listing": {"search_keywords": ["a", "b", "c", "d"]}}),
            "#/listing/search_keywords",
        ),
        (
            json!({"listing": {"support_contact": {"email": "nope"}}}),
            "#/listing/support_contact/email",
        ),
        (
            json!({"properties": {"categories": ["a", "b", "c", "d"]}}),
            "#/properties/categories",
        ),
        (json!({"plans": [{"plan_id": "Bad Id"}]}), "#/plans/0/plan_id"),
        (json!({"plans": [{"price_usd": -1}]}), "#/plans/0/price_usd"),
        (
            json!({"co_sell": {"contacts": [{"countries": ["XX"]}]}}),
            "#/co_sell/contacts/0/countries",
        ),
        (
            json!({"co_sell": {"documents": [{"url": "javascript:alert(1)"}]}}),
            "#/co_sell/documents/0/url",
        ),
        (json!({"resell_csp": {"option": "any_partner"}}), "#/resell_csp"),
        (json!({"name": ""}), "#/name"),
    ];
    for (body, pointer) in cases {
        let res = app.patch(&path).bearer(&org.owner.token).json(&body).send().await;
        let problem = res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        let pointers: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        assert!(pointers.contains(&pointer), "{body}: {pointers:?}");
    }
    for (body, pointer) in [
        (json!({"status": "live"}), "#/status"),
        (json!({"listing": {"headline": "x"}}), "#/listing/headline"),
        (json!({"has_ever_been_live": true}), "#/has_ever_been_live"),
        (json!({"co_sell_status": "co_sell_ready"}), "#/co_sell_status"),
    ] {
        let res = app.patch(&path).bearer(&org.owner.token).json(&body).send().await;
        assert_eq!(
            res.problem(StatusCode::BAD_REQUEST, "unknown_field")["errors"][0]["pointer"],
            pointer
        );
    }
    let unchanged = app.get(&path).bearer(&org.owner.token).send().await;
    assert_eq!(unchanged.body["version"], 1, "nothing was stored");
    assert!(unchanged.body["listing"].is_null());
}

async fn sections_merge_and_null_clears(app: TestApp) {
    let org = app.enrol().await;
    let id = draft(&app, &org, "saas").await;
    let path = format!("/v1/offers/{id}");
    // Every answer to an edit is exactly what a read right after it shows.
    let patch = |body: Value| {
        let (app, token, path) = (&app, org.owner.token.clone(), path.clone());
        async move {
            let res = app.patch(&path).bearer(&token).json(&body).send().await;
            if res.status == StatusCode::OK {
                let read = app.get(&path).bearer(&token).send().await;
                assert_eq!(read.body, res.body, "the edit answered what is stored");
                assert_eq!(read.etag(), res.etag());
            }
            res
        }
    };
    patch(json!({"listing": {"summary": "First", "support_contact": {"name": "Support"}}})).await;
    let res =
        patch(json!({"listing": {"description": "Second", "support_contact": {"email": "s@contoso.example"}}})).await;
    assert_eq!(res.body["listing"]["summary"], "First");
    assert_eq!(res.body["listing"]["description"], "Second");
    assert_eq!(
        res.body["listing"]["support_contact"],
        json!({"name": "Support", "email": "s@contoso.example", "url": null})
    );
    let res = patch(json!({"listing": {"summary": null}})).await;
    assert!(res.body["listing"]["summary"].is_null());
    assert_eq!(res.body["listing"]["description"], "Second");
    let res = patch(json!({"plans": [{"plan_id": "a"}, {"plan_id": "b"}]})).await;
    assert_eq!(res.body["plans"].as_array().unwrap().len(), 2);
    let res = patch(json!({"plans": [{"plan_id": "c"}]})).await;
    assert_eq!(
        res.body["plans"],
        json!([{"plan_id": "c", "name": null, "pricing_model": null, "price_usd": null}]),
        "arrays replace"
    );
    let res = patch(json!({"listing": null, "name": "Renamed"})).await;
    assert!(res.body["listing"].is_null());
    assert_eq!(res.body["name"], "Renamed");
    let dup = patch(json!({"plans": [{"plan_id": "a"}, {"plan_id": "a"}]})).await;
    dup.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
}

async fn publishing_an_incomplete_offer_creates_nothing(app: TestApp) {
    let org = app.enrol().await;
    let id = draft(&app, &org, "saas").await;
    app.patch(&format!("/v1/offers/{id}"))
        .bearer(&org.owner.token)
        .json(&json!({"setup": {"listing_option": "transact"}, "listing": {"summary": "S"}}))
        .send()
        .await;
    let res = app
        .post(&format!("/v1/offers/{id}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let problem = res.problem(StatusCode::CONFLICT, "sections_incomplete");
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    for expected in [
        "#/properties",
        "#/listing/description",
        "#/listing/privacy_policy_url",
        "#/plans",
    ] {
        assert!(pointers.contains(&expected), "{expected} missing from {pointers:?}");
    }
    let readiness = app
        .get(&format!("/v1/offers/{id}/readiness"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let reported: usize = readiness.body["sections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["section"] != "co_sell")
        .map(|s| s["issues"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        reported,
        pointers.len(),
        "readiness reports exactly what publish checks"
    );
    let submissions = app
        .get(&format!("/v1/offers/{id}/submissions"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(submissions.body["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.get(&format!("/v1/offers/{id}"))
            .bearer(&org.owner.token)
            .send()
            .await
            .body["status"],
        "draft"
    );
}

async fn transitions_the_state_does_not_allow_change_nothing(app: TestApp) {
    let org = app.enrol().await;
    let reviewer = app.staff(Role::Reviewer).await;
    let id = draft(&app, &org, "saas").await;
    let path = format!("/v1/offers/{id}");
    let events_before = app.audit_count(&id);
    let go_live = app
        .post(&format!("{path}/go-live"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let problem = go_live.problem(StatusCode::CONFLICT, "go_live_not_allowed");
    assert_eq!(problem["current_state"], "draft");
    assert_eq!(problem["allowed_actions"], json!(["edit", "delete"]));
    let cancel = app
        .post(&format!("{path}/cancel-publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(
        cancel.problem(StatusCode::CONFLICT, "invalid_state_transition")["current_state"],
        "draft"
    );
    let stop = app
        .post(&format!("{path}/stop-distribution"))
        .bearer(&org.owner.token)
        .json(&json!({"confirm": true}))
        .send()
        .await;
    stop.problem(StatusCode::CONFLICT, "invalid_state_transition");

    app.patch(&path)
        .bearer(&org.owner.token)
        .json(&complete_sections())
        .send()
        .await;
    let submission = app
        .post(&format!("{path}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let again = app
        .post(&format!("{path}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    again.problem(StatusCode::CONFLICT, "submission_in_progress");
    let sid = submission.body["id"].as_str().unwrap();
    app.post(&format!("/v1/submissions/{sid}/certify"))
        .bearer(&reviewer.token)
        .json(&json!({"result": "passed"}))
        .send()
        .await;
    let twice = app
        .post(&format!("/v1/submissions/{sid}/certify"))
        .bearer(&reviewer.token)
        .json(
            &json!({"result": "failed", "feedback": [{"section": "listing", "pointer": "#/listing", "message": "x"}]}),
        )
        .send()
        .await;
    let problem = twice.problem(StatusCode::CONFLICT, "invalid_state_transition");
    assert_eq!(problem["current_state"], "in_preview");
    let cancel = app
        .post(&format!("{path}/cancel-publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    cancel.problem(StatusCode::CONFLICT, "invalid_state_transition");
    let delete = app.delete(&path).bearer(&org.owner.token).send().await;
    delete.problem(StatusCode::CONFLICT, "offer_not_deletable");
    let offer = app.get(&path).bearer(&org.owner.token).send().await;
    assert_eq!(offer.body["status"], "preview");
    // created + updated + published + certification_passed; the refusals recorded nothing.
    assert_eq!(app.audit_count(&id), events_before + 3);
}

async fn twenty_concurrent_go_lives_have_one_winner(app: TestApp) {
    let org = app.enrol().await;
    let reviewer = app.staff(Role::Reviewer).await;
    let id = draft(&app, &org, "saas").await;
    app.patch(&format!("/v1/offers/{id}"))
        .bearer(&org.owner.token)
        .json(&complete_sections())
        .send()
        .await;
    let submission = app
        .post(&format!("/v1/offers/{id}/publish"))
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
    let path = format!("/v1/offers/{id}/go-live");
    let results = join_all((0..20).map(|_| app.post(&path).bearer(&org.owner.token).send())).await;
    let wins = results.iter().filter(|r| r.status == StatusCode::OK).count();
    assert_eq!(wins, 1, "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    for loser in results.iter().filter(|r| r.status != StatusCode::OK) {
        loser.problem(StatusCode::CONFLICT, "go_live_not_allowed");
    }
    let history = app
        .get(&format!("/v1/offers/{id}/history"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let went_live = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "offer.went_live")
        .count();
    assert_eq!(went_live, 1);
}

async fn twenty_concurrent_publishes_create_one_submission(app: TestApp) {
    let org = app.enrol().await;
    let id = draft(&app, &org, "saas").await;
    app.patch(&format!("/v1/offers/{id}"))
        .bearer(&org.owner.token)
        .json(&complete_sections())
        .send()
        .await;
    let path = format!("/v1/offers/{id}/publish");
    let results = join_all((0..20).map(|_| app.post(&path).bearer(&org.owner.token).send())).await;
    assert_eq!(results.iter().filter(|r| r.status == StatusCode::CREATED).count(), 1);
    for loser in results.iter().filter(|r| r.status != StatusCode::CREATED) {
        loser.problem(StatusCode::CONFLICT, "submission_in_progress");
    }
    let submissions = app
        .get(&format!("/v1/offers/{id}/submissions"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(submissions.body["items"].as_array().unwrap().len(), 1);
}

async fn two_reviewers_certifying_one_submission_have_one_winner(app: TestApp) {
    let org = app.enrol().await;
    let (first, second) = (app.staff(Role::Reviewer).await, app.staff(Role::Reviewer).await);
    let id = draft(&app, &org, "saas").await;
    app.patch(&format!("/v1/offers/{id}"))
        .bearer(&org.owner.token)
        .json(&complete_sections())
        .send()
        .await;
    let submission = app
        .post(&format!("/v1/offers/{id}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let path = format!("/v1/submissions/{}/certify", submission.body["id"].as_str().unwrap());
    let pass = app
        .post(&path)
        .bearer(&first.token)
        .json(&json!({"result": "passed"}))
        .send();
    let fail = app
        .post(&path)
        .bearer(&second.token)
        .json(&json!({"result": "failed", "feedback": [{"section": "setup", "pointer": "#/setup", "message": "no"}]}))
        .send();
    let (a, b) = futures_util::future::join(pass, fail).await;
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let history = app
        .get(&format!("/v1/offers/{id}/history"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let decisions = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("offer.certification_"))
        .count();
    assert_eq!(decisions, 1);
}

async fn another_organization_sees_no_offer_or_submission(app: TestApp) {
    let ours = app.enrol().await;
    let theirs = app.enrol().await;
    let stranger = app.member(&theirs, "developer").await;
    let id = draft(&app, &ours, "saas").await;
    app.patch(&format!("/v1/offers/{id}"))
        .bearer(&ours.owner.token)
        .json(&complete_sections())
        .send()
        .await;
    let submission = app
        .post(&format!("/v1/offers/{id}/publish"))
        .bearer(&ours.owner.token)
        .send()
        .await;
    let sid = submission.body["id"].as_str().unwrap().to_owned();
    let random = Uuid::now_v7();
    let calls: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/v1/offers/{id}"), None),
        ("PATCH", format!("/v1/offers/{id}"), Some(json!({"name": "Mine"}))),
        ("DELETE", format!("/v1/offers/{id}"), None),
        ("GET", format!("/v1/offers/{id}/readiness"), None),
        ("GET", format!("/v1/offers/{id}/history"), None),
        ("GET", format!("/v1/offers/{id}/submissions"), None),
        ("POST", format!("/v1/offers/{id}/publish"), None),
        ("POST", format!("/v1/offers/{id}/cancel-publish"), None),
        ("POST", format!("/v1/offers/{id}/go-live"), None),
        (
            "POST",
            format!("/v1/offers/{id}/stop-distribution"),
            Some(json!({"confirm": true})),
        ),
        ("GET", format!("/v1/submissions/{sid}"), None),
    ];
    for (method, path, body) in calls {
        let send = |path: String| {
            let mut req = app.request(method.parse().unwrap(), &path).bearer(&stranger.token);
            if let Some(body) = &body {
                req = req.json(body);
            }
            req.send()
        };
        let foreign = send(path.clone()).await;
        foreign.problem(StatusCode::NOT_FOUND, "not_found");
        let missing = send(
            path.replace(&id, &random.to_string())
                .replace(&sid, &random.to_string()),
        )
        .await;
        assert_eq!(foreign.body["detail"], missing.body["detail"], "{method} {path}");
    }
    let listed = app.get("/v1/submissions").bearer(&stranger.token).send().await;
    assert!(listed.body["items"].as_array().unwrap().is_empty());
    let offers = app.get("/v1/offers").bearer(&stranger.token).send().await;
    assert!(offers.body["items"].as_array().unwrap().is_empty());
    let offer = app
        .get(&format!("/v1/offers/{id}"))
        .bearer(&ours.owner.token)
        .send()
        .await;
    assert_eq!(
        (offer.body["status"].as_str(), offer.body["name"].as_str()),
        (Some("publish_in_progress"), Some("Contoso Analytics"))
    );
}

async fn roles_are_held_to_their_capabilities(app: TestApp) {
    let org = app.enrol().await;
    let developer = app.member(&org, "developer").await;
    let reviewer = app.staff(Role::Reviewer).await;
    let support = app.staff(Role::Support).await;
    let id = live_offer(&app, &org, &reviewer).await;
    let path = format!("/v1/offers/{id}");
    for staff in [&reviewer, &support] {
        assert_eq!(
            app.get(&path).bearer(&staff.token).send().await.status,
            StatusCode::OK,
            "staff read every offer"
        );
        app.patch(&path)
            .bearer(&staff.token)
            .json(&json!({"name": "Staff edit"}))
            .send()
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        app.post(&format!("{path}/publish"))
            .bearer(&staff.token)
            .send()
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
    }
    let offer = app.get(&path).bearer(&developer.token).send().await;
    assert!(
        !offer.body["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("stop_distribution"))
    );
    let stop = app
        .post(&format!("{path}/stop-distribution"))
        .bearer(&developer.token)
        .json(&json!({"confirm": true}))
        .send()
        .await;
    stop.problem(StatusCode::FORBIDDEN, "forbidden");
    let unconfirmed = app
        .post(&format!("{path}/stop-distribution"))
        .bearer(&org.owner.token)
        .json(&json!({}))
        .send()
        .await;
    unconfirmed.problem(StatusCode::UNPROCESSABLE_ENTITY, "confirmation_required");
    let stopped = app
        .post(&format!("{path}/stop-distribution"))
        .bearer(&org.owner.token)
        .json(&json!({"confirm": true}))
        .send()
        .await;
    assert_eq!(stopped.body["status"], "not_available");

    // A partner cannot certify, even their own submission.
    app.patch(&path)
        .bearer(&developer.token)
        .json(&json!({"name": "Contoso Analytics 2"}))
        .send()
        .await;
    let submission = app
        .post(&format!("{path}/publish"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(submission.status, StatusCode::CREATED, "{}", submission.body);
    let certify = app
        .post(&format!(
            "/v1/submissions/{}/certify",
            submission.body["id"].as_str().unwrap()
        ))
        .bearer(&org.owner.token)
        .json(&json!({"result": "passed"}))
        .send()
        .await;
    certify.problem(StatusCode::FORBIDDEN, "forbidden");
    let cancel = app
        .post(&format!("{path}/cancel-publish"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(
        cancel.body["status"], "not_available",
        "canceling returns to the status before publishing"
    );
}

async fn deleting_follows_the_lifecycle(app: TestApp) {
    let org = app.enrol().await;
    let reviewer = app.staff(Role::Reviewer).await;
    let id = draft(&app, &org, "saas").await;
    let profile = app
        .get(&format!("/v1/offers/{id}"))
        .bearer(&org.owner.token)
        .send()
        .await
        .body["publisher_profile_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.delete(&format!("/v1/publisher-profiles/{profile}"))
        .bearer(&org.owner.token)
        .send()
        .await
        .problem(StatusCode::CONFLICT, "publisher_in_use");
    let deleted = app
        .delete(&format!("/v1/offers/{id}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/v1/offers/{id}"))
            .bearer(&org.owner.token)
            .send()
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete(&format!("/v1/publisher-profiles/{profile}"))
            .bearer(&org.owner.token)
            .send()
            .await
            .status,
        StatusCode::NO_CONTENT
    );

    let live = live_offer(&app, &org, &reviewer).await;
    app.delete(&format!("/v1/offers/{live}"))
        .bearer(&org.owner.token)
        .send()
        .await
        .problem(StatusCode::CONFLICT, "offer_not_deletable");
}

async fn a_live_offer_keeps_its_listing_while_edited(app: TestApp) {
    let org = app.enrol().await;
    let reviewer = app.staff(Role::Reviewer).await;
    let id = live_offer(&app, &org, &reviewer).await;
    let path = format!("/v1/offers/{id}");
    let edited = app
        .patch(&path)
        .bearer(&org.owner.token)
        .json(&json!({"listing": {"summary": "New summary"}}))
        .send()
        .await;
    assert_eq!(edited.body["status"], "live");
    assert_eq!(edited.body["has_unpublished_changes"], true);
    let csp = app.patch(&path).bearer(&org.owner.token).json(&json!({"resell_csp": {"option": "any_partner", "marketing_materials_url": "https://contoso.example/m", "channel_contact_email": "c@contoso.example"}})).send().await;
    assert_eq!(csp.status, StatusCode::OK, "{}", csp.body);
    let narrowed = app
        .patch(&path)
        .bearer(&org.owner.token)
        .json(&json!({"resell_csp": {"option": "no_partners"}}))
        .send()
        .await;
    narrowed.problem(StatusCode::CONFLICT, "csp_change_requires_support");

    let submission = app
        .post(&format!("{path}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(submission.body["snapshot"]["listing"]["summary"], "New summary");
    let canceled = app
        .post(&format!("{path}/cancel-publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(canceled.body["status"], "live", "{}", canceled.body);
    let again = app
        .post(&format!("{path}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(again.body["sequence"], 3);
    app.post(&format!(
        "/v1/submissions/{}/certify",
        again.body["id"].as_str().unwrap()
    ))
    .bearer(&reviewer.token)
    .json(&json!({"result": "passed"}))
    .send()
    .await;
    let republished = app
        .post(&format!("{path}/go-live"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(republished.body["has_unpublished_changes"], false);
}

async fn listing_offers_filters_and_pages(app: TestApp) {
    let org = app.enrol().await;
    let profile = publisher(&app, &org).await;
    for (alias, offer_type, name) in [
        ("alpha", "saas", "Alpha Insights"),
        ("beta", "power_bi_app", "Beta Dashboards"),
        ("gamma", "saas", "Gamma_50%"),
    ] {
        let res = app
            .post("/v1/offers")
            .bearer(&org.owner.token)
            .json(
                &json!({"publisher_profile_id": profile, "offer_alias": alias, "name": name, "offer_type": offer_type}),
            )
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED);
    }
    let dup = app
        .post("/v1/offers")
        .bearer(&org.owner.token)
        .json(&json!({"publisher_profile_id": profile, "offer_alias": "alpha", "name": "Again", "offer_type": "saas"}))
        .send()
        .await;
    dup.problem(StatusCode::CONFLICT, "already_exists");
    let names = |res: &crate::helpers::TestResponse| {
        res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let all = app.get("/v1/offers").bearer(&org.owner.token).send().await;
    assert_eq!(names(&all), ["Gamma_50%", "Beta Dashboards", "Alpha Insights"]);
    assert_eq!(
        names(
            &app.get("/v1/offers?offer_type=saas")
                .bearer(&org.owner.token)
                .send()
                .await
        ),
        ["Gamma_50%", "Alpha Insights"]
    );
    assert_eq!(
        names(&app.get("/v1/offers?q=INSIGHT").bearer(&org.owner.token).send().await),
        ["Alpha Insights"]
    );
    assert_eq!(
        names(&app.get("/v1/offers?q=_50%25").bearer(&org.owner.token).send().await),
        ["Gamma_50%"]
    );
    assert_eq!(
        names(&app.get("/v1/offers?q=a_5").bearer(&org.owner.token).send().await),
        ["Gamma_50%"],
        "_ is literal"
    );
    assert_eq!(
        names(
            &app.get("/v1/offers?status=live,not_available")
                .bearer(&org.owner.token)
                .send()
                .await
        )
        .len(),
        0
    );
    assert_eq!(
        names(
            &app.get("/v1/offers?status=draft&limit=2")
                .bearer(&org.owner.token)
                .send()
                .await
        )
        .len(),
        2
    );
    app.get("/v1/offers?status=gone")
        .bearer(&org.owner.token)
        .send()
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_parameter");
    app.get("/v1/offers?offer_type=website")
        .bearer(&org.owner.token)
        .send()
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_parameter");
    let foreign_profile = publisher(&app, &app.enrol().await).await;
    let res = app
        .post("/v1/offers")
        .bearer(&org.owner.token)
        .json(&json!({"publisher_profile_id": foreign_profile, "offer_alias": "x", "name": "X", "offer_type": "saas"}))
        .send()
        .await;
    assert_eq!(
        res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error")["errors"][0]["pointer"],
        "#/publisher_profile_id"
    );
}

async fn a_stale_if_match_on_an_action_changes_nothing(app: TestApp) {
    let org = app.enrol().await;
    let id = draft(&app, &org, "saas").await;
    let path = format!("/v1/offers/{id}");
    let etag = app.get(&path).bearer(&org.owner.token).send().await.etag();
    let edited = app
        .patch(&path)
        .bearer(&org.owner.token)
        .header("if-match", &etag)
        .json(&complete_sections())
        .send()
        .await;
    assert_eq!(edited.status, StatusCode::OK);
    let stale = app
        .post(&format!("{path}/publish"))
        .bearer(&org.owner.token)
        .header("if-match", &etag)
        .send()
        .await;
    stale.problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
    let submissions = app
        .get(&format!("{path}/submissions"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert!(submissions.body["items"].as_array().unwrap().is_empty());
    let fresh = app
        .post(&format!("{path}/publish"))
        .bearer(&org.owner.token)
        .header("if-match", &edited.etag())
        .send()
        .await;
    assert_eq!(fresh.status, StatusCode::CREATED);
}

#[actix_web::test]
async fn automatic_certification_takes_a_submission_straight_to_preview() {
    let app = TestApp::start_with(crate::helpers::Backend::Sqlite, &[("COSELL_AUTO_CERTIFY", "true")])
        .await
        .unwrap();
    let org = app.enrol().await;
    let id = draft(&app, &org, "saas").await;
    app.patch(&format!("/v1/offers/{id}"))
        .bearer(&org.owner.token)
        .json(&complete_sections())
        .send()
        .await;
    let submission = app
        .post(&format!("/v1/offers/{id}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(submission.body["state"], "in_preview", "{}", submission.body);
    assert!(submission.body["certification"]["reviewer_id"].is_null());
    assert_eq!(
        app.get(&format!("/v1/offers/{id}"))
            .bearer(&org.owner.token)
            .send()
            .await
            .body["status"],
        "preview"
    );
}

async fn actions_refuse_members_they_do_not_take(app: TestApp) {
    let org = app.enrol().await;
    let reviewer = app.staff(Role::Reviewer).await;
    let id = live_offer(&app, &org, &reviewer).await;
    let path = format!("/v1/offers/{id}");
    let res = app
        .post(&format!("{path}/go-live"))
        .bearer(&org.owner.token)
        .json(&json!({"status": "draft"}))
        .send()
        .await;
    assert_eq!(
        res.problem(StatusCode::BAD_REQUEST, "unknown_field")["errors"][0]["pointer"],
        "#/status"
    );
    let unconfirmed = app
        .post(&format!("{path}/stop-distribution"))
        .bearer(&org.owner.token)
        .send()
        .await;
    unconfirmed.problem(StatusCode::UNPROCESSABLE_ENTITY, "confirmation_required");
    // An optional body is absent or an object, as the document says; `null` is neither.
    app.post(&format!("{path}/publish"))
        .bearer(&org.owner.token)
        .raw("application/json", "null")
        .send()
        .await
        .problem(StatusCode::BAD_REQUEST, "bad_request");
    let empty_json = app
        .post(&format!("{path}/publish"))
        .bearer(&org.owner.token)
        .raw("application/json", "")
        .send()
        .await;
    assert_eq!(
        empty_json.status,
        StatusCode::CREATED,
        "an empty body is no body: {}",
        empty_json.body
    );
    app.get(&format!("{path}?expand=all"))
        .bearer(&org.owner.token)
        .send()
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_parameter");
    app.get("/v1/offers?q=%00")
        .bearer(&org.owner.token)
        .send()
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid_parameter");
    let nul = app
        .patch(&path)
        .bearer(&org.owner.token)
        .raw("application/json", r#"{"name": "bad\u0000name"}"#)
        .send()
        .await;
    nul.problem(StatusCode::BAD_REQUEST, "bad_request");
    let login = app
        .post("/v1/auth/token")
        .raw(
            "application/json",
            r#"{"email": "a\u0000b@contoso.example", "password": "x"}"#,
        )
        .send()
        .await;
    login.problem(StatusCode::BAD_REQUEST, "bad_request");
}

async fn an_inherited_status_gives_way_to_a_better_one_earned(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let reviewer = app.staff(Role::Reviewer).await;
    let mut legacy = crate::solutions::legacy(&org.mpn_id, "OCP-NOT-READY");
    legacy["co_sell_status"] = json!("not_co_sell_ready");
    crate::solutions::verified(&app, &org, &support).await;
    app.post("/v1/solutions/import")
        .bearer(&support.token)
        .json(&json!({"solutions": [legacy]}))
        .send()
        .await;
    let listed = app.get("/v1/solutions").bearer(&org.owner.token).send().await;
    let solution = listed.body["items"][0]["id"].as_str().unwrap().to_owned();
    let profile = publisher(&app, &org).await;
    let offer = app
        .post(&format!("/v1/solutions/{solution}/migrate"))
        .bearer(&org.owner.token)
        .json(&json!({"offer_type": "saas", "publisher_profile_id": profile, "offer_alias": "earned"}))
        .send()
        .await;
    let path = format!("/v1/offers/{}", offer.body["id"].as_str().unwrap());
    app.patch(&path)
        .bearer(&org.owner.token)
        .json(&complete_sections())
        .send()
        .await;
    let submission = app
        .post(&format!("{path}/publish"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let certify = format!("/v1/submissions/{}/certify", submission.body["id"].as_str().unwrap());
    app.post(&certify)
        .bearer(&reviewer.token)
        .json(&json!({"result": "passed"}))
        .send()
        .await;
    let live = app
        .post(&format!("{path}/go-live"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let standing = |v: &Value| {
        (
            v["co_sell_status"].as_str().map(str::to_owned),
            v["co_sell_status_inherited"].as_bool(),
        )
    };
    assert_eq!(standing(&live.body), (Some("not_co_sell_ready".into()), Some(true)));
    let earned = app
        .patch(&path)
        .bearer(&org.owner.token)
        .json(&full_co_sell())
        .send()
        .await;
    assert_eq!(standing(&earned.body), (Some("co_sell_ready".into()), Some(false)));
}

/// The name and version under which the first page of `/v1/offers` lists offer `id`.
async fn listed_name(app: &TestApp, token: &str, id: &str) -> Option<(Value, Value)> {
    let page = app.get("/v1/offers").bearer(token).send().await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let item = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .cloned();
    item.map(|o| (o["name"].clone(), o["version"].clone()))
}

/// `GET /v1/offers/{id}` and the list keep renderings per role and version; none may outlive its version,
/// whoever changed the row, nor reach another role or organization.
async fn a_kept_rendering_serves_only_its_version_and_role(app: TestApp) {
    use cosell::db::schema::offers;
    use diesel::prelude::*;

    let org = app.enrol().await;
    let id = draft(&app, &org, "saas").await;
    let reviewer = app.staff(Role::Reviewer).await;
    let path = format!("/v1/offers/{id}");
    let actions = |body: &Value| body["allowed_actions"].as_array().unwrap().clone();

    let first = app.get(&path).bearer(&org.owner.token).send().await;
    let again = app.get(&path).bearer(&org.owner.token).send().await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!((again.body.clone(), again.etag()), (first.body.clone(), first.etag()));
    assert!(actions(&first.body).contains(&json!("edit")), "{}", first.body);
    let version = first.body["version"].clone();
    assert_eq!(
        listed_name(&app, &org.owner.token, &id).await,
        Some((json!("Contoso Analytics"), version.clone()))
    );

    // Same version, another role: its own actions.
    let staff = app.get(&path).bearer(&reviewer.token).send().await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.body);
    assert_eq!(staff.etag(), first.etag());
    assert!(!actions(&staff.body).contains(&json!("edit")), "{}", staff.body);

    // A change written past this process (as another server would): the next read shows it.
    let mut conn = app.pool.get().unwrap();
    diesel::update(offers::table.find(&id))
        .set((
            offers::name.eq("Renamed elsewhere"),
            offers::version.eq(offers::version + 1),
        ))
        .execute(&mut conn)
        .unwrap();
    drop(conn);
    let after = app.get(&path).bearer(&org.owner.token).send().await;
    assert_eq!(after.body["name"], "Renamed elsewhere");
    assert_ne!(after.etag(), first.etag());
    assert_eq!(after.body["version"], first.body["version"].as_i64().unwrap() + 1);
    assert_eq!(
        listed_name(&app, &org.owner.token, &id).await,
        Some((json!("Renamed elsewhere"), after.body["version"].clone()))
    );

    // An edit through the API, then a read by the other role.
    let edited = app
        .patch(&path)
        .bearer(&org.owner.token)
        .header("If-Match", &after.etag())
        .json(&json!({"name": "Renamed here"}))
        .send()
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let staff = app.get(&path).bearer(&reviewer.token).send().await;
    assert_eq!(staff.body["name"], "Renamed here");
    assert_eq!(staff.etag(), edited.etag());

    // Another organization is still told the offer does not exist, and does not list it.
    let other = app.enrol().await;
    assert_eq!(listed_name(&app, &other.owner.token, &id).await, None);
    app.get(&path)
        .bearer(&other.owner.token)
        .send()
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}
