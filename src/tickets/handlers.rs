use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use uuid::Uuid;

use super::dto::{
    self, AssignTicket, CommentView, CreateComment, CreateTicket, ListCommentsQuery, ListTicketsQuery, MergeRequest,
    RequestInfo, ResolveTicket, TicketView,
};
use super::lifecycle::{self, TicketAction};
use super::model::{self as model, Comment, Resolution, Ticket, TicketCategory, TicketChanges, TicketStatus};
use super::repo::{self, Filter};
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::auth::Caller;
use crate::auth::roles::{Capability, Role};
use crate::db::{self, DbConn};
use crate::enums::parse_stored;
use crate::error::ApiError;
use crate::http::body::{Body, EmptyBody, OptionalBody};
use crate::http::conditional::{IfMatch, created, entity, retry_on_stale};
use crate::http::pagination::parse_list;
use crate::http::pagination::{Page, PageRequest};
use crate::http::time;
use crate::openapi::responses::*;
use crate::solutions::{effects, repo as solutions};
use crate::users::repo as users;

pub const ENTITY: &str = "support_ticket";

/// What a new ticket says.
pub struct NewTicket {
    pub organization_id: String,
    pub category: TicketCategory,
    pub subject: String,
    pub description: String,
    pub related_solution_id: Option<String>,
    pub related_offer_id: Option<String>,
    pub merge: Option<MergeRequest>,
}

/// Opens a ticket (status `open`, first response due in two business days) and audits it.
pub fn open(conn: &mut DbConn, new: NewTicket, caller: &Caller) -> Result<Ticket, ApiError> {
    open_with_id(conn, Uuid::now_v7().to_string(), new, caller)
}

/// [`open`] with an id chosen beforehand (a solution records its merge ticket first).
pub fn open_with_id(conn: &mut DbConn, id: String, new: NewTicket, caller: &Caller) -> Result<Ticket, ApiError> {
    let now = time::now();
    let ticket = Ticket {
        id,
        organization_id: new.organization_id,
        category: new.category.as_str().to_owned(),
        subject: new.subject,
        description: new.description,
        related_solution_id: new.related_solution_id,
        related_offer_id: new.related_offer_id,
        merge_request: new.merge.map(|m| serde_json::to_string(&m).unwrap_or_default()),
        status: TicketStatus::Open.as_str().to_owned(),
        assignee_id: None,
        first_response_due_at: model::add_business_days(now, model::FIRST_RESPONSE_BUSINESS_DAYS),
        first_responded_at: None,
        resolution: None,
        resolution_note: None,
        created_by: caller.id.to_string(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    repo::insert(conn, &ticket)?;
    audit::record(
        conn,
        Some(&Actor::from(caller)),
        Event::new(
            "support_ticket.opened",
            ENTITY,
            &ticket.id,
            Some(&ticket.organization_id),
        )
        .transition(None, Some(&ticket.status)),
    )?;
    Ok(ticket)
}

#[utoipa::path(
    operation_id = "create_support_ticket",
    tag = "support-tickets",
    summary = "Open a support ticket",
    description = "Partners. The first response is due two business days later (Monday–Friday, UTC; a ticket opened \
on Friday, Saturday or Sunday is due on Tuesday). Merge requests are opened with `POST /v1/solutions/{id}/merge`.",
    request_body = CreateTicket,
    responses(
        (status = 201, description = "The new ticket", body = TicketView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[post("")]
pub async fn create_support_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    body: Body<CreateTicket>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::OpenTickets)?;
    let organization_id = caller.own_organization()?.to_string();
    let input = body.into_inner();
    if input.category == TicketCategory::MergeRequest {
        return Err(ApiError::invalid_field(
            "#/category",
            "use_merge_endpoint",
            "open merge requests with POST /v1/solutions/{id}/merge",
        ));
    }
    let ticket = db::write(&state.pool, move |conn| {
        let related_solution_id = input.related_solution_id.map(|id| id.to_string());
        let related_offer_id = input.related_offer_id.map(|id| id.to_string());
        if let Some(id) = &related_solution_id
            && solutions::find(conn, id)?.is_none_or(|s| s.organization_id != organization_id)
        {
            return Err(ApiError::invalid_field(
                "#/related_solution_id",
                "unknown_solution",
                "no solution of your organization has this id",
            ));
        }
        if let Some(id) = &related_offer_id
            && crate::offers::repo::find(conn, id)?.is_none_or(|o| o.organization_id != organization_id)
        {
            return Err(ApiError::invalid_field(
                "#/related_offer_id",
                "unknown_offer",
                "no offer of your organization has this id",
            ));
        }
        let new = NewTicket {
            organization_id,
            category: input.category,
            subject: input.subject.trim().to_owned(),
            description: input.description,
            related_solution_id,
            related_offer_id,
            merge: None,
        };
        open(conn, new, &caller).map(|t| (t, caller))
    })
    .await?;
    let (ticket, caller) = ticket;
    let location = format!("/v1/support-tickets/{}", ticket.id);
    let version = ticket.version;
    Ok(created(location, &TicketView::build(ticket, &caller, 0)?, version))
}

#[utoipa::path(
    operation_id = "list_support_tickets",
    tag = "support-tickets",
    summary = "List support tickets",
    description = "Partners see their organization's tickets; staff see all and may filter by assignee, organization and `overdue=true`.",
    params(ListTicketsQuery),
    responses(
        (status = 200, description = "One page of tickets, newest first", body = Page<TicketView>),
    ),
    security(("bearer" = []))
)]
#[get("")]
pub async fn list_support_tickets(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ListTicketsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let filter = Filter {
        organization_id: query.organization_id.map(|o| o.to_string()),
        statuses: parse_list::<TicketStatus>(query.status.as_deref(), "status")?,
        category: query.category.map(|c| c.as_str().to_owned()),
        assignee_id: query.assignee_id.map(|a| a.to_string()),
        overdue_at: query.overdue.filter(|o| *o).map(|_| time::now()),
    };
    let scope = caller.organization_scope();
    let fetch = page.clone();
    let include_internal = caller.role.is_staff();
    let rows = db::read(&state.pool, move |conn| {
        let tickets = repo::list(conn, scope.as_deref(), &filter, &fetch)?;
        tickets
            .into_iter()
            .map(|t| repo::count_comments(conn, &t.id, include_internal).map(|n| (t, n)))
            .collect::<Result<Vec<_>, _>>()
    })
    .await?;
    let items = rows
        .into_iter()
        .map(|(t, n)| TicketView::build(t, &caller, n))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.page(items, |t| &t.id, |t| t).respond(&req))
}

