//! The benchmark's framework baseline: the same HS256 check as the service (algorithm, `exp`,
//! `iss`, `aud`, `sub`), then a static JSON body of the size a `GET /v1/offers/{id}` answers.
//! Usage: cosell-bench-baseline ADDR BODY_FILE (the secret comes from COSELL_JWT_SECRET).

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Claims {
    sub: String,
    exp: i64,
}

struct State {
    key: DecodingKey,
    validation: Validation,
    body: web::Bytes,
}

async fn answer(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.map(|t| jsonwebtoken::decode::<Claims>(t, &state.key, &state.validation)) {
        Some(Ok(_)) => HttpResponse::Ok()
            .content_type("application/json")
            .body(state.body.clone()),
        _ => HttpResponse::Unauthorized().finish(),
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:18090".into());
    let body = std::fs::read(args.next().expect("BODY_FILE"))?;
    let secret = std::env::var("COSELL_JWT_SECRET").expect("COSELL_JWT_SECRET");
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 30;
    validation.set_issuer(&["cosell"]);
    validation.set_audience(&["cosell-api"]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let state = web::Data::new(State {
        key: DecodingKey::from_secret(secret.as_bytes()),
        validation,
        body: body.into(),
    });
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || App::new().app_data(state.clone()).default_service(web::to(answer)))
            .workers(1)
            .bind(addr)?
            .run()
            .await
    })
}
