//! SQLite's side of the pool: per-connection settings, stable query plans, and what the process
//! knows of each database's write-ahead log (the background checkpointer is in [`super::checkpoint`]).

use std::cell::Cell;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use diesel::r2d2::CustomizeConnection;
use diesel::sqlite::SqliteConnection;
use libsqlite3_sys as ffi;

use super::DbConn;

/// Per-connection SQLite settings; `busy_timeout_ms` is how long a writer waits for the lock
/// before the request answers 503.
#[derive(Debug)]
pub(super) struct SqliteSettings {
    pub(super) busy_timeout_ms: u32,
}

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqliteSettings {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(conn) = conn {
            // The busy timeout is set first so that even switching to WAL waits for other
            // writers. It is [`Wal`]'s busy handler's, as checkpoints are: the background
            // checkpointer's job ([`Checkpointer`]), and a writer's only if the log grows past
            // WAL_AUTOCHECKPOINT_PAGES anyway. (`PRAGMA busy_timeout` and `PRAGMA
            // wal_autocheckpoint` would replace those callbacks with SQLite's own.)
            Wal::of_connection(conn)
                .map_err(|e| diesel::r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(e)))?
                .set_busy_timeout(self.busy_timeout_ms);
            conn.batch_execute(
                "SELECT cosell_wal_callbacks();
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Sets up every connection this process opens: SQLite's query planner stability guarantee,
/// and [`Wal`]'s callbacks.
///
/// Without the guarantee, a statement whose plan could depend on a bound value (diesel binds
/// every `LIMIT`) is marked to expire whenever that value is bound again, so each execution of a
/// cached statement parses and plans it anew. With it, cached statements are planned once.
pub(super) fn set_up_connections() {
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
            );
            // SQLite installs its own WAL hook after the automatic extensions have run, so
            // [`Wal`]'s callbacks are installed later, by this function (see `on_acquire`).
            ffi::sqlite3_create_function_v2(
                db,
                CALLBACKS_FUNCTION.as_ptr(),
                0,
                ffi::SQLITE_UTF8,
                std::ptr::null_mut(),
                Some(install_callbacks),
                None,
                None,
                None,
            );
            ffi::sqlite3_create_function_v2(
                db,
                SYNC_FUNCTION.as_ptr(),
                0,
                ffi::SQLITE_UTF8,
                std::ptr::null_mut(),
                Some(sync_files),
                None,
                None,
                None,
            );
        }
        ffi::SQLITE_OK
    }

    unsafe extern "C" fn sync_files(
        context: *mut ffi::sqlite3_context,
        _argc: c_int,
        _argv: *mut *mut ffi::sqlite3_value,
    ) {
        // SAFETY: SQLite calls this with the context of a running statement of an open
        // connection, whose file handles stay open while it runs; `xSync` is the documented
        // method of an open `sqlite3_file`.
        unsafe {
            let db = ffi::sqlite3_context_db_handle(context);
            let mut rc = ffi::SQLITE_OK;
            for op in [ffi::SQLITE_FCNTL_FILE_POINTER, ffi::SQLITE_FCNTL_JOURNAL_POINTER] {
                let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
                let found = ffi::sqlite3_file_control(db, c"main".as_ptr(), op, (&raw mut file).cast());
                if found != ffi::SQLITE_OK || file.is_null() || (*file).pMethods.is_null() {
                    continue;
                }
                if let Some(sync) = (*(*file).pMethods).xSync {
                    let synced = sync(file, ffi::SQLITE_SYNC_NORMAL);
                    if synced != ffi::SQLITE_OK {
                        rc = synced;
                    }
                }
            }
            match rc {
                ffi::SQLITE_OK => ffi::sqlite3_result_null(context),
                _ => ffi::sqlite3_result_error_code(context, rc),
            }
        }
    }

    unsafe extern "C" fn install_callbacks(
        context: *mut ffi::sqlite3_context,
        _argc: c_int,
        _argv: *mut *mut ffi::sqlite3_value,
    ) {
        // SAFETY: SQLite calls this with the context of a running statement of an open
        // connection.
        unsafe {
            connection_callbacks(ffi::sqlite3_context_db_handle(context));
            ffi::sqlite3_result_null(context);
        }
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

/// The SQL function, defined on every connection, that installs [`Wal`]'s callbacks on it.
const CALLBACKS_FUNCTION: &CStr = c"cosell_wal_callbacks";

/// The SQL function, defined on every connection, that syncs its database file and log.
pub(super) const SYNC_FUNCTION: &CStr = c"cosell_sync_files";

/// Pages of write-ahead log after which a committing writer checkpoints by itself: a bound on the
/// log's size (about 80 MiB) for when the background checkpointer cannot keep up. Each time the
/// log starts over, a writer syncs its header with the write lock held (a few milliseconds):
/// the larger the log may grow, the less often, as writes go at about 70,000 pages a second.
pub(super) const WAL_AUTOCHECKPOINT_PAGES: u32 = 20_000;

/// Up to this size of the log a short write may run on the async worker: far enough below
/// [`WAL_AUTOCHECKPOINT_PAGES`] that no such write takes it past.
pub(super) const QUICK_WRITE_MAX_PAGES: u32 = 18_000;

/// Past this size of the log the background checkpointer runs at once, not at its next turn.
pub(super) const CHECKPOINT_SOON_PAGES: u32 = 4_000;

/// The busy timeout of a connection no pool set up (SQLite's default is none at all).
const DEFAULT_BUSY_TIMEOUT_MS: u32 = 5_000;

/// What this process knows of one database's write-ahead log, kept up to date by SQLite's
/// callbacks on every connection to it (installed by [`connection_callbacks`]), and what it needs
/// to decide whether a write may run on the async worker ([`Wal::quick_write`]).
///
/// A write on the async worker must never wait for the disk or for another process, since that
/// stops every request of the worker. In WAL mode with `synchronous = NORMAL` a commit only
/// appends to the log, but three things make a writer wait:
/// - the first write after a checkpoint that copied the whole log starts the log over and syncs
///   its header (a fraction of a millisecond to tens of them, with the disk's other work): after
///   such a checkpoint, the next write goes through the blocking pool;
/// - a writer checkpoints by itself once the log passes [`WAL_AUTOCHECKPOINT_PAGES`]: it does
///   so only off the async worker, and a log near that size sends writes to the blocking pool;
/// - the write lock held by another process: on the async worker the busy handler gives up at
///   once, and the write starts again on the blocking pool, which waits the busy timeout.
#[derive(Debug)]
pub(super) struct Wal {
    /// Pages in the log after the last commit of this process.
    frames: AtomicU32,
    /// A checkpoint copied the whole log, and no write through the blocking pool has run since.
    restart_due: AtomicBool,
    /// How long a writer off the async worker waits for another process's lock.
    busy_timeout_ms: AtomicU32,
    /// Rung when the log passes [`CHECKPOINT_SOON_PAGES`]: the checkpointer runs at once.
    soon: (Mutex<bool>, Condvar),
    /// Checkpoints seen, for tests.
    #[cfg(test)]
    checkpoints: std::sync::atomic::AtomicU64,
}

thread_local! {
    /// Whether this thread runs a write on the async worker now (see [`Wal`]).
    static ON_WORKER: Cell<bool> = const { Cell::new(false) };
    /// Whether the busy handler gave up on this thread because it runs on the async worker.
    static GAVE_UP: Cell<bool> = const { Cell::new(false) };
}

impl Wal {
    /// The log of the database at `file` (as SQLite names it: `PRAGMA database_list`). One per
    /// file for the life of the process.
    pub(super) fn of(file: &str) -> &'static Wal {
        static ALL: Mutex<Vec<(String, &'static Wal)>> = Mutex::new(Vec::new());
        let mut all = ALL.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, wal)) = all.iter().find(|(f, _)| f == file) {
            return wal;
        }
        let wal: &'static Wal = Box::leak(Box::new(Wal {
            frames: AtomicU32::new(0),
            restart_due: AtomicBool::new(false),
            busy_timeout_ms: AtomicU32::new(DEFAULT_BUSY_TIMEOUT_MS),
            soon: (Mutex::new(false), Condvar::new()),
            #[cfg(test)]
            checkpoints: std::sync::atomic::AtomicU64::new(0),
        }));
        all.push((file.to_owned(), wal));
        wal
    }

    /// The log of the database `conn` is open on.
    pub(super) fn of_connection(conn: &mut SqliteConnection) -> Result<&'static Wal, String> {
        #[derive(diesel::QueryableByName)]
        struct Listed {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            file: String,
        }
        let listed: Vec<Listed> = diesel::sql_query("PRAGMA database_list")
            .load(conn)
            .map_err(|e| format!("cannot list the database's files: {e}"))?;
        let main = listed
            .into_iter()
            .find(|l| l.name == "main")
            .ok_or("the database has no main file")?;
        Ok(Self::of(&main.file))
    }

    pub(super) fn set_busy_timeout(&self, ms: u32) {
        self.busy_timeout_ms.store(ms, Ordering::Relaxed);
    }

    /// Whether a short write may run on the async worker now: no restart of the log is due and
    /// the log is well below the size at which a writer checkpoints.
    pub(super) fn quick_write(&self) -> bool {
        !self.restart_due.load(Ordering::Acquire) && self.frames.load(Ordering::Relaxed) < QUICK_WRITE_MAX_PAGES
    }

    /// Pages in the log after the last commit of this process.
    #[cfg(test)]
    pub(super) fn frames(&self) -> u32 {
        self.frames.load(Ordering::Relaxed)
    }

    /// Checkpoints seen so far.
    #[cfg(test)]
    pub(super) fn checkpoints(&self) -> u64 {
        self.checkpoints.load(Ordering::Relaxed)
    }

    /// A commit left `pages` in the log; `on_worker` when it ran on the async worker.
    pub(super) fn committed(&self, pages: u32, on_worker: bool) {
        let before = self.frames.swap(pages, Ordering::Relaxed);
        if !on_worker {
            // This write started the log over if a checkpoint had copied all of it.
            self.restart_due.store(false, Ordering::Release);
        }
        if before < CHECKPOINT_SOON_PAGES && pages >= CHECKPOINT_SOON_PAGES {
            let (rung, bell) = &self.soon;
            *rung.lock().unwrap_or_else(|e| e.into_inner()) = true;
            bell.notify_one();
        }
    }

    /// What a checkpoint saw: `log` pages in the log, `copied` of them in the database. True when
    /// that was the whole log and nothing was committed since: the next write starts the log
    /// over.
    pub(super) fn checkpointed(&self, log: i32, copied: i32) -> bool {
        #[cfg(test)]
        self.checkpoints.fetch_add(1, Ordering::Relaxed);
        let whole = log > 0 && log == copied && log as u32 >= self.frames.load(Ordering::Relaxed);
        if whole {
            self.restart_due.store(true, Ordering::Release);
        }
        whole
    }

    /// Whether the log has grown past [`CHECKPOINT_SOON_PAGES`].
    pub(super) fn large(&self) -> bool {
        self.frames.load(Ordering::Relaxed) >= CHECKPOINT_SOON_PAGES
    }

    /// Waits until the log grows past [`CHECKPOINT_SOON_PAGES`], at most `timeout`.
    pub(super) fn wait_for_growth(&self, timeout: Duration) {
        let (rung, bell) = &self.soon;
        let guard = rung.lock().unwrap_or_else(|e| e.into_inner());
        let (mut guard, _) = bell
            .wait_timeout_while(guard, timeout, |rung| !*rung)
            .unwrap_or_else(|e| e.into_inner());
        *guard = false;
    }
}

