//! Database access: one connection type over SQLite and PostgreSQL, the pool, migrations, and
//! the helpers that decide where diesel runs: reads here and in [`write`] (writes), on the
//! async worker where nothing can make them wait, else on the blocking pool; PostgreSQL's
//! hottest reads on each worker's own connection ([`pg_async`]).

mod checkpoint;
pub mod pg_async;
pub mod schema;
mod sqlite;
pub mod statistics;
mod text;
mod update;
mod write;

use std::time::Duration;

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseUrl;
use crate::error::{ApiError, ErrorCode};

pub use checkpoint::Checkpointer;
pub use text::ReadText;
pub use update::{Update, Versioned, update, versioned, versioned_at};
pub use write::{after_commit, write, write_blocking, write_if_quick, write_long, write_tx};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Arbitrary, stable key of the PostgreSQL advisory lock that serialises migrations.
const MIGRATION_LOCK_KEY: i64 = 0x636f_7365_6c6c;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// The connections to one database. Reads, and on PostgreSQL writes as well, take one from the
/// shared pool (through `Deref`, this is that pool). On SQLite, which admits one writer at a
/// time anyway, every write goes through one connection of its own ([`write`]):
/// - writers queue for it and the next one is woken the moment the previous one is done, where
///   SQLite's busy handler would poll with sleeps of up to 100 ms; a writer waits at most the
///   busy timeout, then answers 503 (other processes still meet SQLite's busy timeout);
/// - its page cache stays valid from one write to the next, where a pooled connection would
///   have to read again the pages that another connection's commit made stale.
#[derive(Debug, Clone)]
pub struct DbPool {
    shared: Pool<ConnectionManager<DbConn>>,
    writer: Option<Pool<ConnectionManager<DbConn>>>,
    wal: Option<&'static sqlite::Wal>,
    postgres_url: Option<String>,
}

impl std::ops::Deref for DbPool {
    type Target = Pool<ConnectionManager<DbConn>>;

    fn deref(&self) -> &Self::Target {
        &self.shared
    }
}

pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

/// Runs `$body` with `$c` bound to the backend's own connection (`PgConnection` or
/// `SqliteConnection`); the body is compiled once for each.
///
/// Through [`DbConn`] every execution writes out the statement's SQL text, at least to decide
/// whether the prepared statement may be cached, before it finds the one it prepared before;
/// on the backend's own connection a statement whose shape is fixed is found by its type. For
/// the statements that every request runs.
#[macro_export]
macro_rules! native {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

/// Builds the pool for `url`; the SQLite file's folder is created when missing.
pub fn connect(url: &DatabaseUrl, max_size: u32, busy_timeout_ms: u32) -> Result<DbPool, String> {
    let (conn_string, sqlite) = match url {
        DatabaseUrl::Sqlite(path) => {
            sqlite::set_up_connections();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            (path.to_string_lossy().into_owned(), true)
        }
        DatabaseUrl::Postgres(url) => (url.clone(), false),
    };
    let build = |size: u32, timeout: Duration| {
        Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(timeout)
            // No ping before every checkout (a round trip per request): a broken connection shows
            // as an error on use, which answers 503, and r2d2 drops connections diesel reports
            // broken.
            .test_on_check_out(false)
            .connection_customizer(Box::new(sqlite::SqliteSettings { busy_timeout_ms }))
            .build(ConnectionManager::<DbConn>::new(conn_string.clone()))
            .map_err(|e| format!("cannot open the database: {e}"))
    };
    let shared = build(max_size, Duration::from_secs(5))?;
    // A write waits for the write connection as long as it would wait for the lock.
    let writer = match sqlite {
        true => Some(build(1, Duration::from_millis(busy_timeout_ms.max(1).into()))?),
        false => None,
    };
    let wal = match &writer {
        Some(writer) => match &mut *writer.get().map_err(|e| format!("cannot open the database: {e}"))? {
            DbConn::Sqlite(conn) => Some(sqlite::Wal::of_connection(conn)?),
            DbConn::Pg(_) => None,
        },
        None => None,
    };
    let postgres_url = match url {
        DatabaseUrl::Postgres(url) => Some(url.clone()),
        DatabaseUrl::Sqlite(_) => None,
    };
    Ok(DbPool {
        shared,
        writer,
        wal,
        postgres_url,
    })
}

/// Applies every pending migration. On PostgreSQL an advisory lock makes concurrent starts of
/// several processes take turns instead of racing.
pub fn migrate(conn: &mut DbConn) -> Result<usize, String> {
    let err = |e: Box<dyn std::error::Error + Send + Sync>| format!("migration failed: {e}");
    match conn {
        DbConn::Pg(pg) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .execute(pg)
                .map_err(|e| format!("cannot take the migration lock: {e}"))?;
            let applied = pg.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
            let _ = diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(pg);
            applied.map_err(err)
        }
        DbConn::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.len())
            .map_err(err),
    }
}

