use actix_web::http::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{Backend, TestApp};

const COMMITTED: &str = "openapi/openapi.json";

#[test]
fn the_committed_document_matches_the_code() {
    let generated = cosell::app::openapi_json();
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(COMMITTED, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "{COMMITTED} is out of date with the code; regenerate it with `make openapi` and commit it"
    );
}

#[test]
fn every_operation_is_fully_described() {
    let doc: Value = serde_json::from_str(&cosell::app::openapi_json()).unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: no operationId"));
            assert!(ids.insert(id.to_owned()), "{at}: duplicate operationId {id}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{at}: no summary"
            );
            assert!(
                op["description"].as_str().is_some_and(|s| !s.is_empty()),
                "{at}: no description"
            );
            assert_eq!(op["tags"].as_array().map(Vec::len), Some(1), "{at}: one tag");
            assert!(op.get("security").is_some(), "{at}: no security requirement");
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{at}: no success response"
            );
            let authenticated = op["security"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s.get("bearer").is_some());
            if authenticated {
                assert!(responses.contains_key("401"), "{at}: authenticated but no 401");
            }
            if path.contains("{id}") {
                assert!(responses.contains_key("404"), "{at}: takes an id but no 404");
            }
            if method == "post" {
                let params = op["parameters"].as_array().unwrap();
                assert!(
                    params
                        .iter()
                        .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"),
                    "{at}: no Idempotency-Key"
                );
                assert!(
                    responses.contains_key("409") && responses.contains_key("422"),
                    "{at}: idempotency answers"
                );
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{at}: has a body but no {status}");
                }
            }
        }
    }
}

/// What generators and readers rely on: every answer documents `Request-Id`, lists `Link`, the
/// shared problem answers an example of their own status, reads of one object their 304.
/// Every string of the document, with the JSON pointer it is at.
fn strings<'a>(at: String, value: &'a Value, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            if map
                .get("type")
                .is_some_and(|t| t == "string" || t.as_array().is_some_and(|a| a.contains(&"string".into())))
            {
                out.push((at.clone(), value));
            }
            for (key, member) in map {
                strings(format!("{at}/{key}"), member, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(format!("{at}/{i}"), item, out);
            }
        }
        _ => {}
    }
}

#[test]
fn text_rules_are_stated_by_format_and_pattern() {
    use cosell::validate::patterns;
    let doc: Value = serde_json::from_str(&cosell::app::openapi_json()).unwrap();
    let mut found = Vec::new();
    strings(String::new(), &doc["components"]["schemas"], &mut found);
    let standard = [
        "uuid",
        "date-time",
        "email",
        "password",
        "int64",
        "int32",
        "double",
        "uri",
    ];
    let mut custom = 0;
    for (at, schema) in &found {
        let pattern = schema["pattern"].as_str();
        match schema["format"].as_str() {
            Some(format) if standard.contains(&format) => {}
            Some(format) => {
                let rule = patterns::of_format(format).unwrap_or_else(|| panic!("{at}: unknown format {format}"));
                assert_eq!(
                    pattern,
                    Some(rule),
                    "{at}: a {format} member carries its rule's pattern"
                );
                custom += 1;
            }
            None => {}
        }
        if let Some(pattern) = pattern {
            // Every pattern is a regular expression that ECMA-262 and Rust's regex read alike.
            assert!(regex::Regex::new(pattern).is_ok(), "{at}: {pattern}");
        }
    }
    assert!(custom >= 40, "the text members say their rule ({custom})");
}

#[test]
fn answers_document_their_headers_and_problems_their_examples() {
    let doc: Value = serde_json::from_str(&cosell::app::openapi_json()).unwrap();
    let shared = &doc["components"]["responses"];
    let resolve = |response: &Value| -> Value {
        match response["$ref"].as_str() {
            Some(r) => shared[r.trim_start_matches("#/components/responses/")].clone(),
            None => response.clone(),
        }
    };
    assert!(doc["servers"].as_array().is_some_and(|s| !s.is_empty()), "no servers");
    assert_eq!(doc["info"]["license"]["identifier"], "MIT");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            let id = op["operationId"].as_str().unwrap();
            for (status, response) in op["responses"].as_object().unwrap() {
                let response = resolve(response);
                assert!(
                    response["headers"].get("Request-Id").is_some(),
                    "{at} {status}: no Request-Id header"
                );
                if ["401", "403", "404", "409", "412"].contains(&status.as_str()) {
                    let example = &response["content"]["application/problem+json"]["example"];
                    assert_eq!(
                        example["status"].as_u64().map(|s| s.to_string()).as_deref(),
                        Some(status.as_str()),
                        "{at} {status}: no example of its own status"
                    );
                }
            }
            let responses = &op["responses"];
            if id.starts_with("list_") {
                assert!(responses["200"]["headers"].get("Link").is_some(), "{at}: no Link");
            }
            if responses["200"]["headers"].get("ETag").is_some() && method == "get" {
                assert!(responses.get("304").is_some(), "{at}: an ETag but no 304");
                let params = op["parameters"].as_array().unwrap();
                assert!(
                    params.iter().any(|p| p["name"] == "If-None-Match"),
                    "{at}: no If-None-Match"
                );
            }
        }
    }
}

/// Every documented operation is answered by a handler (not by the 404/405 fallback).
#[actix_web::test]
async fn every_documented_route_is_served() {
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let doc: Value = serde_json::from_str(&cosell::app::openapi_json()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = app.request(method.clone(), &concrete).send().await;
            assert_ne!(
                res.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but not served"
            );
            assert_ne!(
                res.body["detail"], "No such route.",
                "{method} {path} is documented but not served"
            );
        }
    }
}
