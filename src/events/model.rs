use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::audit::model::AuditAction;
use crate::db::schema::events;
use crate::ids::{EventId, OrganizationId};

/// One change of an organization, as its event feed and its webhooks tell it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = events)]
pub struct Event {
    pub id: EventId,
    pub organization_id: OrganizationId,
    /// Strictly increasing per organization, in commit order.
    pub sequence: i64,
    pub event_type: AuditAction,
    pub occurred_at: NaiveDateTime,
    pub request_id: String,
    /// JSON `{"object": …}`: the object after the change, as its owner's `GET` shows it.
    pub data: String,
}
