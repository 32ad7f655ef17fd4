use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Comment, Ticket, TicketChanges, TicketStatus};
use crate::db::DbConn;
use crate::db::schema::{support_tickets as tickets, ticket_comments as comments};
use crate::error::ApiError;
use crate::http::pagination::PageRequest;
use crate::http::time;

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<Ticket>, ApiError> {
    Ok(tickets::table
        .find(id)
        .select(Ticket::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, ticket: &Ticket) -> Result<(), ApiError> {
    diesel::insert_into(tickets::table).values(ticket).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, id: &str, expected_version: i64, changes: &TicketChanges) -> Result<bool, ApiError> {
    let rows = diesel::update(tickets::table.find(id).filter(tickets::version.eq(expected_version)))
        .set((
            changes,
            tickets::updated_at.eq(time::now()),
            tickets::version.eq(expected_version + 1),
        ))
        .execute(conn)?;
    Ok(rows == 1)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<String>,
    pub statuses: Vec<String>,
    pub category: Option<String>,
    pub assignee_id: Option<String>,
    /// Unanswered and past `first_response_due_at` at this instant.
    pub overdue_at: Option<NaiveDateTime>,
}

pub fn list(
    conn: &mut DbConn,
    organization_scope: Option<&str>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<Ticket>, ApiError> {
    let mut query = tickets::table.select(Ticket::as_select()).into_boxed();
    if let Some(org) = organization_scope {
        query = query.filter(tickets::organization_id.eq(org.to_owned()));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(tickets::organization_id.eq(org.clone()));
    }
    // One value is an equality, which stays in the statement cache; `IN (…)` is prepared anew.
    match filter.statuses.as_slice() {
        [] => {}
        [status] => query = query.filter(tickets::status.eq(status.clone())),
        several => query = query.filter(tickets::status.eq_any(several.to_vec())),
    }
    if let Some(category) = &filter.category {
        query = query.filter(tickets::category.eq(category.clone()));
    }
    if let Some(assignee) = &filter.assignee_id {
        query = query.filter(tickets::assignee_id.eq(assignee.clone()));
    }
    if let Some(now) = filter.overdue_at {
        let open = [
            TicketStatus::Open,
            TicketStatus::InProgress,
            TicketStatus::AwaitingPartner,
        ]
        .map(|s| s.as_str());
        query = query
            .filter(tickets::first_responded_at.is_null())
            .filter(tickets::first_response_due_at.lt(now))
            .filter(tickets::status.eq_any(open));
    }
    if let Some(before) = &page.before_id {
        query = query.filter(tickets::id.lt(before.clone()));
    }
    Ok(query.order(tickets::id.desc()).limit(page.fetch()).load(conn)?)
}

pub fn insert_comment(conn: &mut DbConn, comment: &Comment) -> Result<(), ApiError> {
    diesel::insert_into(comments::table).values(comment).execute(conn)?;
    Ok(())
}

/// Comments oldest first; `include_internal` is false for partners.
pub fn list_comments(
    conn: &mut DbConn,
    ticket_id: &str,
    include_internal: bool,
    page: &PageRequest,
) -> Result<Vec<Comment>, ApiError> {
    let mut query = comments::table
        .filter(comments::ticket_id.eq(ticket_id))
        .select(Comment::as_select())
        .into_boxed();
    if !include_internal {
        query = query.filter(comments::internal.eq(false));
    }
    if let Some(after) = &page.before_id {
        query = query.filter(comments::id.gt(after.clone()));
    }
    Ok(query.order(comments::id.asc()).limit(page.fetch()).load(conn)?)
}

pub fn count_comments(conn: &mut DbConn, ticket_id: &str, include_internal: bool) -> Result<i64, ApiError> {
    let mut query = comments::table.filter(comments::ticket_id.eq(ticket_id)).into_boxed();
    if !include_internal {
        query = query.filter(comments::internal.eq(false));
    }
    Ok(query.count().get_result(conn)?)
}
