//! What every request shares: the database, the token keys, the limiter, the rendering caches.

use crate::auth::limiter::Limits;
use crate::auth::roles::Role;
use crate::auth::tokens::TokenKeys;
use crate::config::{Config, DatabaseUrl, WebhookSettings};
use crate::db::{Checkpointer, DbPool};
use crate::ids::OfferId;
use crate::render_cache::RenderCache;

pub struct AppState {
    pub pool: DbPool,
    pub tokens: TokenKeys,
    /// The per-address budgets of the anonymous doors (their state is in the database).
    pub limits: Limits,
    /// The proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub auto_certify: bool,
    /// Rendered offers, per offer, role and version.
    pub offer_views: RenderCache<(OfferId, Role)>,
    /// Rendered offer list items, per offer and version.
    pub offer_summaries: RenderCache<OfferId>,
    pub webhooks: WebhookSettings,
    /// How long a request body may take to arrive.
    pub body_deadline: std::time::Duration,
    /// SQLite's background checkpointer; it stops with the state.
    _checkpointer: Option<Checkpointer>,
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
            limits: config.limits,
            trusted_proxies: config.trusted_proxies.clone(),
            auto_certify: config.auto_certify,
            // Three quarters for whole offers, a quarter for the much smaller list items.
            offer_views: RenderCache::new(config.render_cache_mib as usize * 768 * 1024),
            offer_summaries: RenderCache::new(config.render_cache_mib as usize * 256 * 1024),
            webhooks: config.webhooks.clone(),
            body_deadline: std::time::Duration::from_secs(config.body_timeout_seconds.into()),
            _checkpointer: Checkpointer::start(&config.database_url, config.sqlite_busy_timeout_ms)?,
        })
    }
}
