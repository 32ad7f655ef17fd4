//! `cosell admin seed-demo`: a demo data set made through the API itself (in process), so every
//! object is in a state its state machine allows and every change has its audit event.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::{test, web};
use serde_json::{Value, json};

use crate::app::build_app;
use crate::auth::roles::Role;
use crate::state::AppState;

pub const DEMO_MPN_ID: &str = "7000001";

/// A user of the demo and the password it was given.
pub struct DemoUser {
    pub role: Role,
    pub email: String,
    pub password: String,
}

fn password() -> String {
    let mut bytes = [0u8; 12];
    rand::Rng::fill(&mut rand::rngs::OsRng, &mut bytes[..]);
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
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
/// states and legacy solutions in every state. Refuses when the demo organization exists.
pub async fn seed(state: AppState) -> Result<Vec<DemoUser>, String> {
    let pool = state.pool.clone();
    let exists = crate::db::run(&pool, |conn| {
        crate::organizations::repo::find_by_mpn_id(conn, DEMO_MPN_ID)
    })
    .await
    .map_err(|e| e.to_string())?;
    if exists.is_some() {
        return Err(format!(
            "the demo organization (MPN ID {DEMO_MPN_ID}) already exists in this database"
        ));
    }
    let client = Client {
        service: test::init_service(build_app(web::Data::new(state), Vec::new())).await,
    };
    let (users, tokens) = people(&client, &pool).await?;
    let profile = client
        .post(
            "/v1/publisher-profiles",
            &tokens.owner,
            json!({"publisher_id": "contoso-demo", "display_name": "Contoso", "mpn_id": DEMO_MPN_ID, "contact_name": "Olivia Owner",
                   "contact_email": "partners@contoso.example", "website": "https://contoso.example"}),
        )
        .await?;
    let live_offer = offers(&client, &tokens, &id(&profile)).await?;
    solutions(&client, &tokens, &id(&profile), &live_offer).await?;
    client
        .post(
            "/v1/support-tickets",
            &tokens.developer,
            json!({"category": "publishing", "subject": "How do I add a second plan?", "description": "We want a per-user plan next to the flat rate."}),
        )
        .await?;
    Ok(users)
}

/// The organization with its owner, a manager and a developer (invited, and accepted), and the
/// support and reviewer staff.
async fn people<S, B>(client: &Client<S>, pool: &crate::db::DbPool) -> Result<(Vec<DemoUser>, Tokens), String>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut users = Vec::new();
    let owner = DemoUser {
        role: Role::Owner,
        email: "owner@contoso.example".into(),
        password: password(),
    };
    let account = json!({
        "organization": {"name": "Contoso Demo", "mpn_id": DEMO_MPN_ID, "country": "US"},
        "owner": {"email": owner.email, "display_name": "Olivia Owner", "password": owner.password}
    });
    client.call(Method::POST, "/v1/accounts", None, Some(account)).await?;
    let owner_token = client.login(&owner.email, &owner.password).await?;
    users.push(owner);
    let mut developer = String::new();
    for (role, email, name) in [
        (Role::Manager, "manager@contoso.example", "Mia Manager"),
        (Role::Developer, "developer@contoso.example", "Dev Developer"),
    ] {
        let invited = client
            .post(
                "/v1/users",
                &owner_token,
                json!({"email": email, "display_name": name, "role": role}),
            )
            .await?;
        let user = DemoUser {
            role,
            email: email.into(),
            password: password(),
        };
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
    for (role, email, name) in [
        (Role::Support, "support@cosell.example", "Sam Support"),
        (Role::Reviewer, "reviewer@cosell.example", "Rita Reviewer"),
    ] {
        let user = DemoUser {
            role,
            email: email.into(),
            password: password(),
        };
        let (email_owned, name_owned, password_owned) = (user.email.clone(), name.to_owned(), user.password.clone());
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

/// Offers that are draft, in certification, needing attention, in preview and live; the live
/// offer's id.
async fn offers<S, B>(client: &Client<S>, tokens: &Tokens, profile: &str) -> Result<String, String>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    // (alias, name, how far it goes)
    let plan = [
        ("contoso-draft", "Contoso Draft", "draft"),
        ("contoso-analytics", "Contoso Analytics", "live"),
        ("contoso-insights", "Contoso Insights", "publish_in_progress"),
        ("contoso-preview", "Contoso Preview", "preview"),
        ("contoso-needs-work", "Contoso Needs Work", "attention_needed"),
    ];
    let mut live_offer = String::new();
    for (alias, name, target) in plan {
        let offer = client
            .post(
                "/v1/offers",
                &tokens.developer,
                json!({"publisher_profile_id": profile, "offer_alias": alias, "name": name, "offer_type": "saas"}),
            )
            .await?;
        let path = format!("/v1/offers/{}", id(&offer));
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
                    live_offer = id(&offer);
                }
            }
            _ => {}
        }
    }
    Ok(live_offer)
}

/// Legacy solutions in every state: OCP-DEMO-1 and 6 stay pending, 2 awaits a merge into the
/// live offer, 3 is merged, 4 is migrated and 5 is discarded.
async fn solutions<S, B>(client: &Client<S>, tokens: &Tokens, profile: &str, live_offer: &str) -> Result<(), String>
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
    ];
    // Support verifies the demo partner's MPN ID, so its legacy solutions can be imported.
    let organization = client
        .call(Method::GET, "/v1/organization", Some(&tokens.owner), None)
        .await?;
    let verify = format!("/v1/organizations/{}/verify-mpn", id(&organization));
    client.call(Method::POST, &verify, Some(&tokens.support), None).await?;
    client
        .post("/v1/solutions/import", &tokens.support, json!({"solutions": legacy}))
        .await?;
    let listed = client
        .call(Method::GET, "/v1/solutions?limit=100", Some(&tokens.owner), None)
        .await?;
    let by_ocp = |ocp: &str| {
        let found = listed["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["ocp_solution_id"] == ocp);
        format!("/v1/solutions/{}", found.map(id).unwrap_or_default())
    };
    let merge_body = json!({"offer_id": live_offer, "details": "The same product, listed since 2024."});
    client
        .post(
            &format!("{}/merge", by_ocp("OCP-DEMO-2")),
            &tokens.owner,
            merge_body.clone(),
        )
        .await?;
    let ticket = client
        .post(&format!("{}/merge", by_ocp("OCP-DEMO-3")), &tokens.owner, merge_body)
        .await?;
    let ticket = format!("/v1/support-tickets/{}", id(&ticket));
    client
        .post(&format!("{ticket}/assign"), &tokens.support, json!({}))
        .await?;
    let merged = json!({"resolution": "merged", "note": "Merged into Contoso Analytics."});
    client
        .post(&format!("{ticket}/resolve"), &tokens.support, merged)
        .await?;
    let migrate =
        json!({"offer_type": "saas", "publisher_profile_id": profile, "offer_alias": "contoso-field-service"});
    client
        .post(&format!("{}/migrate", by_ocp("OCP-DEMO-4")), &tokens.developer, migrate)
        .await?;
    client
        .post(
            &format!("{}/discard", by_ocp("OCP-DEMO-5")),
            &tokens.owner,
            json!({"confirm": true}),
        )
        .await?;
    Ok(())
}
