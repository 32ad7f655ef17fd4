//! `cosell admin seed-demo`: a demo data set made through the API itself (in process), so every
//! object is in a state its state machine allows and every change has its audit event.
//!
//! The demo is what the document's examples are written against: its objects have the ids the
//! examples name ([`known`]), its organization the examples' MPN ID, its owner the examples'
//! login, and it holds the invitation and the refresh token whose values the examples show. So
//! every request body example of the document, tried in Swagger UI on the demo, succeeds
//! (`contract/examples.json` is the order and the role to try them in). Its credentials are
//! public: the demo is for a server on one's own machine, never one others can reach.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::{test, web};
use serde_json::{Value, json};

use crate::app::build_app;
use crate::auth::roles::Role;
use crate::ids::{self, kind};
use crate::state::AppState;

/// The demo organization's MPN ID: the one of the document's examples.
pub const DEMO_MPN_ID: &str = "4012345";
/// The password of every demo user: the one of the document's examples.
pub const DEMO_PASSWORD: &str = "correct horse battery staple";
/// The one-time token of the demo's pending invitation (the accept-invitation example's).
pub const DEMO_INVITATION_TOKEN: &str = "p0N4Jq0r0Yb6m0hS4u1iKx7cQ2VwLZ8eT3aFgH5jK9s";
/// A refresh token of the demo owner's (the refresh example's).
pub const DEMO_REFRESH_TOKEN: &str = "csrt_Vb8qk1m3t0W2n5P7r9T1v3X5z7B9d1F3h5J7l9N1p3R";

/// The ids of the demo's objects.
pub use crate::ids::known;

/// A user of the demo and the password it was given.
pub struct DemoUser {
    pub role: Role,
    pub email: String,
    pub password: String,
}

struct Client<S> {
    service: S,
}