/// Runs blocking database work on actix's blocking thread pool with a pooled connection.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    run_on(pool.shared.clone(), f).await
}

async fn run_on<T, F>(pool: Pool<ConnectionManager<DbConn>>, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    let request_id = crate::context::request_id();
    actix_web::web::block(move || {
        crate::context::in_blocking_scope(request_id, || {
            let mut conn = pool.get().map_err(|e| {
                tracing::warn!(error = %e, "no database connection available");
                ApiError::unavailable()
            })?;
            f(&mut conn)
        })
    })
    .await
    .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")))?
}

/// Runs read-only work bounded by an index: lookups by key, and keyset pages over indexed
/// filters. On SQLite it runs right here, on the async worker: in WAL mode readers never wait
/// for writers, and such a read from the page cache costs a few microseconds, far less than the
/// hand-off to the blocking pool and back (about 10 µs on one core, as much as all the rest of a
/// cached `GET /v1/offers/{id}`). This is the one exception to "diesel off the async workers".
/// A read that may scan
/// many rows (a text search) uses [`run`] instead. When no connection is idle this waits on the
/// blocking pool like [`run`]; PostgreSQL reads, which wait on the network, always go there. As
/// on PostgreSQL, each statement sees what was committed when it started.
pub async fn read<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    let idle = pool.try_get();
    match idle {
        Some(mut conn) if matches!(*conn, DbConn::Sqlite(_)) => f(&mut conn),
        other => {
            // A PostgreSQL connection goes back to the pool before the blocking pool takes one.
            drop(other);
            run(pool, f).await
        }
    }
}

/// [`read`] when `scans` is false; [`run`] when the read may scan many rows (a text search).
pub async fn read_or_scan<T, F>(pool: &DbPool, scans: bool, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    if scans { run(pool, f).await } else { read(pool, f).await }
}

/// Checks that the database answers (for `/readyz`).
pub fn ping(conn: &mut DbConn) -> Result<(), ApiError> {
    conn.batch_execute("SELECT 1")?;
    Ok(())
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// A `LIKE` pattern (escape `\\`) matching text that contains `q`, case-insensitively with [`lower`].
pub fn contains_pattern(q: &str) -> String {
    format!(
        "%{}%",
        q.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// The end of a version-guarded write: `Ok` when it changed the one row it guards, otherwise
/// [`ApiError::stale`] (the row moved on since it was read).
pub fn guarded(rows: usize) -> Result<(), ApiError> {
    if rows == 1 { Ok(()) } else { Err(ApiError::stale()) }
}

/// An insert whose unique constraint stands for a rule: a clash is `clash`, with our words.
pub fn unique(inserted: diesel::QueryResult<usize>, code: ErrorCode, detail: &'static str) -> Result<(), ApiError> {
    match inserted {
        Ok(_) => Ok(()),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            Err(ApiError::new(code, detail))
        }
        Err(other) => Err(other.into()),
    }
}

/// Filters a boxed query to rows whose `column` is one of `values`: nothing for no values, an
/// equality for one (a statement with `IN (…)` is prepared anew on every execution, one with
/// `=` is kept in the statement cache), `IN (…)` for several.
pub fn one_of<Q, C, T>(query: Q, column: C, values: &[T]) -> Q
where
    C: diesel::ExpressionMethods + Copy,
    T: diesel::expression::AsExpression<C::SqlType> + Clone,
    C::SqlType: diesel::sql_types::SqlType,
    Q: diesel::query_dsl::methods::FilterDsl<diesel::dsl::Eq<C, T>, Output = Q>
        + diesel::query_dsl::methods::FilterDsl<diesel::dsl::EqAny<C, Vec<T>>, Output = Q>,
{
    match values {
        [] => query,
        [one] => diesel::query_dsl::methods::FilterDsl::filter(query, column.eq(one.clone())),
        several => diesel::query_dsl::methods::FilterDsl::filter(query, column.eq_any(several.to_vec())),
    }
}
