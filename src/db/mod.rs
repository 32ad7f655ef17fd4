//! Database access: one connection type over SQLite and PostgreSQL, the pool, migrations, and
//! the helpers that run diesel off the async workers inside the right kind of transaction.

pub mod schema;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseUrl;
use crate::error::ApiError;

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
}

impl std::ops::Deref for DbPool {
    type Target = Pool<ConnectionManager<DbConn>>;

    fn deref(&self) -> &Self::Target {
        &self.shared
    }
}

pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

/// Per-connection SQLite settings; `busy_timeout_ms` is how long a writer waits for the lock
/// before the request answers 503.
#[derive(Debug)]
struct SqliteSettings {
    busy_timeout_ms: u32,
}

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqliteSettings {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(conn) = conn {
            // busy_timeout comes first so that even switching to WAL waits for other writers.
            // Checkpoints are the background checkpointer's job ([`Checkpointer`]); a writer
            // checkpoints itself only if the log grows past WAL_AUTOCHECKPOINT_PAGES anyway.
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {};
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES};",
                self.busy_timeout_ms
            ))
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Turns on SQLite's query planner stability guarantee for every connection this process opens.
///
/// Without it, a statement whose plan could depend on a bound value (diesel binds every `LIMIT`)
/// is marked to expire whenever that value is bound again, so each execution of a cached
/// statement parses and plans it anew. With it, cached statements are planned once.
fn sqlite_stable_plans() {
    use libsqlite3_sys as ffi;
    use std::ffi::{c_char, c_int};

    unsafe extern "C" fn on_open(
        db: *mut ffi::sqlite3,
        _error: *mut *mut c_char,
        _api: *const ffi::sqlite3_api_routines,
    ) -> c_int {
        // SAFETY: SQLite calls this with the handle of the connection being opened; the
        // variadic arguments are the documented (int, int*) pair, and a null int* is allowed.
        unsafe {
            ffi::sqlite3_db_config(
                db,
                ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
                1 as c_int,
                std::ptr::null_mut::<c_int>(),
            )
        };
        ffi::SQLITE_OK
    }

    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        // SAFETY: registers a function with the signature SQLite expects of an automatic
        // extension; it stays valid for the life of the process.
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(on_open)) };
        if rc != ffi::SQLITE_OK {
            tracing::warn!(rc, "cannot register the SQLite connection settings");
        }
    });
}

/// Pages of write-ahead log after which a committing writer checkpoints by itself: a bound on the
/// log's size (about 40 MiB) for when the background checkpointer cannot keep up.
const WAL_AUTOCHECKPOINT_PAGES: u32 = 10_000;

/// How often the background checkpointer copies the write-ahead log into the database.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(100);

/// Copies SQLite's write-ahead log into the database file from a thread of its own, so that
/// requests that commit never wait for a checkpoint and its fsync. It runs `PASSIVE` checkpoints,
/// which never wait for readers or writers, and stops when dropped.
pub struct Checkpointer {
    running: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Checkpointer {
    /// Starts the checkpointer for a SQLite database; `None` for PostgreSQL.
    pub fn start(url: &DatabaseUrl, busy_timeout_ms: u32) -> Result<Option<Self>, String> {
        let DatabaseUrl::Sqlite(path) = url else {
            return Ok(None);
        };
        let mut conn = SqliteConnection::establish(&path.to_string_lossy())
            .map_err(|e| format!("cannot open the database for checkpoints: {e}"))?;
        conn.batch_execute(&format!("PRAGMA busy_timeout = {busy_timeout_ms};"))
            .map_err(|e| format!("cannot set up the checkpointer: {e}"))?;
        let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = running.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while flag.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(CHECKPOINT_INTERVAL);
                    if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
                        tracing::warn!(error = %e, "background checkpoint failed");
                    }
                }
            })
            .map_err(|e| format!("cannot start the checkpointer: {e}"))?;
        Ok(Some(Self { running }))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.running.store(false, std::sync::atomic::Ordering::Relaxed);
    }
}

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

