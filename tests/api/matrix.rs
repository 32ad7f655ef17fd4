//! DOMAIN.md's capability table written once as data and run for every role (owner, manager,
//! developer, support, reviewer, anonymous) against every authenticated operation of the
//! OpenAPI document. Each call gets a fresh object in a state where the action is possible, so
//! the answer depends on the role alone: 2xx when the table allows it, 403 when it does not (404
//! where an answer is about the caller's own organization and staff have none), 401 without a token.

use actix_web::http::{Method, StatusCode};
use diesel::RunQueryDsl;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Member, Org, TestApp};
use crate::offers::{complete_sections, draft, live_offer, publisher};
use crate::on_both;
use cosell::auth::roles::Role;

on_both!(every_role_gets_what_the_capability_table_gives_on_every_operation);

const ALL: &[&str] = &["owner", "manager", "developer", "support", "reviewer"];
const PARTNERS: &[&str] = &["owner", "manager", "developer"];
const OWNER_MANAGER: &[&str] = &["owner", "manager"];
const AUDIT: &[&str] = &["owner", "manager", "support", "reviewer"];
const SUPPORT: &[&str] = &["support"];
const STAFF: &[&str] = &["support", "reviewer"];
const REVIEWER: &[&str] = &["reviewer"];
const COMMENTERS: &[&str] = &["owner", "manager", "developer", "support"];

/// Who may call each operation: the capability table of DOMAIN.md, by operation id.
fn allowed(operation_id: &str) -> &'static [&'static str] {
    match operation_id {
        "get_organization"
        | "create_offer"
        | "update_offer"
        | "delete_offer"
        | "publish_offer"
        | "cancel_offer_publish"
        | "go_live_offer"
        | "merge_solution"
        | "withdraw_solution_merge"
        | "migrate_solution"
        | "discard_solution"
        | "undo_solution_discard"
        | "create_support_ticket"
        | "close_support_ticket"
        | "reopen_support_ticket" => PARTNERS,
        "update_organization"
        | "invite_user"
        | "update_user"
        | "delete_user"
        | "create_publisher_profile"
        | "update_publisher_profile"
        | "delete_publisher_profile"
        | "stop_offer_distribution"
        | "cancel_support_ticket" => OWNER_MANAGER,
        "list_audit_events" | "list_offer_history" | "list_events" | "get_event" => AUDIT,
        "create_webhook_endpoint"
        | "list_webhook_endpoints"
        | "get_webhook_endpoint"
        | "update_webhook_endpoint"
        | "delete_webhook_endpoint"
        | "enable_webhook_endpoint"
        | "disable_webhook_endpoint"
        | "ping_webhook_endpoint"
        | "rotate_webhook_endpoint_secret"
        | "list_webhook_deliveries"
        | "get_webhook_delivery"
        | "retry_webhook_delivery" => OWNER_MANAGER,
        "list_organizations" | "get_organization_by_id" => STAFF,
        "verify_organization_mpn" => SUPPORT,
        "import_solutions" | "assign_support_ticket" | "request_support_ticket_info" | "resolve_support_ticket" => {
            SUPPORT
        }
        "certify_submission" => REVIEWER,
        "add_support_ticket_comment" => COMMENTERS,
        "get_current_user"
        | "change_password"
        | "list_users"
        | "get_user"
        | "list_publisher_profiles"
        | "get_publisher_profile"
        | "list_offers"
        | "get_offer"
        | "get_offer_readiness"
        | "get_offer_changes"
        | "list_offer_submissions"
        | "list_submissions"
        | "get_submission"
        | "list_solutions"
        | "get_solution"
        | "list_support_tickets"
        | "get_support_ticket"
        | "list_support_ticket_comments" => ALL,
        other => panic!("{other} is not in the capability table; add it"),
    }
}

