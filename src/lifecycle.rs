//! State machines as tables in code, and how their verdict on an action is answered: 403 when
//! the role may not act, then 412 when the client's expected version is stale, then 409 with
//! the current state and what is allowed instead.

use std::borrow::Cow;
use std::fmt::Display;

use crate::auth::roles::Role;
use crate::error::{ApiError, ErrorCode};

/// The version of an object a client expects to change (`If-Match`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Precondition {
    /// No expectation: the change applies to whatever version is current.
    #[default]
    None,
    /// `*`: any version of an object that exists.
    Any,
    /// One of these versions (a tag that names no version names none of them).
    OneOf(Vec<i64>),
}

impl Precondition {
    /// 412 unless `version` is one the client expects.
    pub fn check(&self, version: i64) -> Result<(), ApiError> {
        match self {
            Precondition::None | Precondition::Any => Ok(()),
            Precondition::OneOf(versions) if versions.contains(&version) => Ok(()),
            Precondition::OneOf(_) => Err(ApiError::precondition_failed()),
        }
    }
}

/// Why a state machine refuses an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The role lacks the capability (403).
    Forbidden,
    /// The state does not allow it (409 `invalid_state_transition`).
    InvalidTransition,
    /// The state does not allow it for a reason of its own (409 with this code and words).
    Conflict(ErrorCode, &'static str),
}

impl Refusal {
    /// The refusal's code.
    pub fn code(self) -> ErrorCode {
        match self {
            Refusal::Forbidden => ErrorCode::Forbidden,
            Refusal::InvalidTransition => ErrorCode::InvalidStateTransition,
            Refusal::Conflict(code, _) => code,
        }
    }

    /// The answer, with the current state and what is allowed instead.
    pub fn into_error(self, current_state: &str, allowed_actions: Vec<String>) -> ApiError {
        let detail: Cow<'static, str> = match self {
            Refusal::Forbidden => return ApiError::forbidden(),
            Refusal::InvalidTransition => {
                format!("This action is not allowed while the object is `{current_state}`.").into()
            }
            Refusal::Conflict(_, detail) => detail.into(),
        };
        ApiError::refused(self.code(), detail, current_state, allowed_actions)
    }
}

/// A state machine as a table in code: which action leads where, for whom.
pub trait Lifecycle {
    type State: Copy + Display;
    type Action: Copy + Display + 'static;
    /// What the machine needs to know of an object: its state and whatever else decides.
    type Facts: Copy;

    /// Every action, in the order `allowed_actions` lists them.
    const ACTIONS: &'static [Self::Action];

    fn state(facts: &Self::Facts) -> Self::State;

    /// The state after `action`, or why it cannot be done.
    fn apply(facts: Self::Facts, action: Self::Action, role: Role) -> Result<Self::State, Refusal>;

    /// The actions `role` may take now; exactly those [`Lifecycle::apply`] allows.
    fn allowed(facts: Self::Facts, role: Role) -> Vec<Self::Action> {
        Self::ACTIONS
            .iter()
            .copied()
            .filter(|action| Self::apply(facts, *action, role).is_ok())
            .collect()
    }
}

/// The state machine's verdict on `action` (see [`settle`]).
pub fn decide<M: Lifecycle>(
    facts: M::Facts,
    action: M::Action,
    role: Role,
    expected: &Precondition,
    version: i64,
) -> Result<M::State, ApiError> {
    settle(
        M::apply(facts, action, role),
        expected,
        version,
        &M::state(&facts),
        || M::allowed(facts, role).iter().map(ToString::to_string).collect(),
    )
}

/// A state machine's `outcome`, answered in the order every action follows: 403 when the role
/// may not act, then 412 when `expected` does not name `version`, then 409 with the current
/// state and what `allowed` lists.
pub fn settle<S>(
    outcome: Result<S, Refusal>,
    expected: &Precondition,
    version: i64,
    current_state: &dyn Display,
    allowed: impl FnOnce() -> Vec<String>,
) -> Result<S, ApiError> {
    match outcome {
        Err(Refusal::Forbidden) => Err(ApiError::forbidden()),
        Err(refusal) => {
            expected.check(version)?;
            Err(refusal.into_error(&current_state.to_string(), allowed()))
        }
        Ok(next) => {
            expected.check(version)?;
            Ok(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_precondition_names_versions_or_any() {
        assert!(Precondition::None.check(3).is_ok());
        assert!(Precondition::Any.check(3).is_ok());
        assert!(Precondition::OneOf(vec![1, 3]).check(3).is_ok());
        let stale = Precondition::OneOf(vec![2]).check(3).unwrap_err();
        assert_eq!(stale.code, ErrorCode::PreconditionFailed);
        assert!(Precondition::OneOf(Vec::new()).check(3).is_err());
    }

    #[test]
    fn a_refusal_carries_its_code_words_and_what_is_allowed() {
        let e = Refusal::Conflict(ErrorCode::GoLiveNotAllowed, "Only an offer in preview can go live.")
            .into_error("draft", vec!["edit".into()]);
        assert_eq!(e.code, ErrorCode::GoLiveNotAllowed);
        assert_eq!(e.detail, "Only an offer in preview can go live.");
        let extras = e.extras().unwrap();
        assert_eq!(extras.current_state.as_deref(), Some("draft"));
        assert_eq!(extras.allowed_actions.as_deref(), Some(&["edit".to_owned()][..]));
        let e = Refusal::InvalidTransition.into_error("live", Vec::new());
        assert_eq!(e.code, ErrorCode::InvalidStateTransition);
        assert!(e.detail.contains("`live`"));
        assert_eq!(
            Refusal::Forbidden.into_error("live", Vec::new()).code,
            ErrorCode::Forbidden
        );
    }
}
