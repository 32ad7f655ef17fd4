//! What every request shares: the database, the token keys, the limiter, the rendering caches,
//! and the background work that lives as long as they do.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::auth::limiter::LoginLimiter;
use crate::auth::roles::Role;
use crate::auth::tokens::TokenKeys;
use crate::config::{Config, DatabaseUrl, WebhookSettings};
use crate::db::{Checkpointer, DbPool};
use crate::ids::OfferId;
use crate::render_cache::RenderCache;

pub struct AppState {
    pub pool: DbPool,
    pub tokens: TokenKeys,
    pub login_limiter: LoginLimiter,
    pub auto_certify: bool,
    /// Rendered offers, per offer, role and version.
    pub offer_views: RenderCache<(OfferId, Role)>,
    /// Rendered offer list items, per offer and version.
    pub offer_summaries: RenderCache<OfferId>,
    pub webhooks: WebhookSettings,
    /// SQLite's background checkpointer; it stops with the state.
    _checkpointer: Option<Checkpointer>,
    /// What runs beside the requests of a serving process; it stops with the state.
    background: Option<Background>,
}

/// The periodic purge, and the webhook dispatcher.
struct Background {
    _maintenance: Maintenance,
    _dispatcher: crate::webhooks::dispatcher::Dispatcher,
}

impl AppState {
    /// Opens the database, applies pending migrations and sets up the token keys.
    pub fn prepare(config: &Config) -> Result<Self, String> {
        let pool = crate::db::connect(&config.database_url, config.db_pool_size, config.sqlite_busy_timeout_ms)?;
        let mut conn = pool.get().map_err(|e| format!("cannot connect to the database: {e}"))?;
        let applied = crate::db::migrate(&mut conn)?;
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
        drop(conn);
        let secret = match (&config.jwt_secret, &config.database_url) {
            (Some(secret), _) => secret.clone(),
            (None, DatabaseUrl::Sqlite(path)) => {
                let (secret, created) = crate::config::local_secret(path)?;
                if created {
                    tracing::warn!(
                        "COSELL_JWT_SECRET is not set: generated a signing secret and stored it beside the database"
                    );
                } else {
                    tracing::info!("COSELL_JWT_SECRET is not set: using the signing secret stored beside the database");
                }
                secret
            }
            (None, DatabaseUrl::Postgres(_)) => {
                return Err("COSELL_JWT_SECRET must be set with PostgreSQL".into());
            }
        };
        Ok(Self {
            pool,
            tokens: TokenKeys::hs256(&secret.0, config.token_ttl_seconds),
            login_limiter: LoginLimiter::default(),
            auto_certify: config.auto_certify,
            // Three quarters for whole offers, a quarter for the much smaller list items.
            offer_views: RenderCache::new(config.render_cache_mib as usize * 768 * 1024),
            offer_summaries: RenderCache::new(config.render_cache_mib as usize * 256 * 1024),
            webhooks: config.webhooks.clone(),
            _checkpointer: Checkpointer::start(&config.database_url, config.sqlite_busy_timeout_ms)?,
            background: None,
        })
    }

    /// Starts what a serving process runs beside its requests: the hourly purge of what has
    /// outlived its retention, and the webhook dispatcher.
    pub fn start_background(&mut self) -> Result<(), String> {
        if self.background.is_none() {
            self.background = Some(Background {
                _maintenance: Maintenance::start(self.pool.clone())?,
                _dispatcher: crate::webhooks::dispatcher::Dispatcher::start(self.pool.clone(), self.webhooks.clone())?,
            });
        }
        Ok(())
    }
}

/// How often what has outlived its retention is deleted.
const PURGE_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Deletes expired idempotency keys and events at start and then every [`PURGE_INTERVAL`],
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
                while flag.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
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

/// One periodic purge: deletes expired rows and says how many.
type Purge = fn(&mut crate::db::DbConn) -> Result<usize, crate::error::ApiError>;

fn purge(pool: &DbPool) {
    let purges: [(&str, Purge); 2] = [
        ("idempotency keys", crate::idempotency::purge_expired),
        ("events", crate::events::service::purge_expired),
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
