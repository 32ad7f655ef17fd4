use actix_web::http::StatusCode;
use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{SECRET, TestApp};
use crate::on_both;

on_both!(
    forged_expired_and_foreign_tokens_are_refused,
    a_removed_or_disabled_user_loses_access_at_once,
    a_demoted_user_loses_the_rights_at_once,
    a_token_in_the_query_string_is_ignored,
    a_kept_rendering_is_served_only_to_the_caller_read_again,
    an_edit_reads_its_caller_again_in_its_own_transaction,
);

fn sign(claims: &Value, alg: Algorithm, secret: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

async fn forged_expired_and_foreign_tokens_are_refused(app: TestApp) {
    let org = app.enrol().await;
    let now = Utc::now().timestamp();
    let claims = json!({"sub": org.owner.id, "org": org.id, "role": "owner", "iat": now, "exp": now + 600, "iss": "cosell", "aud": "cosell-api"});
    let good = sign(&claims, Algorithm::HS256, SECRET.as_bytes());
    assert_eq!(
        app.get("/v1/users/me").bearer(&good).send().await.status,
        StatusCode::OK,
        "a well-formed token works"
    );

    let with = |key: &str, value: Value| {
        let mut c = claims.clone();
        c[key] = value;
        c
    };
    let b64 = |v: &Value| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, v.to_string());
    let parts: Vec<&str> = good.split('.').collect();
    let cases: Vec<(&str, String)> = vec![
        (
            "expired",
            sign(&with("exp", json!(now - 120)), Algorithm::HS256, SECRET.as_bytes()),
        ),
        (
            "wrong audience",
            sign(&with("aud", json!("another-api")), Algorithm::HS256, SECRET.as_bytes()),
        ),
        (
            "wrong issuer",
            sign(&with("iss", json!("someone")), Algorithm::HS256, SECRET.as_bytes()),
        ),
        (
            "another secret",
            sign(&claims, Algorithm::HS256, b"another-secret-that-is-also-32-bytes-long"),
        ),
        ("HS512", sign(&claims, Algorithm::HS512, SECRET.as_bytes())),
        (
            "alg none",
            format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), parts[1]),
        ),
        (
            "tampered payload",
            format!(
                "{}.{}.{}",
                parts[0],
                b64(&with("sub", json!(uuid::Uuid::now_v7().to_string()))),
                parts[2]
            ),
        ),
        ("two parts", format!("{}.{}", parts[0], parts[1])),
        ("four parts", format!("{good}.{}", parts[2])),
        (
            "a 16 KiB header",
            format!(
                "{}.{}.{}",
                b64(&json!({"alg": "HS256", "typ": "JWT", "pad": "x".repeat(16 * 1024)})),
                parts[1],
                parts[2]
            ),
        ),
        (
            "alg NONE",
            format!("{}.{}.", b64(&json!({"alg": "NONE", "typ": "JWT"})), parts[1]),
        ),
        ("garbage", "not-a-token".into()),
    ];
    // `GET /v1/offers/{id}` reads the caller in the same statement as the offer: a token it
    // does not honour is 401 there too, never a 404 that would tell whether the offer exists.
    let offer = format!("/v1/offers/{}", uuid::Uuid::now_v7());
    for (name, token) in cases {
        for path in ["/v1/users/me", offer.as_str()] {
            let res = app.get(path).bearer(&token).send().await;
            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{name} was accepted by {path}");
            res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
            assert_eq!(res.header("www-authenticate"), Some("Bearer"), "{name}");
        }
    }
    app.get(&offer)
        .send()
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.get(&offer)
        .bearer(&good)
        .send()
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let missing = app.get("/v1/users/me").send().await;
    missing.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let basic = app
        .get("/v1/users/me")
        .header("authorization", &format!("Basic {good}"))
        .send()
        .await;
    basic.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

