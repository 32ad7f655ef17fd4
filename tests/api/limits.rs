//! Budgets: failed passwords per e-mail and client address, logins and enrolments per address,
//! the client address behind trusted proxies, and state that every process of one database
//! shares.

use actix_web::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp};
use crate::{on_both, on_both_with};
use cosell::auth::roles::Role;

on_both!(
    failures_block_the_address_not_the_owner_elsewhere,
    fifty_failures_from_everywhere_block_the_email,
    failures_are_shared_by_every_process,
    the_purge_deletes_ended_windows_and_expired_refresh_tokens,
);
on_both_with!(&[("COSELL_LIMIT_LOGINS_PER_MINUTE", "3")]; logins_per_address_are_budgeted);
on_both_with!(&[("COSELL_LIMIT_ENROLMENTS_PER_HOUR", "3")]; enrolments_per_address_are_budgeted_refusals_included);
on_both_with!(
    &[("COSELL_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1")];
    the_client_behind_a_trusted_proxy_is_its_forwarded_address
);

const ATTACKER: &str = "203.0.113.66:40000";
const OWNER: &str = "198.51.100.7:50000";

async fn login_from(app: &TestApp, peer: &str, email: &str, password: &str) -> crate::helpers::TestResponse {
    app.post("/v1/auth/token")
        .peer(peer)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
}

fn retry_after(res: &crate::helpers::TestResponse) -> u32 {
    res.header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After: {:?}", res.body))
}

