#![allow(dead_code)]

use std::path::PathBuf;

use actix_http::Request;
use actix_service::boxed::{self, BoxService};
use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::{test, web};
use diesel::{Connection, RunQueryDsl};
use serde_json::{Value, json};
use uuid::Uuid;

use cosell::app::{AppState, build_app};
use cosell::auth::roles::Role;
use cosell::config::Config;
use cosell::db::DbPool;

pub const SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";
pub const PASSWORD: &str = "correct horse battery staple";

/// Declares an async test that runs once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::start($crate::helpers::Backend::Sqlite).await.expect("sqlite");
                super::$name(app).await;
            }
            #[actix_web::test]
            async fn postgres() {
                match $crate::helpers::TestApp::start($crate::helpers::Backend::Postgres).await {
                    Some(app) => super::$name(app).await,
                    None => eprintln!("COSELL_TEST_POSTGRES_URL is not set: skipped on PostgreSQL"),
                }
            }
        }
    )+};
}

/// Declares async tests that run once on SQLite and once on PostgreSQL, each on an app started
/// with `settings` as well as the tests' own.
#[macro_export]
macro_rules! on_both_with {
    ($settings:expr; $($name:ident),+ $(,)?) => {$(
        mod $name {
            async fn run(backend: $crate::helpers::Backend) {
                match $crate::helpers::TestApp::start_with(backend, $settings).await {
                    Some(app) => super::$name(app).await,
                    None => eprintln!("COSELL_TEST_POSTGRES_URL is not set: skipped on PostgreSQL"),
                }
            }
            #[actix_web::test]
            async fn sqlite() {
                run($crate::helpers::Backend::Sqlite).await;
            }
            #[actix_web::test]
            async fn postgres() {
                run($crate::helpers::Backend::Postgres).await;
            }
        }
    )+};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    service: BoxService<Request, ServiceResponse<BoxBody>, actix_web::Error>,
    pub pool: DbPool,
    pub backend: Backend,
    cleanup: Cleanup,
    /// The settings it was started with.
    vars: Vec<(String, String)>,
    /// The purge and the webhook dispatcher, as a serving process runs them (until stopped).
    background: Option<cosell::background::Background>,
}

enum Cleanup {
    Dir(PathBuf),
    Schema {
        admin_url: String,
        schema: String,
    },
    /// Another app on the database of the first: the first cleans up.
    None,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The dispatcher stops (and gives its endpoints up) while its database is still there.
        self.stop_background();
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Schema { admin_url, schema } => {
                if let Ok(mut conn) = diesel::pg::PgConnection::establish(admin_url) {
                    let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut conn);
                }
            }
            Cleanup::None => {}
        }
    }
}

pub fn postgres_url() -> Option<String> {
    std::env::var("COSELL_TEST_POSTGRES_URL").ok().filter(|v| !v.is_empty())
}

impl TestApp {
    /// `None` only for PostgreSQL when no test server is configured.
    pub async fn start(backend: Backend) -> Option<Self> {
        Self::start_with(backend, &[]).await
    }