async fn a_removed_or_disabled_user_loses_access_at_once(app: TestApp) {
    let org = app.enrol().await;
    let removed = app.member(&org, "developer").await;
    let disabled = app.member(&org, "manager").await;
    let offer = format!("/v1/offers/{}", crate::offers::draft(&app, &org, "saas").await);
    for member in [&removed, &disabled] {
        assert_eq!(
            app.get(&offer).bearer(&member.token).send().await.status,
            StatusCode::OK
        );
    }
    let res = app
        .delete(&format!("/v1/users/{}", removed.id))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    for path in ["/v1/users/me", offer.as_str()] {
        app.get(path)
            .bearer(&removed.token)
            .send()
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    let res = app
        .patch(&format!("/v1/users/{}", disabled.id))
        .bearer(&org.owner.token)
        .json(&json!({"status": "disabled"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    for path in ["/v1/users/me", offer.as_str()] {
        app.get(path)
            .bearer(&disabled.token)
            .send()
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let login = app
        .post("/v1/auth/token")
        .json(&json!({"email": disabled.email, "password": crate::helpers::PASSWORD}))
        .send()
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
}

async fn a_demoted_user_loses_the_rights_at_once(app: TestApp) {
    let org = app.enrol().await;
    let manager = app.member(&org, "manager").await;
    let invite = |token: String| {
        let app = &app;
        async move {
            app.post("/v1/users")
                .bearer(&token)
                .json(&json!({"email": format!("x-{}@contoso.example", uuid::Uuid::now_v7().simple()), "display_name": "X", "role": "developer"}))
                .send()
                .await
                .status
        }
    };
    assert_eq!(invite(manager.token.clone()).await, StatusCode::CREATED);
    let demoted = app
        .patch(&format!("/v1/users/{}", manager.id))
        .bearer(&org.owner.token)
        .json(&json!({"role": "developer"}))
        .send()
        .await;
    assert_eq!(demoted.status, StatusCode::OK);
    assert_eq!(
        invite(manager.token.clone()).await,
        StatusCode::FORBIDDEN,
        "the old token carries the old role but gets the new rights"
    );
}

async fn a_token_in_the_query_string_is_ignored(app: TestApp) {
    let org = app.enrol().await;
    let res = app
        .get(&format!("/v1/users/me?access_token={}", org.owner.token))
        .send()
        .await;
    res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

/// `GET /v1/offers/{id}` answers from a rendering kept for the offer's version and the caller's
/// role, but reads the caller again on every request: once the rendering is kept, a user of
/// another organization still gets 404, and a user disabled since 401.
async fn a_kept_rendering_is_served_only_to_the_caller_read_again(app: TestApp) {
    let org = app.enrol().await;
    let manager = app.member(&org, "manager").await;
    let offer = format!("/v1/offers/{}", crate::offers::draft(&app, &org, "saas").await);
    let first = app.get(&offer).bearer(&manager.token).send().await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let kept = app.get(&offer).bearer(&manager.token).send().await;
    assert_eq!(kept.status, StatusCode::OK);
    assert_eq!(kept.body, first.body, "the kept rendering differs from the first");
    assert_eq!(kept.header("etag"), first.header("etag"));

    let other = app.enrol().await;
    for _ in 0..2 {
        app.get(&offer)
            .bearer(&other.owner.token)
            .send()
            .await
            .problem(StatusCode::NOT_FOUND, "not_found");
    }

    let disabled = app
        .patch(&format!("/v1/users/{}", manager.id))
        .bearer(&org.owner.token)
        .json(&json!({"status": "disabled"}))
        .send()
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    app.get(&offer)
        .bearer(&manager.token)
        .send()
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let owner = app.get(&offer).bearer(&org.owner.token).send().await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);
}

/// `PATCH /v1/offers/{id}` reads its caller in the edit's own transaction, not before it: a
/// user removed or disabled since the token was issued gets 401 and writes nothing, a user of
/// another organization 404.
async fn an_edit_reads_its_caller_again_in_its_own_transaction(app: TestApp) {
    let org = app.enrol().await;
    let removed = app.member(&org, "manager").await;
    let disabled = app.member(&org, "manager").await;
    let offer = format!("/v1/offers/{}", crate::offers::draft(&app, &org, "saas").await);
    let edit = |token: String, name: &'static str| {
        let (app, offer) = (&app, &offer);
        async move {
            app.patch(offer)
                .bearer(&token)
                .json(&json!({ "name": name }))
                .send()
                .await
        }
    };
    for member in [&removed, &disabled] {
        let res = edit(member.token.clone(), "Edited by a manager").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let before = app.get(&offer).bearer(&org.owner.token).send().await.body;

    let res = app
        .delete(&format!("/v1/users/{}", removed.id))
        .bearer(&org.owner.token)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let res = app
        .patch(&format!("/v1/users/{}", disabled.id))
        .bearer(&org.owner.token)
        .json(&json!({"status": "disabled"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    for member in [&removed, &disabled] {
        edit(member.token.clone(), "Edited after leaving")
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let other = app.enrol().await;
    edit(other.owner.token.clone(), "Edited from elsewhere")
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let after = app.get(&offer).bearer(&org.owner.token).send().await.body;
    assert_eq!(after, before, "a refused edit wrote something");
}
