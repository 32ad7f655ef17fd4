use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::Event;
use crate::audit::model::AuditAction;
use crate::changes::Operation;
use crate::error::ApiError;
use crate::ids::{EventId, OrganizationId};
use crate::time::Timestamp;

/// One change of an organization: what `GET /v1/events/{id}` answers, and the body of every
/// webhook delivery of it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937e4a-7b1c-7000-8000-0000000000e1", "sequence": 42, "type": "offer.certification_passed",
    "occurred_at": "2026-11-25T09:30:00.123Z", "organization_id": "01937e4a-7b1c-7000-8000-000000000001",
    "request_id": "01937e4a-7b1c-7000-8000-00000000abcd",
    "data": {"object": {"id": "01937e4a-7b1c-7000-8000-000000000010", "status": "preview"}}
}))]
pub struct EventView {
    pub id: EventId,
    /// Strictly increasing per organization, in commit order: whoever has seen `n` has seen
    /// every event of the organization before it.
    pub sequence: i64,
    #[serde(rename = "type")]
    pub event_type: AuditAction,
    pub occurred_at: Timestamp,
    pub organization_id: OrganizationId,
    /// The request that made the change.
    pub request_id: String,
    pub data: EventData,
}

/// What an event carries.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventData {
    /// The object after the change, as `GET` of it shows it to an owner (without
    /// `allowed_actions`); for a deletion, `{"id": …}`.
    #[schema(value_type = Object)]
    pub object: serde_json::Value,
    /// An update's RFC 6902 operations, from the object before to the object after; absent
    /// for other events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<Operation>>,
}

impl TryFrom<Event> for EventView {
    type Error = ApiError;
    fn try_from(e: Event) -> Result<Self, ApiError> {
        Ok(Self {
            data: serde_json::from_str(&e.data)?,
            id: e.id,
            sequence: e.sequence,
            event_type: e.event_type,
            occurred_at: e.occurred_at.into(),
            organization_id: e.organization_id,
            request_id: e.request_id,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListEventsQuery {
    /// Only events after this sequence (the `next_cursor` of the previous page, or the last
    /// sequence seen); from the first when absent.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Comma-separated event types or patterns: `offer.*`, `solution.merged`, `*`.
    #[serde(rename = "type")]
    #[param(rename = "type", example = "offer.*,solution.merged")]
    pub types: Option<String>,
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Staff: the organization whose events to read (required for staff).
    pub organization_id: Option<OrganizationId>,
}