impl<S, B> Client<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut req = test::TestRequest::default().method(method.clone()).uri(path);
        if let Some(token) = token {
            req = req.insert_header(("authorization", format!("Bearer {token}")));
        }
        if let Some(body) = body {
            req = req
                .insert_header(("content-type", "application/json"))
                .set_payload(body.to_string());
        }
        let response = self.service.call(req.to_request()).await.map_err(|e| e.to_string())?;
        let status = response.status();
        let bytes = actix_web::body::to_bytes(response.into_body())
            .await
            .map_err(|_| "unreadable response".to_owned())?;
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        if status.is_success() {
            Ok(value)
        } else {
            Err(format!("{method} {path} answered {status}: {value}"))
        }
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> Result<Value, String> {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    async fn login(&self, email: &str, password: &str) -> Result<String, String> {
        let token = self
            .call(
                Method::POST,
                "/v1/auth/token",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await?;
        Ok(token["access_token"].as_str().unwrap_or_default().to_owned())
    }
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap_or_default().to_owned()
}

/// The tokens the demo is built with.
struct Tokens {
    owner: String,
    developer: String,
    support: String,
    reviewer: String,
}

/// Creates the demo organization, its users, staff, a publisher profile, offers in several
/// states, legacy solutions in every state, support tickets and a webhook endpoint. Refuses when
/// the demo organization exists.
pub async fn seed(state: AppState) -> Result<Vec<DemoUser>, String> {
    let pool = state.pool.clone();
    let exists = crate::db::run(&pool, |conn| {
        crate::organizations::repo::find_by_mpn_id(conn, DEMO_MPN_ID)
    })
    .await
    .map_err(|e| e.to_string())?;
    if exists.is_some() {
        return Err(format!(
            "an organization with the demo's MPN ID {DEMO_MPN_ID} already exists in this database (the demo, or \
             an enrolment with the README's example); seed the demo into a fresh database (COSELL_DATABASE_URL)"
        ));
    }
    let client = Client {
        service: test::init_service(build_app(web::Data::new(state), Vec::new())).await,
    };
    let (users, tokens) = people(&client, &pool).await?;
    ids::reserve::<kind::PublisherProfile>(known::PUBLISHER_PROFILE);
    client
        .post(
            "/v1/publisher-profiles",
            &tokens.owner,
            json!({"publisher_id": "contoso-demo", "display_name": "Contoso", "mpn_id": DEMO_MPN_ID, "contact_name": "Ada Lovelace",
                   "contact_email": "partners@contoso.example", "website": "https://contoso.example"}),
        )
        .await?;
    offers(&client, &tokens).await?;
    ids::reserve::<kind::Ticket>(known::OPEN_TICKET);
    client
        .post(
            "/v1/support-tickets",
            &tokens.developer,
            json!({"category": "publishing", "subject": "How do I add a second plan?", "description": "We want a per-user plan next to the flat rate."}),
        )
        .await?;
    solutions(&client, &tokens).await?;
    ids::reserve::<kind::WebhookEndpoint>(known::WEBHOOK_ENDPOINT);
    let endpoint = json!({"url": "https://hooks.contoso.example/demo", "description": "Demo receiver (disabled: its host does not exist)", "enabled_events": ["*"]});
    client.post("/v1/webhook-endpoints", &tokens.owner, endpoint).await?;
    let disable = format!("/v1/webhook-endpoints/{}/disable", known::WEBHOOK_ENDPOINT);
    client.call(Method::POST, &disable, Some(&tokens.owner), None).await?;
    credentials(&pool, &client, &tokens).await?;
    Ok(users)
}

/// The organization with its owner, a manager and a developer (invited, and accepted), and the
/// support and reviewer staff.
async fn people<S, B>(client: &Client<S>, pool: &crate::db::DbPool) -> Result<(Vec<DemoUser>, Tokens), String>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let user = |role: Role, email: &str| DemoUser {
        role,
        email: email.into(),
        password: DEMO_PASSWORD.into(),
    };
    let mut users = Vec::new();
    let owner = user(Role::Owner, "ada@contoso.example");
    let account = json!({
        "organization": {"name": "Contoso Ltd", "mpn_id": DEMO_MPN_ID, "country": "US"},
        "owner": {"email": owner.email, "display_name": "Ada Lovelace", "password": owner.password}
    });
    ids::reserve::<kind::Organization>(known::ORGANIZATION);
    ids::reserve::<kind::User>(known::USERS[0]);
    client.call(Method::POST, "/v1/accounts", None, Some(account)).await?;
    let owner_token = client.login(&owner.email, &owner.password).await?;
    users.push(owner);
    let mut developer = String::new();
    for (n, role, email, name) in [
        (1, Role::Manager, "manager@contoso.example", "Mia Manager"),
        (2, Role::Developer, "developer@contoso.example", "Dev Developer"),
    ] {
        ids::reserve::<kind::User>(known::USERS[n]);
        let invited = client
            .post(
                "/v1/users",
                &owner_token,
                json!({"email": email, "display_name": name, "role": role}),
            )
            .await?;
        let user = user(role, email);
        let body = json!({"token": invited["invitation_token"], "password": user.password});
        client
            .call(Method::POST, "/v1/auth/accept-invitation", None, Some(body))
            .await?;
        if role == Role::Developer {
            developer = client.login(email, &user.password).await?;
        }
        users.push(user);
    }
    let mut staff = Vec::new();
    for (n, role, email, name) in [
        (3, Role::Support, "support@cosell.example", "Sam Support"),
        (4, Role::Reviewer, "reviewer@cosell.example", "Rita Reviewer"),
    ] {
        let user = user(role, email);
        let (email_owned, name_owned, password_owned) = (user.email.clone(), name.to_owned(), user.password.clone());
        ids::reserve::<kind::User>(known::USERS[n]);
        crate::db::run(pool, move |conn| {
            super::create_staff(conn, &email_owned, &name_owned, role, &password_owned)
                .map_err(crate::error::ApiError::internal)
        })
        .await
        .map_err(|e| format!("{email}: {e}"))?;
        staff.push(client.login(email, &user.password).await?);
        users.push(user);
    }
    let tokens = Tokens {
        owner: owner_token,
        developer,
        support: staff[0].clone(),
        reviewer: staff[1].clone(),
    };
    Ok((users, tokens))
}

