//! What every request shares: the database, the token keys, the limiter, the rendering caches,
//! and the background work that lives as long as they do.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::auth::limiter::LoginLimiter;
use crate::auth::roles::Role;
use crate::auth::tokens::TokenKeys;
use crate::config::{Config, DatabaseUrl};
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
    /// SQLite's background checkpointer; it stops with the state.
    _checkpointer: Option<Checkpointer>,
    /// The periodic purge of what is kept for a limited time; it stops with the state.
    _maintenance: Maintenance,
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
            _maintenance: Maintenance::start(pool.clone())?,
            pool,
            tokens: TokenKeys::hs256(&secret.0, config.token_ttl_seconds),
            login_limiter: LoginLimiter::default(),
            auto_certify: config.auto_certify,
            // Three quarters for whole offers, a quarter for the much smaller list items.
            offer_views: RenderCache::new(config.render_cache_mib as usize * 768 * 1024),
            offer_summaries: RenderCache::new(config.render_cache_mib as usize * 256 * 1024),
            _checkpointer: Checkpointer::start(&config.database_url, config.sqlite_busy_timeout_ms)?,
        })
    }
}

/// How often what has outlived its retention is deleted.
const PURGE_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Deletes expired idempotency keys at start and then every [`PURGE_INTERVAL`], from a thread
/// of its own; stops when dropped.
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

fn purge(pool: &DbPool) {
    match crate::db::write_blocking(pool, crate::idempotency::purge_expired) {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "expired idempotency keys purged"),
        Err(e) => tracing::warn!(error = %e, "cannot purge expired idempotency keys"),
    }
}

impl Drop for Maintenance {
    fn drop(&mut self) {
        self.running.store(false, Ordering::Relaxed);
    }
}