/// Runs `f` as a write on the async worker: the busy handler gives up at once and the writer
/// does not checkpoint. Returns `None` when `f` failed because another process held the lock,
/// so that the caller runs it again where it may wait.
pub(super) fn on_worker<T>(f: impl FnOnce() -> T) -> Option<T> {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            ON_WORKER.set(false);
        }
    }
    ON_WORKER.set(true);
    GAVE_UP.set(false);
    let _reset = Reset;
    let done = f();
    (!GAVE_UP.replace(false)).then_some(done)
}

/// Installs [`Wal`]'s callbacks on a connection SQLite has just opened.
///
/// # Safety
/// `db` is the handle of an open connection.
unsafe fn connection_callbacks(db: *mut ffi::sqlite3) {
    // SAFETY: `db` is open; "main" is a valid schema name and the returned name lives as long
    // as the connection.
    let file = unsafe { ffi::sqlite3_db_filename(db, c"main".as_ptr()) };
    let file = match file.is_null() {
        true => String::new(),
        // SAFETY: SQLite returns a NUL-terminated string.
        false => unsafe { CStr::from_ptr(file) }.to_string_lossy().into_owned(),
    };
    let wal = std::ptr::from_ref(Wal::of(&file)).cast_mut().cast::<c_void>();
    // SAFETY: the callbacks match SQLite's signatures and `wal` lives for the whole process.
    unsafe {
        ffi::sqlite3_wal_hook(db, Some(on_commit), wal);
        ffi::sqlite3_busy_handler(db, Some(on_busy), wal);
    }
}

