//! PostgreSQL reads on the async worker, for the statement every `GET /v1/offers/{id}` makes.
//!
//! A read through the shared pool is handed to the blocking pool and back (two thread switches
//! and wakeups, more than the rest of a cached read costs) and holds a blocking thread for its
//! round trip. Each worker thread keeps one connection of its own instead ([`AsyncPgConnection`]),
//! opened on first use; the requests a worker serves at once send their statements on it
//! together (pipelined), and the worker serves other requests while they travel.

use std::cell::RefCell;
use std::rc::Rc;

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::error::ApiError;

thread_local! {
    /// This worker's connections, by database URL (a process has one; tests have several).
    static CONNECTIONS: RefCell<Vec<(String, Rc<AsyncPgConnection>)>> = const { RefCell::new(Vec::new()) };
}

/// This worker's connection to `url`, opened on first use.
pub async fn connection(url: &str) -> Result<Rc<AsyncPgConnection>, ApiError> {
    let kept = CONNECTIONS.with(|all| {
        all.borrow()
            .iter()
            .find(|(kept, _)| kept == url)
            .map(|(_, conn)| conn.clone())
    });
    if let Some(conn) = kept {
        return Ok(conn);
    }
    let conn = Rc::new(AsyncPgConnection::establish(url).await.map_err(|e| {
        tracing::warn!(error = %e, "cannot open the worker's database connection");
        ApiError::unavailable()
    })?);
    CONNECTIONS.with(|all| all.borrow_mut().push((url.to_owned(), conn.clone())));
    Ok(conn)
}

/// Forgets this worker's connection to `url` after an error that may have broken it: the next
/// read opens another.
pub fn forget(url: &str) {
    CONNECTIONS.with(|all| all.borrow_mut().retain(|(kept, _)| kept != url));
}
