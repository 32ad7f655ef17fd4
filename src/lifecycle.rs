//! What the state machines of every resource share: how a refusal is told to the client.

use crate::error::ApiError;

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The role lacks the capability (403).
    Forbidden,
    /// The state does not allow it (409 with this code).
    Conflict(&'static str),
}

impl Refusal {
    /// The HTTP answer, with the current state and what is allowed instead.
    pub fn into_error(self, current_state: &str, allowed: Vec<String>) -> ApiError {
        match self {
            Refusal::Forbidden => ApiError::forbidden(),
            Refusal::Conflict("invalid_state_transition") => ApiError::invalid_transition(current_state, allowed),
            Refusal::Conflict(code) => {
                let detail = match code {
                    "offer_not_deletable" => {
                        "Only an offer that was never live and has no submission in progress can be deleted."
                    }
                    "submission_in_progress" => "A submission of this offer is already in progress.",
                    "sections_incomplete" => "Required sections are incomplete; see `errors`.",
                    "go_live_not_allowed" => "Only an offer in preview can go live.",
                    _ => "Not allowed in the current state.",
                };
                let mut e = ApiError::invalid_transition(current_state, allowed);
                e.code = code;
                e.detail = detail.into();
                e
            }
        }
    }
}

/// Turns a state machine's answer into the HTTP answer, in the order every action follows:
/// 403 when the role may not act, then 412 when `If-Match` is stale, then 409 with the current
/// state and what `allowed` lists.
pub fn settle<S>(
    outcome: Result<S, Refusal>,
    if_match: &crate::http::conditional::IfMatch,
    version: i64,
    current_state: &str,
    allowed: impl FnOnce() -> Vec<String>,
) -> Result<S, ApiError> {
    match outcome {
        Err(Refusal::Forbidden) => Err(ApiError::forbidden()),
        Err(refusal) => {
            if_match.check(version)?;
            Err(refusal.into_error(current_state, allowed()))
        }
        Ok(next) => {
            if_match.check(version)?;
            Ok(next)
        }
    }
}
