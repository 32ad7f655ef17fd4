//! Webhook endpoints (owners and managers) and their deliveries. Every event of an
//! organization gets a delivery, in its transaction, for each enabled endpoint that asks for it;
//! the dispatcher delivers them once committed.

use chrono::Duration;

use super::dto::{CreateEndpoint, UpdateEndpoint};
use super::lifecycle::{EndpointAction, EndpointLifecycle};
use super::model::{
    Delivery, DeliveryChanges, DeliveryStatus, DisabledReason, Endpoint, EndpointChanges, EndpointStatus,
};
use super::repo::{self, DeliveryFilter};
use super::signing;
use super::url::{self, UrlPolicy};
use crate::audit::model::AuditAction;
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::db::DbConn;
use crate::error::{ApiError, ErrorCode, IssueCode};
use crate::ids::{OrganizationId, WebhookDeliveryId, WebhookEndpointId};
use crate::lifecycle::{Precondition, decide};
use crate::page::PageRequest;
use crate::time;
use crate::workflow::{self, Change};

/// Endpoints an organization may have.
pub const MAX_ENDPOINTS: i64 = 16;
/// How long the previous secret keeps signing after a rotation.
pub const PREVIOUS_SECRET_HOURS: i64 = 24;

/// The endpoint if the caller may see it (404 otherwise) and manage it (403 otherwise).
pub fn visible(conn: &mut DbConn, caller: &Caller, id: &WebhookEndpointId) -> Result<Endpoint, ApiError> {
    let endpoint = caller.visible(repo::find_endpoint(conn, id)?, |e| &e.organization_id)?;
    caller.require(Capability::ManageWebhooks)?;
    Ok(endpoint)
}

fn own_organization(caller: &Caller) -> Result<OrganizationId, ApiError> {
    caller.require(Capability::ManageWebhooks)?;
    caller.own_organization()
}

fn checked_url(raw: &str, policy: UrlPolicy) -> Result<String, ApiError> {
    url::check(raw, policy).map_err(|message| ApiError::invalid_field("#/url", IssueCode::InvalidUrl, message))
}

fn patterns_text(patterns: &[String]) -> Result<String, ApiError> {
    Ok(serde_json::to_string(patterns)?)
}

pub fn list(conn: &mut DbConn, caller: &Caller, page: &PageRequest) -> Result<Vec<Endpoint>, ApiError> {
    let organization_id = own_organization(caller)?;
    repo::list_endpoints(conn, &organization_id, page)
}

pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    input: &CreateEndpoint,
    policy: UrlPolicy,
) -> Result<Endpoint, ApiError> {
    let organization_id = own_organization(caller)?;
    let url = checked_url(&input.url, policy)?;
    crate::organizations::repo::lock(conn, &organization_id)?;
    if repo::count_endpoints(conn, &organization_id)? >= MAX_ENDPOINTS {
        return Err(ApiError::new(
            ErrorCode::LimitReached,
            "An organization has at most 16 webhook endpoints.",
        ));
    }
    let now = time::now();
    let endpoint = Endpoint {
        id: WebhookEndpointId::generate(),
        organization_id,
        url,
        description: input.description.as_ref().map(|d| d.trim().to_owned()),
        enabled_events: patterns_text(&input.enabled_events)?,
        status: EndpointStatus::Enabled,
        disabled_reason: None,
        secret: signing::new_secret(),
        previous_secret: None,
        previous_secret_expires_at: None,
        failing_since: None,
        lease_owner: None,
        leased_until: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    repo::insert_endpoint(conn, &endpoint)?;
    let change = Change::new(
        AuditAction::WebhookEndpointCreated,
        endpoint.id.as_str(),
        Some(&organization_id),
    )
    .states(None, Some(endpoint.status.as_str()));
    workflow::record(conn, Some(&caller.actor()), change)?;
    Ok(endpoint)
}

/// Changes the endpoint (guarded by its version) and records `action`.
fn change(
    conn: &mut DbConn,
    caller: Option<&Caller>,
    endpoint: &Endpoint,
    changes: &EndpointChanges,
    action: AuditAction,
) -> Result<Endpoint, ApiError> {
    let next = changes.status.unwrap_or(endpoint.status);
    let change = Change::new(action, endpoint.id.as_str(), Some(&endpoint.organization_id))
        .states(Some(endpoint.status.as_str()), Some(next.as_str()));
    let actor = caller.map(Caller::actor);
    workflow::commit(conn, actor.as_ref(), change, |conn| {
        repo::update_endpoint(conn, &endpoint.id, endpoint.version, changes)
    })?;
    repo::find_endpoint(conn, &endpoint.id)?.ok_or_else(ApiError::not_found)
}

pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: &WebhookEndpointId,
    expected: &Precondition,
    input: &UpdateEndpoint,
    policy: UrlPolicy,
) -> Result<Endpoint, ApiError> {
    let endpoint = visible(conn, caller, id)?;
    expected.check(endpoint.version)?;
    let changes = EndpointChanges {
        url: input.url.as_deref().map(|u| checked_url(u, policy)).transpose()?,
        description: input.description.clone().map(|d| d.map(|d| d.trim().to_owned())),
        enabled_events: input.enabled_events.as_deref().map(patterns_text).transpose()?,
        ..Default::default()
    };
    change(
        conn,
        Some(caller),
        &endpoint,
        &changes,
        AuditAction::WebhookEndpointUpdated,
    )
}

