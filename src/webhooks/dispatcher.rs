//! The dispatcher: delivers committed deliveries from a thread of its own, inside every
//! `cosell serve`. It takes an endpoint with due deliveries under a lease in the database (on
//! PostgreSQL skipping the rows another process is locking), so any number of processes
//! share the work and each endpoint is served by one of them at a time, its first attempts in
//! the order of its events. A process that dies mid-attempt leaves its lease to expire; the
//! attempt is made again by whoever takes the endpoint next (at least once, never lost).
//! A commit in this process wakes it at once (the worker holding the endpoint, if one does);
//! otherwise it looks every second.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use tokio::sync::{mpsc, oneshot};

use super::blocking::{read, write};
use super::model::{Attempt, Delivery, Endpoint, KEPT_BODY_BYTES};
use super::outbox;
use super::recorder::{self, Recording};
use super::repo;
use super::url::UrlPolicy;
use crate::config::WebhookSettings;
use crate::db::DbPool;
use crate::error::ApiError;
use crate::events::model::Event;
use crate::ids::{EventId, WebhookDeliveryId, WebhookEndpointId};
use crate::time::{self, Timestamp};

/// How often due deliveries are looked for when nothing wakes the dispatcher.
const POLL: Duration = Duration::from_secs(1);
/// Endpoints taken at once.
const ENDPOINTS_AT_ONCE: i64 = 32;
/// Deliveries read at once for one endpoint.
const BATCH: i64 = 20;
/// How long a worker keeps an endpoint it has nothing more for, waiting for this process's next
/// commit for it (well within a lease, which lasts more than 10 s).
const HOLD: Duration = Duration::from_secs(1);
/// The running dispatcher; it stops when dropped, and gives up the endpoints it held, so that
/// another process (or this one started again) takes them at once instead of when the leases
/// expire. An attempt it was making is made again by whoever takes its endpoint (at least once).
pub struct Dispatcher {
    running: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    pool: DbPool,
    owner: String,
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.running.store(false, Ordering::SeqCst);
        outbox::wake();
        // Its claiming loop ends at once (or after the statement it waits on), and with it the
        // thread and its endpoints' workers: none renews a lease after this.
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let owner = self.owner.clone();
        match crate::db::write_blocking(&self.pool, move |conn| repo::release_all(conn, &owner)) {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "webhook endpoints given up"),
            Err(e) => tracing::warn!(error = %e, "cannot give webhook endpoints up; their leases will expire"),
        }
    }
}

struct Shared {
    pool: DbPool,
    client: reqwest::Client,
    settings: WebhookSettings,
    policy: UrlPolicy,
    /// Who holds a lease: this dispatcher, uniquely.
    owner: String,
    busy: Mutex<HashSet<crate::ids::WebhookEndpointId>>,
    running: Arc<AtomicBool>,
    /// Where endpoints' workers hand their attempts to be recorded.
    recorder: mpsc::UnboundedSender<Recording>,
}

impl Dispatcher {
    pub fn start(pool: DbPool, settings: WebhookSettings) -> Result<Self, String> {
        let running = Arc::new(AtomicBool::new(true));
        let policy = UrlPolicy {
            allow_http: settings.allow_http,
            allow_private: settings.allow_private,
        };
        let (recorder, recordings) = mpsc::unbounded_channel();
        let owner = format!("{}:{}", std::process::id(), uuid::Uuid::now_v7().simple());
        let shared = Arc::new(Shared {
            recorder,
            client: super::client::build(&settings, policy)
                .map_err(|e| format!("cannot build the webhook client: {e}"))?,
            owner: owner.clone(),
            busy: Mutex::new(HashSet::new()),
            running: running.clone(),
            pool: pool.clone(),
            settings,
            policy,
        });
        let thread = std::thread::Builder::new()
            .name("webhooks".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
                match runtime {
                    Ok(runtime) => runtime.block_on(async move {
                        let schedule = shared.settings.retry_schedule.clone();
                        tokio::spawn(recorder::record_groups(shared.pool.clone(), schedule, recordings));
                        run(shared).await
                    }),
                    Err(e) => tracing::error!(error = %e, "cannot start the webhook dispatcher"),
                }
            })
            .map_err(|e| format!("cannot start the webhook dispatcher: {e}"))?;
        Ok(Self {
            running,
            thread: Some(thread),
            pool,
            owner,
        })
    }
}

