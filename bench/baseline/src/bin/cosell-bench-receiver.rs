//! The benchmark's webhook receiver: answers every POST 204 at once and keeps, for the first
//! arrival of each `webhook-id`, when it came and how long after the event's `occurred_at` (set in
//! the committing transaction). One worker, so that it takes one core at most; made in Rust so
//! that the load generator's core it shares keeps driving the load.
//!
//! Usage: cosell-bench-receiver ADDR. `GET /arrivals?since=EPOCH_SECONDS` answers
//! `[[arrived_at, latency_seconds], …]` of the first arrivals since then, in arrival order, and
//! `GET /count` how many POSTs came in all (duplicates included).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

#[derive(Default)]
struct Arrivals {
    first: HashMap<String, (f64, f64)>,
    posts: u64,
}

#[derive(serde::Deserialize)]
struct Event {
    occurred_at: String,
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

async fn receive(req: HttpRequest, body: web::Bytes, arrivals: web::Data<Mutex<Arrivals>>) -> HttpResponse {
    let at = now();
    let id = req
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let occurred = serde_json::from_slice::<Event>(&body)
        .ok()
        .and_then(|e| chrono::DateTime::parse_from_rfc3339(&e.occurred_at).ok())
        .map(|t| t.timestamp_micros() as f64 / 1e6);
    let mut arrivals = arrivals.lock().unwrap_or_else(|p| p.into_inner());
    arrivals.posts += 1;
    if let Some(occurred) = occurred {
        arrivals.first.entry(id).or_insert((at, at - occurred));
    }
    HttpResponse::NoContent().finish()
}

#[derive(serde::Deserialize)]
struct Since {
    since: f64,
}

async fn list(query: web::Query<Since>, arrivals: web::Data<Mutex<Arrivals>>) -> HttpResponse {
    let arrivals = arrivals.lock().unwrap_or_else(|p| p.into_inner());
    let mut found: Vec<(f64, f64)> = arrivals
        .first
        .values()
        .copied()
        .filter(|(at, _)| *at >= query.since)
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0));
    HttpResponse::Ok().json(found)
}

async fn count(arrivals: web::Data<Mutex<Arrivals>>) -> HttpResponse {
    let posts = arrivals.lock().unwrap_or_else(|p| p.into_inner()).posts;
    HttpResponse::Ok().json(posts)
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18095".into());
    let arrivals = web::Data::new(Mutex::new(Arrivals::default()));
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(arrivals.clone())
                .app_data(web::PayloadConfig::new(1 << 20))
                .route("/arrivals", web::get().to(list))
                .route("/count", web::get().to(count))
                .default_service(web::post().to(receive))
        })
        .workers(1)
        .bind(addr)?
        .run()
        .await
    })
}