/// `UPDATE table SET values WHERE filter`, kept prepared on its connection and found again by
/// its SQL text.
///
/// diesel prepares every `UpdateStatement` anew on each execution: a changeset's text varies
/// with the fields it sets, so it never keeps one. Keyed by the text, keeping it is safe, and a
/// changeset of optional fields keeps one prepared statement per combination it is used with.
#[derive(Debug, Clone)]
pub struct Update<Tab: diesel::Table, V, W> {
    from: Tab::FromClause,
    values: V,
    filter: W,
}

/// An [`Update`] of the rows of `table` that match `filter`.
pub fn update<Tab, V, W>(table: Tab, values: V, filter: W) -> Update<Tab, V::Changeset, W>
where
    Tab: diesel::Table + diesel::query_source::QuerySource,
    V: diesel::AsChangeset<Target = Tab>,
{
    Update {
        from: diesel::query_source::QuerySource::from_clause(&table),
        values: values.as_changeset(),
        filter,
    }
}

impl<Tab: diesel::Table, V, W> diesel::query_builder::QueryId for Update<Tab, V, W> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Tab, V, W, DB> diesel::query_builder::QueryFragment<DB> for Update<Tab, V, W>
where
    DB: diesel::backend::Backend,
    Tab: diesel::Table,
    Tab::FromClause: diesel::query_builder::QueryFragment<DB>,
    V: diesel::query_builder::QueryFragment<DB>,
    W: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        out.push_sql("UPDATE ");
        self.from.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.values.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())
    }
}

impl<Tab: diesel::Table, V, W, C> RunQueryDsl<C> for Update<Tab, V, W> {}

