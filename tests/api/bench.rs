//! The benchmark's own tools, run as `make bench` runs them.

use actix_web::http::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::on_both;
use cosell::admin::bench::BENCH_PASSWORD;

on_both!(the_edit_transaction_limit_commits_what_an_edit_commits);

/// `cosell-storage-limit edit` commits edits of the seeded offers through the service's own
/// statements: each leaves the offer at a new version, with an `offer.updated` event in the
/// organization's feed (gap-free, carrying the offer) and an audit event, as `PATCH` does.
async fn the_edit_transaction_limit_commits_what_an_edit_commits(app: TestApp) {
    let seeded = app.run_command(&["admin", "seed-bench", "--organizations", "2", "--offers", "6"]);
    assert!(
        seeded.status.success(),
        "seed-bench: {}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let token = app.login("owner0@bench.example", BENCH_PASSWORD).await;
    let before = app.get("/v1/offers?limit=100").bearer(&token).send().await;
    assert_eq!(before.status, StatusCode::OK);

    let run = app.run_binary(env!("CARGO_BIN_EXE_cosell-storage-limit"), &["0.3", "edit", "2"]);
    assert!(
        run.status.success(),
        "storage limit: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value = serde_json::from_slice(&run.stdout).expect("one JSON line");
    assert_eq!(report["transaction"], "edit");
    let commits = report["commits"].as_u64().unwrap();
    assert!(commits > 0 && report["per_second"].as_f64().unwrap() > 0.0, "{report}");

    let events = app
        .get("/v1/events?type=offer.updated&limit=100")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(events.status, StatusCode::OK);
    let events = events.body["items"].as_array().unwrap().clone();
    assert!(!events.is_empty(), "the organization's offers were edited");
    let sequences: Vec<i64> = events.iter().map(|e| e["sequence"].as_i64().unwrap()).collect();
    assert_eq!(
        sequences,
        (1..=sequences.len() as i64).collect::<Vec<_>>(),
        "gap-free, from 1"
    );
    for event in &events {
        let object = &event["data"]["object"];
        assert!(object["id"].is_string() && object["listing"].is_object(), "{event}");
        assert_eq!(event["data"]["changes"][0]["path"], "/name", "{event}");
    }
    let audit = app
        .get("/v1/audit-events?action=offer.updated&limit=100")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), events.len());

    let after = app.get("/v1/offers?limit=100").bearer(&token).send().await;
    let renamed = after.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["name"].as_str().unwrap().starts_with("Storage limit edit"))
        .count();
    assert!(renamed > 0, "{}", after.body);
    let moved_on = before.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .zip(after.body["items"].as_array().unwrap())
        .filter(|(b, a)| a["version"].as_i64() > b["version"].as_i64())
        .count();
    assert_eq!(moved_on, renamed, "every edited offer is at a new version");
}
