//! The object an event carries: the resource after the change, exactly as `GET` of it shows
//! it to an owner of its organization, `allowed_actions` aside; for a deletion, `{"id": …}`.
//! What partners may not see (internal notes, staff-only fields) is in none of these views.

use serde::Serialize;
use serde_json::{Value, json};

use crate::audit::model::{AuditAction, EntityType};
use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::ids::{OrganizationId, UserId};

/// The object of `action` on the entity `entity_id` of `organization_id`, as it is now.
pub fn render(
    conn: &mut DbConn,
    action: AuditAction,
    entity_id: &str,
    organization_id: &OrganizationId,
) -> Result<Value, ApiError> {
    let found = match action.entity() {
        EntityType::Organization => organization(conn, entity_id)?,
        EntityType::User => user(conn, entity_id)?,
        EntityType::PublisherProfile => publisher_profile(conn, entity_id)?,
        EntityType::Offer => offer(conn, entity_id)?,
        EntityType::Solution => solution(conn, entity_id)?,
        EntityType::SupportTicket => ticket(conn, entity_id, organization_id)?,
        EntityType::WebhookEndpoint => webhook_endpoint(conn, entity_id)?,
    };
    Ok(found.unwrap_or_else(|| json!({ "id": entity_id })))
}

/// `view` as JSON, without what only its caller may do.
pub(crate) fn without_actions(view: &impl Serialize) -> Result<Value, ApiError> {
    let mut value = serde_json::to_value(view)?;
    if let Some(object) = value.as_object_mut() {
        object.remove("allowed_actions");
    }
    Ok(value)
}

fn parse<T: std::str::FromStr>(id: &str) -> Option<T> {
    id.parse().ok()
}

fn organization(conn: &mut DbConn, id: &str) -> Result<Option<Value>, ApiError> {
    let Some(id) = parse(id) else { return Ok(None) };
    crate::organizations::repo::find(conn, &id)?
        .map(|o| without_actions(&crate::organizations::dto::OrganizationView::from(o)))
        .transpose()
}

fn user(conn: &mut DbConn, id: &str) -> Result<Option<Value>, ApiError> {
    let Some(id) = parse(id) else { return Ok(None) };
    crate::users::repo::find(conn, &id)?
        .map(|u| without_actions(&crate::users::dto::UserView::from(u)))
        .transpose()
}

fn publisher_profile(conn: &mut DbConn, id: &str) -> Result<Option<Value>, ApiError> {
    let Some(id) = parse(id) else { return Ok(None) };
    crate::publishers::repo::find(conn, &id)?
        .map(|p| without_actions(&crate::publishers::dto::PublisherProfileView::from(p)))
        .transpose()
}

fn offer(conn: &mut DbConn, id: &str) -> Result<Option<Value>, ApiError> {
    let Some(id) = parse(id) else { return Ok(None) };
    match crate::offers::repo::find(conn, &id)? {
        Some(row) => Ok(Some(offer_object(crate::offers::loaded::LoadedOffer::load(row)?)?)),
        None => Ok(None),
    }
}

/// An offer as its events carry it: as its owner's `GET` shows it.
pub fn offer_object(offer: crate::offers::loaded::LoadedOffer) -> Result<Value, ApiError> {
    without_actions(&offer.view(Role::Owner)?)
}

fn solution(conn: &mut DbConn, id: &str) -> Result<Option<Value>, ApiError> {
    let Some(id) = parse(id) else { return Ok(None) };
    match crate::solutions::repo::find(conn, &id)? {
        Some(s) => Ok(Some(without_actions(&crate::solutions::dto::SolutionView::build(
            s,
            Role::Owner,
        )?)?)),
        None => Ok(None),
    }
}

/// As an owner sees it: the comments counted are those partners see.
fn ticket(conn: &mut DbConn, id: &str, organization_id: &OrganizationId) -> Result<Option<Value>, ApiError> {
    let Some(id) = parse(id) else { return Ok(None) };
    let Some(ticket) = crate::tickets::repo::find(conn, &id)? else {
        return Ok(None);
    };
    let owner = Caller {
        id: UserId::from(uuid::Uuid::nil()),
        organization_id: Some(*organization_id),
        role: Role::Owner,
    };
    let counts = crate::tickets::repo::count_comments(conn, &[ticket.id], false)?;
    let count = counts.get(&ticket.id).copied().unwrap_or(0);
    Ok(Some(without_actions(&crate::tickets::dto::TicketView::build(
        ticket, &owner, count,
    )?)?))
}

fn webhook_endpoint(conn: &mut DbConn, id: &str) -> Result<Option<Value>, ApiError> {
    let Some(id) = parse(id) else { return Ok(None) };
    crate::webhooks::repo::find_endpoint(conn, &id)?
        .map(|e| without_actions(&crate::webhooks::dto::EndpointView::from(e)))
        .transpose()
}
