//! The support desk: tickets opened by partners (merge requests by a solution's merge), answered,
//! resolved and closed through [`TicketLifecycle`]. Resolving a merge request drives its solution.

use super::dto::{CreateComment, CreateTicket, MergeRequest, ResolveTicket, facts};
use super::lifecycle::{self, SystemEvent, TicketAction, TicketLifecycle};
use super::model::{self as model, Comment, Resolution, Ticket, TicketCategory, TicketChanges, TicketStatus};
use super::repo::{self, Filter};
use crate::audit::model::AuditAction;
use crate::auth::roles::{Capability, Role};
use crate::auth::{Actor, Caller};
use crate::db::DbConn;
use crate::error::{ApiError, IssueCode};
use crate::ids::{CommentId, OfferId, OrganizationId, SolutionId, TicketId, UserId};
use crate::lifecycle::{Precondition, decide as machine};
use crate::page::PageRequest;
use crate::solutions::effects as solutions;
use crate::time;
use crate::workflow::{self, Change};

/// A ticket and the number of its comments the caller may see.
pub type TicketWithCount = (Ticket, i64);

/// What a new ticket says.
pub struct NewTicket {
    pub organization_id: OrganizationId,
    pub category: TicketCategory,
    pub subject: String,
    pub description: String,
    pub related_solution_id: Option<SolutionId>,
    pub related_offer_id: Option<OfferId>,
    pub merge: Option<MergeRequest>,
}

/// The ticket if the caller may see it; 404 otherwise.
pub fn visible(conn: &mut DbConn, caller: &Caller, id: &TicketId) -> Result<Ticket, ApiError> {
    caller.visible(repo::find(conn, id)?, |t| &t.organization_id)
}

/// The ticket as the caller may see it, with its comment count.
pub fn get(conn: &mut DbConn, caller: &Caller, id: &TicketId) -> Result<TicketWithCount, ApiError> {
    let ticket = visible(conn, caller, id)?;
    with_count(conn, caller, ticket)
}

fn with_count(conn: &mut DbConn, caller: &Caller, ticket: Ticket) -> Result<TicketWithCount, ApiError> {
    let counts = repo::count_comments(conn, &[ticket.id], caller.role.is_staff())?;
    let count = counts.get(&ticket.id).copied().unwrap_or(0);
    Ok((ticket, count))
}

pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<TicketWithCount>, ApiError> {
    let tickets = repo::list(conn, caller.organization_scope().as_ref(), filter, page)?;
    let ids: Vec<TicketId> = tickets.iter().map(|t| t.id).collect();
    let counts = repo::count_comments(conn, &ids, caller.role.is_staff())?;
    Ok(tickets
        .into_iter()
        .map(|t| {
            let count = counts.get(&t.id).copied().unwrap_or(0);
            (t, count)
        })
        .collect())
}

