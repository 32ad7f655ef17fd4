//! SQLite's side of the pool: per-connection settings, stable query plans, and the background
//! checkpointer.

use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::CustomizeConnection;
use diesel::sqlite::SqliteConnection;

use super::DbConn;
use crate::config::DatabaseUrl;

/// Per-connection SQLite settings; `busy_timeout_ms` is how long a writer waits for the lock
/// before the request answers 503.
#[derive(Debug)]
pub(super) struct SqliteSettings {
    pub(super) busy_timeout_ms: u32,
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
pub(super) fn stable_plans() {
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
