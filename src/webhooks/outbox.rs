//! The outbox: the deliveries of an event, written in the event's transaction (so no event is
//! lost when the process dies after the commit), and the wake-up of this process's dispatcher
//! once that transaction commits.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Wakes the dispatchers of this process: deliveries were committed.
pub fn wake() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    WAKE.notify_waiters();
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
    repo::insert_deliveries(conn, &rows)?;
    crate::db::after_commit(wake);
    Ok(())
}
