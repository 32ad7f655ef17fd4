use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Member, Org, TestApp, listed_ids};
use crate::offers::{complete_sections, live_offer, publisher};
use crate::on_both;
use cosell::auth::roles::Role;

on_both!(
    the_demo_data_set_walks_every_path,
    import_is_an_idempotent_upsert_that_rejects_bad_entries_alone,
    a_migrated_offer_goes_live_and_inherits_the_co_sell_status,
    deleting_a_migrated_draft_returns_the_solution,
    a_merge_completed_by_support_passes_the_standing_to_the_offer,
    rejected_withdrawn_and_canceled_merges_return_the_solution,
    merge_targets_are_checked,
    discard_needs_confirmation_and_can_be_undone,
    a_solution_is_migrated_or_merged_once_under_concurrency,
    another_organizations_solutions_are_invisible,
    imports_wait_for_support_to_verify_the_mpn_id,
);

pub fn legacy(mpn_id: &str, ocp_id: &str) -> Value {
    json!({
        "ocp_solution_id": ocp_id,
        "mpn_id": mpn_id,
        "name": "Contoso Analytics for Retail",
        "summary": "Retail analytics that forecast demand per store and per shelf, built on Azure and sold with Microsoft sellers since 2019.",
        "solution_type": "ip_application",
        "co_sell_status": "azure_ip_co_sell_incentivized",
        "incentive_eligible": true,
        "referral_pipeline": {"active_referrals": 4, "won_referrals": 12, "pipeline_value_usd": 250000.0},
        "collateral": {
            "platforms": ["Azure"], "segments": ["Enterprise"],
            "solution_areas": [{"area": "Data & AI", "sub_areas": ["Analytics"]}],
            "documents": [{"doc_type": "one_pager", "name": "One pager", "url": "https://contoso.example/one.pdf"}],
            "contacts": [{"name": "Sam", "email": "sam@contoso.example", "role": "partner_sales", "countries": ["US"]}]
        }
    })
}

/// Support verifies `org`'s MPN ID, which imports wait for (a second time is refused, and
/// changes nothing).
pub async fn verified(app: &TestApp, org: &Org, support: &Member) {
    let res = app
        .post(&format!("/v1/organizations/{}/verify-mpn", org.id))
        .bearer(&support.token)
        .send()
        .await;
    assert!(
        res.status == StatusCode::OK || res.body["code"] == "invalid_state_transition",
        "{}",
        res.body
    );
}

/// Imports one solution for `org` (verifying it first) and returns its id.
pub async fn solution(app: &TestApp, org: &Org, support: &Member) -> String {
    verified(app, org, support).await;
    let ocp = format!("OCP-{}", uuid::Uuid::now_v7().simple());
    let res = app
        .post("/v1/solutions/import")
        .bearer(&support.token)
        .json(&json!({"solutions": [legacy(&org.mpn_id, &ocp)]}))
        .send()
        .await;
    assert_eq!(res.body["created"], 1, "{}", res.body);
    let listed = app.get("/v1/solutions?limit=100").bearer(&org.owner.token).send().await;
    let found = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["ocp_solution_id"] == ocp.as_str())
        .unwrap();
    found["id"].as_str().unwrap().to_owned()
}

