//! Tests generated from the OpenAPI document: every operation that takes an `{id}` is called by
//! every role of another organization against the first's objects, and every operation with a
//! body is sent the members no client may set. New routes are covered by being documented.

use std::collections::BTreeMap;

use actix_web::http::{Method, StatusCode};
use futures_util::future::join_all;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::events::feed;
use crate::helpers::{Member, Org, TestApp, TestResponse};
use crate::offers::{complete_sections, draft, publisher};
use crate::on_both;
use crate::receiver::Receiver;
use crate::webhooks::wait_for_status;
use cosell::auth::roles::Role;

on_both!(
    another_organization_gets_404_from_every_operation_with_an_id,
    members_no_client_may_set_are_refused_everywhere,
    fifty_concurrent_patches_with_one_if_match_have_one_winner,
);

struct Operation {
    method: Method,
    path: String,
    /// A valid body from the document's examples, when the operation takes one.
    body: Option<Value>,
    /// The members the request body documents.
    properties: Vec<String>,
}

fn document() -> Value {
    serde_json::from_str(&cosell::app::openapi_json()).unwrap()
}

/// Follows `$ref` to a component schema.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => &doc["components"]["schemas"][name],
        None => schema,
    }
}

fn example_body(doc: &Value, op: &Value) -> Option<Value> {
    let content = &op["requestBody"]["content"]["application/json"];
    if content.is_null() {
        return None;
    }
    if !content["example"].is_null() {
        return Some(content["example"].clone());
    }
    let schema = resolve(doc, &content["schema"]);
    let schema = if schema["oneOf"].is_array() {
        resolve(doc, &schema["oneOf"][1])
    } else {
        schema
    };
    Some(if schema["example"].is_null() {
        json!({})
    } else {
        schema["example"].clone()
    })
}

fn body_properties(doc: &Value, op: &Value) -> Vec<String> {
    let schema = resolve(doc, &op["requestBody"]["content"]["application/json"]["schema"]);
    let schema = if schema["oneOf"].is_array() {
        resolve(doc, &schema["oneOf"][1])
    } else {
        schema
    };
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push(Operation {
                method: Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                path: path.clone(),
                body: example_body(doc, op),
                properties: body_properties(doc, op),
            });
        }
    }
    out
}

/// One object of every kind that an `{id}` path names, all in `org`.
struct Fixtures {
    ids: BTreeMap<&'static str, String>,
    /// Answers the fixture endpoint's deliveries, so that none is pending while the tests run.
    _receiver: Receiver,
}

