use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::events::feed;
use crate::helpers::{Backend, Org, TestApp};
use crate::offers::draft;
use crate::on_both;
use crate::receiver::{Receiver, signed_with};
use cosell::auth::roles::Role;

on_both!(
    a_receiver_gets_each_event_once_signed_as_the_feed_shows_it,
    a_failed_attempt_is_retried_with_the_same_webhook_id,
    gone_disables_the_endpoint_and_says_so,
    a_rotated_secret_signs_beside_the_new_one,
    endpoints_are_for_owners_and_managers_of_their_organization,
    an_endpoint_gets_only_the_events_it_asks_for,
    sixteen_endpoints_at_most,
    a_stopping_process_gives_its_endpoints_up,
);

/// Who holds the lease of endpoint `id`.
fn lease_owner(app: &TestApp, id: &str) -> Option<String> {
    use cosell::db::schema::webhook_endpoints;
    use diesel::prelude::*;
    let id: cosell::ids::WebhookEndpointId = id.parse().unwrap();
    webhook_endpoints::table
        .find(id)
        .select(webhook_endpoints::lease_owner)
        .first(&mut app.pool.get().unwrap())
        .unwrap()
}

/// A process that stops gives up the endpoints its dispatcher held: another process delivers
/// to them at once, not once the leases expire (after 19 s with the tests' settings).
async fn a_stopping_process_gives_its_endpoints_up(mut app: TestApp) {
    let org = app.enrol().await;
    let receiver = Receiver::start(&[]);
    let (id, _) = endpoint(&app, &org, &receiver.url, json!(["offer.*"])).await;
    // A worker keeps the endpoint for a moment after each delivery, waiting for more.
    let mut held = false;
    for n in 1..=3 {
        draft(&app, &org, "saas").await;
        assert_eq!(receiver.wait_for(n).await.len(), n);
        held = lease_owner(&app, &id).is_some();
        if held {
            break;
        }
    }
    assert!(held, "the endpoint was never held after a delivery");
    app.stop_background();
    assert_eq!(lease_owner(&app, &id), None, "the stopped process kept its lease");

    let other = app.another_process().await;
    let started = std::time::Instant::now();
    let delivered = receiver.received().len();
    draft(&other, &org, "saas").await;
    assert_eq!(receiver.wait_for(delivered + 1).await.len(), delivered + 1);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "delivered after {:?}",
        started.elapsed()
    );
}

