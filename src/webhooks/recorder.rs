//! The recorder: the attempts the dispatcher's endpoint workers made, written back one
//! transaction for all that is waiting. Each delivery succeeds, is retried on the schedule, or
//! fails for good; `410 Gone`, or 5 days of failures, disable its endpoint.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::blocking::write;
use super::model::{Attempt, DeliveryChanges, DeliveryStatus, DisabledReason};
use super::repo;
use crate::db::{self, DbConn, DbPool};
use crate::error::ApiError;
use crate::ids::{WebhookDeliveryId, WebhookEndpointId};
use crate::time;

/// How long the recorder gathers attempts into one commit.
const GATHER: Duration = Duration::from_millis(2);
/// An endpoint failing without a success for this long is disabled.
const FAILING_DAYS: i64 = 5;

/// Counters for `/metrics`.
pub struct Outcomes {
    pub succeeded: AtomicU64,
    pub failed_attempts: AtomicU64,
    pub given_up: AtomicU64,
}

pub static OUTCOMES: Outcomes = Outcomes {
    succeeded: AtomicU64::new(0),
    failed_attempts: AtomicU64::new(0),
    given_up: AtomicU64::new(0),
};

/// One endpoint's batch of attempts to record, and where to say whether it is still enabled.
pub(super) struct Recording {
    pub endpoint: WebhookEndpointId,
    pub attempts: Vec<(WebhookDeliveryId, Attempt)>,
    pub done: oneshot::Sender<Result<bool, String>>,
}

/// Records what the endpoints' workers hand in, one transaction for all that is waiting: while
/// one group commits the next gathers, so under load a commit records many attempts (each
/// attempt alone would cost a commit, as much as the change that caused it).
pub(super) async fn record_groups(
    pool: DbPool,
    schedule: Vec<u32>,
    mut recordings: mpsc::UnboundedReceiver<Recording>,
) {
    while let Some(first) = recordings.recv().await {
        let mut group = vec![first];
        // A moment for the other endpoints' workers, whose posts end about now too.
        let gather = tokio::time::sleep(GATHER);
        tokio::pin!(gather);
        loop {
            tokio::select! {
                more = recordings.recv() => match more {
                    Some(more) => group.push(more),
                    None => break,
                },
                _ = &mut gather => break,
            }
        }
        // Endpoints in one order, so that two recorders lock them without deadlocking.
        group.sort_by_key(|r| r.endpoint);
        let (work, replies): (Vec<_>, Vec<_>) = group.into_iter().map(|r| ((r.endpoint, r.attempts), r.done)).unzip();
        let work = Arc::new(work);
        let all = (work.clone(), schedule.clone());
        let outcome = write(&pool, move |conn| {
            let (work, schedule) = &all;
            work.iter()
                .map(|(endpoint, attempts)| record(conn, endpoint, attempts, schedule))
                .collect::<Result<Vec<bool>, ApiError>>()
        })
        .await;
        match outcome {
            Ok(enabled) => {
                for (reply, enabled) in replies.into_iter().zip(enabled) {
                    let _ = reply.send(Ok(enabled));
                }
            }
            // One endpoint's failure must not hold back the others': each alone, then.
            Err(_) if work.len() > 1 => {
                for (index, reply) in replies.into_iter().enumerate() {
                    let (one, schedule) = (work.clone(), schedule.clone());
                    let alone = write(&pool, move |conn| {
                        let (endpoint, attempts) = &one[index];
                        record(conn, endpoint, attempts, &schedule)
                    })
                    .await;
                    if let Err(e) = &alone {
                        tracing::warn!(error = %e, "cannot record webhook attempts; they will be made again");
                    }
                    let _ = reply.send(alone.map_err(|e| e.to_string()));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot record webhook attempts; they will be made again");
                for reply in replies {
                    let _ = reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

/// Records a batch's attempts, in one transaction: each delivery succeeds, is retried on the
/// schedule, or fails for good; `410 Gone`, or 5 days of failures, disable the endpoint.
/// Whether it is still enabled.
fn record(
    conn: &mut DbConn,
    endpoint_id: &WebhookEndpointId,
    attempts: &[(WebhookDeliveryId, Attempt)],
    schedule: &[u32],
) -> Result<bool, ApiError> {
    let now = time::now();
    // The endpoint's row first: deleting or disabling it (which then writes its deliveries)
    // takes the same order, so the two queue instead of deadlocking.
    repo::lock_endpoint(conn, endpoint_id)?;
    let Some(endpoint) = repo::find_endpoint(conn, endpoint_id)? else {
        return Ok(false);
    };
    let (mut any_success, mut last_succeeded, mut gone) = (false, false, false);
    for (delivery_id, attempt) in attempts {
        let Some(delivery) = repo::find_delivery(conn, delivery_id)? else {
            continue;
        };
        let status = attempt.response_status;
        let mut history: Vec<Attempt> = serde_json::from_str(&delivery.attempts)?;
        history.push(attempt.clone());
        let succeeded = attempt.succeeded();
        gone |= status == Some(410);
        let retry_in = schedule
            .get(delivery.attempt_count as usize)
            .filter(|_| !succeeded && status != Some(410));
        let (next_status, next_attempt_at) = match (succeeded, retry_in) {
            (true, _) => (DeliveryStatus::Succeeded, None),
            (false, Some(seconds)) => (
                DeliveryStatus::Pending,
                Some(now + chrono::Duration::seconds(i64::from(*seconds))),
            ),
            (false, None) => (DeliveryStatus::Failed, None),
        };
        let changes = DeliveryChanges {
            status: Some(next_status),
            attempts: Some(serde_json::to_string(&history)?),
            attempt_count: Some(delivery.attempt_count + 1),
            next_attempt_at: Some(next_attempt_at),
        };
        db::guarded(repo::update_delivery(conn, &delivery.id, delivery.version, &changes)?)?;
        let counter = match next_status {
            DeliveryStatus::Succeeded => &OUTCOMES.succeeded,
            DeliveryStatus::Pending => &OUTCOMES.failed_attempts,
            DeliveryStatus::Failed => &OUTCOMES.given_up,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        any_success |= succeeded;
        last_succeeded = succeeded;
    }
    if gone {
        super::service::disable_automatically(conn, &endpoint, DisabledReason::Gone)?;
        return Ok(false);
    }
    if last_succeeded {
        if endpoint.failing_since.is_some() {
            repo::set_failing_since(conn, &endpoint.id, None)?;
        }
        return Ok(true);
    }
    // Failing since the first failure after the last success.
    let since = match (any_success, endpoint.failing_since) {
        (false, Some(since)) => since,
        _ => now,
    };
    if endpoint.failing_since != Some(since) {
        repo::set_failing_since(conn, &endpoint.id, Some(since))?;
    }
    if now - since >= chrono::Duration::days(FAILING_DAYS) {
        super::service::disable_automatically(conn, &endpoint, DisabledReason::Failing)?;
        return Ok(false);
    }
    Ok(true)
}