/// The invitation and the refresh token whose values the document's examples show: Pat, invited
/// as a developer and not yet joined, and a login of the owner's.
async fn credentials<S, B>(pool: &crate::db::DbPool, client: &Client<S>, tokens: &Tokens) -> Result<(), String>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let invited = client
        .post(
            "/v1/users",
            &tokens.owner,
            json!({"email": "pat@contoso.example", "display_name": "Pat Pending", "role": "developer"}),
        )
        .await?;
    let invitee: crate::ids::UserId = id(&invited["user"])
        .parse()
        .map_err(|_| "the invitee has no id".to_owned())?;
    crate::db::run(pool, move |conn| {
        use crate::users::{model::UserChanges, repo};
        let owner_id: crate::ids::UserId = known::USERS[0]
            .parse()
            .map_err(|e: uuid::Error| crate::error::ApiError::internal(e.to_string()))?;
        let owner = repo::find(conn, &owner_id)?.ok_or_else(|| crate::error::ApiError::internal("no demo owner"))?;
        crate::accounts::sessions::start_with_known_token(conn, &owner, DEMO_REFRESH_TOKEN)?;
        let pat = repo::find(conn, &invitee)?.ok_or_else(|| crate::error::ApiError::internal("no invitee"))?;
        let changes = UserChanges {
            invitation_token_hash: Some(Some(crate::auth::crypto::sha256_hex(DEMO_INVITATION_TOKEN))),
            ..Default::default()
        };
        repo::update(conn, &invitee, pat.version, &changes).map(drop)
    })
    .await
    .map_err(|e| e.to_string())
}

/// Every section an offer needs, and a co-sell section that makes a live offer co-sell ready.
fn complete_offer() -> Value {
    json!({
        "setup": {"listing_option": "free_trial", "trial_url": "https://contoso.example/trial"},
        "properties": {"categories": ["analytics"], "industries": ["retail"], "standard_contract": true},
        "listing": {
            "summary": "Analytics for every team.", "description": "Turns telemetry into decisions.",
            "search_keywords": ["analytics", "retail"], "privacy_policy_url": "https://contoso.example/privacy",
            "support_contact": {"name": "Support", "email": "support@contoso.example", "url": "https://contoso.example/support"},
            "engineering_contact": {"name": "Engineering", "email": "eng@contoso.example"}
        },
        "co_sell": {
            "solution_type": "ip_application", "platforms": ["Azure"], "segments": ["Enterprise"],
            "solution_areas": [{"area": "Data & AI", "sub_areas": ["Analytics"]}],
            "documents": [
                {"doc_type": "one_pager", "name": "One pager", "url": "https://contoso.example/one-pager.pdf"},
                {"doc_type": "pitch_deck", "name": "Pitch deck", "url": "https://contoso.example/deck.pdf"}
            ],
            "contacts": [{"name": "Sam Seller", "email": "sales@contoso.example", "job_title": "Account executive", "role": "partner_sales", "countries": ["OOO"]}]
        }
    })
}

