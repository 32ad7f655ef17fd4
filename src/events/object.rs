//! The object an event carries: the resource after the change, exactly as `GET` of it shows
//! it to an owner of its organization, `allowed_actions` aside; for a deletion, `{"id": …}`.
//! What partners may not see (internal notes, staff-only fields) is in none of these views.

use serde::Serialize;
use serde_json::value::RawValue;
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

/// `view` rendered once as JSON, for the answer, and the object its events carry cut from that
/// text: the same members without `allowed_actions` (an array of action names, so the first
/// `]` after the member's start ends it; a quote inside any string is escaped, so the member's
/// key cannot be mistaken for text before it).
pub(crate) fn rendered_and_object(view: &impl Serialize) -> Result<(actix_web::web::Bytes, Box<RawValue>), ApiError> {
    const MEMBER: &str = "\"allowed_actions\":[";
    let answer = serde_json::to_string(view)?;
    let object = match answer.find(MEMBER) {
        Some(start) => {
            let end = start + answer[start..].find(']').map_or(answer.len() - start, |e| e + 1);
            // The comma before the member, or else the one after it.
            let (start, end) = match answer[..start].ends_with(',') {
                true => (start - 1, end),
                false => (start, end + usize::from(answer[end..].starts_with(','))),
            };
            format!("{}{}", &answer[..start], &answer[end..])
        }
        None => answer.clone(),
    };
    Ok((answer.into(), RawValue::from_string(object)?))
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
        Some(row) => Ok(Some(without_actions(
            &crate::offers::loaded::LoadedOffer::load(row)?.view(Role::Owner)?,
        )?)),
        None => Ok(None),
    }
}

/// An offer as its events carry it: as its owner's `GET` shows it, rendered.
pub fn offer_object(offer: crate::offers::loaded::LoadedOffer) -> Result<Box<RawValue>, ApiError> {
    Ok(offer.rendered_and_object(Role::Owner)?.1)
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

#[cfg(test)]
mod tests {
    /// The object cut from a rendering is that rendering without `allowed_actions`, wherever
    /// the member stands and whatever the text around it holds.
    #[test]
    fn the_object_is_the_rendering_without_allowed_actions() {
        let trap = r#""x\",\"allowed_actions\":[\"edit\"],\"y""#;
        for text in [
            format!(r#"{{"allowed_actions":["edit","publish"],"name":{trap},"version":2}}"#),
            format!(r#"{{"id":"a","allowed_actions":[],"name":{trap}}}"#),
            format!(r#"{{"id":"a","name":{trap},"allowed_actions":["delete"]}}"#),
            r#"{"allowed_actions":["edit"]}"#.to_owned(),
            format!(r#"{{"id":"a","name":{trap}}}"#),
        ] {
            // A rendering in exactly this order.
            let view = serde_json::value::RawValue::from_string(text.clone()).unwrap();
            let (answer, object) = super::rendered_and_object(&view).unwrap();
            assert_eq!(std::str::from_utf8(&answer).unwrap(), text);
            let object: serde_json::Value = serde_json::from_str(object.get()).unwrap();
            assert_eq!(object, super::without_actions(&view).unwrap(), "{text}");
        }
    }
}
