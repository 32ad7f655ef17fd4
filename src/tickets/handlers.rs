use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::dto::{
    AssignTicket, CommentView, CreateComment, CreateTicket, ListCommentsQuery, ListTicketsQuery, RequestInfo,
    ResolveTicket, TicketView,
};
use super::repo::Filter;
use super::service::{self, TicketWithCount};
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::http::body::{Body, EmptyBody, OptionalBody};
use crate::http::conditional::{created, entity};
use crate::http::pagination::{parse_list, respond_page};
use crate::ids::TicketId;
use crate::lifecycle::Precondition;
use crate::openapi::responses::*;
use crate::page::{Page, PageRequest};
use crate::state::AppState;

type PartnerAction = fn(&mut db::DbConn, &Caller, &TicketId, &Precondition) -> Result<TicketWithCount, ApiError>;

/// Close, reopen, cancel: actions without parameters.
async fn partner_action(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TicketId>,
    expected: Precondition,
    act: PartnerAction,
) -> Result<HttpResponse, ApiError> {
    let (id, who) = (id.into_inner(), caller.clone());
    let moved = db::write(&state.pool, move |conn| act(conn, &who, &id, &expected)).await?;
    ticket(StatusCode::OK, moved, &caller)
}

/// The answer of every action that leaves a ticket: the ticket as the caller sees it.
fn ticket(status: StatusCode, (ticket, comments): TicketWithCount, caller: &Caller) -> Result<HttpResponse, ApiError> {
    let version = ticket.version;
    Ok(entity(status, &TicketView::build(ticket, caller, comments)?, version))
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
    let (input, who) = (body.into_inner(), caller.clone());
    let (opened, comments) = db::write(&state.pool, move |conn| service::create(conn, &who, &input)).await?;
    let location = format!("/v1/support-tickets/{}", opened.id);
    let version = opened.version;
    Ok(created(
        location,
        &TicketView::build(opened, &caller, comments)?,
        version,
    ))
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
        organization_id: query.organization_id,
        statuses: parse_list(query.status.as_deref(), "status")?,
        category: query.category,
        assignee_id: query.assignee_id,
        overdue_at: query.overdue.filter(|o| *o).map(|_| crate::time::now()),
    };
    let (fetch, who) = (page.clone(), caller.clone());
    let rows = db::read(&state.pool, move |conn| service::list(conn, &who, &filter, &fetch)).await?;
    respond_page(
        &page,
        rows,
        |(t, _)| t.id.as_str(),
        |(t, n)| TicketView::build(t, &caller, n),
        &req,
    )
}

#[utoipa::path(
    operation_id = "get_support_ticket",
    tag = "support-tickets",
    summary = "Get a support ticket",
    description = "One ticket with its status, assignee and, for a merge request, the merge it asks for. Partners see their organization's tickets; staff see all.",
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
    id: web::Path<TicketId>,
) -> Result<HttpResponse, ApiError> {
    let (id, who) = (id.into_inner(), caller.clone());
    let found = db::read(&state.pool, move |conn| service::get(conn, &who, &id)).await?;
    ticket(StatusCode::OK, found, &caller)
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
    id: web::Path<TicketId>,
    query: web::Query<ListCommentsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, page) = (id.into_inner(), PageRequest::parse(query.limit, query.cursor)?);
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| service::comments(conn, &caller, &id, &fetch)).await?;
    respond_page(&page, rows, |c| c.id.as_str(), |c| Ok(CommentView::from(c)), &req)
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
    id: web::Path<TicketId>,
    body: Body<CreateComment>,
) -> Result<HttpResponse, ApiError> {
    let (id, input) = (id.into_inner(), body.into_inner());
    let comment = db::write(&state.pool, move |conn| service::comment(conn, &caller, &id, &input)).await?;
    let location = format!("/v1/support-tickets/{}/comments", comment.ticket_id);
    let version = comment.version;
    Ok(created(location, &CommentView::from(comment), version))
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
    id: web::Path<TicketId>,
    expected: Precondition,
    body: OptionalBody<AssignTicket>,
) -> Result<HttpResponse, ApiError> {
    let (id, who) = (id.into_inner(), caller.clone());
    let assignee = body.0.and_then(|b| b.assignee_id);
    let assigned = db::write(&state.pool, move |conn| {
        service::assign(conn, &who, &id, &expected, assignee)
    })
    .await?;
    ticket(StatusCode::OK, assigned, &caller)
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
    id: web::Path<TicketId>,
    expected: Precondition,
    body: Body<RequestInfo>,
) -> Result<HttpResponse, ApiError> {
    let (id, message, who) = (id.into_inner(), body.into_inner().message, caller.clone());
    let asked = db::write(&state.pool, move |conn| {
        service::request_info(conn, &who, &id, &expected, &message)
    })
    .await?;
    ticket(StatusCode::OK, asked, &caller)
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
    id: web::Path<TicketId>,
    expected: Precondition,
    body: Body<ResolveTicket>,
) -> Result<HttpResponse, ApiError> {
    let (id, input, who) = (id.into_inner(), body.into_inner(), caller.clone());
    let resolved = db::write(&state.pool, move |conn| {
        service::resolve(conn, &who, &id, &expected, &input)
    })
    .await?;
    ticket(StatusCode::OK, resolved, &caller)
}

#[utoipa::path(
    operation_id = "close_support_ticket",
    tag = "support-tickets",
    summary = "Close a resolved ticket",
    description = "Partners confirm a resolved ticket. Honours `If-Match`.",
    params(("id" = Uuid, Path, description = "Ticket id"), ("If-Match" = Option<String>, Header, description = "ETag of the ticket")),
    responses(
        (status = 200, description = "The ticket", body = TicketView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/close")]
pub async fn close_support_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TicketId>,
    expected: Precondition,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    partner_action(caller, state, id, expected, service::close).await
}

#[utoipa::path(
    operation_id = "reopen_support_ticket",
    tag = "support-tickets",
    summary = "Reopen a resolved ticket",
    description = "Partners send a resolved ticket back to `in_progress` (not merge requests, whose outcome is final). Honours `If-Match`.",
    params(("id" = Uuid, Path, description = "Ticket id"), ("If-Match" = Option<String>, Header, description = "ETag of the ticket")),
    responses(
        (status = 200, description = "The ticket", body = TicketView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/reopen")]
pub async fn reopen_support_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TicketId>,
    expected: Precondition,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    partner_action(caller, state, id, expected, service::reopen).await
}

#[utoipa::path(
    operation_id = "cancel_support_ticket",
    tag = "support-tickets",
    summary = "Cancel a ticket",
    description = "Its creator, or an owner or manager, while unresolved. Canceling a merge request returns its solution to `pending`. Honours `If-Match`.",
    params(("id" = Uuid, Path, description = "Ticket id"), ("If-Match" = Option<String>, Header, description = "ETag of the ticket")),
    responses(
        (status = 200, description = "The ticket", body = TicketView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/cancel")]
pub async fn cancel_support_ticket(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TicketId>,
    expected: Precondition,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    partner_action(caller, state, id, expected, service::cancel).await
}