async fn failures_block_the_address_not_the_owner_elsewhere(app: TestApp) {
    let org = app.enrol().await;
    let email = &org.owner.email;
    for _ in 0..5 {
        let res = login_from(&app, ATTACKER, email, "guess guess guess").await;
        res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let blocked = login_from(&app, ATTACKER, email, PASSWORD).await;
    blocked.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait = retry_after(&blocked);
    assert!((1..=900).contains(&wait), "{wait}");
    // The owner, from their own address, is not locked out.
    let res = login_from(&app, OWNER, email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // The attacker's address may still try other e-mails.
    let other = login_from(&app, ATTACKER, "someone-else@contoso.example", "guess guess guess").await;
    other.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    // The right password from an address clears that address's failures.
    for _ in 0..4 {
        login_from(&app, OWNER, email, "guess guess guess").await;
    }
    assert_eq!(login_from(&app, OWNER, email, PASSWORD).await.status, StatusCode::OK);
    for _ in 0..4 {
        login_from(&app, OWNER, email, "guess guess guess").await;
    }
    assert_eq!(login_from(&app, OWNER, email, PASSWORD).await.status, StatusCode::OK);
}

async fn fifty_failures_from_everywhere_block_the_email(app: TestApp) {
    let org = app.enrol().await;
    let staff = app.staff(Role::Support).await;
    for i in 0..50 {
        // Ten addresses, five failures each: none of them is blocked on its own.
        let peer = format!("203.0.113.{}:4000", i / 5);
        let res = login_from(&app, &peer, &org.owner.email, "guess guess guess").await;
        res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let blocked = login_from(&app, OWNER, &org.owner.email, PASSWORD).await;
    blocked.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(retry_after(&blocked) <= 900);
    // Other accounts, staff included, are untouched.
    let res = login_from(&app, OWNER, &staff.email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

async fn failures_are_shared_by_every_process(app: TestApp) {
    let org = app.enrol().await;
    let second = app.another_process().await;
    for i in 0..5 {
        let process = if i % 2 == 0 { &app } else { &second };
        let res = login_from(process, ATTACKER, &org.owner.email, "guess guess guess").await;
        res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    for process in [&app, &second] {
        let res = login_from(process, ATTACKER, &org.owner.email, PASSWORD).await;
        res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    }
}

async fn logins_per_address_are_budgeted(app: TestApp) {
    let org = app.enrol().await;
    for i in 0..3 {
        let email = format!("nobody-{i}@contoso.example");
        login_from(&app, ATTACKER, &email, "guess guess guess")
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    // The budget is the address's, whatever the e-mail, the right password included.
    let res = login_from(&app, ATTACKER, &org.owner.email, PASSWORD).await;
    res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!((1..=60).contains(&retry_after(&res)));
    let res = login_from(&app, OWNER, &org.owner.email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

fn account(email: &str) -> Value {
    json!({
        "organization": {"name": "Contoso", "mpn_id": crate::helpers::unique_mpn_id(), "country": "US"},
        "owner": {"email": email, "display_name": "Ada Owner", "password": PASSWORD}
    })
}

async fn enrolments_per_address_are_budgeted_refusals_included(app: TestApp) {
    let staff = app.staff(Role::Support).await;
    let enrol = |email: String| {
        let app = &app;
        async move {
            app.post("/v1/accounts")
                .peer(ATTACKER)
                .json(&account(&email))
                .send()
                .await
        }
    };
    let first = format!("owner-{}@contoso.example", Uuid::now_v7().simple());
    assert_eq!(enrol(first.clone()).await.status, StatusCode::CREATED);
    // Probing whether an e-mail exists: the same answer for a partner's and a staff member's,
    // and each probe costs.
    let partner = enrol(first).await;
    let staff_probe = enrol(staff.email.clone()).await;
    for res in [&partner, &staff_probe] {
        res.problem(StatusCode::CONFLICT, "already_exists");
    }
    assert_eq!(partner.body["detail"], staff_probe.body["detail"]);
    assert_eq!(partner.body["errors"], staff_probe.body["errors"]);
    let fresh = format!("owner-{}@contoso.example", Uuid::now_v7().simple());
    let res = enrol(fresh.clone()).await;
    res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!((1..=3600).contains(&retry_after(&res)));
    // Invitation acceptances spend the same budget.
    let accept = app
        .post("/v1/auth/accept-invitation")
        .peer(ATTACKER)
        .json(&json!({"token": "not-a-real-invitation-token", "password": PASSWORD}))
        .send()
        .await;
    accept.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Nothing was created by the refused attempt; another address enrols.
    let res = app.post("/v1/accounts").peer(OWNER).json(&account(&fresh)).send().await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
}

async fn the_client_behind_a_trusted_proxy_is_its_forwarded_address(app: TestApp) {
    let org = app.enrol().await;
    let email = &org.owner.email;
    let via_proxy = |forwarded: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.post("/v1/auth/token")
                .peer("10.1.2.3:443")
                .header("x-forwarded-for", forwarded)
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
        }
    };
    // The attacker forges a left-most entry each time; the proxies append the real address.
    for forged in [
        "1.1.1.1, 203.0.113.9",
        "2.2.2.2, 203.0.113.9",
        "3.3.3.3, 203.0.113.9, 10.0.0.5",
    ] {
        via_proxy(forged, "guess guess guess")
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    for forged in ["4.4.4.4, 203.0.113.9, 192.0.2.1", "203.0.113.9"] {
        via_proxy(forged, "guess guess guess")
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    via_proxy("5.5.5.5, 203.0.113.9", PASSWORD)
        .await
        .problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Another client behind the same proxy is another address.
    let res = via_proxy("198.51.100.20", PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // A peer that is not a trusted proxy is the client, whatever it forwards.
    for i in 0..5 {
        let res = app
            .post("/v1/auth/token")
            .peer("198.51.100.99:443")
            .header("x-forwarded-for", &format!("203.0.113.{}", 100 + i))
            .json(&json!({"email": email, "password": "guess guess guess"}))
            .send()
            .await;
        res.problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let res = app
        .post("/v1/auth/token")
        .peer("198.51.100.99:443")
        .header("x-forwarded-for", "203.0.113.200")
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await;
    res.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

async fn the_purge_deletes_ended_windows_and_expired_refresh_tokens(app: TestApp) {
    use cosell::db::schema::{rate_limits, refresh_tokens};
    use diesel::prelude::*;

    let org = app.enrol().await;
    login_from(&app, ATTACKER, &org.owner.email, "guess guess guess").await;
    let mut conn = app.pool.get().unwrap();
    let buckets = |conn: &mut cosell::db::DbConn| rate_limits::table.count().get_result::<i64>(conn).unwrap();
    let live_buckets = buckets(&mut conn);
    assert!(live_buckets >= 3, "the login and the failures have buckets");
    diesel::insert_into(rate_limits::table)
        .values((
            rate_limits::bucket.eq("login|192.0.2.99"),
            rate_limits::spent.eq(7),
            rate_limits::resets_at.eq(chrono::Utc::now().timestamp() - 1),
        ))
        .execute(&mut conn)
        .unwrap();
    let sessions = refresh_tokens::table.count().get_result::<i64>(&mut *conn).unwrap();
    assert_eq!(sessions, 1, "the enrolment's login");
    diesel::update(refresh_tokens::table)
        .set(refresh_tokens::expires_at.eq(chrono::Utc::now().timestamp() - 1))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(cosell::auth::limiter::purge_expired(&mut conn).unwrap(), 1);
    assert_eq!(buckets(&mut conn), live_buckets, "live windows stay");
    assert_eq!(cosell::accounts::sessions::purge_expired(&mut conn).unwrap(), 1);
    assert_eq!(refresh_tokens::table.count().get_result::<i64>(&mut *conn).unwrap(), 0);
}
