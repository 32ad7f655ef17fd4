//! Every request body example of the document works on the demo data set: each one, sent as the
//! document shows it, in the order and with the role of `contract/examples.json`, answers 2xx
//! (Swagger UI does the same in Chromium in `make contract`). The demo is seeded by the binary, as
//! a user seeds it, in a process of its own.

use actix_web::http::Method;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::on_both;

on_both!(every_request_body_example_succeeds_on_the_demo);

/// operationId → (method, path, example body) of every operation whose request body has one.
fn examples(doc: &Value) -> Vec<(String, Method, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(content) = op.pointer("/requestBody/content/application~1json") else {
                continue;
            };
            let schema = match content["schema"]["$ref"].as_str() {
                Some(reference) => &doc["components"]["schemas"][reference.rsplit('/').next().unwrap()],
                None => &content["schema"],
            };
            let example = [&content["example"], &schema["example"], &schema["examples"][0]]
                .into_iter()
                .find(|e| !e.is_null());
            if let Some(example) = example {
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let id = op["operationId"].as_str().unwrap().to_owned();
                found.push((id, method, path.clone(), example.clone()));
            }
        }
    }
    found
}

async fn every_request_body_example_succeeds_on_the_demo(app: TestApp) {
    let seeded = app.run_command(&["admin", "seed-demo"]);
    assert!(
        seeded.status.success(),
        "seed-demo: {}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let doc: Value = serde_json::from_str(&cosell::app::openapi_json()).unwrap();
    let plan: Value = serde_json::from_str(include_str!("../../contract/examples.json")).unwrap();
    let examples = examples(&doc);
    let steps = plan["steps"].as_array().unwrap();
    let planned: Vec<&str> = steps.iter().map(|s| s["operation"].as_str().unwrap()).collect();
    let mut documented: Vec<&str> = examples.iter().map(|(id, ..)| id.as_str()).collect();
    documented.sort_unstable();
    let mut sorted = planned.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted, documented,
        "contract/examples.json has one step for each operation with a request body example"
    );
    assert!(examples.len() >= 25, "the document has its examples");

    let mut tokens = std::collections::HashMap::new();
    for (role, email) in plan["users"].as_object().unwrap() {
        let token = app
            .login(email.as_str().unwrap(), cosell::admin::demo::DEMO_PASSWORD)
            .await;
        tokens.insert(role.clone(), token);
    }
    for step in steps {
        let operation = step["operation"].as_str().unwrap();
        let (_, method, path, body) = examples.iter().find(|(id, ..)| id == operation).unwrap();
        let mut uri = path.clone();
        for (name, value) in step["path"].as_object().into_iter().flatten() {
            uri = uri.replace(&format!("{{{name}}}"), value.as_str().unwrap());
        }
        let mut request = app.request(method.clone(), &uri).json(body);
        if let Some(role) = step["as"].as_str() {
            request = request.bearer(&tokens[role]);
        }
        let response = request.send().await;
        assert!(
            response.status.is_success(),
            "{operation} ({method} {uri}) with its example answered {}: {}",
            response.status,
            response.body
        );
        if operation == "import_solutions" {
            assert_eq!(
                response.body["created"], 1,
                "the example solution is imported: {}",
                response.body
            );
        }
    }
}