    pub async fn start_with(backend: Backend, settings: &[(&str, &str)]) -> Option<Self> {
        let (database_url, cleanup) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("cosell-test-{}", Uuid::now_v7().simple()));
                let url = format!("sqlite://{}", dir.join("cosell.db").display());
                (url, Cleanup::Dir(dir))
            }
            Backend::Postgres => {
                let admin_url = postgres_url()?;
                let schema = format!("t_{}", Uuid::now_v7().simple());
                let mut conn = diesel::pg::PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                    panic!("COSELL_TEST_POSTGRES_URL is set but PostgreSQL cannot be reached: {e}")
                });
                diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                    .execute(&mut conn)
                    .expect("create schema");
                let separator = if admin_url.contains('?') { '&' } else { '?' };
                let url = format!("{admin_url}{separator}options=-csearch_path%3D{schema}");
                (url, Cleanup::Schema { admin_url, schema })
            }
        };
        let mut vars: Vec<(String, String)> = vec![
            ("COSELL_DATABASE_URL".into(), database_url),
            ("COSELL_JWT_SECRET".into(), SECRET.into()),
            ("COSELL_DB_POOL_SIZE".into(), "4".into()),
            // Webhooks reach the tests' receivers on loopback, and retry at once.
            ("COSELL_WEBHOOK_ALLOW_HTTP".into(), "true".into()),
            ("COSELL_WEBHOOK_ALLOW_PRIVATE".into(), "true".into()),
            ("COSELL_WEBHOOK_RETRY_SCHEDULE".into(), "0,0,0".into()),
            ("COSELL_WEBHOOK_TIMEOUT_MS".into(), "3000".into()),
            // Every test request comes from one client; the limits' own tests lower these.
            ("COSELL_LIMIT_LOGINS_PER_MINUTE".into(), "100000".into()),
            ("COSELL_LIMIT_ENROLMENTS_PER_HOUR".into(), "100000".into()),
        ];
        vars.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Some(Self::serve(backend, vars, cleanup).await)
    }

    /// A second server process on this app's database, with the same settings.
    /// Stops the purge and the webhook dispatcher, as a process that shuts down does.
    pub fn stop_background(&mut self) {
        self.background.take();
    }

    pub async fn another_process(&self) -> Self {
        Self::serve(self.backend, self.vars.clone(), Cleanup::None).await
    }

    async fn serve(backend: Backend, vars: Vec<(String, String)>, cleanup: Cleanup) -> Self {
        let config = Config::from_lookup(|name| vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .expect("test config");
        let state = AppState::prepare(&config).expect("prepare the application");
        let background = cosell::background::start(&state).expect("start the background work");
        let pool = state.pool.clone();
        let app = test::init_service(build_app(web::Data::new(state), config.cors_origins.clone())).await;
        let service = boxed::service(actix_service::ServiceExt::map(app, |res: ServiceResponse<_>| {
            res.map_into_boxed_body()
        }));
        Self {
            service,
            pool,
            backend,
            cleanup,
            vars,
            background: Some(background),
        }
    }

    /// Runs `cosell <args>` (the binary) on this app's database with its settings; its output.
    pub fn run_command(&self, args: &[&str]) -> std::process::Output {
        self.run_binary(env!("CARGO_BIN_EXE_cosell"), args)
    }

    /// Runs one of the project's binaries against this app's database.
    pub fn run_binary(&self, binary: &str, args: &[&str]) -> std::process::Output {
        std::process::Command::new(binary)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("COSELL_LOG", "warn")
            .envs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("run the cosell binary")
    }

    /// The database file of a SQLite test app.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.cleanup {
            Cleanup::Dir(dir) => Some(dir.join("cosell.db")),
            Cleanup::Schema { .. } | Cleanup::None => None,
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder<'_> {
        RequestBuilder {
            app: self,
            req: test::TestRequest::default().method(method).uri(path),
            stalled: None,
        }
    }
    pub fn get(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::POST, path)
    }
    pub fn patch(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::PATCH, path)
    }
    pub fn delete(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::DELETE, path)
    }

    /// Enrols a fresh organization with a unique MPN ID; its owner is logged in.
    pub async fn enrol(&self) -> Org {
        let mpn_id = unique_mpn_id();
        let email = format!("owner-{}@contoso.example", Uuid::now_v7().simple());
        let res = self
            .post("/v1/accounts")
            .json(&json!({
                "organization": {"name": "Contoso", "mpn_id": mpn_id, "country": "US"},
                "owner": {"email": email, "display_name": "Ada Owner", "password": PASSWORD}
            }))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let token = self.login(&email, PASSWORD).await;
        Org {
            id: res.body["organization"]["id"].as_str().unwrap().to_owned(),
            mpn_id,
            owner: Member {
                id: res.body["user"]["id"].as_str().unwrap().to_owned(),
                email,
                token,
            },
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = self
            .post("/v1/auth/token")
            .json(&json!({"email": email, "password": password}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "login {email}: {}", res.body);
        res.body["access_token"].as_str().unwrap().to_owned()
    }

    /// Invites a user with `role` into `org` (as its owner), accepts, and logs in.
    pub async fn member(&self, org: &Org, role: &str) -> Member {
        let email = format!("{role}-{}@contoso.example", Uuid::now_v7().simple());
        let res = self
            .post("/v1/users")
            .bearer(&org.owner.token)
            .json(&json!({"email": email, "display_name": format!("A {role}"), "role": role}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let token = res.body["invitation_token"].as_str().unwrap().to_owned();
        let id = res.body["user"]["id"].as_str().unwrap().to_owned();
        let accepted = self
            .post("/v1/auth/accept-invitation")
            .json(&json!({"token": token, "password": PASSWORD}))
            .send()
            .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        let token = self.login(&email, PASSWORD).await;
        Member { id, email, token }
    }

    /// A staff user created the way `cosell admin create-staff` does, logged in.
    pub async fn staff(&self, role: Role) -> Member {
        let email = format!("{role}-{}@cosell.example", Uuid::now_v7().simple());
        let mut conn = self.pool.get().unwrap();
        let id = cosell::admin::create_staff(&mut conn, &email, "Staff Member", role, PASSWORD).unwrap();
        drop(conn);
        let token = self.login(&email, PASSWORD).await;
        Member { id, email, token }
    }

    /// Counts the audit events recorded for one entity.
    pub fn audit_count(&self, id: &str) -> i64 {
        use cosell::db::schema::audit_events;
        use diesel::prelude::*;
        let mut conn = self.pool.get().unwrap();
        audit_events::table
            .filter(audit_events::entity_id.eq(id))
            .count()
            .get_result(&mut conn)
            .unwrap()
    }
}

/// The ids of the items of one list page.
pub async fn listed_ids(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let page = app.get(path).bearer(token).send().await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

pub fn unique_mpn_id() -> String {
    // 10 digits from the random tail of a UUIDv7: unique enough across concurrent tests.
    let n = Uuid::now_v7().as_u128() & 0xFFFF_FFFF_FFFF;
    format!("{:010}", n % 10_000_000_000)
}

#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub email: String,
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct Org {
    pub id: String,
    pub mpn_id: String,
    pub owner: Member,
}

pub struct RequestBuilder<'a> {
    app: &'a TestApp,
    req: test::TestRequest,
    /// A body that sends its first bytes and then nothing more, never ending.
    stalled: Option<&'static [u8]>,
}

impl RequestBuilder<'_> {
    pub fn bearer(mut self, token: &str) -> Self {
        self.req = self
            .req
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.req = self.req.insert_header((name, value));
        self
    }
    /// Adds a header beside any of the same name.
    pub fn append_header(mut self, name: &str, value: &str) -> Self {
        self.req = self.req.append_header((name, value));
        self
    }
    /// The request comes from `address` (the socket's peer).
    pub fn peer(mut self, address: &str) -> Self {
        self.req = self.req.peer_addr(address.parse().expect("a socket address"));
        self
    }
    /// A JSON body whose first bytes arrive and whose rest never does.
    pub fn stalled_json(mut self, first: &'static [u8]) -> Self {
        self.req = self.req.insert_header((header::CONTENT_TYPE, "application/json"));
        self.stalled = Some(first);
        self
    }
    pub fn json(mut self, body: &Value) -> Self {
        self.req = self
            .req
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(body.to_string());
        self
    }
    pub fn raw(mut self, content_type: &str, body: impl Into<actix_web::web::Bytes>) -> Self {
        self.req = self
            .req
            .insert_header((header::CONTENT_TYPE, content_type))
            .set_payload(body.into());
        self
    }
    pub async fn send(self) -> TestResponse {
        let mut request = self.req.to_request();
        if let Some(first) = self.stalled {
            use futures_util::StreamExt;
            let chunks = futures_util::stream::once(async move {
                Ok::<_, actix_web::error::PayloadError>(actix_web::web::Bytes::from_static(first))
            })
            .chain(futures_util::stream::pending());
            let stream: std::pin::Pin<Box<dyn futures_util::Stream<Item = _>>> = Box::pin(chunks);
            request = request.replace_payload(actix_web::dev::Payload::from(stream)).0;
        }
        let response = match self.app.service.call(request).await {
            Ok(r) => r.into_parts().1,
            Err(e) => e.error_response(),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap_or_default();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        TestResponse { status, headers, body }
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json answer with this status and code, and returns its body.
    pub fn problem(&self, status: StatusCode, code: &str) -> &Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        assert_eq!(self.header("content-type"), Some("application/problem+json"));
        assert_eq!(self.body["code"], code, "{}", self.body);
        assert_eq!(self.body["status"], status.as_u16());
        assert!(self.body["request_id"].as_str().is_some_and(|id| !id.is_empty()));
        assert_eq!(self.header("request-id"), self.body["request_id"].as_str());
        &self.body
    }

    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag").to_owned()
    }
}