#[utoipa::path(
    operation_id = "get_support_ticket",
    tag = "support-tickets",
    summary = "Get a support ticket",
    params(("id" = Uuid, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The ticket", body = TicketView, headers(("ETag" = String))),
    ),
    security(("bearer" = []))
)]
#[get("/{id}")]
pub async fn get_support_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let (ticket, caller) = db::read(&state.pool, move |conn| {
        visible_ticket(conn, &caller, &id).map(|t| (t, caller))
    })
    .await?;
    respond_with_ticket(&state, ticket, caller, StatusCode::OK).await
}

async fn respond_with_ticket(
    state: &AppState,
    ticket: Ticket,
    caller: Caller,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let id = ticket.id.clone();
    let include_internal = caller.role.is_staff();
    let count = db::read(&state.pool, move |conn| {
        repo::count_comments(conn, &id, include_internal)
    })
    .await?;
    let version = ticket.version;
    Ok(entity(status, &TicketView::build(ticket, &caller, count)?, version))
}

pub fn visible_ticket(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<Ticket, ApiError> {
    caller.visible(repo::find(conn, id)?, |t| &t.organization_id)
}

/// Applies the state machine: 403, then 412 for a stale `If-Match`, then 409 with what is allowed.
fn decide(
    ticket: &Ticket,
    action: TicketAction,
    caller: &Caller,
    if_match: &IfMatch,
) -> Result<TicketStatus, ApiError> {
    let facts = dto::facts(ticket, caller)?;
    let allowed = || {
        lifecycle::allowed_actions(facts, caller.role)
            .iter()
            .map(|a| a.to_string())
            .collect()
    };
    crate::lifecycle::settle(
        lifecycle::apply(facts, action, caller.role),
        if_match,
        ticket.version,
        facts.status.as_str(),
        allowed,
    )
}

/// Moves a ticket: guarded update first, then its audit event.
fn transition(
    conn: &mut DbConn,
    ticket: &Ticket,
    next: TicketStatus,
    mut changes: TicketChanges,
    action: &'static str,
    caller: &Caller,
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    changes.status = Some(next.as_str().to_owned());
    if !repo::update(conn, &ticket.id, ticket.version, &changes)? {
        return Err(if_match.stale());
    }
    audit::record(
        conn,
        Some(&Actor::from(caller)),
        Event::new(action, ENTITY, &ticket.id, Some(&ticket.organization_id))
            .transition(Some(&ticket.status), Some(next.as_str())),
    )
}

/// Support's first answer of any kind stops the first-response clock.
fn first_response(ticket: &Ticket, caller: &Caller) -> Option<Option<chrono::NaiveDateTime>> {
    (caller.role.is_staff() && ticket.first_responded_at.is_none()).then(|| Some(time::now()))
}

#[utoipa::path(
    operation_id = "list_support_ticket_comments",
    tag = "support-tickets",
    summary = "List a ticket's comments",
    description = "Oldest first. Partners never see internal notes (nor count them).",
    params(("id" = Uuid, Path, description = "Ticket id"), ListCommentsQuery),
    responses(
        (status = 200, description = "One page of comments", body = Page<CommentView>),
    ),
    security(("bearer" = []))
)]
#[get("/{id}/comments")]
pub async fn list_support_ticket_comments(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<ListCommentsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| {
        visible_ticket(conn, &caller, &id)?;
        repo::list_comments(conn, &id, caller.role.is_staff(), &fetch)
    })
    .await?;
    let items = rows
        .into_iter()
        .map(CommentView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.page(items, |c| &c.id, |c| c).respond(&req))
}