/// Offers that are draft, in certification, needing attention, in preview and live.
async fn offers<S, B>(client: &Client<S>, tokens: &Tokens) -> Result<(), String>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    // (id, alias, name, how far it goes)
    let plan = [
        (known::DRAFT_OFFER, "contoso-draft", "Contoso Draft", "draft"),
        (known::LIVE_OFFER, "contoso-analytics", "Contoso Analytics", "live"),
        (
            known::OFFER_IN_CERTIFICATION,
            "contoso-insights",
            "Contoso Insights",
            "publish_in_progress",
        ),
        (known::OFFER_IN_PREVIEW, "contoso-preview", "Contoso Preview", "preview"),
        (
            known::OFFER_NEEDING_ATTENTION,
            "contoso-needs-work",
            "Contoso Needs Work",
            "attention_needed",
        ),
    ];
    for (offer, alias, name, target) in plan {
        ids::reserve::<kind::Offer>(offer);
        client
            .post(
                "/v1/offers",
                &tokens.developer,
                json!({"publisher_profile_id": known::PUBLISHER_PROFILE, "offer_alias": alias, "name": name, "offer_type": "saas"}),
            )
            .await?;
        let path = format!("/v1/offers/{offer}");
        let content = match target {
            "draft" => json!({"listing": {"summary": "Work in progress."}}),
            _ => complete_offer(),
        };
        client
            .call(Method::PATCH, &path, Some(&tokens.developer), Some(content))
            .await?;
        if target == "draft" {
            continue;
        }
        if target == "publish_in_progress" {
            ids::reserve::<kind::Submission>(known::SUBMISSION_IN_CERTIFICATION);
        }
        let submission = client
            .post(&format!("{path}/publish"), &tokens.developer, json!({}))
            .await?;
        let certify = format!("/v1/submissions/{}/certify", id(&submission));
        match target {
            "attention_needed" => {
                let feedback = json!({"result": "failed", "feedback": [{"section": "listing", "pointer": "#/listing/description", "message": "Say what the product does and for whom."}]});
                client.post(&certify, &tokens.reviewer, feedback).await?;
            }
            "preview" | "live" => {
                client
                    .post(&certify, &tokens.reviewer, json!({"result": "passed"}))
                    .await?;
                if target == "live" {
                    client
                        .post(&format!("{path}/go-live"), &tokens.developer, json!({}))
                        .await?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Legacy solutions in every state: OCP-DEMO-1, 6 and 7 stay pending, 2 awaits a merge into the
/// live offer (its ticket assigned to support), 3 is merged, 4 is migrated and 5 is discarded.
async fn solutions<S, B>(client: &Client<S>, tokens: &Tokens) -> Result<(), String>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let collateral = complete_offer()["co_sell"].clone();
    let solution = |n: usize, name: &str, status: &str| {
        json!({
            "ocp_solution_id": format!("OCP-DEMO-{n}"), "mpn_id": DEMO_MPN_ID, "name": name,
            "summary": format!("{name}: a legacy co-sell solution from the retired tool."),
            "solution_type": "ip_application", "co_sell_status": status, "incentive_eligible": status != "not_co_sell_ready",
            "referral_pipeline": {"active_referrals": n, "won_referrals": 2 * n, "pipeline_value_usd": 10000.0 * n as f64},
            "collateral": collateral
        })
    };
    let legacy = [
        solution(1, "Contoso Retail Forecasting", "azure_ip_co_sell_incentivized"),
        solution(2, "Contoso Store Analytics", "co_sell_ready"),
        solution(3, "Contoso Supply Insights", "azure_ip_co_sell_incentivized"),
        solution(4, "Contoso Field Service", "co_sell_ready"),
        solution(5, "Contoso Legacy Reports", "not_co_sell_ready"),
        solution(6, "Contoso Shelf Vision", "bizapps_co_sell_incentivized"),
        solution(7, "Contoso Price Optimizer", "co_sell_ready"),
    ];
    // Support verifies the demo partner's MPN ID, so its legacy solutions can be imported.
    let verify = format!("/v1/organizations/{}/verify-mpn", known::ORGANIZATION);
    client.call(Method::POST, &verify, Some(&tokens.support), None).await?;
    for solution in known::SOLUTIONS {
        ids::reserve::<kind::Solution>(solution);
    }
    let report = client
        .post("/v1/solutions/import", &tokens.support, json!({"solutions": legacy}))
        .await?;
    if report["created"] != legacy.len() {
        return Err(format!("the demo's solutions were not all imported: {report}"));
    }
    let solution = |n: usize| format!("/v1/solutions/{}", known::SOLUTIONS[n - 1]);
    let merge_body = json!({"offer_id": known::LIVE_OFFER, "details": "The same product, listed since 2024."});
    ids::reserve::<kind::Ticket>(known::MERGE_TICKET);
    client
        .post(&format!("{}/merge", solution(2)), &tokens.owner, merge_body.clone())
        .await?;
    let assign = format!("/v1/support-tickets/{}/assign", known::MERGE_TICKET);
    client.post(&assign, &tokens.support, json!({})).await?;
    let ticket = client
        .post(&format!("{}/merge", solution(3)), &tokens.owner, merge_body)
        .await?;
    let ticket = format!("/v1/support-tickets/{}", id(&ticket));
    client
        .post(&format!("{ticket}/assign"), &tokens.support, json!({}))
        .await?;
    let merged = json!({"resolution": "merged", "note": "Merged into Contoso Analytics."});
    client
        .post(&format!("{ticket}/resolve"), &tokens.support, merged)
        .await?;
    let migrate = json!({"offer_type": "saas", "publisher_profile_id": known::PUBLISHER_PROFILE, "offer_alias": "contoso-field-service"});
    client
        .post(&format!("{}/migrate", solution(4)), &tokens.developer, migrate)
        .await?;
    client
        .post(
            &format!("{}/discard", solution(5)),
            &tokens.owner,
            json!({"confirm": true}),
        )
        .await?;
    Ok(())
}
