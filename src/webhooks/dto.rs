use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::model::{Attempt, Delivery, DeliveryStatus, DisabledReason, Endpoint, EndpointStatus};
use crate::audit::model::AuditAction;
use crate::error::ApiError;
use crate::http::body::non_null;
use crate::ids::{EventId, OrganizationId, WebhookDeliveryId, WebhookEndpointId};
use crate::time::Timestamp;

/// Where an organization's events are delivered.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointView {
    pub id: WebhookEndpointId,
    pub organization_id: OrganizationId,
    #[schema(example = "https://hooks.contoso.example/cosell")]
    pub url: String,
    pub description: Option<String>,
    /// Event types and patterns (`offer.*`, `*`) delivered here.
    #[schema(example = json!(["offer.*", "solution.merged"]))]
    pub enabled_events: Vec<String>,
    pub status: EndpointStatus,
    /// Why it is disabled; `null` while enabled.
    pub disabled_reason: Option<DisabledReason>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[schema(example = 1)]
    pub version: i64,
}

impl From<Endpoint> for EndpointView {
    fn from(e: Endpoint) -> Self {
        Self {
            enabled_events: e.patterns(),
            id: e.id,
            organization_id: e.organization_id,
            url: e.url,
            description: e.description,
            status: e.status,
            disabled_reason: e.disabled_reason,
            created_at: e.created_at.into(),
            updated_at: e.updated_at.into(),
            version: e.version,
        }
    }
}

/// An endpoint and its signing secret, shown only when it is made.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointSecret {
    pub endpoint: EndpointView,
    /// `whsec_` and the base64 of 32 random bytes; verify deliveries with it.
    #[schema(example = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")]
    pub secret: String,
    /// After a rotation: until when the previous secret signs beside this one.
    pub previous_secret_expires_at: Option<Timestamp>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://hooks.contoso.example/cosell", "description": "Publishing bot", "enabled_events": ["offer.*", "solution.merged"]}))]
pub struct CreateEndpoint {
    /// `https://`, at most 2,048 characters, no user info or fragment; not a loopback, private or
    /// link-local address, nor `localhost`.
    #[validate(length(max = 2048))]
    #[schema(max_length = 2048, format = "webhook-url")]
    pub url: String,
    #[serde(default)]
    #[validate(length(max = 200), custom(function = "crate::validate::single_line"))]
    #[schema(max_length = 200, format = "single-line")]
    pub description: Option<String>,
    /// 1–50 event types or patterns: `offer.*`, or `["*"]`, none twice.
    #[validate(length(min = 1, max = 50), custom(function = "event_patterns"))]
    #[schema(min_items = 1, max_items = 50, value_type = Vec<crate::events::types::EventPattern>)]
    pub enabled_events: Vec<String>,
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled_events": ["*"]}))]
pub struct UpdateEndpoint {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    #[validate(length(max = 2048))]
    #[schema(max_length = 2048, format = "webhook-url")]
    pub url: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "crate::http::body::nullable")]
    #[validate(length(max = 200), custom(function = "crate::validate::single_line"))]
    #[schema(value_type = Option<String>, max_length = 200, format = "single-line")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    #[validate(length(min = 1, max = 50), custom(function = "event_patterns"))]
    #[schema(min_items = 1, max_items = 50, value_type = Vec<crate::events::types::EventPattern>)]
    pub enabled_events: Option<Vec<String>>,
}

fn event_patterns(patterns: &[String]) -> Result<(), validator::ValidationError> {
    for pattern in patterns {
        if let Err(message) = crate::events::types::Pattern::parse(pattern) {
            return Err(validator::ValidationError::new("invalid").with_message(message.into()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    if patterns.iter().all(|p| seen.insert(p)) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("duplicate").with_message("entries must not repeat".into()))
    }
}

/// One event for one endpoint, with every attempt to deliver it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: WebhookDeliveryId,
    pub endpoint_id: WebhookEndpointId,
    pub event_id: EventId,
    pub event_type: AuditAction,
    pub status: DeliveryStatus,
    pub attempts: Vec<Attempt>,
    /// When the next attempt is due; `null` once it succeeded or failed for good.
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

impl TryFrom<Delivery> for DeliveryView {
    type Error = ApiError;
    fn try_from(d: Delivery) -> Result<Self, ApiError> {
        Ok(Self {
            attempts: serde_json::from_str(&d.attempts)?,
            id: d.id,
            endpoint_id: d.endpoint_id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            next_attempt_at: d.next_attempt_at.map(Into::into),
            created_at: d.created_at.into(),
            updated_at: d.updated_at.into(),
            version: d.version,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListDeliveriesQuery {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    pub endpoint_id: Option<WebhookEndpointId>,
    pub event_id: Option<EventId>,
    /// Comma-separated statuses, e.g. `failed`.
    #[param(example = "pending,failed")]
    pub status: Option<String>,
}