#[utoipa::path(
    operation_id = "add_support_ticket_comment",
    tag = "support-tickets",
    summary = "Comment on a ticket",
    description = "Partners and support. Only support may write `internal: true`. A partner's comment on a ticket \
awaiting the partner brings it back to `in_progress`; support's first comment on an open ticket answers it.",
    params(("id" = Uuid, Path, description = "Ticket id")),
    request_body = CreateComment,
    responses(
        (status = 201, description = "The comment", body = CommentView, headers(("Location" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/comments")]
pub async fn add_support_ticket_comment(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<CreateComment>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let input = body.into_inner();
    let comment = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let ticket = visible_ticket(conn, &caller, &id)?;
            let action = if input.internal {
                TicketAction::AddInternalNote
            } else {
                TicketAction::Comment
            };
            let next = decide(&ticket, action, &caller, &IfMatch::default())?;
            if next.as_str() != ticket.status || (!input.internal && first_response(&ticket, &caller).is_some()) {
                let changes = TicketChanges {
                    first_responded_at: if input.internal {
                        None
                    } else {
                        first_response(&ticket, &caller)
                    },
                    ..Default::default()
                };
                transition(
                    conn,
                    &ticket,
                    next,
                    changes,
                    "support_ticket.replied",
                    &caller,
                    &IfMatch::default(),
                )?;
            }
            add_comment(conn, &ticket, &caller, input.body.clone(), input.internal)
        })
    })
    .await?;
    let location = format!("/v1/support-tickets/{}/comments", comment.ticket_id);
    let version = comment.version;
    Ok(created(location, &CommentView::try_from(comment)?, version))
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
        id: Uuid::now_v7().to_string(),
        ticket_id: ticket.id.clone(),
        organization_id: ticket.organization_id.clone(),
        author_id: caller.id.to_string(),
        author_role: caller.role.as_str().to_owned(),
        body,
        internal,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    repo::insert_comment(conn, &comment)?;
    Ok(comment)
}

#[utoipa::path(
    operation_id = "assign_support_ticket",
    tag = "support-tickets",
    summary = "Assign a ticket",
    description = "Support only: assigns the ticket (to the caller unless `assignee_id` names another support user); an open ticket goes `in_progress` and counts as answered. Honours `If-Match`.",
    params(("id" = Uuid, Path, description = "Ticket id"), ("If-Match" = Option<String>, Header, description = "ETag of the ticket")),
    request_body(content = Option<AssignTicket>, description = "Optional"),
    responses(
        (status = 200, description = "The ticket", body = TicketView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/assign")]
pub async fn assign_support_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: OptionalBody<AssignTicket>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let assignee = body
        .0
        .and_then(|b| b.assignee_id)
        .map(|a| a.to_string())
        .unwrap_or_else(|| caller.id.to_string());
    let result = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let ticket = visible_ticket(conn, &caller, &id)?;
            let next = decide(&ticket, TicketAction::Assign, &caller, &if_match)?;
            let is_support = users::find_active(conn, &assignee)?.is_some_and(|u| u.role == Role::Support.as_str());
            if !is_support {
                return Err(ApiError::invalid_field(
                    "#/assignee_id",
                    "not_support",
                    "must be an active support user",
                ));
            }
            let changes = TicketChanges {
                assignee_id: Some(Some(assignee.clone())),
                first_responded_at: first_response(&ticket, &caller),
                ..Default::default()
            };
            transition(
                conn,
                &ticket,
                next,
                changes,
                "support_ticket.assigned",
                &caller,
                &if_match,
            )?;
            visible_ticket(conn, &caller, &id)
        })
        .map(|t| (t, caller))
    })
    .await?;
    respond_with_ticket(&state, result.0, result.1, StatusCode::OK).await
}