/// Builds the pool for `url`; the SQLite file's folder is created when missing.
pub fn connect(url: &DatabaseUrl, max_size: u32, busy_timeout_ms: u32) -> Result<DbPool, String> {
    let (conn_string, sqlite) = match url {
        DatabaseUrl::Sqlite(path) => {
            sqlite_stable_plans();
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
            .connection_customizer(Box::new(SqliteSettings { busy_timeout_ms }))
            .build(ConnectionManager::<DbConn>::new(conn_string.clone()))
            .map_err(|e| format!("cannot open the database: {e}"))
    };
    let shared = build(max_size, Duration::from_secs(5))?;
    // A write waits for the write connection as long as it would wait for the lock.
    let writer = match sqlite {
        true => Some(build(1, Duration::from_millis(busy_timeout_ms.max(1).into()))?),
        false => None,
    };
    Ok(DbPool { shared, writer })
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

/// Runs `f` in a transaction that may write. On SQLite it starts as `BEGIN IMMEDIATE`, so the
/// write lock is taken up front and waits under the busy timeout instead of failing half-way.
pub fn write_tx<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, ApiError>) -> Result<T, ApiError> {
    match conn {
        DbConn::Sqlite(lite) => AnsiTransactionManager::begin_transaction_sql(lite, "BEGIN IMMEDIATE")?,
        DbConn::Pg(pg) => AnsiTransactionManager::begin_transaction(pg)?,
    }
    type Manager = <DbConn as Connection>::TransactionManager;
    match f(conn) {
        Ok(value) => {
            if let Err(e) = Manager::commit_transaction(conn) {
                let _ = Manager::rollback_transaction(conn);
                return Err(e.into());
            }
            Ok(value)
        }
        Err(e) => {
            Manager::rollback_transaction(conn)?;
            Err(e)
        }
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
    let request_id = crate::http::context::request_id();
    actix_web::web::block(move || {
        crate::http::context::in_blocking_scope(request_id, || {
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

/// Like [`run`], inside [`write_tx`], on SQLite's write connection.
pub async fn write<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    let connections = pool.writer.as_ref().unwrap_or(&pool.shared).clone();
    run_on(connections, move |conn| write_tx(conn, f)).await
}

/// Checks that the database answers (for `/readyz`).
pub fn ping(conn: &mut DbConn) -> Result<(), ApiError> {
    conn.batch_execute("SELECT 1")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::query_builder::QueryFragment;
    use diesel::sqlite::Sqlite;

    use super::schema::offers;

    #[test]
    fn an_update_is_kept_prepared_and_sets_what_it_is_given() {
        let changes = (offers::name.eq("Renamed"), offers::version.eq(offers::version + 1));
        let filter = offers::id.eq("o-1").and(offers::version.eq(3_i64));
        let ours = super::update(offers::table, changes, filter);
        assert!(ours.is_safe_to_cache_prepared(&Sqlite).unwrap());
        let diesels = diesel::update(offers::table.filter(filter)).set(changes);
        assert!(
            !diesels.is_safe_to_cache_prepared(&Sqlite).unwrap(),
            "diesel's own update is prepared per execution"
        );
        assert_eq!(
            diesel::debug_query::<Sqlite, _>(&ours).to_string(),
            diesel::debug_query::<Sqlite, _>(&diesels).to_string()
        );
    }

    /// SQLite writes go through one connection of their own: they proceed while every shared
    /// connection is taken, and each finds what the previous one left on its connection.
    #[actix_web::test]
    async fn sqlite_writes_share_one_connection_of_their_own() {
        use diesel::connection::SimpleConnection;
        let dir = std::env::temp_dir().join(format!("cosell-writer-{}", uuid::Uuid::now_v7().simple()));
        let url = crate::config::DatabaseUrl::Sqlite(dir.join("db.sqlite"));
        let pool = super::connect(&url, 2, 1_000).unwrap();
        let shared = (pool.get().unwrap(), pool.get().unwrap());
        super::write(&pool, |conn| {
            Ok(conn.batch_execute("CREATE TEMP TABLE mine (x INTEGER)")?)
        })
        .await
        .unwrap();
        let found = super::write(&pool, |conn| {
            Ok(diesel::sql_query("SELECT x FROM temp.mine").execute(conn).is_ok())
        })
        .await
        .unwrap();
        assert!(found, "the second write ran on another connection");
        drop(shared);
        drop(pool);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A write waits for the write connection no longer than the busy timeout, then answers
    /// 503 with `Retry-After`; the write that held it still commits.
    #[actix_web::test]
    async fn a_write_waits_for_the_writer_no_longer_than_the_busy_timeout() {
        use diesel::connection::SimpleConnection;
        let dir = std::env::temp_dir().join(format!("cosell-writer-{}", uuid::Uuid::now_v7().simple()));
        let url = crate::config::DatabaseUrl::Sqlite(dir.join("db.sqlite"));
        let pool = super::connect(&url, 2, 100).unwrap();
        let slow = super::write(&pool, |conn| {
            conn.batch_execute("CREATE TABLE slow (x INTEGER)")?;
            std::thread::sleep(std::time::Duration::from_millis(600));
            Ok(())
        });
        let waiting = async {
            // Let the slow write take the connection first.
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
            let started = std::time::Instant::now();
            let answer = super::write(&pool, |_| Ok(())).await;
            (answer, started.elapsed())
        };
        let (slow, (waited, elapsed)) = futures_util::future::join(slow, waiting).await;
        slow.unwrap();
        let refused = waited.unwrap_err();
        assert_eq!(refused.status, actix_web::http::StatusCode::SERVICE_UNAVAILABLE);
        assert!(elapsed < std::time::Duration::from_millis(450), "waited {elapsed:?}");
        drop(pool);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn an_update_changes_only_the_rows_its_filter_matches() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            "CREATE TABLE offers (id TEXT PRIMARY KEY, name TEXT NOT NULL, version BIGINT NOT NULL);
             INSERT INTO offers VALUES ('a', 'A', 1), ('b', 'B', 1);",
        )
        .unwrap();
        let rename = |conn: &mut SqliteConnection, id: &str, version: i64| {
            super::update(
                offers::table,
                (offers::name.eq(format!("{id}2")), offers::version.eq(version + 1)),
                offers::id.eq(id).and(offers::version.eq(version)),
            )
            .execute(conn)
            .unwrap()
        };
        assert_eq!(rename(&mut conn, "a", 1), 1);
        assert_eq!(rename(&mut conn, "a", 1), 0, "a stale version matches nothing");
        let rows: Vec<(String, String, i64)> = offers::table
            .select((offers::id, offers::name, offers::version))
            .order(offers::id)
            .load(&mut conn)
            .unwrap();
        assert_eq!(rows, vec![("a".into(), "a2".into(), 2), ("b".into(), "B".into(), 1)]);
    }
}
