//! PostgreSQL reads on the async worker, for the statements (nearly) every request makes: the
//! caller's row, and with it, for `GET /v1/offers/{id}`, the offer's version.
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

/// Runs the read `f` on this worker's connection to `url`. `None` when the connection could not
/// be opened or failed (then it is forgotten, and the next read opens another): the caller
/// reads through the pool instead, which answers 503 if the database is really unreachable.
pub async fn read<T>(url: &str, f: impl AsyncFnOnce(&AsyncPgConnection) -> diesel::QueryResult<T>) -> Option<T> {
    let conn = connection(url).await.ok()?;
    match f(&conn).await {
        Ok(found) => Some(found),
        Err(e) => {
            tracing::warn!(error = %e, "the worker's database connection failed; reading through the pool");
            forget(url);
            None
        }
    }
}

/// This worker's connection to `url`, opened on first use.
async fn connection(url: &str) -> Result<Rc<AsyncPgConnection>, ApiError> {
    let kept = CONNECTIONS.with(|all| {
        all.borrow()
            .iter()
            .find(|(kept, _)| kept == url)
            .map(|(_, conn)| conn.clone())
    });
    if let Some(conn) = kept {
        return Ok(conn);
    }
    let conn = Rc::new(AsyncPgConnection::establish(&named(url)).await.map_err(|e| {
        tracing::warn!(error = %e, "cannot open the worker's database connection");
        ApiError::unavailable()
    })?);
    CONNECTIONS.with(|all| all.borrow_mut().push((url.to_owned(), conn.clone())));
    Ok(conn)
}

/// The name this worker's connection gives PostgreSQL (`application_name`, as
/// `pg_stat_activity` shows it): `cosell-worker-<n>`, by thread.
pub fn application_name() -> String {
    let thread: String = format!("{:?}", std::thread::current().id())
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    format!("cosell-worker-{thread}")
}

/// `url` with this worker's [`application_name`], in the URL's form or the key-value form.
fn named(url: &str) -> String {
    let name = application_name();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}application_name={name}")
    } else {
        format!("{url} application_name={name}")
    }
}

/// Forgets this worker's connection to `url` after an error that may have broken it.
fn forget(url: &str) {
    CONNECTIONS.with(|all| all.borrow_mut().retain(|(kept, _)| kept != url));
}
