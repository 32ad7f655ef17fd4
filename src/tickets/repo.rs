use chrono::NaiveDateTime;
use diesel::prelude::*;

use std::collections::HashMap;

use super::model::{Comment, Ticket, TicketCategory, TicketChanges, TicketStatus};
use crate::db::schema::{support_tickets as tickets, ticket_comments as comments};
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::ids::{OrganizationId, TicketId, UserId};
use crate::page::PageRequest;

pub fn find(conn: &mut DbConn, id: &TicketId) -> Result<Option<Ticket>, ApiError> {
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

/// Applies `changes` if the row is still at `expected_version`: the rows it changed.
pub fn update(
    conn: &mut DbConn,
    id: &TicketId,
    expected_version: i64,
    changes: &TicketChanges,
) -> Result<usize, ApiError> {
    Ok(db::versioned::<tickets::table, _, _>(id, expected_version, changes).execute(conn)?)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<OrganizationId>,
    pub statuses: Vec<TicketStatus>,
    pub category: Option<TicketCategory>,
    pub assignee_id: Option<UserId>,
    /// Unanswered and past `first_response_due_at` at this instant.
    pub overdue_at: Option<NaiveDateTime>,
}

pub fn list(
    conn: &mut DbConn,
    organization_scope: Option<&OrganizationId>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<Ticket>, ApiError> {
    let mut query = tickets::table.select(Ticket::as_select()).into_boxed();
    if let Some(org) = organization_scope {
        query = query.filter(tickets::organization_id.eq(*org));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(tickets::organization_id.eq(*org));
    }
    query = db::one_of(query, tickets::status, &filter.statuses);
    if let Some(category) = filter.category {
        query = query.filter(tickets::category.eq(category));
    }
    if let Some(assignee) = &filter.assignee_id {
        query = query.filter(tickets::assignee_id.eq(*assignee));
    }
    if let Some(now) = filter.overdue_at {
        let open = [
            TicketStatus::Open,
            TicketStatus::InProgress,
            TicketStatus::AwaitingPartner,
        ];
        query = query
            .filter(tickets::first_responded_at.is_null())
            .filter(tickets::first_response_due_at.lt(now))
            .filter(tickets::status.eq_any(open));
    }
    if let Some(before) = &page.cursor {
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
    ticket_id: &TicketId,
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
    if let Some(after) = &page.cursor {
        query = query.filter(comments::id.gt(after.clone()));
    }
    Ok(query.order(comments::id.asc()).limit(page.fetch()).load(conn)?)
}

/// The number of comments of each of `tickets` the caller may see (`include_internal` is
/// false for partners), in one query.
pub fn count_comments(
    conn: &mut DbConn,
    tickets: &[TicketId],
    include_internal: bool,
) -> Result<HashMap<TicketId, i64>, ApiError> {
    let counted = (comments::ticket_id, diesel::dsl::count_star());
    let of_tickets = comments::table.filter(comments::ticket_id.eq_any(tickets));
    let counts: Vec<(TicketId, i64)> = if include_internal {
        of_tickets.group_by(comments::ticket_id).select(counted).load(conn)?
    } else {
        of_tickets
            .filter(comments::internal.eq(false))
            .group_by(comments::ticket_id)
            .select(counted)
            .load(conn)?
    };
    Ok(counts.into_iter().collect())
}