#[utoipa::path(
    operation_id = "request_support_ticket_info",
    tag = "support-tickets",
    summary = "Ask the partner for information",
    description = "Support only: posts `message` as a comment and sets the ticket `awaiting_partner`; the partner's next comment brings it back. Honours `If-Match`.",
    params(("id" = Uuid, Path, description = "Ticket id"), ("If-Match" = Option<String>, Header, description = "ETag of the ticket")),
    request_body = RequestInfo,
    responses(
        (status = 200, description = "The ticket", body = TicketView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/request-info")]
pub async fn request_support_ticket_info(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<RequestInfo>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let message = body.into_inner().message;
    let result = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let ticket = visible_ticket(conn, &caller, &id)?;
            let next = decide(&ticket, TicketAction::RequestInfo, &caller, &if_match)?;
            let changes = TicketChanges {
                first_responded_at: first_response(&ticket, &caller),
                ..Default::default()
            };
            transition(
                conn,
                &ticket,
                next,
                changes,
                "support_ticket.info_requested",
                &caller,
                &if_match,
            )?;
            add_comment(conn, &ticket, &caller, message.clone(), false)?;
            visible_ticket(conn, &caller, &id)
        })
        .map(|t| (t, caller))
    })
    .await?;
    respond_with_ticket(&state, result.0, result.1, StatusCode::OK).await
}

#[utoipa::path(
    operation_id = "resolve_support_ticket",
    tag = "support-tickets",
    summary = "Resolve a ticket",
    description = "Support only. A merge request is resolved `merged` (the solution is merged and a target offer \
inherits its co-sell status, incentives and referral pipeline) or `rejected` (the solution returns to `pending`), in \
the same transaction. Other tickets are `answered` or `duplicate`. Honours `If-Match`.",
    params(("id" = Uuid, Path, description = "Ticket id"), ("If-Match" = Option<String>, Header, description = "ETag of the ticket")),
    request_body = ResolveTicket,
    responses(
        (status = 200, description = "The resolved ticket", body = TicketView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/resolve")]
pub async fn resolve_support_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<ResolveTicket>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let input = body.into_inner();
    let result = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let ticket = visible_ticket(conn, &caller, &id)?;
            let next = decide(&ticket, TicketAction::Resolve, &caller, &if_match)?;
            let category: TicketCategory = parse_stored(&ticket.category)?;
            let merge_outcome = matches!(input.resolution, Resolution::Merged | Resolution::Rejected);
            if merge_outcome != (category == TicketCategory::MergeRequest) {
                let message = if merge_outcome {
                    "only merge requests are merged or rejected"
                } else {
                    "a merge request is merged or rejected"
                };
                return Err(ApiError::invalid_field("#/resolution", "invalid_resolution", message));
            }
            let changes = TicketChanges {
                resolution: Some(Some(input.resolution.as_str().to_owned())),
                resolution_note: Some(input.note.clone()),
                first_responded_at: first_response(&ticket, &caller),
                ..Default::default()
            };
            transition(
                conn,
                &ticket,
                next,
                changes,
                "support_ticket.resolved",
                &caller,
                &if_match,
            )?;
            if category == TicketCategory::MergeRequest {
                settle_merge(conn, &ticket, input.resolution, &caller)?;
            }
            visible_ticket(conn, &caller, &id)
        })
        .map(|t| (t, caller))
    })
    .await?;
    respond_with_ticket(&state, result.0, result.1, StatusCode::OK).await
}

