use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::dto::{CertifySubmission, ListSubmissionsQuery, SubmissionView};
use super::repo::Filter;
use super::service;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::http::body::Body;
use crate::http::conditional::entity;
use crate::http::pagination::{parse_list, respond_page};
use crate::ids::SubmissionId;
use crate::lifecycle::Precondition;
use crate::openapi::responses::*;
use crate::page::{Page, PageRequest};
use crate::state::AppState;

#[utoipa::path(
    operation_id = "list_submissions",
    tag = "submissions",
    summary = "List submissions",
    description = "Reviewers see every organization's submissions: `state=in_certification` is the certification queue. Partners see their own.",
    params(ListSubmissionsQuery),
    responses(
        (status = 200, description = "One page of submissions, newest first", body = Page<SubmissionView>),
    ),
    security(("bearer" = []))
)]
#[get("")]
pub async fn list_submissions(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ListSubmissionsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let filter = Filter {
        offer_id: query.offer_id,
        states: parse_list(query.state.as_deref(), "state")?,
        organization_id: query.organization_id,
    };
    let (role, fetch) = (caller.role, page.clone());
    let rows = db::read(&state.pool, move |conn| service::list(conn, &caller, &filter, &fetch)).await?;
    respond_page(&page, rows, |s| s.id.as_str(), |s| SubmissionView::build(s, role), &req)
}

#[utoipa::path(
    operation_id = "get_submission",
    tag = "submissions",
    summary = "Get a submission",
    description = "One publish attempt: its state (certification, preview, live), the certification result and feedback, and the actions open to the caller.",
    params(("id" = Uuid, Path, description = "Submission id")),
    responses(
        (status = 200, description = "The submission with its steps, certification and snapshot", body = SubmissionView, headers(("ETag" = String))),
    ),
    security(("bearer" = []))
)]
#[get("/{id}")]
pub async fn get_submission(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<SubmissionId>,
) -> Result<HttpResponse, ApiError> {
    let (id, role) = (id.into_inner(), caller.role);
    let submission = db::read(&state.pool, move |conn| service::visible(conn, &caller, &id)).await?;
    let version = submission.version;
    Ok(entity(
        StatusCode::OK,
        &SubmissionView::build(submission, role)?,
        version,
    ))
}

#[utoipa::path(
    operation_id = "certify_submission",
    tag = "submissions",
    summary = "Certify a submission",
    description = "Reviewers only, while the submission is in certification. `passed`: the submission goes to preview with a \
`preview_url` and the offer to `preview`. `failed` (needs at least one feedback item): the offer needs attention and \
the partner sees the feedback; publishing again starts a new submission. Honours `If-Match` (the submission's ETag).",
    params(
        ("id" = Uuid, Path, description = "Submission id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the submission"),
    ),
    request_body = CertifySubmission,
    responses(
        (status = 200, description = "The decided submission", body = SubmissionView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/certify")]
pub async fn certify_submission(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<SubmissionId>,
    expected: Precondition,
    body: Body<CertifySubmission>,
) -> Result<HttpResponse, ApiError> {
    let (id, input, role) = (id.into_inner(), body.into_inner(), caller.role);
    let submission = db::write(&state.pool, move |conn| {
        service::certify(conn, &caller, &id, &expected, &input)
    })
    .await?;
    let version = submission.version;
    Ok(entity(
        StatusCode::OK,
        &SubmissionView::build(submission, role)?,
        version,
    ))
}
