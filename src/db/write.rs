//! Write transactions: after-commit hooks, the transaction itself, and where a write runs
//! (on the async worker when nothing would make it wait, else on the blocking pool).

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

use super::{DbConn, DbPool, run_on, sqlite};
use crate::error::ApiError;

thread_local! {
    /// What the transaction running on this thread does once it has committed.
    static AFTER_COMMIT: std::cell::RefCell<Vec<fn()>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` once the write transaction running now commits (never, if it rolls back). Each
/// function runs once per transaction, however often it is asked for.
pub fn after_commit(f: fn()) {
    AFTER_COMMIT.with(|hooks| {
        let mut hooks = hooks.borrow_mut();
        if !hooks.contains(&f) {
            hooks.push(f);
        }
    });
}

fn take_after_commit() -> Vec<fn()> {
    AFTER_COMMIT.with(|hooks| std::mem::take(&mut *hooks.borrow_mut()))
}

/// Runs `f` in a transaction that may write. On SQLite it starts as `BEGIN IMMEDIATE`, so the
/// write lock is taken up front and waits under the busy timeout instead of failing half-way.
/// What `f` asked for with [`after_commit`] runs after the commit.
pub fn write_tx<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, ApiError>) -> Result<T, ApiError> {
    take_after_commit();
    match conn {
        DbConn::Sqlite(lite) => AnsiTransactionManager::begin_transaction_sql(lite, "BEGIN IMMEDIATE")?,
        DbConn::Pg(pg) => AnsiTransactionManager::begin_transaction(pg)?,
    }
    type Manager = <DbConn as Connection>::TransactionManager;
    let outcome = match f(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = Manager::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(e) => Manager::rollback_transaction(conn).map_err(ApiError::from).and(Err(e)),
    };
    let hooks = take_after_commit();
    if outcome.is_ok() {
        hooks.into_iter().for_each(|hook| hook());
    }
    outcome
}

/// How many times a write decides again after its version-guarded update lost a race.
const ATTEMPTS: usize = 3;

/// Runs a short write: [`write_tx`] on SQLite's write connection, a few statements bounded by
/// indexes (one object and what its change records). When `f` finds an object changed between
/// its read and its guarded write ([`ApiError::stale`]), its transaction is rolled back and `f`
/// runs again from the start, so the loser of a race gets the answer the new state calls for (a
/// 412 for a stale `If-Match`, a 409 for a state that moved on). After [`ATTEMPTS`] lost races
/// the answer is 503.
///
/// On SQLite such a write runs right here, on the async worker, when the write connection is
/// idle and nothing would make it wait: a commit there only appends to the log, and the hand-off
/// to the blocking pool and back costs more than the rest of an edit outside its transaction.
/// Whatever could wait (starting the log over with its sync, a checkpoint, another process's
/// lock) goes to the blocking pool instead ([`sqlite::Wal`]). PostgreSQL writes, which wait on
/// the network, always go there. A write whose size the input decides uses [`write_long`].
pub async fn write<T, F>(pool: &DbPool, mut f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnMut(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    if let Some(done) = pool.write_here(&mut f) {
        return done;
    }
    write_long(pool, f).await
}

/// [`write`] on the blocking pool, always: for a write of many rows (an import).
pub async fn write_long<T, F>(pool: &DbPool, mut f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnMut(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    let connections = pool.writer.as_ref().unwrap_or(&pool.shared).clone();
    run_on(connections, move |conn| attempts(conn, &mut f)).await
}

/// `f` in [`write_tx`], again after each lost race, at most [`ATTEMPTS`] times.
fn attempts<T>(conn: &mut DbConn, mut f: impl FnMut(&mut DbConn) -> Result<T, ApiError>) -> Result<T, ApiError> {
    for _ in 0..ATTEMPTS {
        match write_tx(conn, &mut f) {
            Err(e) if e.is_stale() => continue,
            other => return other,
        }
    }
    Err(ApiError::unavailable().with_cause("kept losing races for one object"))
}

impl DbPool {
    /// The PostgreSQL database's URL, for reads on the async worker ([`pg_async`]); `None` on
    /// SQLite.
    pub fn postgres_url(&self) -> Option<&str> {
        self.postgres_url.as_deref()
    }

    /// SQLite's write connection, if it is idle and the log lets a write go without waiting.
    fn quick_writer(&self) -> Option<super::PooledConn> {
        self.wal.filter(|wal| wal.quick_write())?;
        self.writer.as_ref()?.try_get()
    }

    /// [`attempts`] on the async worker, if SQLite's write connection is idle and the log lets
    /// a write go without waiting; `None` when it must go to the blocking pool.
    fn write_here<T>(&self, f: impl FnMut(&mut DbConn) -> Result<T, ApiError>) -> Option<Result<T, ApiError>> {
        let mut conn = self.quick_writer()?;
        // A panic answers 500, as on the blocking pool, instead of taking the worker down; the
        // connection, left in its transaction, is dropped by the pool as broken.
        sqlite::on_worker(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| attempts(&mut conn, f)))
                .unwrap_or_else(|_| Err(ApiError::internal("a write panicked")))
        })
    }
}

/// [`write_tx`] on SQLite's write connection right here, when [`write`] would run on the async
/// worker (the connection idle, nothing that would make the write wait): for background work
/// on a thread of its own that also must not stall (the webhook dispatcher's). `Err(f)` gives
/// `f` back, not run, when it must go where it may wait ([`write_blocking`]).
pub fn write_if_quick<T, F>(pool: &DbPool, f: F) -> Result<Result<T, ApiError>, F>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError>,
{
    let mut slot = Some(f);
    let Some(mut conn) = pool.quick_writer() else {
        return Err(slot.take().expect("not taken yet"));
    };
    let done = sqlite::on_worker(|| {
        write_tx(&mut conn, |conn| match slot.take() {
            Some(f) => f(conn),
            None => Err(ApiError::internal("a write ran twice")),
        })
    });
    match (done, slot) {
        (Some(done), _) => Ok(done),
        // Another process held the lock before `f` ran: `f` goes where it may wait.
        (None, Some(f)) => Err(f),
        // It met the lock after `f` ran, and the transaction was rolled back.
        (None, None) => Ok(Err(
            ApiError::unavailable().with_cause("another process holds the database's lock")
        )),
    }
}

/// [`write_tx`] on the write connection, from a thread that may block (background work).
pub fn write_blocking<T>(pool: &DbPool, f: impl FnOnce(&mut DbConn) -> Result<T, ApiError>) -> Result<T, ApiError> {
    let mut conn = pool.writer.as_ref().unwrap_or(&pool.shared).get()?;
    write_tx(&mut conn, f)
}

#[cfg(test)]
mod tests {
    use diesel::RunQueryDsl;

    /// SQLite writes go through one connection of their own: they proceed while every shared
    /// connection is taken, and each finds what the previous one left on its connection.
    #[actix_web::test]
    async fn sqlite_writes_share_one_connection_of_their_own() {
        use diesel::connection::SimpleConnection;
        let dir = std::env::temp_dir().join(format!("cosell-writer-{}", uuid::Uuid::now_v7().simple()));
        let url = crate::config::DatabaseUrl::Sqlite(dir.join("db.sqlite"));
        let pool = crate::db::connect(&url, 2, 1_000).unwrap();
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
        let pool = crate::db::connect(&url, 2, 100).unwrap();
        let slow = super::write_long(&pool, |conn| {
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
        assert_eq!(refused.status(), 503);
        assert!(elapsed < std::time::Duration::from_millis(450), "waited {elapsed:?}");
        drop(pool);
        let _ = std::fs::remove_dir_all(dir);
    }

    fn scratch(busy_timeout_ms: u32) -> (std::path::PathBuf, crate::config::DatabaseUrl, super::DbPool) {
        let dir = std::env::temp_dir().join(format!("cosell-writer-{}", uuid::Uuid::now_v7().simple()));
        let url = crate::config::DatabaseUrl::Sqlite(dir.join("db.sqlite"));
        let pool = crate::db::connect(&url, 2, busy_timeout_ms).unwrap();
        (dir, url, pool)
    }

    /// Inserts a row with a short write; the thread it ran on.
    async fn insert(pool: &super::DbPool) -> std::thread::ThreadId {
        use diesel::connection::SimpleConnection;
        super::write(pool, |conn| {
            conn.batch_execute("CREATE TABLE IF NOT EXISTS t (x BLOB); INSERT INTO t VALUES (zeroblob(8192))")?;
            Ok(std::thread::current().id())
        })
        .await
        .unwrap()
    }

    /// A short SQLite write runs on the async worker itself, except the first after a
    /// checkpoint that copied the whole log, which starts the log over and syncs its header: that
    /// one goes to the blocking pool (and starts the log over), the next is back on the worker.
    #[actix_web::test]
    async fn short_writes_run_on_the_worker_except_the_one_that_starts_the_log_over() {
        let (dir, url, pool) = scratch(1_000);
        let worker = std::thread::current().id();
        for _ in 0..5 {
            assert_eq!(insert(&pool).await, worker, "a write left the worker");
        }
        let wal = pool.wal.unwrap();
        let grown = wal.frames();
        assert!(grown > 5, "the log holds {grown} pages");
        let checkpointer = crate::db::Checkpointer::start(&url, 1_000).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while wal.quick_write() {
            assert!(
                std::time::Instant::now() < deadline,
                "no checkpoint copied the whole log"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        drop(checkpointer);
        assert_ne!(
            insert(&pool).await,
            worker,
            "the write that starts the log over ran on the worker"
        );
        assert!(
            wal.frames() < grown,
            "the log did not start over: {} pages",
            wal.frames()
        );
        assert_eq!(insert(&pool).await, worker, "the write after it stayed off the worker");
        drop(pool);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// While another process holds the write lock, a short write gives up on the worker at
    /// once and waits on the blocking pool (up to the busy timeout), where it commits once the
    /// lock is free.
    #[actix_web::test]
    async fn a_short_write_meeting_another_process_lock_waits_off_the_worker() {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let (dir, url, pool) = scratch(5_000);
        let worker = std::thread::current().id();
        assert_eq!(insert(&pool).await, worker);
        let crate::config::DatabaseUrl::Sqlite(path) = &url else {
            unreachable!()
        };
        let mut other = diesel::sqlite::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        other.batch_execute("BEGIN IMMEDIATE").unwrap();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            other.batch_execute("COMMIT").unwrap();
        });
        let started = std::time::Instant::now();
        // The worker stays free meanwhile: this timer fires while the write waits.
        let ticked = async {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
            started.elapsed()
        };
        let (ran_on, ticked) = futures_util::future::join(insert(&pool), ticked).await;
        assert_ne!(ran_on, worker, "the write waited on the worker");
        assert!(
            started.elapsed() >= std::time::Duration::from_millis(250),
            "it did not wait for the lock"
        );
        assert!(
            ticked < std::time::Duration::from_millis(250),
            "the worker was blocked for {ticked:?}"
        );
        holder.join().unwrap();
        drop(pool);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Writes leave the worker when the log is near the size at which a writer checkpoints by
    /// itself, or when the log is due to start over.
    #[test]
    fn the_log_decides_where_a_write_may_run() {
        let wal = crate::db::sqlite::Wal::of(&format!("/nonexistent/{}", uuid::Uuid::now_v7()));
        assert!(wal.quick_write());
        wal.committed(crate::db::sqlite::QUICK_WRITE_MAX_PAGES, true);
        assert!(!wal.quick_write(), "a log near the checkpointing size");
        wal.committed(10, false);
        assert!(wal.quick_write());
        assert!(wal.checkpointed(10, 10), "a checkpoint of the whole log needs no other");
        assert!(!wal.quick_write(), "a log due to start over");
        wal.committed(20, true);
        assert!(!wal.quick_write(), "a write on the worker does not start the log over");
        assert!(
            !wal.checkpointed(15, 15),
            "a checkpoint of all it saw, with commits since, did not copy the whole log"
        );
        wal.committed(5, false);
        assert!(wal.quick_write());
    }

    /// A background write runs right here when nothing would make it wait; while another
    /// process holds the lock it is given back, not run, for a thread that may wait.
    #[actix_web::test]
    async fn a_quick_background_write_runs_here_or_is_given_back_unrun() {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let (dir, url, pool) = scratch(5_000);
        insert(&pool).await;
        let ran = std::cell::Cell::new(0);
        let write = |conn: &mut super::DbConn| {
            ran.set(ran.get() + 1);
            Ok(conn.batch_execute("INSERT INTO t VALUES (x'00')")?)
        };
        assert!(matches!(super::write_if_quick(&pool, write), Ok(Ok(()))));
        assert_eq!(ran.get(), 1);
        let crate::config::DatabaseUrl::Sqlite(path) = &url else {
            unreachable!()
        };
        let mut other = diesel::sqlite::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        other.batch_execute("BEGIN IMMEDIATE").unwrap();
        let started = std::time::Instant::now();
        let given_back = super::write_if_quick(&pool, write);
        assert!(given_back.is_err(), "it ran while another process held the lock");
        assert_eq!(ran.get(), 1, "the write given back had run");
        assert!(
            started.elapsed() < std::time::Duration::from_millis(100),
            "it waited for the lock"
        );
        other.batch_execute("ROLLBACK").unwrap();
        let Err(f) = given_back else { unreachable!() };
        super::write_blocking(&pool, f).unwrap();
        assert_eq!(ran.get(), 2);
        drop(pool);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Under steady writes, which no `PASSIVE` checkpoint ever catches up with, the log starts
    /// over long before a writer would checkpoint it with the write lock held: the checkpointer
    /// copies the rest itself, holding writers back for a moment. (The writes leave the lock
    /// free between them for a moment, as requests do; a writer that never lets go of it is
    /// left to checkpoint by itself.)
    #[test]
    fn under_steady_writes_the_checkpointer_starts_the_log_over() {
        use crate::db::checkpoint::RESTART_PAGES;
        use crate::db::sqlite::WAL_AUTOCHECKPOINT_PAGES;
        use diesel::connection::SimpleConnection;
        let (dir, url, pool) = scratch(1_000);
        let wal = pool.wal.unwrap();
        super::write_blocking(&pool, |conn| Ok(conn.batch_execute("CREATE TABLE t (x BLOB)")?)).unwrap();
        let checkpointer = crate::db::Checkpointer::start(&url, 1_000).unwrap();
        let (mut peak, mut restarted) = (0, false);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !restarted {
            assert!(
                std::time::Instant::now() < deadline,
                "the log never started over (it reached {peak} pages)"
            );
            super::write_blocking(&pool, |conn| {
                Ok(conn.batch_execute("INSERT INTO t VALUES (zeroblob(8192))")?)
            })
            .unwrap();
            std::thread::sleep(std::time::Duration::from_micros(100));
            let frames = wal.frames();
            restarted = peak >= RESTART_PAGES && frames < peak;
            peak = peak.max(frames);
        }
        assert!(
            peak < WAL_AUTOCHECKPOINT_PAGES,
            "the log reached {peak} pages, where a writer checkpoints"
        );
        drop(checkpointer);
        drop(pool);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// While a reader holds back a large log, the checkpointer does not run again at once after
    /// each checkpoint that copies nothing more: it waits for its turn.
    #[actix_web::test]
    async fn a_checkpointer_held_back_by_a_reader_waits_for_its_turn() {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let (dir, url, pool) = scratch(1_000);
        insert(&pool).await;
        let crate::config::DatabaseUrl::Sqlite(path) = &url else {
            unreachable!()
        };
        let mut reader = diesel::sqlite::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        reader.batch_execute("BEGIN; SELECT count(*) FROM t;").unwrap();
        // About 5,000 pages of log that the reader's snapshot keeps from being copied.
        super::write(&pool, |conn| {
            Ok(conn.batch_execute("INSERT INTO t VALUES (zeroblob(20000000))")?)
        })
        .await
        .unwrap();
        let wal = pool.wal.unwrap();
        assert!(
            wal.frames() >= crate::db::sqlite::CHECKPOINT_SOON_PAGES,
            "{} pages",
            wal.frames()
        );
        let before = wal.checkpoints();
        let checkpointer = crate::db::Checkpointer::start(&url, 1_000).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(350));
        drop(checkpointer);
        let ran = wal.checkpoints() - before;
        // One every interval (100 ms), and one more right after the first: about five.
        assert!((1..=8).contains(&ran), "{ran} checkpoints in 350 ms");
        reader.batch_execute("COMMIT").unwrap();
        drop(pool);
        let _ = std::fs::remove_dir_all(dir);
    }
}