/// Drives the solution of a resolved merge request, and gives a target offer its co-sell standing.
fn settle_merge(conn: &mut DbConn, ticket: &Ticket, resolution: Resolution, caller: &Caller) -> Result<(), ApiError> {
    let Some(solution) = ticket
        .related_solution_id
        .as_deref()
        .map(|id| solutions::find(conn, id))
        .transpose()?
        .flatten()
    else {
        return Err(ApiError::internal("a merge request without its solution"));
    };
    let actor = Actor::from(caller);
    if resolution == Resolution::Rejected {
        return effects::merge_rejected(conn, &solution, Some(&actor), "solution.merge_rejected");
    }
    effects::merge_completed(conn, &solution, Some(&actor))?;
    let merge: Option<MergeRequest> = ticket
        .merge_request
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok());
    if let Some(offer_id) = merge.and_then(|m| m.target_offer_id) {
        crate::offers::repo::inherit(conn, &offer_id, &effects::inheritance(&solution))?;
        audit::record(
            conn,
            Some(&actor),
            Event::new(
                "offer.co_sell_inherited",
                crate::offers::handlers::ENTITY,
                &offer_id,
                Some(&ticket.organization_id),
            ),
        )?;
    }
    Ok(())
}

macro_rules! partner_action {
    ($name:ident, $path:literal, $action:expr, $audit:literal, $summary:literal, $description:literal) => {
        #[utoipa::path(
            operation_id = stringify!($name),
            tag = "support-tickets",
            summary = $summary,
            description = $description,
            params(("id" = Uuid, Path, description = "Ticket id"), ("If-Match" = Option<String>, Header, description = "ETag of the ticket")),
            responses(
                (status = 200, description = "The ticket", body = TicketView, headers(("ETag" = String))),
                (status = 403, response = Forbidden),
                (status = 409, response = Conflict),
            ),
            security(("bearer" = []))
        )]
        #[post($path)]
        pub async fn $name(
            caller: Caller,
            state: web::Data<AppState>,
            id: web::Path<Uuid>,
            if_match: IfMatch,
            _body: EmptyBody,
        ) -> Result<HttpResponse, ApiError> {
            let id = id.into_inner().to_string();
            let result = db::write(&state.pool, move |conn| {
                retry_on_stale(conn, |conn| {
                    let ticket = visible_ticket(conn, &caller, &id)?;
                    let next = decide(&ticket, $action, &caller, &if_match)?;
                    transition(conn, &ticket, next, TicketChanges::default(), $audit, &caller, &if_match)?;
                    if $action == TicketAction::Cancel {
                        withdraw_merge_of(conn, &ticket, &caller)?;
                    }
                    visible_ticket(conn, &caller, &id)
                })
                .map(|t| (t, caller))
            })
            .await?;
            respond_with_ticket(&state, result.0, result.1, StatusCode::OK).await
        }
    };
}

partner_action!(
    close_support_ticket,
    "/{id}/close",
    TicketAction::Close,
    "support_ticket.closed",
    "Close a resolved ticket",
    "Partners confirm a resolved ticket. Honours `If-Match`."
);
partner_action!(
    reopen_support_ticket,
    "/{id}/reopen",
    TicketAction::Reopen,
    "support_ticket.reopened",
    "Reopen a resolved ticket",
    "Partners send a resolved ticket back to `in_progress` (not merge requests, whose outcome is final). Honours `If-Match`."
);
partner_action!(
    cancel_support_ticket,
    "/{id}/cancel",
    TicketAction::Cancel,
    "support_ticket.canceled",
    "Cancel a ticket",
    "Its creator, or an owner or manager, while unresolved. Canceling a merge request returns its solution to `pending`. Honours `If-Match`."
);

/// A canceled merge request gives its solution back to the partner.
pub fn withdraw_merge_of(conn: &mut DbConn, ticket: &Ticket, caller: &Caller) -> Result<(), ApiError> {
    if ticket.category != TicketCategory::MergeRequest.as_str() {
        return Ok(());
    }
    let solution = ticket
        .related_solution_id
        .as_deref()
        .map(|id| solutions::find(conn, id))
        .transpose()?
        .flatten();
    match solution {
        Some(s) if s.ticket_id.as_deref() == Some(ticket.id.as_str()) => {
            effects::merge_rejected(conn, &s, Some(&Actor::from(caller)), "solution.merge_withdrawn")
        }
        _ => Ok(()),
    }
}