/// SQLite's WAL hook, called after each commit of the connection with the log's size in pages.
/// It replaces SQLite's automatic checkpoint (`wal_autocheckpoint`), which is the same
/// `PASSIVE` checkpoint past [`WAL_AUTOCHECKPOINT_PAGES`], except on the async worker.
unsafe extern "C" fn on_commit(wal: *mut c_void, db: *mut ffi::sqlite3, schema: *const c_char, pages: c_int) -> c_int {
    // SAFETY: `wal` is the `&'static Wal` given to `sqlite3_wal_hook`.
    let wal = unsafe { &*wal.cast::<Wal>() };
    let pages = pages.max(0) as u32;
    let on_worker = ON_WORKER.get();
    wal.committed(pages, on_worker);
    if pages >= WAL_AUTOCHECKPOINT_PAGES && !on_worker {
        let (mut log, mut copied) = (0, 0);
        // SAFETY: called from SQLite's WAL hook with its own connection and schema name, as
        // SQLite's automatic checkpoint does.
        let rc = unsafe {
            ffi::sqlite3_wal_checkpoint_v2(db, schema, ffi::SQLITE_CHECKPOINT_PASSIVE, &mut log, &mut copied)
        };
        if rc == ffi::SQLITE_OK {
            let _ = wal.checkpointed(log, copied);
        }
    }
    ffi::SQLITE_OK
}

/// SQLite's busy handler: `count` is how many times it was called for this lock. Off the async
/// worker it sleeps as SQLite's `busy_timeout` does, until the timeout is spent; on the worker it
/// gives up at once.
unsafe extern "C" fn on_busy(wal: *mut c_void, count: c_int) -> c_int {
    const DELAYS_MS: [u32; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    if ON_WORKER.get() {
        GAVE_UP.set(true);
        return 0;
    }
    // SAFETY: `wal` is the `&'static Wal` given to `sqlite3_busy_handler`.
    let wal = unsafe { &*wal.cast::<Wal>() };
    let timeout = wal.busy_timeout_ms.load(Ordering::Relaxed);
    let count = count.max(0) as usize;
    let slept: u32 = match count < DELAYS_MS.len() {
        true => DELAYS_MS[..count].iter().sum(),
        false => DELAYS_MS.iter().sum::<u32>() + (count - DELAYS_MS.len()) as u32 * 100,
    };
    let next = DELAYS_MS.get(count).copied().unwrap_or(100);
    if slept >= timeout {
        return 0;
    }
    std::thread::sleep(Duration::from_millis(next.min(timeout - slept).into()));
    1
}
