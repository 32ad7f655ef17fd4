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

/// [`EventData`] as it is written: the object already rendered, the operations borrowed.
#[derive(Serialize)]
pub struct EventDataToWrite<'a> {
    pub object: &'a serde_json::value::RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<&'a [Operation]>,
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

/// An event serialised as [`EventView`] serialises it, member for member in the same order, but
/// with its `data` written out as stored (it was stored by serialising an [`EventData`]): the
/// body of a webhook delivery, made without parsing the object and writing it again.
#[derive(Serialize)]
struct StoredEvent<'a> {
    id: &'a EventId,
    sequence: i64,
    #[serde(rename = "type")]
    event_type: AuditAction,
    occurred_at: Timestamp,
    organization_id: &'a OrganizationId,
    request_id: &'a str,
    data: &'a serde_json::value::RawValue,
}

/// The JSON of `event` as [`EventView`] shows it.
pub fn event_json(event: &Event) -> Result<Vec<u8>, ApiError> {
    Ok(serde_json::to_vec(&StoredEvent {
        id: &event.id,
        sequence: event.sequence,
        event_type: event.event_type,
        occurred_at: event.occurred_at.into(),
        organization_id: &event.organization_id,
        request_id: &event.request_id,
        data: serde_json::from_str(&event.data)?,
    })?)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A delivery's body is the event exactly as the feed serialises it, byte for byte.
    #[test]
    fn the_stored_json_of_an_event_is_what_its_view_serialises() {
        let data = EventData {
            object: serde_json::json!({
                "id": "o1", "name": "Ünïcode \"quoted\" \\ \u{1F600} \n", "nested": {"b": [1, 2.5, null, true], "a": {}},
                "zeta": -0.0, "alpha": 12345678901234567890u64,
            }),
            changes: Some(vec![
                serde_json::from_value(serde_json::json!({"op": "replace", "path": "/name", "value": null})).unwrap(),
                serde_json::from_value(serde_json::json!({"op": "remove", "path": "/x~1y"})).unwrap(),
            ]),
        };
        let event = Event {
            id: EventId::generate(),
            organization_id: OrganizationId::generate(),
            sequence: 7,
            event_type: AuditAction::OfferUpdated,
            occurred_at: chrono::DateTime::from_timestamp_millis(1_764_000_000_123)
                .unwrap()
                .naive_utc(),
            request_id: "req-1".into(),
            data: serde_json::to_string(&data).unwrap(),
        };
        let written = event_json(&event).unwrap();
        let viewed = serde_json::to_vec(&EventView::try_from(event).unwrap()).unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), String::from_utf8(viewed).unwrap());
    }
}