async fn import_is_an_idempotent_upsert_that_rejects_bad_entries_alone(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let good = legacy(&org.mpn_id, "OCP-1");
    let mut huge = legacy(&org.mpn_id, "OCP-2");
    huge["summary"] = json!("x".repeat(2 * 1024 * 1024));
    let mut script = legacy(&org.mpn_id, "OCP-3");
    script["collateral"]["documents"][0]["url"] = json!("javascript:alert(1)");
    let orphan = legacy("9999999991", "OCP-4");
    let mut typo = legacy(&org.mpn_id, "OCP-5");
    typo["solution_typ"] = json!("device");
    let body = json!({"solutions": [good, huge, script, orphan, typo]});
    verified(&app, &org, &support).await;
    let res = app
        .post("/v1/solutions/import")
        .bearer(&support.token)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        (res.body["created"].as_u64(), res.body["updated"].as_u64()),
        (Some(1), Some(0))
    );
    let rejected: Vec<(u64, &str)> = res.body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["index"].as_u64().unwrap(),
                r["errors"][0]["pointer"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        [
            (1, "#/solutions/1/summary"),
            (2, "#/solutions/2/collateral/documents/0/url"),
            (3, "#/solutions/3/mpn_id"),
            (4, "#/solutions/4/solution_typ")
        ]
    );
    let again = app
        .post("/v1/solutions/import")
        .bearer(&support.token)
        .json(&json!({"solutions": [legacy(&org.mpn_id, "OCP-1")]}))
        .send()
        .await;
    assert_eq!(
        (again.body["created"].as_u64(), again.body["unchanged"].as_u64()),
        (Some(0), Some(1))
    );
    let mut renamed = legacy(&org.mpn_id, "OCP-1");
    renamed["name"] = json!("Contoso Retail Analytics");
    let updated = app
        .post("/v1/solutions/import")
        .bearer(&support.token)
        .json(&json!({"solutions": [renamed]}))
        .send()
        .await;
    assert_eq!(updated.body["updated"], 1);
    let listed = app.get("/v1/solutions").bearer(&org.owner.token).send().await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "only the valid entry was stored");
    assert_eq!(items[0]["name"], "Contoso Retail Analytics");
    assert_eq!(items[0]["migration_status"], "pending");
    assert_eq!(items[0]["allowed_actions"], json!(["merge", "migrate", "discard"]));

    app.post("/v1/solutions/import")
        .bearer(&org.owner.token)
        .json(&json!({"solutions": []}))
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    let too_many: Vec<Value> = (0..1001)
        .map(|i| json!({"ocp_solution_id": format!("X-{i}")}))
        .collect();
    let res = app
        .post("/v1/solutions/import")
        .bearer(&support.token)
        .json(&json!({"solutions": too_many}))
        .send()
        .await;
    res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
}

