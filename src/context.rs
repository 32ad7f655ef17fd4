//! The request a piece of work belongs to: its id (for audit events and log lines) and its path
//! (for problem bodies). Set by the HTTP layer for the request's task, and carried to the
//! blocking thread that runs its database work.

use std::cell::RefCell;
use std::future::Future;

#[derive(Clone, Debug)]
struct RequestContext {
    request_id: String,
    path: String,
}

tokio::task_local! {
    static CONTEXT: RequestContext;
}

thread_local! {
    /// The request id while a request's blocking database work runs on another thread.
    static BLOCKING_REQUEST_ID: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f` as the request `request_id` at `path`.
pub async fn scope<F: Future>(request_id: String, path: String, f: F) -> F::Output {
    CONTEXT.scope(RequestContext { request_id, path }, f).await
}

/// The current request's id and path, or empty strings outside a request.
pub fn current() -> (String, String) {
    CONTEXT
        .try_with(|c| (c.request_id.clone(), c.path.clone()))
        .unwrap_or_else(|_| (request_id(), String::new()))
}

/// The current request's id; empty outside a request.
pub fn request_id() -> String {
    CONTEXT
        .try_with(|c| c.request_id.clone())
        .ok()
        .or_else(|| BLOCKING_REQUEST_ID.with(|id| id.borrow().clone()))
        .unwrap_or_default()
}

/// Runs `f` on this (blocking) thread with `request_id` as the current request's id.
pub fn in_blocking_scope<T>(request_id: String, f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            BLOCKING_REQUEST_ID.with(|id| id.borrow_mut().take());
        }
    }
    BLOCKING_REQUEST_ID.with(|id| *id.borrow_mut() = Some(request_id));
    let _reset = Reset;
    f()
}
