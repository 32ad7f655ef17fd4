use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::offers::{complete_sections, draft, publisher};
use crate::on_both;
use crate::solutions::solution;
use cosell::auth::roles::Role;

on_both!(
    a_url_every_parser_reads_alike_or_none,
    a_url_is_stored_as_the_parser_serializes_it
);

/// URLs that WHATWG and RFC 3986 readers disagree on, or that carry markup.
const AMBIGUOUS: [&str; 9] = [
    "https://contoso.example\\@evil.example/",
    "https:contoso.example/privacy",
    "https:///contoso.example/privacy",
    "https://contoso%2eexample/",
    " https://contoso.example/",
    "https://contoso.example/\n",
    "https://contoso.example/\n<script>alert(1)</script>",
    "https://user:pass@contoso.example/",
    "https://contoso.example/\u{200B}",
];

async fn a_url_every_parser_reads_alike_or_none(app: TestApp) {
    let org = app.enrol().await;
    let profile = publisher(&app, &org).await;
    let offer = draft(&app, &org, "saas").await;
    let before = app
        .get(&format!("/v1/offers/{offer}"))
        .bearer(&org.owner.token)
        .send()
        .await
        .body;
    for url in AMBIGUOUS {
        let mut listing = complete_sections();
        listing["listing"]["privacy_policy_url"] = json!(url);
        let cases: [(String, Value, &str); 3] = [
            (
                format!("/v1/publisher-profiles/{profile}"),
                json!({"website": url}),
                "#/website",
            ),
            (format!("/v1/offers/{offer}"), listing, "#/listing/privacy_policy_url"),
            (
                format!("/v1/offers/{offer}"),
                json!({"co_sell": {"landing_page_url": url}}),
                "#/co_sell/landing_page_url",
            ),
        ];
        for (path, body, pointer) in cases {
            let res = app.patch(&path).bearer(&org.owner.token).json(&body).send().await;
            res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
            let found = res.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["pointer"] == pointer && e["code"] == "invalid_url");
            assert!(found, "{url:?} at {pointer}: {}", res.body);
        }
        let hook = app
            .post("/v1/webhook-endpoints")
            .bearer(&org.owner.token)
            .json(&json!({"url": url, "enabled_events": ["*"]}))
            .send()
            .await;
        hook.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        assert_eq!(hook.body["errors"][0]["pointer"], "#/url", "{url:?}: {}", hook.body);
    }
    let after = app
        .get(&format!("/v1/offers/{offer}"))
        .bearer(&org.owner.token)
        .send()
        .await
        .body;
    assert_eq!(after, before, "a refused URL changed the offer");
    // A plain, unambiguous URL still passes.
    let mut listing = complete_sections();
    listing["listing"]["privacy_policy_url"] = json!("https://contoso.example/privacy?lang=en");
    let res = app
        .patch(&format!("/v1/offers/{offer}"))
        .bearer(&org.owner.token)
        .json(&listing)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

/// What is stored and shown is the serialization every reader agrees on, not the text as sent:
/// scheme and host lower-cased, the default port dropped, an empty path made `/`.
async fn a_url_is_stored_as_the_parser_serializes_it(app: TestApp) {
    let org = app.enrol().await;
    let support = app.staff(Role::Support).await;
    let profile = publisher(&app, &org).await;
    let offer = draft(&app, &org, "saas").await;

    let res = app
        .patch(&format!("/v1/publisher-profiles/{profile}"))
        .bearer(&org.owner.token)
        .json(&json!({"website": "HTTPS://Contoso.EXAMPLE:443"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["website"], "https://contoso.example/");

    let mut sections = complete_sections();
    sections["listing"]["privacy_policy_url"] = json!("HTTPS://Contoso.EXAMPLE:443/privacy");
    sections["co_sell"] = json!({"landing_page_url": "https://CONTOSO.example"});
    let res = app
        .patch(&format!("/v1/offers/{offer}"))
        .bearer(&org.owner.token)
        .json(&sections)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let shown = app
        .get(&format!("/v1/offers/{offer}"))
        .bearer(&org.owner.token)
        .send()
        .await
        .body;
    assert_eq!(
        shown["listing"]["privacy_policy_url"],
        "https://contoso.example/privacy"
    );
    assert_eq!(shown["co_sell"]["landing_page_url"], "https://contoso.example/");

    let id = solution(&app, &org, &support).await;
    let ticket = app
        .post(&format!("/v1/solutions/{id}/merge"))
        .bearer(&org.owner.token)
        .json(&json!({"listing_url": "https://AppSource.Microsoft.com:443/product/x"}))
        .send()
        .await;
    assert_eq!(ticket.status, StatusCode::CREATED, "{}", ticket.body);
    assert_eq!(
        ticket.body["merge"]["listing_url"],
        "https://appsource.microsoft.com/product/x"
    );

    let hook = app
        .post("/v1/webhook-endpoints")
        .bearer(&org.owner.token)
        .json(&json!({"url": "https://Hooks.Contoso.example:443", "enabled_events": ["*"]}))
        .send()
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.body);
    assert_eq!(hook.body["endpoint"]["url"], "https://hooks.contoso.example/");
}