pub fn delete(
    conn: &mut DbConn,
    caller: &Caller,
    id: &WebhookEndpointId,
    expected: &Precondition,
) -> Result<(), ApiError> {
    let endpoint = visible(conn, caller, id)?;
    expected.check(endpoint.version)?;
    let change = Change::new(
        AuditAction::WebhookEndpointDeleted,
        id.as_str(),
        Some(&endpoint.organization_id),
    )
    .states(Some(endpoint.status.as_str()), None);
    workflow::commit(conn, Some(&caller.actor()), change, |conn| {
        repo::delete_endpoint(conn, id, endpoint.version)
    })
}

/// Enables or (manually) disables the endpoint.
pub fn switch(
    conn: &mut DbConn,
    caller: &Caller,
    id: &WebhookEndpointId,
    expected: &Precondition,
    action: EndpointAction,
) -> Result<Endpoint, ApiError> {
    let endpoint = visible(conn, caller, id)?;
    let next = decide::<EndpointLifecycle>(endpoint.status, action, caller.role, expected, endpoint.version)?;
    let (reason, audit) = match next {
        EndpointStatus::Enabled => (None, AuditAction::WebhookEndpointEnabled),
        EndpointStatus::Disabled => (Some(DisabledReason::Manual), AuditAction::WebhookEndpointDisabled),
    };
    let changes = EndpointChanges {
        status: Some(next),
        disabled_reason: Some(reason),
        failing_since: Some(None),
        ..Default::default()
    };
    change(conn, Some(caller), &endpoint, &changes, audit)
}

/// A new signing secret; the previous one keeps signing beside it for 24 hours.
pub fn rotate_secret(
    conn: &mut DbConn,
    caller: &Caller,
    id: &WebhookEndpointId,
    expected: &Precondition,
) -> Result<Endpoint, ApiError> {
    let endpoint = visible(conn, caller, id)?;
    expected.check(endpoint.version)?;
    let changes = EndpointChanges {
        secret: Some(signing::new_secret()),
        previous_secret: Some(Some(endpoint.secret.clone())),
        previous_secret_expires_at: Some(Some(time::now() + Duration::hours(PREVIOUS_SECRET_HOURS))),
        ..Default::default()
    };
    change(
        conn,
        Some(caller),
        &endpoint,
        &changes,
        AuditAction::WebhookEndpointSecretRotated,
    )
}

/// Sends a `webhook_endpoint.ping` event to this endpoint alone.
pub fn ping(conn: &mut DbConn, caller: &Caller, id: &WebhookEndpointId) -> Result<Endpoint, ApiError> {
    let endpoint = visible(conn, caller, id)?;
    let change = Change::new(
        AuditAction::WebhookEndpointPing,
        id.as_str(),
        Some(&endpoint.organization_id),
    );
    workflow::record(conn, Some(&caller.actor()), change)?;
    Ok(endpoint)
}

/// The system disables a failing or gone endpoint; its pending deliveries fail for good.
pub fn disable_automatically(conn: &mut DbConn, endpoint: &Endpoint, reason: DisabledReason) -> Result<(), ApiError> {
    if endpoint.status == EndpointStatus::Disabled {
        return Ok(());
    }
    let changes = EndpointChanges {
        status: Some(EndpointStatus::Disabled),
        disabled_reason: Some(Some(reason)),
        ..Default::default()
    };
    change(conn, None, endpoint, &changes, AuditAction::WebhookEndpointDisabled)?;
    repo::fail_pending(conn, &endpoint.id)?;
    Ok(())
}

fn deliveries_organization(caller: &Caller) -> Result<OrganizationId, ApiError> {
    own_organization(caller)
}

pub fn deliveries(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &DeliveryFilter,
    page: &PageRequest,
) -> Result<Vec<Delivery>, ApiError> {
    let organization_id = deliveries_organization(caller)?;
    repo::list_deliveries(conn, &organization_id, filter, page)
}

pub fn delivery(conn: &mut DbConn, caller: &Caller, id: &WebhookDeliveryId) -> Result<Delivery, ApiError> {
    let delivery = caller.visible(repo::find_delivery(conn, id)?, |d| &d.organization_id)?;
    caller.require(Capability::ManageWebhooks)?;
    Ok(delivery)
}

/// One more attempt, now, whatever became of the delivery before.
pub fn retry(conn: &mut DbConn, caller: &Caller, id: &WebhookDeliveryId) -> Result<Delivery, ApiError> {
    let delivery = delivery(conn, caller, id)?;
    let changes = DeliveryChanges {
        status: Some(DeliveryStatus::Pending),
        next_attempt_at: Some(Some(time::now())),
        ..Default::default()
    };
    crate::db::guarded(repo::update_delivery(conn, &delivery.id, delivery.version, &changes)?)?;
    super::outbox::due(delivery.endpoint_id);
    repo::find_delivery(conn, id)?.ok_or_else(ApiError::not_found)
}
