//! What generated clients and forms rely on: a missing member named by its pointer, conditional
//! reads, conditional headers that say what they expect, and free text that is only text.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};
use crate::offers::draft;
use crate::on_both;

on_both!(
    a_missing_member_is_422_required_at_its_pointer,
    if_none_match_answers_304_while_the_copy_is_current,
    conditional_headers_that_are_no_entity_tags_are_400,
    search_text_that_looks_like_a_token_is_text,
    an_enum_filter_is_one_list_or_repeated,
);

async fn a_missing_member_is_422_required_at_its_pointer(app: TestApp) {
    let org = app.enrol().await;
    let cases = [
        (
            "/v1/accounts",
            json!({
                "organization": {"name": "Contoso", "mpn_id": "4012399", "country": "US"},
                "owner": {"display_name": "Ada", "password": PASSWORD}
            }),
            "#/owner/email",
        ),
        (
            "/v1/accounts",
            json!({"owner": {"email": "ada@contoso.example", "display_name": "Ada", "password": PASSWORD}}),
            "#/organization",
        ),
        (
            "/v1/publisher-profiles",
            json!({"publisher_id": "contoso-x", "display_name": "Contoso", "mpn_id": org.mpn_id,
                   "contact_name": "Ada", "contact_email": "ada@contoso.example"}),
            "#/website",
        ),
        ("/v1/auth/token", json!({"email": "ada@contoso.example"}), "#/password"),
    ];
    for (path, body, pointer) in cases {
        let res = app.post(path).bearer(&org.owner.token).json(&body).send().await;
        let problem = res.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{path}: {problem}");
        assert_eq!(problem["errors"][0]["code"], "required", "{path}: {problem}");
    }
    // A body is an object: an array is not read as an empty one, and a stale If-Match does not
    // hide that it is malformed.
    for body in [json!([]), json!(["Renamed"]), json!("x")] {
        let res = app
            .patch("/v1/organization")
            .bearer(&org.owner.token)
            .header("if-match", "\"99\"")
            .json(&body)
            .send()
            .await;
        res.problem(StatusCode::BAD_REQUEST, "bad_request");
    }
    // A member of the wrong type is still a malformed request.
    let res = app
        .post("/v1/auth/token")
        .json(&json!({"email": 7, "password": PASSWORD}))
        .send()
        .await;
    res.problem(StatusCode::BAD_REQUEST, "bad_request");
}

async fn if_none_match_answers_304_while_the_copy_is_current(app: TestApp) {
    let org = app.enrol().await;
    let offer = draft(&app, &org, "saas").await;
    let path = format!("/v1/offers/{offer}");
    let first = app.get(&path).bearer(&org.owner.token).send().await;
    let etag = first.etag();
    for header in [etag.clone(), format!("W/{etag}"), format!("\"99\", {etag}"), "*".into()] {
        let res = app
            .get(&path)
            .bearer(&org.owner.token)
            .header("if-none-match", &header)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::NOT_MODIFIED, "{header}");
        assert_eq!(res.header("etag"), Some(etag.as_str()));
        assert!(res.header("request-id").is_some());
        assert_eq!(res.body, serde_json::Value::Null, "a 304 has no body");
    }
    let res = app
        .patch(&path)
        .bearer(&org.owner.token)
        .json(&json!({"name": "Renamed"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app
        .get(&path)
        .bearer(&org.owner.token)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "the copy is stale: the object again");
    assert_eq!(res.body["name"], "Renamed");
    assert_ne!(res.etag(), etag);
    // Other single objects answer the same way; the caller is still checked first.
    let me = app.get("/v1/users/me").bearer(&org.owner.token).send().await;
    let res = app
        .get("/v1/users/me")
        .bearer(&org.owner.token)
        .header("if-none-match", &me.etag())
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NOT_MODIFIED);
    let res = app.get(&path).header("if-none-match", &etag).send().await;
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

async fn conditional_headers_that_are_no_entity_tags_are_400(app: TestApp) {
    let org = app.enrol().await;
    let offer = draft(&app, &org, "saas").await;
    let path = format!("/v1/offers/{offer}");
    for header in ["1", "W/1", "\"1", "*, \"1\""] {
        let res = app
            .patch(&path)
            .bearer(&org.owner.token)
            .header("if-match", header)
            .json(&json!({"name": "Never"}))
            .send()
            .await;
        let problem = res.problem(StatusCode::BAD_REQUEST, "invalid_parameter");
        assert!(problem["detail"].as_str().unwrap().contains("`\"3\"`"), "{problem}");
        let res = app
            .get(&path)
            .bearer(&org.owner.token)
            .header("if-none-match", header)
            .send()
            .await;
        res.problem(StatusCode::BAD_REQUEST, "invalid_parameter");
    }
    // A well-formed stale tag is still 412, and nothing was changed by any of these.
    let res = app
        .patch(&path)
        .bearer(&org.owner.token)
        .header("if-match", "\"7\"")
        .json(&json!({"name": "Never"}))
        .send()
        .await;
    res.problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
    let now = app.get(&path).bearer(&org.owner.token).send().await;
    assert_eq!(now.body["version"], 1);
    assert_ne!(now.body["name"], "Never");
}

async fn search_text_that_looks_like_a_token_is_text(app: TestApp) {
    let org = app.enrol().await;
    let jwt_like = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
    let res = app
        .get(&format!("/v1/offers?q={jwt_like}"))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["items"], json!([]));
    // A token in a parameter named for one is still refused as such.
    let res = app
        .get(&format!("/v1/offers?access_token={}", org.owner.token))
        .send()
        .await;
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

/// `status=draft,live` as the document writes it, and `status=draft&status=live` as generated
/// clients that explode arrays write it, are the same filter; other parameters stay single.
async fn an_enum_filter_is_one_list_or_repeated(app: TestApp) {
    let org = app.enrol().await;
    let reviewer = app.staff(cosell::auth::roles::Role::Reviewer).await;
    let live = crate::offers::live_offer(&app, &org, &reviewer).await;
    let draft = draft(&app, &org, "saas").await;
    let ids = |query: &'static str| {
        let (app, token) = (&app, org.owner.token.clone());
        async move { crate::helpers::listed_ids(app, &token, &format!("/v1/offers?{query}")).await }
    };
    let mut both = vec![live.clone(), draft.clone()];
    both.sort();
    for query in [
        "status=draft,live",
        "status=draft&status=live",
        "status=live&limit=5&status=draft",
    ] {
        let mut found = ids(query).await;
        found.sort();
        assert_eq!(found, both, "{query}");
    }
    assert_eq!(ids("status=live").await, vec![live.clone()]);
    let res = app
        .get("/v1/offers?status=drafty")
        .bearer(&org.owner.token)
        .send()
        .await;
    res.problem(StatusCode::BAD_REQUEST, "invalid_parameter");
    let res = app
        .get("/v1/offers?limit=5&limit=6")
        .bearer(&org.owner.token)
        .send()
        .await;
    res.problem(StatusCode::BAD_REQUEST, "invalid_parameter");
}