/// Opens a ticket with the id `id` (status `open`, first response due in two business days) and
/// records it.
pub fn open(conn: &mut DbConn, id: TicketId, new: NewTicket, caller: &Caller) -> Result<Ticket, ApiError> {
    let now = time::now();
    let ticket = Ticket {
        id,
        organization_id: new.organization_id,
        category: new.category,
        subject: new.subject,
        description: new.description,
        related_solution_id: new.related_solution_id,
        related_offer_id: new.related_offer_id,
        merge_request: new.merge.map(|m| serde_json::to_string(&m)).transpose()?,
        status: TicketStatus::Open,
        assignee_id: None,
        first_response_due_at: model::add_business_days(now, model::FIRST_RESPONSE_BUSINESS_DAYS),
        first_responded_at: None,
        resolution: None,
        resolution_note: None,
        created_by: caller.id,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    repo::insert(conn, &ticket)?;
    let change = Change::new(
        AuditAction::SupportTicketOpened,
        ticket.id.as_str(),
        Some(&ticket.organization_id),
    )
    .states(None, Some(ticket.status.as_str()));
    workflow::record(conn, Some(&caller.actor()), change)?;
    Ok(ticket)
}

/// A partner's ticket about anything but a merge (those come from `POST /v1/solutions/{id}/merge`).
pub fn create(conn: &mut DbConn, caller: &Caller, input: &CreateTicket) -> Result<TicketWithCount, ApiError> {
    caller.require(Capability::OpenTickets)?;
    let organization_id = caller.own_organization()?;
    if input.category == TicketCategory::MergeRequest {
        return Err(ApiError::invalid_field(
            "#/category",
            IssueCode::UseMergeEndpoint,
            "open merge requests with POST /v1/solutions/{id}/merge",
        ));
    }
    if let Some(id) = &input.related_solution_id
        && crate::solutions::repo::find(conn, id)?.is_none_or(|s| s.organization_id != organization_id)
    {
        return Err(ApiError::invalid_field(
            "#/related_solution_id",
            IssueCode::UnknownSolution,
            "no solution of your organization has this id",
        ));
    }
    if let Some(id) = &input.related_offer_id
        && crate::offers::repo::find(conn, id)?.is_none_or(|o| o.organization_id != organization_id)
    {
        return Err(ApiError::invalid_field(
            "#/related_offer_id",
            IssueCode::UnknownOffer,
            "no offer of your organization has this id",
        ));
    }
    let new = NewTicket {
        organization_id,
        category: input.category,
        subject: input.subject.trim().to_owned(),
        description: input.description.clone(),
        related_solution_id: input.related_solution_id,
        related_offer_id: input.related_offer_id,
        merge: None,
    };
    Ok((open(conn, TicketId::generate(), new, caller)?, 0))
}

/// The state machine's verdict on `action` (403, 412, then 409 with what is allowed).
fn decide(
    ticket: &Ticket,
    action: TicketAction,
    caller: &Caller,
    expected: &Precondition,
) -> Result<TicketStatus, ApiError> {
    machine::<TicketLifecycle>(facts(ticket, caller), action, caller.role, expected, ticket.version)
}

/// Moves a ticket to `next` (and sets `changes`), guarded by its version, and records it.
fn transition(
    conn: &mut DbConn,
    actor: &Actor,
    ticket: &Ticket,
    next: TicketStatus,
    changes: TicketChanges,
    action: AuditAction,
) -> Result<(), ApiError> {
    let changes = TicketChanges {
        status: Some(next),
        ..changes
    };
    let change = Change::new(action, ticket.id.as_str(), Some(&ticket.organization_id))
        .states(Some(ticket.status.as_str()), Some(next.as_str()));
    workflow::commit(conn, Some(actor), change, |conn| {
        repo::update(conn, &ticket.id, ticket.version, &changes)
    })
}

/// Support's first answer of any kind stops the first-response clock.
fn first_response(ticket: &Ticket, caller: &Caller) -> Option<Option<chrono::NaiveDateTime>> {
    (caller.role.is_staff() && ticket.first_responded_at.is_none()).then(|| Some(time::now()))
}

/// Comments, oldest first; partners never see internal notes.
pub fn comments(
    conn: &mut DbConn,
    caller: &Caller,
    id: &TicketId,
    page: &PageRequest,
) -> Result<Vec<Comment>, ApiError> {
    visible(conn, caller, id)?;
    repo::list_comments(conn, id, caller.role.is_staff(), page)
}

/// A comment, or (support only) an internal note. A partner's answer to a ticket awaiting the
/// partner brings it back to `in_progress`; support's first comment on an open ticket answers it.
pub fn comment(conn: &mut DbConn, caller: &Caller, id: &TicketId, input: &CreateComment) -> Result<Comment, ApiError> {
    let ticket = visible(conn, caller, id)?;
    let action = if input.internal {
        TicketAction::AddInternalNote
    } else {
        TicketAction::Comment
    };
    let next = decide(&ticket, action, caller, &Precondition::None)?;
    // The comment comes first, so the event of the reply shows the ticket with it.
    let comment = add_comment(conn, &ticket, caller, input.body.clone(), input.internal)?;
    let answers = !input.internal && first_response(&ticket, caller).is_some();
    if next != ticket.status || answers {
        let changes = TicketChanges {
            first_responded_at: if input.internal {
                None
            } else {
                first_response(&ticket, caller)
            },
            ..Default::default()
        };
        transition(
            conn,
            &caller.actor(),
            &ticket,
            next,
            changes,
            AuditAction::SupportTicketReplied,
        )?;
    } else {
        // A comment that moves nothing is still on record; an internal note for staff alone.
        let action = if input.internal {
            AuditAction::SupportTicketInternalNoteAdded
        } else {
            AuditAction::SupportTicketCommented
        };
        let change = Change::new(action, ticket.id.as_str(), Some(&ticket.organization_id));
        workflow::record(conn, Some(&caller.actor()), change)?;
    }
    Ok(comment)
}

fn add_comment(
    conn: &mut DbConn,
    ticket: &Ticket,
    caller: &Caller,
    body: String,
    internal: bool,
) -> Result<Comment, ApiError> {
    let now = time::now();
    let comment = Comment {
        id: CommentId::generate(),
        ticket_id: ticket.id,
        organization_id: ticket.organization_id,
        author_id: caller.id,
        author_role: caller.role,
        body,
        internal,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    repo::insert_comment(conn, &comment)?;
    Ok(comment)
}

/// Support assigns the ticket to an active support user (the caller when `assignee` is `None`).
pub fn assign(
    conn: &mut DbConn,
    caller: &Caller,
    id: &TicketId,
    expected: &Precondition,
    assignee: Option<UserId>,
) -> Result<TicketWithCount, ApiError> {
    let assignee = assignee.unwrap_or(caller.id);
    let ticket = visible(conn, caller, id)?;
    let next = decide(&ticket, TicketAction::Assign, caller, expected)?;
    let is_support = crate::users::repo::find_active(conn, &assignee)?.is_some_and(|u| u.role == Role::Support);
    if !is_support {
        return Err(ApiError::invalid_field(
            "#/assignee_id",
            IssueCode::NotSupport,
            "must be an active support user",
        ));
    }
    let changes = TicketChanges {
        assignee_id: Some(Some(assignee)),
        first_responded_at: first_response(&ticket, caller),
        ..Default::default()
    };
    transition(
        conn,
        &caller.actor(),
        &ticket,
        next,
        changes,
        AuditAction::SupportTicketAssigned,
    )?;
    get(conn, caller, id)
}

/// Support asks the partner: `message` is posted as a comment, the ticket awaits the partner.
pub fn request_info(
    conn: &mut DbConn,
    caller: &Caller,
    id: &TicketId,
    expected: &Precondition,
    message: &str,
) -> Result<TicketWithCount, ApiError> {
    let ticket = visible(conn, caller, id)?;
    let next = decide(&ticket, TicketAction::RequestInfo, caller, expected)?;
    let changes = TicketChanges {
        first_responded_at: first_response(&ticket, caller),
        ..Default::default()
    };
    transition(
        conn,
        &caller.actor(),
        &ticket,
        next,
        changes,
        AuditAction::SupportTicketInfoRequested,
    )?;
    add_comment(conn, &ticket, caller, message.to_owned(), false)?;
    get(conn, caller, id)
}

/// Support resolves the ticket; a merge request's resolution drives its solution (and gives a
/// target offer the solution's co-sell standing) in the same transaction.
pub fn resolve(
    conn: &mut DbConn,
    caller: &Caller,
    id: &TicketId,
    expected: &Precondition,
    input: &ResolveTicket,
) -> Result<TicketWithCount, ApiError> {
    let ticket = visible(conn, caller, id)?;
    let next = decide(&ticket, TicketAction::Resolve, caller, expected)?;
    let merge_outcome = matches!(input.resolution, Resolution::Merged | Resolution::Rejected);
    let merge_request = ticket.category == TicketCategory::MergeRequest;
    if merge_outcome != merge_request {
        let message = if merge_outcome {
            "only merge requests are merged or rejected"
        } else {
            "a merge request is merged or rejected"
        };
        return Err(ApiError::invalid_field(
            "#/resolution",
            IssueCode::InvalidResolution,
            message,
        ));
    }
    let changes = TicketChanges {
        resolution: Some(Some(input.resolution)),
        resolution_note: Some(input.note.clone()),
        first_responded_at: first_response(&ticket, caller),
        ..Default::default()
    };
    let actor = caller.actor();
    transition(conn, &actor, &ticket, next, changes, AuditAction::SupportTicketResolved)?;
    if merge_request {
        settle_merge(conn, &ticket, input.resolution, &actor)?;
    }
    get(conn, caller, id)
}

/// Drives the solution of a resolved merge request, and gives a target offer its co-sell standing.
fn settle_merge(conn: &mut DbConn, ticket: &Ticket, resolution: Resolution, actor: &Actor) -> Result<(), ApiError> {
    let solution_id = ticket
        .related_solution_id
        .ok_or_else(|| ApiError::internal("a merge request without its solution"))?;
    if resolution == Resolution::Rejected {
        return solutions::merge_rejected(conn, &solution_id, actor);
    }
    let solution = solutions::merge_completed(conn, &solution_id, actor)?;
    let merge: Option<MergeRequest> = ticket
        .merge_request
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok());
    if let Some(offer_id) = merge.and_then(|m| m.target_offer_id) {
        crate::offers::service::inherit(
            conn,
            &offer_id,
            &solutions::inheritance(&solution),
            &ticket.organization_id,
            actor,
        )?;
    }
    Ok(())
}

/// Partners confirm a resolved ticket.
pub fn close(
    conn: &mut DbConn,
    caller: &Caller,
    id: &TicketId,
    expected: &Precondition,
) -> Result<TicketWithCount, ApiError> {
    partner_action(
        conn,
        caller,
        id,
        expected,
        TicketAction::Close,
        AuditAction::SupportTicketClosed,
    )
}

/// Partners send a resolved ticket back to support.
pub fn reopen(
    conn: &mut DbConn,
    caller: &Caller,
    id: &TicketId,
    expected: &Precondition,
) -> Result<TicketWithCount, ApiError> {
    partner_action(
        conn,
        caller,
        id,
        expected,
        TicketAction::Reopen,
        AuditAction::SupportTicketReopened,
    )
}

/// Its creator, or an owner or manager, cancels an unresolved ticket; a canceled merge request
/// gives its solution back.
pub fn cancel(
    conn: &mut DbConn,
    caller: &Caller,
    id: &TicketId,
    expected: &Precondition,
) -> Result<TicketWithCount, ApiError> {
    partner_action(
        conn,
        caller,
        id,
        expected,
        TicketAction::Cancel,
        AuditAction::SupportTicketCanceled,
    )
}

fn partner_action(
    conn: &mut DbConn,
    caller: &Caller,
    id: &TicketId,
    expected: &Precondition,
    action: TicketAction,
    audit: AuditAction,
) -> Result<TicketWithCount, ApiError> {
    let ticket = visible(conn, caller, id)?;
    let next = decide(&ticket, action, caller, expected)?;
    let actor = caller.actor();
    transition(conn, &actor, &ticket, next, TicketChanges::default(), audit)?;
    if next == TicketStatus::Canceled {
        merge_given_back(conn, &ticket, &actor)?;
    }
    get(conn, caller, id)
}

/// A canceled merge request gives its solution back to the partner.
fn merge_given_back(conn: &mut DbConn, ticket: &Ticket, actor: &Actor) -> Result<(), ApiError> {
    match (ticket.category, &ticket.related_solution_id) {
        (TicketCategory::MergeRequest, Some(solution_id)) => {
            solutions::merge_withdrawn(conn, solution_id, &ticket.id, actor)
        }
        _ => Ok(()),
    }
}

/// The partner withdrew the merge its solution asked for: the request is canceled, through the
/// ticket's state machine. The ticket moves first: support resolving it concurrently takes the
/// same row lock.
pub fn withdraw_merge_request(conn: &mut DbConn, id: &TicketId, actor: &Actor) -> Result<(), ApiError> {
    let ticket = repo::find(conn, id)?.ok_or_else(|| ApiError::internal("a merge request without its ticket"))?;
    // Resolved meanwhile: decide again on the solution as it is now.
    let next = lifecycle::on_event(ticket.status, SystemEvent::MergeWithdrawn).ok_or_else(ApiError::stale)?;
    transition(
        conn,
        actor,
        &ticket,
        next,
        TicketChanges::default(),
        AuditAction::SupportTicketCanceled,
    )
}