struct World {
    org: Org,
    members: Vec<(&'static str, Member)>,
}

impl World {
    fn token(&self, role: &str) -> &str {
        &self.members.iter().find(|(r, _)| *r == role).unwrap().1.token
    }
}

/// A request that the table's roles can make succeed: fresh objects for every call.
async fn prepare(app: &TestApp, w: &World, operation_id: &str) -> (String, Option<Value>) {
    let owner = w.token("owner");
    let support = w.members.iter().find(|(r, _)| *r == "support").unwrap().1.clone();
    let reviewer = w.members.iter().find(|(r, _)| *r == "reviewer").unwrap().1.clone();
    let offer_in = |state: &'static str| async move {
        let id = draft(app, &w.org, "saas").await;
        app.patch(&format!("/v1/offers/{id}"))
            .bearer(owner)
            .json(&complete_sections())
            .send()
            .await;
        if state != "draft" {
            let submission = app.post(&format!("/v1/offers/{id}/publish")).bearer(owner).send().await;
            if state == "preview" {
                let certify = format!("/v1/submissions/{}/certify", submission.body["id"].as_str().unwrap());
                app.post(&certify)
                    .bearer(w.token("reviewer"))
                    .json(&json!({"result": "passed"}))
                    .send()
                    .await;
            }
            return (id, submission.body["id"].as_str().unwrap().to_owned());
        }
        (id, String::new())
    };
    let solution = || crate::solutions::solution(app, &w.org, &support);
    let ticket = |by: &'static str| async move {
        let res = app
            .post("/v1/support-tickets")
            .bearer(w.token(by))
            .json(&json!({"category": "general", "subject": "Hello", "description": "Question"}))
            .send()
            .await;
        res.body["id"].as_str().unwrap().to_owned()
    };
    let resolved_ticket = || async {
        let id = ticket("owner").await;
        let path = format!("/v1/support-tickets/{id}/resolve");
        app.post(&path)
            .bearer(&support.token)
            .json(&json!({"resolution": "answered"}))
            .send()
            .await;
        id
    };
    let developer = || app.member(&w.org, "developer");
    let unique = || Uuid::now_v7().simple().to_string()[20..].to_owned();
    match operation_id {
        "get_organization" => ("/v1/organization".into(), None),
        "update_organization" => ("/v1/organization".into(), Some(json!({"name": "Renamed"}))),
        "get_current_user" => ("/v1/users/me".into(), None),
        // The same password again: still a change, which ends the caller's sessions.
        "change_password" => (
            "/v1/users/me/password".into(),
            Some(json!({"current_password": crate::helpers::PASSWORD, "new_password": crate::helpers::PASSWORD})),
        ),
        "list_users" => ("/v1/users".into(), None),
        "invite_user" => (
            "/v1/users".into(),
            Some(json!({"email": format!("{}@matrix.example", unique()), "display_name": "I", "role": "developer"})),
        ),
        "get_user" => (format!("/v1/users/{}", w.org.owner.id), None),
        "update_user" => (
            format!("/v1/users/{}", developer().await.id),
            Some(json!({"role": "manager"})),
        ),
        "delete_user" => (format!("/v1/users/{}", developer().await.id), None),
        "list_publisher_profiles" => ("/v1/publisher-profiles".into(), None),
        "create_publisher_profile" => (
            "/v1/publisher-profiles".into(),
            Some(json!({
            "publisher_id": format!("p{}", unique()), "display_name": "P", "mpn_id": w.org.mpn_id,
            "contact_name": "C", "contact_email": "c@matrix.example", "website": "https://matrix.example"})),
        ),
        "get_publisher_profile" => (format!("/v1/publisher-profiles/{}", publisher(app, &w.org).await), None),
        "update_publisher_profile" => (
            format!("/v1/publisher-profiles/{}", publisher(app, &w.org).await),
            Some(json!({"display_name": "Q"})),
        ),
        "delete_publisher_profile" => (format!("/v1/publisher-profiles/{}", publisher(app, &w.org).await), None),
        "list_offers" => ("/v1/offers".into(), None),
        "create_offer" => (
            "/v1/offers".into(),
            Some(
                json!({"publisher_profile_id": publisher(app, &w.org).await, "offer_alias": "m", "name": "M", "offer_type": "saas"}),
            ),
        ),
        "get_offer"
        | "get_offer_readiness"
        | "get_offer_changes"
        | "list_offer_history"
        | "list_offer_submissions"
        | "update_offer"
        | "delete_offer"
        | "publish_offer" => {
            let (id, _) = offer_in(if operation_id == "get_offer_changes" {
                "preview"
            } else {
                "draft"
            })
            .await;
            let suffix = match operation_id {
                "get_offer_readiness" => "/readiness",
                "get_offer_changes" => "/changes?against=preview",
                "list_offer_history" => "/history",
                "list_offer_submissions" => "/submissions",
                "publish_offer" => "/publish",
                _ => "",
            };
            let body = (operation_id == "update_offer").then(|| json!({"name": "Edited"}));
            (format!("/v1/offers/{id}{suffix}"), body)
        }
        "cancel_offer_publish" => (
            format!("/v1/offers/{}/cancel-publish", offer_in("certification").await.0),
            None,
        ),
        "go_live_offer" => (format!("/v1/offers/{}/go-live", offer_in("preview").await.0), None),
        "stop_offer_distribution" => (
            format!(
                "/v1/offers/{}/stop-distribution",
                live_offer(app, &w.org, &reviewer).await
            ),
            Some(json!({"confirm": true})),
        ),
        "list_submissions" => ("/v1/submissions".into(), None),
        "get_submission" => (format!("/v1/submissions/{}", offer_in("certification").await.1), None),
        "certify_submission" => (
            format!("/v1/submissions/{}/certify", offer_in("certification").await.1),
            Some(json!({"result": "passed"})),
        ),
        "list_organizations" => ("/v1/organizations".into(), None),
        "get_organization_by_id" => (format!("/v1/organizations/{}", w.org.id), None),
        "verify_organization_mpn" => {
            // Unverified again, so that the one who may verify can.
            let mut conn = app.pool.get().unwrap();
            diesel::sql_query(format!(
                "UPDATE organizations SET mpn_verified_at = NULL WHERE id = '{}'",
                w.org.id
            ))
            .execute(&mut conn)
            .unwrap();
            (format!("/v1/organizations/{}/verify-mpn", w.org.id), None)
        }
        "import_solutions" => {
            crate::solutions::verified(app, &w.org, &support).await;
            (
                "/v1/solutions/import".into(),
                Some(json!({"solutions": [crate::solutions::legacy(&w.org.mpn_id, &format!("OCP-{}", unique()))]})),
            )
        }
        "list_solutions" => ("/v1/solutions".into(), None),
        "get_solution" => (format!("/v1/solutions/{}", solution().await), None),
        "merge_solution" => (
            format!("/v1/solutions/{}/merge", solution().await),
            Some(json!({"listing_url": "https://appsource.microsoft.com/product/x"})),
        ),
        "withdraw_solution_merge" => {
            let id = solution().await;
            app.post(&format!("/v1/solutions/{id}/merge"))
                .bearer(owner)
                .json(&json!({"listing_url": "https://appsource.microsoft.com/x"}))
                .send()
                .await;
            (format!("/v1/solutions/{id}/withdraw-merge"), None)
        }
        "migrate_solution" => (
            format!("/v1/solutions/{}/migrate", solution().await),
            Some(
                json!({"offer_type": "saas", "publisher_profile_id": publisher(app, &w.org).await, "offer_alias": format!("m{}", unique())}),
            ),
        ),
        "discard_solution" => (
            format!("/v1/solutions/{}/discard", solution().await),
            Some(json!({"confirm": true})),
        ),
        "undo_solution_discard" => {
            let id = solution().await;
            app.post(&format!("/v1/solutions/{id}/discard"))
                .bearer(owner)
                .json(&json!({"confirm": true}))
                .send()
                .await;
            (format!("/v1/solutions/{id}/undo-discard"), None)
        }
        "create_support_ticket" => (
            "/v1/support-tickets".into(),
            Some(json!({"category": "general", "subject": "S", "description": "D"})),
        ),
        "list_support_tickets" => ("/v1/support-tickets".into(), None),
        "get_support_ticket" => (format!("/v1/support-tickets/{}", ticket("owner").await), None),
        "list_support_ticket_comments" => (format!("/v1/support-tickets/{}/comments", ticket("owner").await), None),
        "add_support_ticket_comment" => (
            format!("/v1/support-tickets/{}/comments", ticket("owner").await),
            Some(json!({"body": "hi"})),
        ),
        "assign_support_ticket" => (format!("/v1/support-tickets/{}/assign", ticket("owner").await), None),
        "request_support_ticket_info" => (
            format!("/v1/support-tickets/{}/request-info", ticket("owner").await),
            Some(json!({"message": "More?"})),
        ),
        "resolve_support_ticket" => (
            format!("/v1/support-tickets/{}/resolve", ticket("owner").await),
            Some(json!({"resolution": "answered"})),
        ),
        "close_support_ticket" => (format!("/v1/support-tickets/{}/close", resolved_ticket().await), None),
        "reopen_support_ticket" => (format!("/v1/support-tickets/{}/reopen", resolved_ticket().await), None),
        // Opened by another developer, so only the owner and the manager may cancel it.
        "cancel_support_ticket" => {
            let creator = developer().await;
            let res = app
                .post("/v1/support-tickets")
                .bearer(&creator.token)
                .json(&json!({"category": "general", "subject": "Mine", "description": "Question"}))
                .send()
                .await;
            (
                format!("/v1/support-tickets/{}/cancel", res.body["id"].as_str().unwrap()),
                None,
            )
        }
        "list_audit_events" => ("/v1/audit-events".into(), None),
        // Staff name the organization; partners may name their own.
        "list_events" => (format!("/v1/events?organization_id={}", w.org.id), None),
        "get_event" => {
            let events = crate::events::feed(app, &w.org).await;
            (format!("/v1/events/{}", events[0]["id"].as_str().unwrap()), None)
        }
        "create_webhook_endpoint" => {
            clear_endpoints(app, w).await;
            (
                "/v1/webhook-endpoints".into(),
                Some(json!({"url": "http://127.0.0.1:9/hook", "enabled_events": ["offer.*"]})),
            )
        }
        "list_webhook_endpoints" => ("/v1/webhook-endpoints".into(), None),
        "get_webhook_endpoint"
        | "update_webhook_endpoint"
        | "delete_webhook_endpoint"
        | "disable_webhook_endpoint"
        | "ping_webhook_endpoint"
        | "rotate_webhook_endpoint_secret" => {
            let id = fresh_endpoint(app, w).await;
            let suffix = match operation_id {
                "disable_webhook_endpoint" => "/disable",
                "ping_webhook_endpoint" => "/ping",
                "rotate_webhook_endpoint_secret" => "/rotate-secret",
                _ => "",
            };
            let body = (operation_id == "update_webhook_endpoint").then(|| json!({"description": "Edited"}));
            (format!("/v1/webhook-endpoints/{id}{suffix}"), body)
        }
        "enable_webhook_endpoint" => {
            let id = fresh_endpoint(app, w).await;
            let res = app
                .post(&format!("/v1/webhook-endpoints/{id}/disable"))
                .bearer(owner)
                .send()
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            (format!("/v1/webhook-endpoints/{id}/enable"), None)
        }
        "list_webhook_deliveries" => ("/v1/webhook-deliveries".into(), None),
        "get_webhook_delivery" | "retry_webhook_delivery" => {
            let id = fresh_endpoint(app, w).await;
            let ping = app
                .post(&format!("/v1/webhook-endpoints/{id}/ping"))
                .bearer(owner)
                .send()
                .await;
            assert!(ping.status.is_success(), "{}", ping.body);
            let list = app
                .get(&format!("/v1/webhook-deliveries?endpoint_id={id}"))
                .bearer(owner)
                .send()
                .await;
            let delivery = list.body["items"][0]["id"].as_str().unwrap().to_owned();
            let suffix = if operation_id == "retry_webhook_delivery" {
                "/retry"
            } else {
                ""
            };
            (format!("/v1/webhook-deliveries/{delivery}{suffix}"), None)
        }
        other => panic!("no fixture for {other}; add one"),
    }
}

