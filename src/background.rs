//! What a serving process runs beside its requests: the hourly purge of what has outlived its
//! retention, on PostgreSQL the statistics of the tables it fills ([`crate::db::statistics`]),
//! and the webhook dispatcher. Started once the state is prepared; both stop when
//! the handle is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::db::DbPool;
use crate::db::statistics::Analyzed;
use crate::state::AppState;
use crate::webhooks::dispatcher::Dispatcher;

/// The running background work; it stops when dropped.
pub struct Background {
    _maintenance: Maintenance,
    _dispatcher: Dispatcher,
}

/// Starts the purge and the dispatcher over `state`'s database.
pub fn start(state: &AppState) -> Result<Background, String> {
    Ok(Background {
        _maintenance: Maintenance::start(state.pool.clone())?,
        _dispatcher: Dispatcher::start(state.pool.clone(), state.webhooks.clone())?,
    })
}

/// How often what has outlived its retention is deleted.
const PURGE_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Deletes expired idempotency keys, events, rate-limit windows and refresh tokens at start and then every [`PURGE_INTERVAL`],
/// from a thread of its own; stops when dropped.
struct Maintenance {
    running: Arc<AtomicBool>,
}

impl Maintenance {
    fn start(pool: DbPool) -> Result<Self, String> {
        let running = Arc::new(AtomicBool::new(true));
        let flag = running.clone();
        purge(&pool);
        std::thread::Builder::new()
            .name("maintenance".into())
            .spawn(move || {
                let tick = Duration::from_secs(1);
                let mut waited = Duration::ZERO;
                let mut analyzed = Analyzed::default();
                while flag.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    refresh_statistics(&pool, &mut analyzed);
                    waited += tick;
                    if waited >= PURGE_INTERVAL {
                        waited = Duration::ZERO;
                        purge(&pool);
                    }
                }
            })
            .map_err(|e| format!("cannot start the maintenance thread: {e}"))?;
        Ok(Self { running })
    }
}

/// Analyzes the tables this process filled enough since their last `ANALYZE` (PostgreSQL).
fn refresh_statistics(pool: &DbPool, analyzed: &mut Analyzed) {
    match analyzed.refresh(pool) {
        Ok(tables) if tables.is_empty() => {}
        Ok(tables) => tracing::debug!(?tables, "table statistics refreshed"),
        Err(e) => tracing::warn!(error = %e, "cannot refresh table statistics"),
    }
}

/// One periodic purge: deletes expired rows and says how many.
type Purge = fn(&mut crate::db::DbConn) -> Result<usize, crate::error::ApiError>;

fn purge(pool: &DbPool) {
    let purges: [(&str, Purge); 4] = [
        ("idempotency keys", crate::idempotency::purge_expired),
        ("events", crate::events::service::purge_expired),
        ("rate limits", crate::auth::limiter::purge_expired),
        ("refresh tokens", crate::accounts::sessions::purge_expired),
    ];
    for (what, purge) in purges {
        match crate::db::write_blocking(pool, purge) {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, what, "expired rows purged"),
            Err(e) => tracing::warn!(error = %e, what, "cannot purge expired rows"),
        }
    }
}

impl Drop for Maintenance {
    fn drop(&mut self) {
        self.running.store(false, Ordering::Relaxed);
    }
}
