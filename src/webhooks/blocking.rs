//! Database work of the webhook thread (the dispatcher runs its own runtime, beside actix's).
//! On SQLite a read, or a write that nothing would make wait, runs right here, as on actix's
//! workers ([`db::read`], [`db::write_if_quick`]): the hand-off to the blocking pool and back
//! costs more than such a statement. The rest goes to tokio's blocking pool.

use crate::db::{self, DbConn, DbPool};
use crate::error::ApiError;

/// Runs `f` with a connection, inside a write transaction: here when it need not wait, else on
/// the blocking pool.
pub(super) async fn write<T: Send + 'static>(
    pool: &DbPool,
    f: impl FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let f = match db::write_if_quick(pool, f) {
        Ok(done) => return done,
        Err(f) => f,
    };
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || db::write_blocking(&pool, f))
        .await
        .map_err(|e| ApiError::internal(format!("webhook task failed: {e}")))?
}

/// Runs read-only `f` with a shared connection (not the writer's).
pub(super) async fn read<T: Send + 'static>(
    pool: &DbPool,
    f: impl FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    db::read(pool, f).await
}
