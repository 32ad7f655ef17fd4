//! The outbox: the deliveries of an event, written in the event's transaction (so no event is
//! lost when the process dies after the commit), and the wake-up of this process's dispatcher
//! once that transaction commits: of the worker that holds the endpoint, if one does, else of
//! the loop that claims endpoints.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use tokio::sync::Notify;

use super::model::{Delivery, DeliveryStatus};
use super::repo;
use crate::audit::model::AuditAction;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::events::model::Event;
use crate::events::types::subscribed;
use crate::ids::{WebhookDeliveryId, WebhookEndpointId};

/// Notified when deliveries were committed; the dispatcher waits on it.
pub(super) static WAKE: LazyLock<Notify> = LazyLock::new(Notify::new);
/// Counts wake-ups, so that one that comes while the dispatcher is busy is not missed.
pub(super) static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The endpoints held by a worker of this process while it waits for more, each with the bell
/// that worker waits on.
static HELD: LazyLock<Mutex<HashMap<WebhookEndpointId, Arc<Notify>>>> = LazyLock::new(Default::default);

thread_local! {
    /// Endpoints given deliveries by the transaction this thread is writing.
    static COMMITTING: RefCell<Vec<WebhookEndpointId>> = const { RefCell::new(Vec::new()) };
}

/// Wakes the dispatcher of this process once deliveries were committed: the workers holding
/// their endpoints, and the claiming loop for any other endpoint (or when no endpoint is named).
pub fn wake() {
    let endpoints = COMMITTING.with(|c| std::mem::take(&mut *c.borrow_mut()));
    let mut unheld = endpoints.is_empty();
    {
        let held = HELD.lock().unwrap_or_else(|p| p.into_inner());
        for endpoint in &endpoints {
            match held.get(endpoint) {
                // A permit is kept when the worker is busy: it looks again once it is done.
                Some(bell) => bell.notify_one(),
                None => unheld = true,
            }
        }
    }
    if unheld {
        wake_claims();
    }
}

/// Wakes the claiming loop of this process's dispatcher.
pub fn wake_claims() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    WAKE.notify_waiters();
}

/// A delivery to `endpoint` is due once the transaction being written commits.
pub fn due(endpoint: WebhookEndpointId) {
    COMMITTING.with(|c| {
        // A transaction rolled back leaves its endpoints for the next commit to ring: each once.
        let mut committing = c.borrow_mut();
        if !committing.contains(&endpoint) {
            committing.push(endpoint);
        }
    });
    crate::db::after_commit(wake);
}

/// An endpoint a worker of this process holds: commits that give it deliveries ring its bell
/// instead of the claiming loop, until it is dropped.
pub(super) struct Held {
    endpoint: WebhookEndpointId,
    pub bell: Arc<Notify>,
}

pub(super) fn hold(endpoint: WebhookEndpointId) -> Held {
    let bell = Arc::new(Notify::new());
    HELD.lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(endpoint, bell.clone());
    Held { endpoint, bell }
}

impl Drop for Held {
    fn drop(&mut self) {
        HELD.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.endpoint);
    }
}

/// The deliveries of `event`: to each enabled endpoint of its organization that asks for its
/// type (a ping: to the endpoint pinged alone). The dispatcher of this process is woken once
/// the transaction commits.
pub fn fan_out(conn: &mut DbConn, event: &Event, entity_id: &str) -> Result<(), ApiError> {
    let targets: Vec<WebhookEndpointId> = if event.event_type == AuditAction::WebhookEndpointPing {
        entity_id.parse().into_iter().collect()
    } else {
        repo::enabled_endpoints(conn, &event.organization_id)?
            .into_iter()
            .filter(|e| subscribed(&e.patterns(), event.event_type))
            .map(|e| e.id)
            .collect()
    };
    if targets.is_empty() {
        return Ok(());
    }
    let now = event.occurred_at;
    let rows: Vec<Delivery> = targets
        .into_iter()
        .inspect(|endpoint_id| due(*endpoint_id))
        .map(|endpoint_id| Delivery {
            id: WebhookDeliveryId::generate(),
            organization_id: event.organization_id,
            endpoint_id,
            event_id: event.id,
            event_type: event.event_type,
            event_sequence: event.sequence,
            status: DeliveryStatus::Pending,
            attempts: "[]".into(),
            attempt_count: 0,
            next_attempt_at: Some(now),
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .collect();
    crate::db::statistics::wrote(crate::db::statistics::Filled::WebhookDeliveries, rows.len() as u64);
    repo::insert_deliveries(conn, &rows)
}