/// Deletes every webhook endpoint of the world's organization, so fixtures stay under the limit.
async fn clear_endpoints(app: &TestApp, w: &World) {
    let owner = w.token("owner");
    let list = app.get("/v1/webhook-endpoints?limit=100").bearer(owner).send().await;
    for endpoint in list.body["items"].as_array().unwrap() {
        let path = format!("/v1/webhook-endpoints/{}", endpoint["id"].as_str().unwrap());
        let res = app.delete(&path).bearer(owner).send().await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    }
}

/// One enabled webhook endpoint of the world's organization, alone there.
async fn fresh_endpoint(app: &TestApp, w: &World) -> String {
    clear_endpoints(app, w).await;
    let res = app
        .post("/v1/webhook-endpoints")
        .bearer(w.token("owner"))
        .json(&json!({"url": "http://127.0.0.1:9/hook", "enabled_events": ["offer.*"]}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.body["endpoint"]["id"].as_str().unwrap().to_owned()
}

async fn every_role_gets_what_the_capability_table_gives_on_every_operation(app: TestApp) {
    let org = app.enrol().await;
    let mut members = vec![("owner", org.owner.clone())];
    for role in ["manager", "developer"] {
        members.push((role, app.member(&org, role).await));
    }
    members.push(("support", app.staff(Role::Support).await));
    members.push(("reviewer", app.staff(Role::Reviewer).await));
    let mut world = World { org, members };
    let doc: Value = serde_json::from_str(&cosell::app::openapi_json()).unwrap();
    let mut cells = 0;
    for (_, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let authenticated = op["security"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s.get("bearer").is_some());
            if !authenticated {
                continue;
            }
            let id = op["operationId"].as_str().unwrap();
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let roles = allowed(id);
            let (path, body) = prepare(&app, &world, id).await;
            let mut anonymous = app.request(method.clone(), &path);
            if let Some(body) = &body {
                anonymous = anonymous.json(body);
            }
            anonymous
                .send()
                .await
                .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
            for role in ALL {
                let (path, body) = prepare(&app, &world, id).await;
                let mut request = app.request(method.clone(), &path).bearer(world.token(role));
                if let Some(body) = &body {
                    request = request.json(body);
                }
                let res = request.send().await;
                let at = format!("{method} {path} ({id}) as {role}");
                if roles.contains(role) {
                    assert!(
                        res.status.is_success(),
                        "{at}: the table allows it, got {} {}",
                        res.status,
                        res.body
                    );
                } else if id == "get_organization" {
                    res.problem(StatusCode::NOT_FOUND, "not_found");
                } else {
                    assert_eq!(
                        res.status,
                        StatusCode::FORBIDDEN,
                        "{at}: the table forbids it: {}",
                        res.body
                    );
                }
                cells += 1;
                if id == "change_password" {
                    // Its sessions ended: the member logs in again for the operations that follow.
                    let member = &mut world.members.iter_mut().find(|(r, _)| r == role).unwrap().1;
                    let stale = app.get("/v1/users/me").bearer(&member.token).send().await;
                    assert_eq!(stale.status, StatusCode::UNAUTHORIZED, "{at}: the session outlived it");
                    member.token = app.login(&member.email, crate::helpers::PASSWORD).await;
                    if *role == "owner" {
                        world.org.owner.token = member.token.clone();
                    }
                }
            }
        }
    }
    assert!(cells >= 5 * 45, "only {cells} cells");
}
