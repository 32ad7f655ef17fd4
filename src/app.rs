//! The application: routes, middleware, and the server that binds before it runs.

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope, service_config::ServiceConfig};
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::error::ApiError;
use crate::http::headers::{IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED, REQUEST_ID};
use crate::http::{conditional, fallback, idempotency, request_id};
use crate::openapi::ApiDoc;
use crate::service_endpoints::{self as service, Document};
pub use crate::state::AppState;
use crate::{
    accounts, audit, events, offers, organizations, publishers, solutions, submissions, tickets, users, webhooks,
};

/// Every `/v1` route. Routes sharing a first segment live in a scope of their own, so a request
/// is matched against its own group's patterns only. Registration order matters where paths
/// overlap (`/users/me` before `/users/{id}`).
fn v1_routes(cfg: &mut ServiceConfig) {
    cfg.service(accounts::handlers::create_account)
        .service(accounts::handlers::create_token)
        .service(accounts::handlers::refresh)
        .service(accounts::handlers::logout)
        .service(accounts::handlers::accept_invitation)
        .service(organizations::handlers::get_organization)
        .service(organizations::handlers::update_organization)
        .service(
            scope::scope("/organizations")
                .service(organizations::handlers::list_organizations)
                .service(organizations::handlers::get_organization_by_id)
                .service(organizations::handlers::verify_organization_mpn),
        )
        .service(
            scope::scope("/users")
                .service(users::handlers::get_current_user)
                .service(users::handlers::change_password)
                .service(users::handlers::list_users)
                .service(users::handlers::invite_user)
                .service(users::handlers::get_user)
                .service(users::handlers::update_user)
                .service(users::handlers::delete_user),
        )
        .service(
            scope::scope("/publisher-profiles")
                .service(publishers::handlers::list_publisher_profiles)
                .service(publishers::handlers::create_publisher_profile)
                .service(publishers::handlers::get_publisher_profile)
                .service(publishers::handlers::update_publisher_profile)
                .service(publishers::handlers::delete_publisher_profile),
        )
        .service(
            scope::scope("/offers")
                .service(offers::handlers::list_offers)
                .service(offers::handlers::create_offer)
                .service(offers::handlers::get_offer)
                .service(offers::handlers::update_offer)
                .service(offers::handlers::delete_offer)
                .service(offers::handlers::get_offer_readiness)
                .service(offers::handlers::get_offer_changes)
                .service(offers::handlers::list_offer_history)
                .service(offers::handlers::publish_offer)
                .service(offers::handlers::cancel_offer_publish)
                .service(offers::handlers::go_live_offer)
                .service(offers::handlers::stop_offer_distribution)
                .service(offers::handlers::list_offer_submissions),
        )
        .service(
            scope::scope("/submissions")
                .service(submissions::handlers::list_submissions)
                .service(submissions::handlers::get_submission)
                .service(submissions::handlers::certify_submission),
        )
        .service(
            scope::scope("/solutions")
                .service(solutions::handlers::import_solutions)
                .service(solutions::handlers::list_solutions)
                .service(solutions::handlers::get_solution)
                .service(solutions::handlers::merge_solution)
                .service(solutions::handlers::withdraw_solution_merge)
                .service(solutions::handlers::migrate_solution)
                .service(solutions::handlers::discard_solution)
                .service(solutions::handlers::undo_solution_discard),
        )
        .service(
            scope::scope("/support-tickets")
                .service(tickets::handlers::create_support_ticket)
                .service(tickets::handlers::list_support_tickets)
                .service(tickets::handlers::get_support_ticket)
                .service(tickets::handlers::list_support_ticket_comments)
                .service(tickets::handlers::add_support_ticket_comment)
                .service(tickets::handlers::assign_support_ticket)
                .service(tickets::handlers::request_support_ticket_info)
                .service(tickets::handlers::resolve_support_ticket)
                .service(tickets::handlers::close_support_ticket)
                .service(tickets::handlers::reopen_support_ticket)
                .service(tickets::handlers::cancel_support_ticket),
        )
        .service(audit::handlers::list_audit_events)
        .service(events::handlers::list_events)
        .service(events::handlers::get_event)
        .service(
            scope::scope("/webhook-endpoints")
                .service(webhooks::handlers::create_webhook_endpoint)
                .service(webhooks::handlers::list_webhook_endpoints)
                .service(webhooks::handlers::get_webhook_endpoint)
                .service(webhooks::handlers::update_webhook_endpoint)
                .service(webhooks::handlers::delete_webhook_endpoint)
                .service(webhooks::handlers::enable_webhook_endpoint)
                .service(webhooks::handlers::disable_webhook_endpoint)
                .service(webhooks::handlers::ping_webhook_endpoint)
                .service(webhooks::handlers::rotate_webhook_endpoint_secret),
        )
        .service(
            scope::scope("/webhook-deliveries")
                .service(webhooks::handlers::list_webhook_deliveries)
                .service(webhooks::handlers::get_webhook_delivery)
                .service(webhooks::handlers::retry_webhook_delivery),
        );
}