/// A webhook endpoint of `org` for `events` at `url`: its id and secret.
async fn endpoint(app: &TestApp, org: &Org, url: &str, events: Value) -> (String, String) {
    let res = app
        .post("/v1/webhook-endpoints")
        .bearer(&org.owner.token)
        .json(&json!({"url": url, "description": "test receiver", "enabled_events": events}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let secret = res.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    (res.body["endpoint"]["id"].as_str().unwrap().to_owned(), secret)
}

async fn deliveries(app: &TestApp, org: &Org, query: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/v1/webhook-deliveries?limit=100&{query}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.body["items"].as_array().unwrap().clone()
}

/// Waits up to 15 s until the delivery matching `query` has `status`.
pub async fn wait_for_status(app: &TestApp, org: &Org, query: &str, status: &str) -> Value {
    for _ in 0..300 {
        if let Some(found) = deliveries(app, org, query)
            .await
            .into_iter()
            .find(|d| d["status"] == status)
        {
            return found;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "no delivery {query} became {status}: {:?}",
        deliveries(app, org, query).await
    );
}

async fn a_receiver_gets_each_event_once_signed_as_the_feed_shows_it(app: TestApp) {
    let org = app.enrol().await;
    let receiver = Receiver::start(&[]);
    let (_, secret) = endpoint(&app, &org, &receiver.url, json!(["offer.*"])).await;
    let offer = draft(&app, &org, "saas").await;
    app.patch(&format!("/v1/offers/{offer}"))
        .bearer(&org.owner.token)
        .json(&json!({"name": "Renamed"}))
        .send()
        .await;
    let received = receiver.wait_for(2).await;
    assert_eq!(received.len(), 2, "{received:?}");
    let offer_events: Vec<Value> = feed(&app, &org)
        .await
        .into_iter()
        .filter(|e| e["type"].as_str().unwrap().starts_with("offer."))
        .collect();
    for (got, event) in received.iter().zip(&offer_events) {
        assert_eq!(got.path, "/hook");
        assert_eq!(got.header("webhook-id"), event["id"].as_str().unwrap());
        assert_eq!(&got.json(), event, "the body is the event as the feed shows it");
        assert!(signed_with(got, &secret), "{:?}", got.headers);
        assert_eq!(got.header("content-type"), "application/json");
        assert!(got.header("user-agent").starts_with("cosell-webhooks/"));
        let sent_at: i64 = got.header("webhook-timestamp").parse().unwrap();
        assert!((chrono::Utc::now().timestamp() - sent_at).abs() < 60);
    }
    let first = wait_for_status(&app, &org, "status=succeeded", "succeeded").await;
    assert_eq!(first["attempts"][0]["response_status"], 200);
    assert_eq!(first["attempts"][0]["response_body"], "received");
    // Nothing arrives twice.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 2);
}

async fn a_failed_attempt_is_retried_with_the_same_webhook_id(app: TestApp) {
    let org = app.enrol().await;
    let receiver = Receiver::start(&[500]);
    let (endpoint_id, _) = endpoint(&app, &org, &receiver.url, json!(["offer.created"])).await;
    draft(&app, &org, "saas").await;
    let received = receiver.wait_for(2).await;
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].header("webhook-id"), received[1].header("webhook-id"));
    let done = wait_for_status(&app, &org, &format!("endpoint_id={endpoint_id}"), "succeeded").await;
    let statuses: Vec<&Value> = done["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["response_status"])
        .collect();
    assert_eq!(statuses, [&json!(500), &json!(200)]);
    assert_eq!(done["attempts"][0]["error"], "answered 500");
    // A retry asked for makes one more attempt.
    let retried = app
        .post(&format!(
            "/v1/webhook-deliveries/{}/retry",
            done["id"].as_str().unwrap()
        ))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    assert_eq!(receiver.wait_for(3).await.len(), 3);

    // Operators count them (per process, so at least what this test made).
    let metrics = app.get("/metrics").send().await;
    let text = metrics.body.as_str().unwrap_or_default().to_owned();
    let count = |outcome: &str| -> u64 {
        let prefix = format!("cosell_webhook_attempts_total{{outcome=\"{outcome}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {outcome} count in {text}"))
    };
    assert!(count("retried") >= 1 && count("succeeded") >= 1, "{text}");
    assert!(text.contains("cosell_webhook_oldest_due_seconds "), "{text}");
}

async fn gone_disables_the_endpoint_and_says_so(app: TestApp) {
    let org = app.enrol().await;
    let receiver = Receiver::start(&[410]);
    let (endpoint_id, _) = endpoint(&app, &org, &receiver.url, json!(["offer.*"])).await;
    draft(&app, &org, "saas").await;
    wait_for_status(&app, &org, &format!("endpoint_id={endpoint_id}"), "failed").await;
    let found = app
        .get(&format!("/v1/webhook-endpoints/{endpoint_id}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(found.body["status"], "disabled");
    assert_eq!(found.body["disabled_reason"], "gone");
    let disabled = feed(&app, &org)
        .await
        .into_iter()
        .find(|e| e["type"] == "webhook_endpoint.disabled")
        .expect("an event says the endpoint was disabled");
    assert_eq!(disabled["data"]["object"]["disabled_reason"], "gone");
    // Disabled: the next event is not delivered; enabled again, it is.
    draft(&app, &org, "saas").await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1);
    let enabled = app
        .post(&format!("/v1/webhook-endpoints/{endpoint_id}/enable"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    assert_eq!(enabled.body["disabled_reason"], Value::Null);
    app.post(&format!("/v1/webhook-endpoints/{endpoint_id}/enable"))
        .bearer(&org.owner.token)
        .send()
        .await
        .problem(StatusCode::CONFLICT, "invalid_state_transition");
    draft(&app, &org, "saas").await;
    assert_eq!(receiver.wait_for(2).await.len(), 2);
}

async fn a_rotated_secret_signs_beside_the_new_one(app: TestApp) {
    let org = app.enrol().await;
    let receiver = Receiver::start(&[]);
    let (id, old) = endpoint(&app, &org, &receiver.url, json!(["offer.*"])).await;
    let rotated = app
        .post(&format!("/v1/webhook-endpoints/{id}/rotate-secret"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated.body["previous_secret_expires_at"].is_string());
    let pinged = app
        .post(&format!("/v1/webhook-endpoints/{id}/ping"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(pinged.status, StatusCode::OK, "{}", pinged.body);
    let received = receiver.wait_for(1).await;
    let ping = &received[0];
    assert_eq!(ping.json()["type"], "webhook_endpoint.ping");
    assert_eq!(ping.header("webhook-signature").split(' ').count(), 2);
    assert!(signed_with(ping, &new) && signed_with(ping, &old));
    assert!(!signed_with(ping, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"));
}

async fn endpoints_are_for_owners_and_managers_of_their_organization(app: TestApp) {
    let org = app.enrol().await;
    let other = app.enrol().await;
    let manager = app.member(&org, "manager").await;
    let developer = app.member(&org, "developer").await;
    let support = app.staff(Role::Support).await;
    let (id, _) = endpoint(&app, &org, "https://hooks.contoso.example/cosell", json!(["*"])).await;
    let path = format!("/v1/webhook-endpoints/{id}");
    assert_eq!(
        app.get(&path).bearer(&manager.token).send().await.status,
        StatusCode::OK
    );
    for token in [&developer.token, &support.token] {
        app.get("/v1/webhook-endpoints")
            .bearer(token)
            .send()
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
        app.get("/v1/webhook-deliveries")
            .bearer(token)
            .send()
            .await
            .problem(StatusCode::FORBIDDEN, "forbidden");
    }
    app.get(&path)
        .bearer(&developer.token)
        .send()
        .await
        .problem(StatusCode::FORBIDDEN, "forbidden");
    for (method, action) in [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/ping"),
        ("POST", "/disable"),
    ] {
        let req = match method {
            "GET" => app.get(&format!("{path}{action}")),
            "PATCH" => app.patch(&path).json(&json!({"description": "mine now"})),
            "DELETE" => app.delete(&path),
            _ => app.post(&format!("{path}{action}")),
        };
        req.bearer(&other.owner.token)
            .send()
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }
    let listed = app.get("/v1/webhook-endpoints").bearer(&other.owner.token).send().await;
    assert_eq!(listed.body["items"], json!([]));
    let changed = app
        .patch(&path)
        .bearer(&manager.token)
        .json(&json!({"description": null, "enabled_events": ["offer.*", "solution.merged"]}))
        .send()
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["description"], Value::Null);
    assert_eq!(changed.body["enabled_events"], json!(["offer.*", "solution.merged"]));
    assert!(
        changed.body.get("secret").is_none(),
        "the secret is shown only when made"
    );
    let removed = app.delete(&path).bearer(&manager.token).send().await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
}

async fn an_endpoint_gets_only_the_events_it_asks_for(app: TestApp) {
    let org = app.enrol().await;
    let offers = Receiver::start(&[]);
    let profiles = Receiver::start(&[]);
    endpoint(&app, &org, &offers.url, json!(["offer.updated"])).await;
    endpoint(&app, &org, &profiles.url, json!(["publisher_profile.*"])).await;
    let offer = draft(&app, &org, "saas").await;
    app.patch(&format!("/v1/offers/{offer}"))
        .bearer(&org.owner.token)
        .json(&json!({"name": "Renamed"}))
        .send()
        .await;
    assert_eq!(offers.wait_for(1).await[0].json()["type"], "offer.updated");
    assert_eq!(
        profiles.wait_for(1).await[0].json()["type"],
        "publisher_profile.created"
    );
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!((offers.received().len(), profiles.received().len()), (1, 1));
    for bad in [
        json!([]),
        json!(["offers.*"]),
        json!(["offer.nothing"]),
        json!(["*", "*"]),
    ] {
        app.post("/v1/webhook-endpoints")
            .bearer(&org.owner.token)
            .json(&json!({"url": "https://hooks.contoso.example/", "enabled_events": bad}))
            .send()
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    }
}

async fn sixteen_endpoints_at_most(app: TestApp) {
    let org = app.enrol().await;
    for n in 0..16 {
        endpoint(&app, &org, &format!("https://hooks.contoso.example/{n}"), json!(["*"])).await;
    }
    app.post("/v1/webhook-endpoints")
        .bearer(&org.owner.token)
        .json(&json!({"url": "https://hooks.contoso.example/17", "enabled_events": ["*"]}))
        .send()
        .await
        .problem(StatusCode::CONFLICT, "limit_reached");
}

/// Without `COSELL_WEBHOOK_ALLOW_HTTP` and `COSELL_WEBHOOK_ALLOW_PRIVATE`, plain http and local
/// addresses are refused at once.
async fn local_or_plain_urls_are_refused_without_the_flags(backend: Backend) {
    let flags_off = [
        ("COSELL_WEBHOOK_ALLOW_HTTP", "false"),
        ("COSELL_WEBHOOK_ALLOW_PRIVATE", "false"),
    ];
    let Some(app) = TestApp::start_with(backend, &flags_off).await else {
        return;
    };
    let org = app.enrol().await;
    for url in [
        "http://hooks.contoso.example/",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.8/hook",
        "https://[::1]/hook",
        "https://user:pw@hooks.contoso.example/",
        "https://hooks.contoso.example/#fragment",
    ] {
        let res = app
            .post("/v1/webhook-endpoints")
            .bearer(&org.owner.token)
            .json(&json!({"url": url, "enabled_events": ["*"]}))
            .send()
            .await;
        res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        assert_eq!(res.body["errors"][0]["pointer"], "#/url", "{url}");
    }
    let (id, _) = endpoint(&app, &org, "https://Hooks.Contoso.example/cosell", json!(["*"])).await;
    let stored = app
        .get(&format!("/v1/webhook-endpoints/{id}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(
        stored.body["url"], "https://hooks.contoso.example/cosell",
        "stored as parsed"
    );
}

mod local_or_plain_urls_are_refused_without_the_flags {
    #[actix_web::test]
    async fn sqlite() {
        super::local_or_plain_urls_are_refused_without_the_flags(super::Backend::Sqlite).await;
    }
    #[actix_web::test]
    async fn postgres() {
        super::local_or_plain_urls_are_refused_without_the_flags(super::Backend::Postgres).await;
    }
}