impl Fixtures {
    async fn build(app: &TestApp, org: &Org, support: &Member) -> Self {
        let developer = app.member(org, "developer").await;
        let profile = publisher(app, org).await;
        let offer = draft(app, org, "saas").await;
        app.patch(&format!("/v1/offers/{offer}"))
            .bearer(&org.owner.token)
            .json(&complete_sections())
            .send()
            .await;
        let submission = app
            .post(&format!("/v1/offers/{offer}/publish"))
            .bearer(&org.owner.token)
            .send()
            .await;
        let solution = crate::solutions::solution(app, org, support).await;
        let ticket = app
            .post("/v1/support-tickets")
            .bearer(&org.owner.token)
            .json(&json!({"category": "general", "subject": "Hello", "description": "Question"}))
            .send()
            .await;
        let ticket = ticket.body["id"].as_str().unwrap().to_owned();
        app.post(&format!("/v1/support-tickets/{ticket}/comments"))
            .bearer(&org.owner.token)
            .json(&json!({"body": "hi"}))
            .send()
            .await;
        let receiver = Receiver::start(&[]);
        let endpoint = app
            .post("/v1/webhook-endpoints")
            .bearer(&org.owner.token)
            .json(&json!({"url": receiver.url, "enabled_events": ["offer.*"]}))
            .send()
            .await;
        assert_eq!(endpoint.status, StatusCode::CREATED, "{}", endpoint.body);
        let endpoint = endpoint.body["endpoint"]["id"].as_str().unwrap().to_owned();
        app.post(&format!("/v1/webhook-endpoints/{endpoint}/ping"))
            .bearer(&org.owner.token)
            .send()
            .await;
        let delivery = wait_for_status(app, org, &format!("endpoint_id={endpoint}"), "succeeded").await;
        let event = feed(app, org).await.last().expect("the fixtures' events")["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut ids = BTreeMap::new();
        ids.insert("/v1/organizations/", org.id.clone());
        ids.insert("/v1/events/", event);
        ids.insert("/v1/webhook-endpoints/", endpoint);
        ids.insert("/v1/webhook-deliveries/", delivery["id"].as_str().unwrap().to_owned());
        ids.insert("/v1/users/", developer.id);
        ids.insert("/v1/publisher-profiles/", profile);
        ids.insert("/v1/offers/", offer);
        ids.insert("/v1/submissions/", submission.body["id"].as_str().unwrap().to_owned());
        ids.insert("/v1/solutions/", solution);
        ids.insert("/v1/support-tickets/", ticket);
        Self {
            ids,
            _receiver: receiver,
        }
    }

    fn id_for(&self, path: &str) -> &str {
        self.ids
            .iter()
            .find(|(prefix, _)| path.starts_with(*prefix))
            .map(|(_, id)| id.as_str())
            .unwrap_or_else(|| panic!("{path} takes an id but the tenant test has no fixture for it; add one"))
    }

    /// Everything the owner can read about the fixtures, to prove nothing changed.
    async fn snapshot(&self, app: &TestApp, org: &Org) -> Vec<Value> {
        let mut out = Vec::new();
        for (prefix, id) in &self.ids {
            // The owner reads its organization where partners read it.
            let path = match *prefix {
                "/v1/organizations/" => "/v1/organization".to_owned(),
                _ => format!("{prefix}{id}"),
            };
            out.push(app.get(&path).bearer(&org.owner.token).send().await.body);
        }
        out.push(
            app.get(&format!(
                "/v1/support-tickets/{}/comments",
                self.ids["/v1/support-tickets/"]
            ))
            .bearer(&org.owner.token)
            .send()
            .await
            .body,
        );
        out
    }
}

async fn call(app: &TestApp, op: &Operation, path: &str, token: &str) -> TestResponse {
    let mut req = app.request(op.method.clone(), path).bearer(token);
    if let Some(body) = &op.body {
        req = req.json(body);
    }
    req.send().await
}

async fn another_organization_gets_404_from_every_operation_with_an_id(app: TestApp) {
    let victim = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let fixtures = Fixtures::build(&app, &victim, &support).await;
    let attacker_org = app.enrol().await;
    let attackers = [
        attacker_org.owner.clone(),
        app.member(&attacker_org, "manager").await,
        app.member(&attacker_org, "developer").await,
    ];
    let before = fixtures.snapshot(&app, &victim).await;
    let doc = document();
    let mut checked = 0;
    for op in operations(&doc).iter().filter(|op| op.path.contains("{id}")) {
        let real = op.path.replace("{id}", fixtures.id_for(&op.path));
        let random = op.path.replace("{id}", &Uuid::now_v7().to_string());
        for attacker in &attackers {
            let foreign = call(&app, op, &real, &attacker.token).await;
            let missing = call(&app, op, &random, &attacker.token).await;
            let at = format!("{} {} as {}", op.method, op.path, attacker.email);
            assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{at}: {}", foreign.body);
            let strip = |v: &Value| {
                let mut v = v.clone();
                v.as_object_mut().map(|o| {
                    o.remove("request_id");
                    o.remove("instance")
                });
                v
            };
            assert_eq!(
                strip(&foreign.body),
                strip(&missing.body),
                "{at}: the answer tells a foreign id from a random one"
            );
            checked += 1;
        }
    }
    assert!(checked >= 3 * 30, "only {checked} calls: is the document complete?");
    assert_eq!(
        fixtures.snapshot(&app, &victim).await,
        before,
        "an attacker changed something"
    );
}

async fn members_no_client_may_set_are_refused_everywhere(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let reviewer = app.staff(Role::Reviewer).await;
    let fixtures = Fixtures::build(&app, &org, &support).await;
    let before = fixtures.snapshot(&app, &org).await;
    let doc = document();
    let forbidden = [
        "status",
        "organization_id",
        "id",
        "version",
        "has_ever_been_live",
        "co_sell_status",
    ];
    let mut checked = 0;
    for op in operations(&doc)
        .into_iter()
        .filter(|op| op.body.as_ref().is_some_and(Value::is_object))
    {
        if op.path.ends_with("/import") {
            continue; // its entries are validated one by one and reported, see the import tests
        }
        let path = if op.path.contains("{id}") {
            op.path.replace("{id}", fixtures.id_for(&op.path))
        } else {
            op.path.clone()
        };
        for member in forbidden {
            let mut body = op.body.clone().unwrap();
            body[member] = json!("sneaky");
            let token = if op.path.starts_with("/v1/submissions/") {
                &reviewer.token
            } else {
                &org.owner.token
            };
            let res = app
                .request(op.method.clone(), &path)
                .bearer(token)
                .json(&body)
                .send()
                .await;
            let at = format!("{} {} with `{member}`", op.method, op.path);
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{at}: {}", res.body);
            assert_eq!(res.body["errors"][0]["pointer"], format!("#/{member}"), "{at}");
            // A member the operation documents (an owner may set a user's `status`) fails on its
            // value; any other is refused as unknown.
            let expected = if op.properties.iter().any(|p| p == member) {
                "bad_request"
            } else {
                "unknown_field"
            };
            assert_eq!(res.body["code"], expected, "{at}");
            checked += 1;
        }
    }
    assert!(checked >= forbidden.len() * 15, "only {checked} calls");
    assert_eq!(
        fixtures.snapshot(&app, &org).await,
        before,
        "a refused request stored something"
    );
}

async fn fifty_concurrent_patches_with_one_if_match_have_one_winner(app: TestApp) {
    let org = app.enrol().await;
    let id = draft(&app, &org, "saas").await;
    let path = format!("/v1/offers/{id}");
    let etag = app.get(&path).bearer(&org.owner.token).send().await.etag();
    let requests = (0..50).map(|i| {
        app.patch(&path)
            .bearer(&org.owner.token)
            .header("if-match", &etag)
            .json(&json!({"name": format!("Name {i}")}))
            .send()
    });
    let results = join_all(requests).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 412).count(), 49, "{statuses:?}");
    let winner = results.iter().find(|r| r.status == StatusCode::OK).unwrap();
    let offer = app.get(&path).bearer(&org.owner.token).send().await;
    assert_eq!(offer.body["name"], winner.body["name"]);
    assert_eq!(offer.body["version"], 2);
    let updates = app
        .get(&format!("{path}/history"))
        .bearer(&org.owner.token)
        .send()
        .await;
    let edits = updates.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "offer.updated")
        .count();
    assert_eq!(edits, 1, "one audit event for the one winner");
}