async fn a_migrated_offer_goes_live_and_inherits_the_co_sell_status(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let reviewer = app.staff(Role::Reviewer).await;
    let developer = app.member(&org, "developer").await;
    let id = solution(&app, &org, &support).await;
    let profile = publisher(&app, &org).await;
    let res = app
        .post(&format!("/v1/solutions/{id}/migrate"))
        .bearer(&developer.token)
        .json(&json!({"offer_type": "saas", "publisher_profile_id": profile, "offer_alias": "contoso-retail"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let offer_id = res.body["id"].as_str().unwrap().to_owned();
    assert_eq!(res.body["origin"], "migrated");
    assert_eq!(res.body["source_solution_id"], id.as_str());
    assert_eq!(res.body["name"], "Contoso Analytics for Retail");
    assert!(res.body["listing"]["summary"].as_str().unwrap().chars().count() <= 100);
    assert!(
        res.body["listing"]["description"]
            .as_str()
            .unwrap()
            .starts_with("Retail analytics")
    );
    assert_eq!(res.body["co_sell"]["platforms"], json!(["Azure"]));
    assert_eq!(res.body["co_sell"]["solution_type"], "ip_application");
    assert_eq!(
        res.body["copied_fields"],
        json!(["name", "listing.summary", "listing.description", "co_sell"])
    );
    assert_eq!(res.body["co_sell_status"], "not_co_sell_ready");
    let solution_after = app
        .get(&format!("/v1/solutions/{id}"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(solution_after.body["migration_status"], "migrated");
    assert_eq!(solution_after.body["links"]["offer"], format!("/v1/offers/{offer_id}"));
    assert!(solution_after.body["completed_at"].is_null());

    let path = format!("/v1/offers/{offer_id}");
    let mut sections = complete_sections();
    sections.as_object_mut().unwrap().remove("listing");
    sections["listing"] = json!({"privacy_policy_url": "https://contoso.example/privacy",
        "support_contact": {"name": "S", "email": "s@contoso.example", "url": "https://contoso.example/s"},
        "engineering_contact": {"name": "E", "email": "e@contoso.example"}});
    assert_eq!(
        app.patch(&path)
            .bearer(&developer.token)
            .json(&sections)
            .send()
            .await
            .status,
        StatusCode::OK
    );
    let submission = app
        .post(&format!("{path}/publish"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(submission.status, StatusCode::CREATED, "{}", submission.body);
    app.post(&format!(
        "/v1/submissions/{}/certify",
        submission.body["id"].as_str().unwrap()
    ))
    .bearer(&reviewer.token)
    .json(&json!({"result": "passed"}))
    .send()
    .await;
    let live = app
        .post(&format!("{path}/go-live"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(live.status, StatusCode::OK, "{}", live.body);
    assert_eq!(live.body["co_sell_status"], "azure_ip_co_sell_incentivized");
    assert_eq!(live.body["co_sell_status_inherited"], true);
    assert_eq!(live.body["incentive_eligible"], true);
    assert_eq!(live.body["referral_pipeline"]["won_referrals"], 12);
    let done = app
        .get(&format!("/v1/solutions/{id}"))
        .bearer(&developer.token)
        .send()
        .await;
    assert_eq!(done.body["migration_status"], "migrated");
    assert!(done.body["completed_at"].is_string());
    assert_eq!(done.body["allowed_actions"], json!([]));
    let deleting = app.delete(&path).bearer(&developer.token).send().await;
    deleting.problem(StatusCode::CONFLICT, "offer_not_deletable");
}

async fn deleting_a_migrated_draft_returns_the_solution(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let id = solution(&app, &org, &support).await;
    let profile = publisher(&app, &org).await;
    let offer = app
        .post(&format!("/v1/solutions/{id}/migrate"))
        .bearer(&org.owner.token)
        .json(&json!({"offer_type": "saas", "publisher_profile_id": profile, "offer_alias": "retail"}))
        .send()
        .await;
    let again = app
        .post(&format!("/v1/solutions/{id}/migrate"))
        .bearer(&org.owner.token)
        .json(&json!({"offer_type": "saas", "publisher_profile_id": profile, "offer_alias": "retail-2"}))
        .send()
        .await;
    let problem = again.problem(StatusCode::CONFLICT, "invalid_state_transition");
    assert_eq!(problem["current_state"], "migrated");
    let deleted = app
        .delete(&format!("/v1/offers/{}", offer.body["id"].as_str().unwrap()))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let back = app
        .get(&format!("/v1/solutions/{id}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(back.body["migration_status"], "pending");
    assert!(back.body["offer_id"].is_null());
}

async fn a_merge_completed_by_support_passes_the_standing_to_the_offer(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let reviewer = app.staff(Role::Reviewer).await;
    let offer_id = live_offer(&app, &org, &reviewer).await;
    let id = solution(&app, &org, &support).await;
    let ticket = app
        .post(&format!("/v1/solutions/{id}/merge"))
        .bearer(&org.owner.token)
        .json(&json!({"offer_id": offer_id, "details": "Same product."}))
        .send()
        .await;
    assert_eq!(ticket.status, StatusCode::CREATED, "{}", ticket.body);
    assert_eq!(ticket.body["category"], "merge_request");
    assert_eq!(ticket.body["status"], "open");
    assert_eq!(ticket.body["merge"]["target_offer_id"], offer_id.as_str());
    assert_eq!(ticket.body["merge"]["offer_type"], "saas");
    assert!(
        ticket.body["merge"]["ocp_solution_id"]
            .as_str()
            .unwrap()
            .starts_with("OCP-")
    );
    let ticket_id = ticket.body["id"].as_str().unwrap();
    let pending = app
        .get(&format!("/v1/solutions/{id}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(pending.body["migration_status"], "merge_requested");
    assert_eq!(pending.body["allowed_actions"], json!(["withdraw_merge"]));
    assert_eq!(
        pending.body["links"]["ticket"],
        format!("/v1/support-tickets/{ticket_id}")
    );

    let partner_resolve = app
        .post(&format!("/v1/support-tickets/{ticket_id}/resolve"))
        .bearer(&org.owner.token)
        .json(&json!({"resolution": "merged"}))
        .send()
        .await;
    partner_resolve.problem(StatusCode::FORBIDDEN, "forbidden");
    let answered = app
        .post(&format!("/v1/support-tickets/{ticket_id}/resolve"))
        .bearer(&support.token)
        .json(&json!({"resolution": "answered"}))
        .send()
        .await;
    answered.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    let assigned = app
        .post(&format!("/v1/support-tickets/{ticket_id}/assign"))
        .bearer(&support.token)
        .send()
        .await;
    assert_eq!(assigned.body["status"], "in_progress", "{}", assigned.body);
    assert_eq!(assigned.body["assignee_id"], support.id.as_str());
    assert!(assigned.body["first_responded_at"].is_string());
    let resolved = app
        .post(&format!("/v1/support-tickets/{ticket_id}/resolve"))
        .bearer(&support.token)
        .json(&json!({"resolution": "merged", "note": "Done."}))
        .send()
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    assert_eq!(resolved.body["status"], "resolved");
    let merged = app
        .get(&format!("/v1/solutions/{id}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(merged.body["migration_status"], "merged");
    assert!(merged.body["completed_at"].is_string());
    let offer = app
        .get(&format!("/v1/offers/{offer_id}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(offer.body["co_sell_status"], "azure_ip_co_sell_incentivized");
    assert_eq!(offer.body["co_sell_status_inherited"], true);
    assert_eq!(offer.body["referral_pipeline"]["active_referrals"], 4);
    let reopen = app
        .post(&format!("/v1/support-tickets/{ticket_id}/reopen"))
        .bearer(&org.owner.token)
        .send()
        .await;
    reopen.problem(StatusCode::CONFLICT, "invalid_state_transition");
    let closed = app
        .post(&format!("/v1/support-tickets/{ticket_id}/close"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(closed.body["status"], "closed");
}

async fn rejected_withdrawn_and_canceled_merges_return_the_solution(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let id = solution(&app, &org, &support).await;
    let merge = || {
        app.post(&format!("/v1/solutions/{id}/merge"))
            .bearer(&org.owner.token)
            .json(&json!({"listing_url": "https://appsource.microsoft.com/product/saas/contoso.analytics"}))
            .send()
    };
    let status = || async {
        app.get(&format!("/v1/solutions/{id}"))
            .bearer(&org.owner.token)
            .send()
            .await
            .body["migration_status"]
            .clone()
    };

    let first = merge().await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let rejected = app
        .post(&format!(
            "/v1/support-tickets/{}/resolve",
            first.body["id"].as_str().unwrap()
        ))
        .bearer(&support.token)
        .json(&json!({"resolution": "rejected", "note": "Not the same product."}))
        .send()
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.body);
    assert_eq!(status().await, "pending");

    let second = merge().await;
    let withdrawn = app
        .post(&format!("/v1/solutions/{id}/withdraw-merge"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(withdrawn.body["migration_status"], "pending", "{}", withdrawn.body);
    let ticket = app
        .get(&format!("/v1/support-tickets/{}", second.body["id"].as_str().unwrap()))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(ticket.body["status"], "canceled");

    let third = merge().await;
    let canceled = app
        .post(&format!(
            "/v1/support-tickets/{}/cancel",
            third.body["id"].as_str().unwrap()
        ))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(canceled.body["status"], "canceled");
    assert_eq!(status().await, "pending");
    let again = app
        .post(&format!("/v1/solutions/{id}/withdraw-merge"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(
        again.problem(StatusCode::CONFLICT, "invalid_state_transition")["allowed_actions"],
        json!(["merge", "migrate", "discard"])
    );
}

async fn merge_targets_are_checked(app: TestApp) {
    let org = app.enrol().await;
    let other = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let reviewer = app.staff(Role::Reviewer).await;
    let id = solution(&app, &org, &support).await;
    let draft = crate::offers::draft(&app, &org, "saas").await;
    let foreign_live = live_offer(&app, &other, &reviewer).await;
    let path = format!("/v1/solutions/{id}/merge");
    let send = |body: Value| {
        let (app, token, path) = (&app, org.owner.token.clone(), path.clone());
        async move { app.post(&path).bearer(&token).json(&body).send().await }
    };
    send(json!({"offer_id": draft}))
        .await
        .problem(StatusCode::CONFLICT, "merge_target_not_live");
    send(json!({"offer_id": foreign_live}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    for url in [
        "http://appsource.microsoft.com/product/x",
        "https://evil.example/appsource.microsoft.com",
        "https://appsource.microsoft.com.evil.example/x",
        "javascript:alert(1)",
        // Read as appsource by WHATWG parsers and as evil.example by RFC 3986 ones.
        "https://appsource.microsoft.com\\@evil.example/",
        "https:appsource.microsoft.com/x",
        "https://appsource%2emicrosoft.com/x",
        " https://appsource.microsoft.com/x",
        "https://appsource.microsoft.com/x\n",
    ] {
        let res = send(json!({"listing_url": url})).await;
        assert_eq!(
            res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error")["errors"][0]["pointer"],
            "#/listing_url",
            "{url}"
        );
    }
    send(json!({}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    send(json!({"offer_id": draft, "listing_url": "https://appsource.microsoft.com/x"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    let unchanged = app
        .get(&format!("/v1/solutions/{id}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(unchanged.body["migration_status"], "pending");
    let tickets = app.get("/v1/support-tickets").bearer(&org.owner.token).send().await;
    assert!(
        tickets.body["items"].as_array().unwrap().is_empty(),
        "no ticket was opened"
    );
}

async fn discard_needs_confirmation_and_can_be_undone(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let id = solution(&app, &org, &support).await;
    let path = format!("/v1/solutions/{id}");
    app.post(&format!("{path}/discard"))
        .bearer(&org.owner.token)
        .send()
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "confirmation_required");
    app.post(&format!("{path}/discard"))
        .bearer(&org.owner.token)
        .json(&json!({"confirm": false}))
        .send()
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "confirmation_required");
    app.post(&format!("{path}/discard"))
        .bearer(&support.token)
        .json(&json!({"confirm": true}))
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    let discarded = app
        .post(&format!("{path}/discard"))
        .bearer(&org.owner.token)
        .json(&json!({"confirm": true}))
        .send()
        .await;
    assert_eq!(discarded.body["migration_status"], "discarded", "{}", discarded.body);
    assert_eq!(discarded.body["allowed_actions"], json!(["undo_discard"]));
    let pending = solution(&app, &org, &support).await;
    let by_status = |status: &'static str| {
        let (app, token) = (&app, org.owner.token.clone());
        async move { listed_ids(app, &token, &format!("/v1/solutions?migration_status={status}")).await }
    };
    assert_eq!(by_status("discarded").await, [id.as_str()]);
    assert_eq!(by_status("pending").await, [pending.as_str()]);
    assert_eq!(
        by_status("pending,discarded").await,
        [pending.as_str(), id.as_str()],
        "newest first"
    );
    let events = app.audit_count(&id);
    let merge = app
        .post(&format!("{path}/merge"))
        .bearer(&org.owner.token)
        .json(&json!({"listing_url": "https://appsource.microsoft.com/x"}))
        .send()
        .await;
    assert_eq!(
        merge.problem(StatusCode::CONFLICT, "invalid_state_transition")["current_state"],
        "discarded"
    );
    assert_eq!(app.audit_count(&id), events, "the refusal recorded nothing");
    let undone = app
        .post(&format!("{path}/undo-discard"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(undone.body["migration_status"], "pending");
}

async fn a_solution_is_migrated_or_merged_once_under_concurrency(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let id = solution(&app, &org, &support).await;
    let profile = publisher(&app, &org).await;
    let mut requests = Vec::new();
    for i in 0..6 {
        let req = if i % 2 == 0 {
            app.post(&format!("/v1/solutions/{id}/migrate")).bearer(&org.owner.token).json(&json!({"offer_type": "saas", "publisher_profile_id": profile, "offer_alias": format!("alias-{i}")}))
        } else {
            app.post(&format!("/v1/solutions/{id}/merge"))
                .bearer(&org.owner.token)
                .json(&json!({"listing_url": "https://azuremarketplace.microsoft.com/marketplace/apps/contoso.x"}))
        };
        requests.push(req.send());
    }
    let results = futures_util::future::join_all(requests).await;
    let wins: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CREATED).collect();
    assert_eq!(
        wins.len(),
        1,
        "{:?}",
        results
            .iter()
            .map(|r| (r.status, r.body["code"].clone()))
            .collect::<Vec<_>>()
    );
    for loser in results.iter().filter(|r| r.status != StatusCode::CREATED) {
        loser.problem(StatusCode::CONFLICT, "invalid_state_transition");
    }
    let offers = app.get("/v1/offers").bearer(&org.owner.token).send().await;
    let tickets = app.get("/v1/support-tickets").bearer(&org.owner.token).send().await;
    let created = offers.body["items"].as_array().unwrap().len() + tickets.body["items"].as_array().unwrap().len();
    assert_eq!(created, 1, "exactly one offer or one ticket exists");
}

async fn another_organizations_solutions_are_invisible(app: TestApp) {
    let ours = app.enrol().await;
    let theirs = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let id = solution(&app, &ours, &support).await;
    let stranger = app.member(&theirs, "manager").await;
    let random = uuid::Uuid::now_v7().to_string();
    for (method, suffix, body) in [
        ("GET", "", None),
        (
            "POST",
            "/merge",
            Some(json!({"listing_url": "https://appsource.microsoft.com/x"})),
        ),
        ("POST", "/withdraw-merge", None),
        ("POST", "/discard", Some(json!({"confirm": true}))),
        ("POST", "/undo-discard", None),
        (
            "POST",
            "/migrate",
            Some(json!({"offer_type": "saas", "publisher_profile_id": random, "offer_alias": "x"})),
        ),
    ] {
        for target in [&id, &random] {
            let mut req = app
                .request(method.parse().unwrap(), &format!("/v1/solutions/{target}{suffix}"))
                .bearer(&stranger.token);
            if let Some(body) = &body {
                req = req.json(body);
            }
            req.send().await.problem(StatusCode::NOT_FOUND, "not_found");
        }
    }
    assert!(
        app.get("/v1/solutions").bearer(&stranger.token).send().await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.get(&format!("/v1/solutions/{id}"))
            .bearer(&ours.owner.token)
            .send()
            .await
            .body["migration_status"],
        "pending"
    );
    let staff_view = app
        .get(&format!("/v1/solutions/{id}"))
        .bearer(&support.token)
        .send()
        .await;
    assert_eq!(
        staff_view.body["allowed_actions"],
        json!([]),
        "staff see solutions but act on none"
    );
}

/// The binary seeds the demo in a process of its own: it gives its objects the ids the document's
/// examples name, which an in-process seed would share with every other test running.
async fn the_demo_data_set_walks_every_path(app: TestApp) {
    let seeded = app.run_command(&["admin", "seed-demo"]);
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let printed = String::from_utf8_lossy(&seeded.stdout);
    let roles: Vec<&str> = printed
        .lines()
        .filter(|line| line.contains('@'))
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(
        roles,
        ["owner", "manager", "developer", "support", "reviewer"],
        "{printed}"
    );
    let owner = app
        .login("ada@contoso.example", cosell::admin::demo::DEMO_PASSWORD)
        .await;
    let live = app
        .get(&format!("/v1/offers/{}", cosell::admin::demo::known::LIVE_OFFER))
        .bearer(&owner)
        .send()
        .await;
    assert_eq!(live.body["status"], "live", "{}", live.body);

    let counts = cosell::db::run(&app.pool, |conn| {
        use cosell::db::schema::{offers, solutions};
        use diesel::prelude::*;
        let offer_states: Vec<String> = offers::table.select(offers::status).distinct().load(conn)?;
        let solution_states: Vec<String> = solutions::table
            .select(solutions::migration_status)
            .distinct()
            .load(conn)?;
        Ok((offer_states, solution_states))
    })
    .await
    .unwrap();
    for status in ["draft", "publish_in_progress", "attention_needed", "preview", "live"] {
        assert!(counts.0.iter().any(|s| s == status), "no {status} offer");
    }
    for status in ["pending", "merge_requested", "merged", "migrated", "discarded"] {
        assert!(counts.1.iter().any(|s| s == status), "no {status} solution");
    }
    let again = app.run_command(&["admin", "seed-demo"]);
    assert!(!again.status.success(), "seeding twice is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

async fn imports_wait_for_support_to_verify_the_mpn_id(app: TestApp) {
    let org = app.enrol().await;
    let squatter_target = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let reviewer = app.staff(Role::Reviewer).await;
    let import = |ocp: &str| {
        app.post("/v1/solutions/import")
            .bearer(&support.token)
            .json(&json!({"solutions": [legacy(&org.mpn_id, ocp)]}))
            .send()
    };
    let early = import("OCP-EARLY").await;
    assert_eq!(early.status, StatusCode::OK, "{}", early.body);
    assert_eq!(early.body["created"], 0);
    assert_eq!(
        early.body["rejected"][0]["errors"][0]["pointer"],
        "#/solutions/0/mpn_id"
    );
    assert_eq!(
        early.body["rejected"][0]["errors"][0]["code"],
        "organization_not_verified"
    );

    // Staff find it among the unverified; partners list no organizations.
    let unverified = app
        .get(&format!("/v1/organizations?verified=false&mpn_id={}", org.mpn_id))
        .bearer(&reviewer.token)
        .send()
        .await;
    assert_eq!(unverified.status, StatusCode::OK, "{}", unverified.body);
    assert_eq!(unverified.body["items"][0]["id"], org.id.as_str());
    assert_eq!(unverified.body["items"][0]["mpn_verified_at"], Value::Null);
    app.get("/v1/organizations")
        .bearer(&org.owner.token)
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");

    // Only support verifies; a partner gets 403 for its own organization and 404 for another.
    let verify = format!("/v1/organizations/{}/verify-mpn", org.id);
    for token in [&org.owner.token, &reviewer.token] {
        app.post(&verify)
            .bearer(token)
            .send()
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
    }
    app.post(&verify)
        .bearer(&squatter_target.owner.token)
        .send()
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let done = app.post(&verify).bearer(&support.token).send().await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body["mpn_verified_at"].is_string(), "{}", done.body);
    app.post(&verify)
        .bearer(&support.token)
        .send()
        .await
        .problem(StatusCode::CONFLICT, "invalid_state_transition");

    let later = import("OCP-LATER").await;
    assert_eq!(later.body["created"], 1, "{}", later.body);
    let read = app
        .get(&format!("/v1/organizations/{}", org.id))
        .bearer(&reviewer.token)
        .send()
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.body["mpn_verified_at"], done.body["mpn_verified_at"]);
    let own = app.get("/v1/organization").bearer(&org.owner.token).send().await;
    assert_eq!(own.body["mpn_verified_at"], done.body["mpn_verified_at"]);
    let verified_only = app
        .get("/v1/organizations?verified=true&limit=100")
        .bearer(&support.token)
        .send()
        .await;
    let ids: Vec<&str> = verified_only.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&org.id.as_str()) && !ids.contains(&squatter_target.id.as_str()),
        "{ids:?}"
    );
    let events = crate::events::feed(&app, &org).await;
    assert!(events.iter().any(|e| e["type"] == "organization.mpn_verified"));
}
