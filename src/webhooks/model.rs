use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::model::AuditAction;
use crate::db::schema::{webhook_deliveries, webhook_endpoints};
use crate::ids::{EventId, OrganizationId, WebhookDeliveryId, WebhookEndpointId};
use crate::string_enum;
use crate::time::Timestamp;

string_enum! {
    pub enum EndpointStatus {
        Enabled => "enabled",
        Disabled => "disabled",
    }
}

string_enum! {
    /// Why an endpoint is disabled: by its owners, after 5 days of failures, or because it
    /// answered `410 Gone`.
    pub enum DisabledReason {
        Manual => "manual",
        Failing => "failing",
        Gone => "gone",
    }
}

string_enum! {
    pub enum DeliveryStatus {
        Pending => "pending",
        Succeeded => "succeeded",
        Failed => "failed",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct Endpoint {
    pub id: WebhookEndpointId,
    pub organization_id: OrganizationId,
    pub url: String,
    pub description: Option<String>,
    /// JSON `[String]`: event types and patterns.
    pub enabled_events: String,
    pub status: EndpointStatus,
    pub disabled_reason: Option<DisabledReason>,
    /// `whsec_` + base64: signs every delivery.
    pub secret: String,
    /// The secret before the last rotation, signing beside the new one until it expires.
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<NaiveDateTime>,
    /// Since when every attempt failed (reset by a success).
    pub failing_since: Option<NaiveDateTime>,
    /// The process that delivers to the endpoint now, and until when.
    pub lease_owner: Option<String>,
    pub leased_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

impl Endpoint {
    /// The event types and patterns it asks for.
    pub fn patterns(&self) -> Vec<String> {
        serde_json::from_str(&self.enabled_events).unwrap_or_default()
    }

    /// The secrets a delivery is signed with now: the current one, and the previous one while
    /// it is valid.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_expires_at)
            && until > now
        {
            secrets.push(previous);
        }
        secrets
    }
}

/// What a change of an endpoint may set; `None` leaves a column as it is.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub enabled_events: Option<String>,
    pub status: Option<EndpointStatus>,
    pub disabled_reason: Option<Option<DisabledReason>>,
    pub secret: Option<String>,
    pub previous_secret: Option<Option<String>>,
    pub previous_secret_expires_at: Option<Option<NaiveDateTime>>,
    pub failing_since: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: WebhookDeliveryId,
    pub organization_id: OrganizationId,
    pub endpoint_id: WebhookEndpointId,
    pub event_id: EventId,
    pub event_type: AuditAction,
    pub event_sequence: i64,
    pub status: DeliveryStatus,
    /// JSON `[Attempt]`.
    pub attempts: String,
    pub attempt_count: i32,
    /// When the next attempt is due; `null` once the delivery succeeded or failed for good.
    pub next_attempt_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryChanges {
    pub status: Option<DeliveryStatus>,
    pub attempts: Option<String>,
    pub attempt_count: Option<i32>,
    pub next_attempt_at: Option<Option<NaiveDateTime>>,
}

/// Response bodies are kept up to this size.
pub const KEPT_BODY_BYTES: usize = 1024;

/// One attempt of a delivery, as it is stored and shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Attempt {
    pub attempted_at: Timestamp,
    /// The receiver's status; `null` when no answer came (refused, timed out, not allowed).
    pub response_status: Option<u16>,
    /// Why the attempt failed, when it did.
    pub error: Option<String>,
    pub duration_ms: u64,
    /// The first 1 KiB of the receiver's answer.
    pub response_body: Option<String>,
}

/// Whether a receiver's answer `status` is a success: any 2xx.
pub fn succeeded(status: Option<u16>) -> bool {
    status.is_some_and(|s| (200..300).contains(&s))
}

impl Attempt {
    /// Whether the receiver took the event ([`succeeded`]).
    pub fn succeeded(&self) -> bool {
        succeeded(self.response_status)
    }
}

#[cfg(test)]
mod tests {
    /// Any 2xx takes the event; everything else, and no answer at all, is a failure.
    #[test]
    fn only_a_2xx_answer_is_a_success() {
        for (status, taken) in [
            (None, false),
            (Some(199), false),
            (Some(200), true),
            (Some(204), true),
            (Some(299), true),
            (Some(300), false),
            (Some(410), false),
            (Some(500), false),
        ] {
            assert_eq!(super::succeeded(status), taken, "{status:?}");
        }
    }
}