async fn run(shared: Arc<Shared>) {
    while shared.running.load(Ordering::SeqCst) {
        let notified = outbox::WAKE.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let seen = outbox::GENERATION.load(Ordering::SeqCst);
        match claim(&shared).await {
            Ok(endpoints) => {
                for (id, until) in endpoints {
                    tokio::spawn(serve(shared.clone(), id, until));
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot look for due webhook deliveries"),
        }
        if outbox::GENERATION.load(Ordering::SeqCst) != seen {
            continue;
        }
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// How long a lease lasts: a few attempts' worth. A process that dies holding one leaves its
/// endpoint to others once it expires.
fn lease_until(shared: &Shared, now: NaiveDateTime) -> NaiveDateTime {
    now + chrono::Duration::milliseconds(i64::from(shared.settings.timeout_ms) * 3 + 10_000)
}

/// Whether a lease ending at `until` must be renewed before one more attempt.
fn renew_before_attempt(shared: &Shared, until: NaiveDateTime) -> bool {
    until - time::now() < chrono::Duration::milliseconds(i64::from(shared.settings.timeout_ms) + 5_000)
}

/// Renews this dispatcher's lease of the endpoint: until when it holds it, or `None` when it
/// lost it.
async fn renew(shared: &Arc<Shared>, id: crate::ids::WebhookEndpointId) -> Result<Option<NaiveDateTime>, ApiError> {
    let (owner, until_of) = (shared.owner.clone(), shared.clone());
    write(&shared.pool, move |conn| {
        let now = time::now();
        let until = lease_until(&until_of, now);
        Ok(repo::lease(conn, &id, &owner, now, until)?.then_some(until))
    })
    .await
}

/// Takes the endpoints with due deliveries that no process serves: each with the end of its
/// lease.
async fn claim(shared: &Arc<Shared>) -> Result<Vec<(WebhookEndpointId, NaiveDateTime)>, ApiError> {
    let busy: HashSet<_> = shared.busy.lock().unwrap_or_else(|p| p.into_inner()).clone();
    // A look first, without the writer: most wake-ups find every due endpoint served already.
    let due = read(&shared.pool, |conn| {
        repo::endpoints_due(conn, time::now(), ENDPOINTS_AT_ONCE, false)
    })
    .await?;
    if due.iter().all(|id| busy.contains(id)) {
        return Ok(Vec::new());
    }
    let (owner, until_of) = (shared.owner.clone(), shared.clone());
    let claimed = write(&shared.pool, move |conn| {
        let now = time::now();
        let until = lease_until(&until_of, now);
        let mut claimed = Vec::new();
        for id in repo::endpoints_due(conn, now, ENDPOINTS_AT_ONCE, true)? {
            if !busy.contains(&id) && repo::lease(conn, &id, &owner, now, until)? {
                claimed.push((id, until));
            }
        }
        Ok(claimed)
    })
    .await?;
    shared
        .busy
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .extend(claimed.iter().map(|(id, _)| *id));
    Ok(claimed)
}

/// Delivers what is due to one endpoint, in order, and keeps it while more keeps coming: a commit
/// of this process that gives it a delivery rings its bell, and it delivers again without
/// claiming it anew. After [`HOLD`] without one (and one last look, for what other processes
/// committed), it gives the endpoint up.
async fn serve(shared: Arc<Shared>, id: WebhookEndpointId, mut until: NaiveDateTime) {
    let held = outbox::hold(id);
    loop {
        match deliver_due(&shared, id, until).await {
            Ok(Round::Idle {
                until: renewed,
                delivered,
            }) => {
                until = renewed;
                if !shared.running.load(Ordering::SeqCst) {
                    break;
                }
                let rung = tokio::time::timeout(HOLD, held.bell.notified()).await.is_ok();
                if !rung && !delivered {
                    break;
                }
            }
            Ok(Round::Done) => break,
            Err(e) => {
                tracing::warn!(endpoint = %id, error = %e, "webhook deliveries interrupted");
                break;
            }
        }
    }
    // From here on, commits for the endpoint wake the claiming loop again.
    drop(held);
    let owner = shared.owner.clone();
    if let Err(e) = write(&shared.pool, move |conn| repo::release(conn, &id, &owner)).await {
        tracing::warn!(endpoint = %id, error = %e, "cannot give a webhook endpoint up");
    }
    shared.busy.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    // What was committed while the endpoint was being given up is claimed again.
    outbox::wake_claims();
}

/// How a round of deliveries to one endpoint ended.
enum Round {
    /// Nothing more is due; the lease lasts until `until`. `delivered`: attempts were made.
    Idle { until: NaiveDateTime, delivered: bool },
    /// The endpoint is gone or disabled, the lease was lost, or the dispatcher is stopping.
    Done,
}

/// Batch after batch, in order: the due deliveries and their events are read together, posted
/// one after the other, and their attempts recorded in one transaction. While a batch that
/// succeeded throughout is being recorded, the next is read (leaving out the deliveries being
/// recorded) and posted: such a recording cannot disable the endpoint, and the next read sees
/// a disabling or deletion by anyone else. After any other batch the round waits for its
/// recording. At most one recording is in flight. Stops when nothing is due, the lease is
/// lost, or an answer disabled the endpoint.
async fn deliver_due(shared: &Arc<Shared>, id: WebhookEndpointId, mut until: NaiveDateTime) -> Result<Round, ApiError> {
    let mut delivered = false;
    // The batch being recorded: its deliveries, and where the recorder answers.
    let mut recording: Option<(HashSet<WebhookDeliveryId>, Answered)> = None;
    while shared.running.load(Ordering::SeqCst) {
        let batch = read(&shared.pool, move |conn| {
            let Some(endpoint) = repo::find_endpoint(conn, &id)? else {
                return Ok(None);
            };
            let due = repo::due_deliveries(conn, &endpoint, time::now(), BATCH)?;
            let ids: Vec<EventId> = due.iter().map(|d| d.event_id).collect();
            let events = crate::events::repo::find_many(conn, &ids)?;
            Ok(Some((endpoint, due, events)))
        })
        .await?;
        let Some((endpoint, mut due, events)) = batch else {
            return Ok(Round::Done);
        };
        if let Some((recorded, _)) = &recording {
            due.retain(|d| !recorded.contains(&d.id));
        }
        if due.is_empty() {
            // All that was due is being recorded (a batch of successes, which leaves no retry):
            // once it is, look again, for what was committed meanwhile.
            if let Some((_, answered)) = recording.take() {
                if !answered.enabled().await? {
                    return Ok(Round::Done);
                }
                continue;
            }
            return Ok(Round::Idle { until, delivered });
        }
        let mut attempts = Vec::with_capacity(due.len());
        // Stop after recording what was made: stopping, lease lost, or the endpoint gone.
        let mut last_batch = false;
        for delivery in due {
            if !shared.running.load(Ordering::SeqCst) {
                last_batch = true;
                break;
            }
            if renew_before_attempt(shared, until) {
                match renew(shared, id).await? {
                    Some(renewed) => until = renewed,
                    None => {
                        last_batch = true;
                        break;
                    }
                }
            }
            let Some(event) = events.iter().find(|e| e.id == delivery.event_id) else {
                continue; // purged with its event
            };
            let attempt = attempt(shared, &endpoint, &delivery, event).await?;
            let gone = attempt.response_status == Some(410);
            attempts.push((delivery.id, attempt));
            if gone {
                break;
            }
        }
        // The batch before this one is recorded first: recordings keep the order of attempts.
        if let Some((_, answered)) = recording.take()
            && !answered.enabled().await?
        {
            last_batch = true;
        }
        if attempts.is_empty() {
            return Ok(if last_batch {
                Round::Done
            } else {
                Round::Idle { until, delivered }
            });
        }
        delivered = true;
        let succeeded = attempts.iter().all(|(_, a)| a.succeeded());
        let ids: HashSet<WebhookDeliveryId> = attempts.iter().map(|(id, _)| *id).collect();
        let (done, answer) = oneshot::channel();
        if shared
            .recorder
            .send(Recording {
                endpoint: id,
                attempts,
                done,
            })
            .is_err()
        {
            return Ok(Round::Done); // stopping
        }
        let answered = Answered(answer);
        if succeeded && !last_batch {
            recording = Some((ids, answered));
            continue;
        }
        if !answered.enabled().await? || last_batch {
            return Ok(Round::Done);
        }
    }
    if let Some((_, answered)) = recording {
        answered.enabled().await?;
    }
    Ok(Round::Done)
}

/// Where the recorder answers for a batch: whether the endpoint is still enabled.
struct Answered(oneshot::Receiver<Result<bool, String>>);

impl Answered {
    async fn enabled(self) -> Result<bool, ApiError> {
        self.0
            .await
            .map_err(|_| ApiError::internal("the webhook recorder stopped"))?
            .map_err(ApiError::internal)
    }
}

/// What an attempt got back.
struct Answer {
    status: Option<u16>,
    error: Option<String>,
    body: Option<String>,
}

/// Posts `event` for `delivery` once: the attempt, to be recorded.
async fn attempt(
    shared: &Arc<Shared>,
    endpoint: &Endpoint,
    delivery: &Delivery,
    event: &Event,
) -> Result<Attempt, ApiError> {
    let request_id = event.request_id.clone();
    let body = crate::events::dto::event_json(event)?;
    let started_at = time::now();
    let started = Instant::now();
    let answer = post(shared, endpoint, delivery, body).await;
    let duration_ms = started.elapsed().as_millis() as u64;
    tracing::info!(
        request_id = %request_id,
        delivery = %delivery.id,
        endpoint = %endpoint.id,
        event_type = %delivery.event_type,
        status = answer.status,
        error = answer.error.as_deref(),
        duration_ms,
        "webhook attempt"
    );
    Ok(Attempt {
        attempted_at: Timestamp(started_at),
        response_status: answer.status,
        error: answer.error,
        duration_ms,
        response_body: answer.body,
    })
}

async fn post(shared: &Shared, endpoint: &Endpoint, delivery: &Delivery, body: Vec<u8>) -> Answer {
    let refused = |error: String| Answer {
        status: None,
        error: Some(error),
        body: None,
    };
    // The URL was checked when it was set; checked again here against what the deployment
    // allows now, and for a literal address, which no resolver sees.
    if let Err(e) = super::url::check(&endpoint.url, shared.policy) {
        return refused(format!("the endpoint URL {e}"));
    }
    let timestamp = chrono::Utc::now().timestamp();
    let signature = match super::signing::signature(
        &endpoint.signing_secrets(time::now()),
        delivery.event_id.as_str(),
        timestamp,
        &body,
    ) {
        Ok(signature) => signature,
        Err(e) => return refused(e.to_string()),
    };
    let sent = shared
        .client
        .post(&endpoint.url)
        .header("webhook-id", delivery.event_id.as_str())
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await;
    match sent {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let mut kept = Vec::new();
            while kept.len() < KEPT_BODY_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => kept.extend_from_slice(&chunk[..chunk.len().min(KEPT_BODY_BYTES - kept.len())]),
                    _ => break,
                }
            }
            let success = super::model::succeeded(Some(status));
            Answer {
                status: Some(status),
                error: (!success).then(|| format!("answered {status}")),
                body: (!kept.is_empty()).then(|| String::from_utf8_lossy(&kept).into_owned()),
            }
        }
        Err(e) => refused(describe(&e)),
    }
}

/// A client error with its causes, without the URL it repeats.
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