fn service_routes(cfg: &mut ServiceConfig) {
    cfg.service(service::get_health)
        .service(service::get_readiness)
        .service(service::get_openapi_document)
        .service(service::get_metrics);
}

/// The OpenAPI document, generated from the same registration as the server's routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(service_routes)
        .service(scope::scope("/v1").configure(v1_routes))
        .split_for_parts();
    let mut doc = doc;
    crate::openapi::finish(&mut doc);
    doc
}

/// The document as committed and served: pretty JSON with a trailing newline.
pub fn openapi_json() -> String {
    let mut json = openapi().to_pretty_json().expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

pub fn build_app(
    state: web::Data<AppState>,
    cors_origins: Vec<String>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(service_routes)
        .service(scope::scope("/v1").configure(v1_routes))
        .split_for_parts();
    let mut doc = doc;
    crate::openapi::finish(&mut doc);
    let routes = web::Data::new(fallback::RouteTable::from_openapi(&doc));
    let document = web::Data::new(Document(doc.to_pretty_json().unwrap_or_default()));
    app.app_data(state)
        .app_data(routes)
        .app_data(document)
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .service(
            SwaggerUi::new("/swagger-ui/{_:.*}").config(
                utoipa_swagger_ui::Config::new(["/openapi.json"])
                    .persist_authorization(true)
                    .try_it_out_enabled(true),
            ),
        )
        .default_service(web::to(fallback::unmatched))
        .wrap(from_fn(conditional::not_modified))
        .wrap(from_fn(idempotency::middleware))
        .wrap(from_fn(fallback::query_guard))
        .wrap(cors(&cors_origins))
        .wrap(from_fn(request_id::middleware))
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            IDEMPOTENCY_KEY,
            REQUEST_ID,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::LINK,
            REQUEST_ID,
            header::RETRY_AFTER,
            IDEMPOTENT_REPLAYED,
            header::WWW_AUTHENTICATE,
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let detail = match &err {
        QueryPayloadError::Deserialize(e) => format!("Bad query parameter: {e}."),
        other => format!("Bad query string: {other}."),
    };
    ApiError::invalid_parameter(detail).into()
}

fn path_error(err: PathError, req: &HttpRequest) -> actix_web::Error {
    // `PATCH /v1/users/me` reaches `PATCH /v1/users/{id}`; it is the method that is wrong.
    if let Some(table) = req.app_data::<web::Data<fallback::RouteTable>>()
        && let Some(allow) = table.literal_allowed(req.path())
    {
        return fallback::method_not_allowed(req.method(), allow).into();
    }
    ApiError::invalid_parameter(format!("Bad path parameter: {err}.")).into()
}

pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    /// Binds the listener first, so callers (and tests) know the port before running.
    pub fn build(config: &Config, state: AppState) -> std::io::Result<Self> {
        let listener = TcpListener::bind(&config.bind)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(state);
        let origins = config.cors_origins.clone();
        let server = HttpServer::new(move || build_app(state.clone(), origins.clone()))
            .workers(config.workers)
            // Database work runs on the blocking pool; more threads than connections only queue on
            // the pool and multiply context switches.
            .worker_max_blocking_threads(config.db_pool_size as usize)
            .listen(listener)?
            .run();
        Ok(Self { server, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}
