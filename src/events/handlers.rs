use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::dto::{EventView, ListEventsQuery};
use super::service;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::http::conditional::entity;
use crate::ids::EventId;
use crate::openapi::responses::*;
use crate::page::{MAX_LIMIT, Page};
use crate::state::AppState;

#[utoipa::path(
    operation_id = "list_events",
    tag = "events",
    summary = "Read the event feed",
    description = "The organization's events **oldest first** (the one exception to newest first), after the \
sequence `after`: pass back `next_cursor` as `after` for the next page, or the last sequence seen to catch up \
after downtime. `type` filters by event types and patterns (`offer.*,solution.merged`). Owners, managers and \
staff (who pass `organization_id`); events are kept 30 days.",
    params(ListEventsQuery),
    responses(
        (status = 200, description = "One page of events", body = Page<EventView>),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/events")]
pub async fn list_events(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ListEventsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(crate::page::DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_parameter(format!(
            "`limit` must be between 1 and {MAX_LIMIT}."
        )));
    }
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid_parameter("`after` must be a sequence, 0 or more."));
    }
    let rows = db::read(&state.pool, move |conn| {
        service::list(
            conn,
            &caller,
            query.organization_id,
            after,
            query.types.as_deref(),
            limit + 1,
        )
    })
    .await?;
    let more = rows.len() as i64 > limit;
    let items = rows
        .into_iter()
        .take(limit as usize)
        .map(EventView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let next_cursor = items.last().filter(|_| more).map(|e| e.sequence.to_string());
    let mut response = HttpResponse::Ok();
    if let Some(next) = &next_cursor {
        response.insert_header((header::LINK, crate::http::pagination::link_with(&req, "after", next)));
    }
    Ok(response.json(Page { items, next_cursor }))
}

#[utoipa::path(
    operation_id = "get_event",
    tag = "events",
    summary = "Get an event",
    description = "The same object a webhook delivery of it carries.",
    params(("id" = Uuid, Path, description = "Event id")),
    responses(
        (status = 200, description = "The event", body = EventView),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/events/{id}")]
pub async fn get_event(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<EventId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let event = db::read(&state.pool, move |conn| service::get(conn, &caller, &id)).await?;
    // An event never changes: its ETag is that of its first and only version.
    Ok(entity(StatusCode::OK, &EventView::try_from(event)?, 1))
}
