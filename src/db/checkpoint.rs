//! SQLite's background checkpointer: copies the write-ahead log into the database file from a
//! thread of its own, and starts the log over under steady writes without a long stop.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};

use super::sqlite::{SYNC_FUNCTION, Wal};
use crate::config::DatabaseUrl;

/// Past this size of the log, once a `PASSIVE` checkpoint has copied all it saw, the checkpointer
/// copies the rest holding writers back, so that the log starts over. Each such stop costs them
/// a few milliseconds, whatever the size: the larger the log may grow, the less often.
pub(super) const RESTART_PAGES: u32 = 12_000;

/// How long a `FULL` checkpoint waits for the write lock and for readers of older snapshots,
/// holding writers back meanwhile once it has the lock.
const FULL_CHECKPOINT_WAIT_MS: u32 = 20;

/// How often the background checkpointer copies the write-ahead log into the database.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(100);

/// Copies SQLite's write-ahead log into the database file from a thread of its own, so that
/// requests that commit never wait for a checkpoint and its fsync. It runs `PASSIVE` checkpoints,
/// which never wait for readers or writers, every [`CHECKPOINT_INTERVAL`] and as soon as the
/// log passes [`CHECKPOINT_SOON_PAGES`](super::sqlite::CHECKPOINT_SOON_PAGES), tells [`Wal`] what each copied, and stops when dropped.
///
/// Under steady writes a `PASSIVE` checkpoint never copies the whole log (commits go on while it
/// copies), so the log would only start over when it reached [`WAL_AUTOCHECKPOINT_PAGES`](super::sqlite::WAL_AUTOCHECKPOINT_PAGES) and a
/// writer checkpointed it, syncing all it copied with the write lock held (about 30 ms without
/// a single commit). Instead, past [`RESTART_PAGES`] and once a `PASSIVE` checkpoint has copied
/// all it saw, the checkpointer syncs the database and the log without any lock, then runs a
/// `FULL` checkpoint, which holds writers back only while it copies and syncs what was logged
/// in the meantime (a few milliseconds); the next write starts the log over.
pub struct Checkpointer {
    running: std::sync::Arc<AtomicBool>,
}

impl Checkpointer {
    /// Starts the checkpointer for a SQLite database; `None` for PostgreSQL.
    pub fn start(url: &DatabaseUrl, busy_timeout_ms: u32) -> Result<Option<Self>, String> {
        let DatabaseUrl::Sqlite(path) = url else {
            return Ok(None);
        };
        let mut conn = SqliteConnection::establish(&path.to_string_lossy())
            .map_err(|e| format!("cannot open the database for checkpoints: {e}"))?;
        // Only the short wait of a `FULL` checkpoint uses it: `PASSIVE` ones never wait.
        let wait_ms = busy_timeout_ms.min(FULL_CHECKPOINT_WAIT_MS);
        conn.batch_execute(&format!("PRAGMA busy_timeout = {wait_ms};"))
            .map_err(|e| format!("cannot set up the checkpointer: {e}"))?;
        let wal = Wal::of_connection(&mut conn)?;
        let running = std::sync::Arc::new(AtomicBool::new(true));
        let flag = running.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                // Another checkpoint follows at once only while each copies more than the last:
                // one that a reader holds back waits for its turn.
                let (mut again, mut last) = (false, Checkpointed::default());
                while flag.load(Ordering::Relaxed) {
                    if !again {
                        wal.wait_for_growth(CHECKPOINT_INTERVAL);
                    }
                    match checkpoint(&mut conn, "PASSIVE") {
                        Ok(done) => {
                            let whole = wal.checkpointed(done.log, done.checkpointed);
                            let advanced = done.checkpointed > last.checkpointed || done.log < last.log;
                            again = !whole && advanced && wal.large();
                            last = done;
                            if !whole && done.log >= RESTART_PAGES as i32 && done.checkpointed == done.log {
                                // It copied all it saw, and the log has grown since: what it
                                // copied is flushed without the write lock, then a `FULL`
                                // checkpoint copies the rest with it held (a short stop for
                                // writers) so that the log can start over.
                                flush(&mut conn);
                                if let Ok(full) = checkpoint(&mut conn, "FULL") {
                                    // One that did not get the whole log waits for the next turn.
                                    wal.checkpointed(full.log, full.checkpointed);
                                    again = false;
                                    last = full;
                                }
                            }
                        }
                        Err(e) => {
                            again = false;
                            tracing::warn!(error = %e, "background checkpoint failed");
                        }
                    }
                }
            })
            .map_err(|e| format!("cannot start the checkpointer: {e}"))?;
        Ok(Some(Self { running }))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.running.store(false, Ordering::Relaxed);
    }
}

/// What a checkpoint reported: pages in the log, and how many of them are in the database.
#[derive(diesel::QueryableByName, Default, Clone, Copy)]
struct Checkpointed {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    checkpointed: i32,
}

/// Syncs the database file and its log through the checkpointer's own connection (SQLite's file
/// handles: a file opened and closed beside them would drop the process's locks on it). What a
/// `PASSIVE` checkpoint copied, and what was logged since, are then on disk before the `FULL`
/// checkpoint that holds writers back syncs them again, with little left to write. A failure
/// only leaves that work to the `FULL` checkpoint.
fn flush(conn: &mut SqliteConnection) {
    if let Err(e) = conn.batch_execute(&format!("SELECT {}()", SYNC_FUNCTION.to_string_lossy())) {
        tracing::warn!(error = %e, "cannot sync the database before a checkpoint");
    }
}

/// Runs a checkpoint of the given mode. One that could not copy the whole log (a reader held it
/// back, or a `FULL` one did not get the write lock within the connection's busy timeout) says
/// so by copying less than the log holds.
fn checkpoint(conn: &mut SqliteConnection, mode: &str) -> Result<Checkpointed, diesel::result::Error> {
    diesel::sql_query(format!("PRAGMA wal_checkpoint({mode})")).get_result(conn)
}
