//! Database work of the webhook thread, on tokio's blocking pool (the dispatcher runs its own
//! runtime, beside actix's).

use crate::db::{self, DbConn, DbPool};
use crate::error::ApiError;

/// Runs `f` with a connection, inside a write transaction, on the blocking pool.
pub(super) async fn write<T: Send + 'static>(
    pool: &DbPool,
    f: impl FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || db::write_blocking(&pool, f))
        .await
        .map_err(|e| ApiError::internal(format!("webhook task failed: {e}")))?
}

/// Runs read-only `f` with a shared connection (not the writer's), on the blocking pool.
pub(super) async fn read<T: Send + 'static>(
    pool: &DbPool,
    f: impl FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool
            .get()
            .map_err(|e| ApiError::unavailable().with_cause(e.to_string()))?;
        f(&mut conn)
    })
    .await
    .map_err(|e| ApiError::internal(format!("webhook task failed: {e}")))?
}
