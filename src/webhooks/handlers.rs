use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use super::dto::{CreateEndpoint, DeliveryView, EndpointSecret, EndpointView, ListDeliveriesQuery, UpdateEndpoint};
use super::lifecycle::EndpointAction;
use super::model::Endpoint;
use super::repo::DeliveryFilter;
use super::service;
use super::url::UrlPolicy;
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::http::body::{Body, EmptyBody};
use crate::http::conditional::{created, entity};
use crate::http::pagination::{parse_list, respond_page};
use crate::ids::{WebhookDeliveryId, WebhookEndpointId};
use crate::lifecycle::Precondition;
use crate::offers::dto::PageQuery;
use crate::openapi::responses::*;
use crate::page::{Page, PageRequest};
use crate::state::AppState;

fn policy(state: &AppState) -> UrlPolicy {
    UrlPolicy {
        allow_http: state.webhooks.allow_http,
        allow_private: state.webhooks.allow_private,
    }
}

fn endpoint(endpoint: Endpoint) -> HttpResponse {
    let version = endpoint.version;
    entity(StatusCode::OK, &EndpointView::from(endpoint), version)
}

/// An answer that shows the signing secret: never cached, never replayed.
fn with_secret(status: StatusCode, endpoint: Endpoint) -> HttpResponse {
    let (version, location) = (endpoint.version, format!("/v1/webhook-endpoints/{}", endpoint.id));
    let body = EndpointSecret {
        secret: endpoint.secret.clone(),
        previous_secret_expires_at: endpoint.previous_secret_expires_at.map(Into::into),
        endpoint: EndpointView::from(endpoint),
    };
    let mut response = match status {
        StatusCode::CREATED => created(location, &body, version),
        _ => entity(status, &body, version),
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

#[utoipa::path(
    operation_id = "create_webhook_endpoint",
    tag = "webhooks",
    summary = "Add a webhook endpoint",
    description = "Owners and managers; at most 16 per organization (409 `limit_reached`). The URL is `https://` (422 for \
user info, a fragment, a local address or `localhost`). The answer shows the signing `secret`, once.",
    request_body = CreateEndpoint,
    responses(
        (status = 201, description = "The endpoint and its signing secret", body = EndpointSecret, headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("")]
pub async fn create_webhook_endpoint(
    caller: Caller,
    state: web::Data<AppState>,
    body: Body<CreateEndpoint>,
) -> Result<HttpResponse, ApiError> {
    let (input, policy) = (body.into_inner(), policy(&state));
    let made = db::write(&state.pool, move |conn| service::create(conn, &caller, &input, policy)).await?;
    Ok(with_secret(StatusCode::CREATED, made))
}

#[utoipa::path(
    operation_id = "list_webhook_endpoints",
    tag = "webhooks",
    summary = "List webhook endpoints",
    description = "The organization's endpoints, newest first. Owners and managers.",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of endpoints", body = Page<EndpointView>),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("")]
pub async fn list_webhook_endpoints(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| service::list(conn, &caller, &fetch)).await?;
    respond_page(&page, rows, |e| e.id.as_str(), |e| Ok(EndpointView::from(e)), &req)
}

#[utoipa::path(
    operation_id = "get_webhook_endpoint",
    tag = "webhooks",
    summary = "Get a webhook endpoint",
    description = "Owners and managers. The signing secret is never shown again.",
    params(("id" = Uuid, Path, description = "Webhook endpoint id")),
    responses(
        (status = 200, description = "The endpoint", body = EndpointView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/{id}")]
pub async fn get_webhook_endpoint(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<WebhookEndpointId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = db::read(&state.pool, move |conn| service::visible(conn, &caller, &id)).await?;
    Ok(endpoint(found))
}

#[utoipa::path(
    operation_id = "update_webhook_endpoint",
    tag = "webhooks",
    summary = "Change a webhook endpoint",
    description = "`url`, `description` (`null` clears it) and `enabled_events`. Honours `If-Match`.",
    params(
        ("id" = Uuid, Path, description = "Webhook endpoint id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version being changed"),
    ),
    request_body = UpdateEndpoint,
    responses(
        (status = 200, description = "The endpoint", body = EndpointView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[patch("/{id}")]
pub async fn update_webhook_endpoint(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<WebhookEndpointId>,
    expected: Precondition,
    body: Body<UpdateEndpoint>,
) -> Result<HttpResponse, ApiError> {
    let (id, input, policy) = (id.into_inner(), body.into_inner(), policy(&state));
    let changed = db::write(&state.pool, move |conn| {
        service::update(conn, &caller, &id, &expected, &input, policy)
    })
    .await?;
    Ok(endpoint(changed))
}

#[utoipa::path(
    operation_id = "delete_webhook_endpoint",
    tag = "webhooks",
    summary = "Remove a webhook endpoint",
    description = "Its deliveries go with it. Honours `If-Match`.",
    params(
        ("id" = Uuid, Path, description = "Webhook endpoint id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version being removed"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[delete("/{id}")]
pub async fn delete_webhook_endpoint(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<WebhookEndpointId>,
    expected: Precondition,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    db::write(&state.pool, move |conn| service::delete(conn, &caller, &id, &expected)).await?;
    Ok(HttpResponse::NoContent().finish())
}

type EndpointAct = fn(&mut DbConn, &Caller, &WebhookEndpointId, &Precondition) -> Result<Endpoint, ApiError>;

/// Enable, disable and ping: actions without parameters.
async fn act(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<WebhookEndpointId>,
    expected: Precondition,
    act: EndpointAct,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let done = db::write(&state.pool, move |conn| act(conn, &caller, &id, &expected)).await?;
    Ok(endpoint(done))
}

#[utoipa::path(
    operation_id = "enable_webhook_endpoint",
    tag = "webhooks",
    summary = "Enable a webhook endpoint",
    description = "A disabled endpoint gets deliveries again (those still pending resume). Honours `If-Match`.",
    params(("id" = Uuid, Path, description = "Webhook endpoint id"), ("If-Match" = Option<String>, Header, description = "ETag of the endpoint")),
    responses(
        (status = 200, description = "The endpoint", body = EndpointView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/enable")]
pub async fn enable_webhook_endpoint(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<WebhookEndpointId>,
    expected: Precondition,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    act(caller, state, id, expected, |conn, caller, id, expected| {
        service::switch(conn, caller, id, expected, EndpointAction::Enable)
    })
    .await
}

#[utoipa::path(
    operation_id = "disable_webhook_endpoint",
    tag = "webhooks",
    summary = "Disable a webhook endpoint",
    description = "No delivery is attempted until it is enabled again (`disabled_reason: manual`). Honours `If-Match`.",
    params(("id" = Uuid, Path, description = "Webhook endpoint id"), ("If-Match" = Option<String>, Header, description = "ETag of the endpoint")),
    responses(
        (status = 200, description = "The endpoint", body = EndpointView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/disable")]
pub async fn disable_webhook_endpoint(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<WebhookEndpointId>,
    expected: Precondition,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    act(caller, state, id, expected, |conn, caller, id, expected| {
        service::switch(conn, caller, id, expected, EndpointAction::Disable)
    })
    .await
}

#[utoipa::path(
    operation_id = "ping_webhook_endpoint",
    tag = "webhooks",
    summary = "Ping a webhook endpoint",
    description = "Sends a `webhook_endpoint.ping` event to this endpoint alone; see its delivery in `GET /v1/webhook-deliveries`.",
    params(("id" = Uuid, Path, description = "Webhook endpoint id")),
    responses(
        (status = 200, description = "The endpoint", body = EndpointView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/ping")]
pub async fn ping_webhook_endpoint(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<WebhookEndpointId>,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    act(caller, state, id, Precondition::None, |conn, caller, id, _| {
        service::ping(conn, caller, id)
    })
    .await
}

#[utoipa::path(
    operation_id = "rotate_webhook_endpoint_secret",
    tag = "webhooks",
    summary = "Rotate the signing secret",
    description = "A new secret signs every delivery from now on; the previous one signs beside it for 24 hours \
(`webhook-signature` then holds two signatures). The answer shows the new secret, once. Honours `If-Match`.",
    params(("id" = Uuid, Path, description = "Webhook endpoint id"), ("If-Match" = Option<String>, Header, description = "ETag of the endpoint")),
    responses(
        (status = 200, description = "The endpoint and its new secret", body = EndpointSecret, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/rotate-secret")]
pub async fn rotate_webhook_endpoint_secret(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<WebhookEndpointId>,
    expected: Precondition,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rotated = db::write(&state.pool, move |conn| {
        service::rotate_secret(conn, &caller, &id, &expected)
    })
    .await?;
    Ok(with_secret(StatusCode::OK, rotated))
}

#[utoipa::path(
    operation_id = "list_webhook_deliveries",
    tag = "webhooks",
    summary = "List webhook deliveries",
    description = "Newest first, with every attempt. Owners and managers.",
    params(ListDeliveriesQuery),
    responses(
        (status = 200, description = "One page of deliveries", body = Page<DeliveryView>),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("")]
pub async fn list_webhook_deliveries(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ListDeliveriesQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let filter = DeliveryFilter {
        endpoint_id: query.endpoint_id,
        event_id: query.event_id,
        statuses: parse_list(query.status.as_deref(), "status")?,
    };
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| {
        service::deliveries(conn, &caller, &filter, &fetch)
    })
    .await?;
    respond_page(&page, rows, |d| d.id.as_str(), DeliveryView::try_from, &req)
}

#[utoipa::path(
    operation_id = "get_webhook_delivery",
    tag = "webhooks",
    summary = "Get a webhook delivery",
    description = "One delivery of one event to one endpoint, with every attempt: when, the answer's status, the first KiB of its body, and when the next attempt is due.",
    params(("id" = Uuid, Path, description = "Webhook delivery id")),
    responses(
        (status = 200, description = "The delivery", body = DeliveryView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/{id}")]
pub async fn get_webhook_delivery(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<WebhookDeliveryId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = db::read(&state.pool, move |conn| service::delivery(conn, &caller, &id)).await?;
    let version = found.version;
    Ok(entity(StatusCode::OK, &DeliveryView::try_from(found)?, version))
}

#[utoipa::path(
    operation_id = "retry_webhook_delivery",
    tag = "webhooks",
    summary = "Retry a webhook delivery",
    description = "One more attempt, now, whatever became of the delivery before.",
    params(("id" = Uuid, Path, description = "Webhook delivery id")),
    responses(
        (status = 200, description = "The delivery, pending", body = DeliveryView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/retry")]
pub async fn retry_webhook_delivery(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<WebhookDeliveryId>,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let pending = db::write(&state.pool, move |conn| service::retry(conn, &caller, &id)).await?;
    let version = pending.version;
    Ok(entity(StatusCode::OK, &DeliveryView::try_from(pending)?, version))
}
