//! The offer state machine as plain Rust. Services and `allowed_actions` both go through
//! [`OfferLifecycle`], so the API never lists an action it would then refuse.

use super::model::OfferStatus;
use crate::auth::roles::{Capability, Role};
use crate::error::ErrorCode;
use crate::lifecycle::{Lifecycle, Refusal};
use crate::string_enum;

string_enum! {
    /// What a caller may do to an offer (the values of `allowed_actions`).
    pub enum OfferAction {
        Edit => "edit",
        Delete => "delete",
        Publish => "publish",
        CancelPublish => "cancel_publish",
        GoLive => "go_live",
        StopDistribution => "stop_distribution",
    }
}

/// What the state machine needs to know about an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferFacts {
    pub status: OfferStatus,
    pub has_ever_been_live: bool,
    /// Every section publishing needs is complete (see `sections::readiness`).
    pub can_publish: bool,
    /// Where a canceled submission returns the offer: its status before publishing.
    pub status_before_submission: OfferStatus,
}

impl OfferAction {
    fn capability(self) -> Capability {
        match self {
            OfferAction::Edit | OfferAction::Delete => Capability::EditOffers,
            OfferAction::Publish | OfferAction::CancelPublish | OfferAction::GoLive => Capability::PublishOffers,
            OfferAction::StopDistribution => Capability::StopDistribution,
        }
    }
}

const NOT_DELETABLE: Refusal = Refusal::Conflict(
    ErrorCode::OfferNotDeletable,
    "Only an offer that was never live and has no submission in progress can be deleted.",
);
const IN_PROGRESS: Refusal = Refusal::Conflict(
    ErrorCode::SubmissionInProgress,
    "A submission of this offer is already in progress.",
);
const INCOMPLETE: Refusal = Refusal::Conflict(
    ErrorCode::SectionsIncomplete,
    "Required sections are incomplete; see `errors`.",
);
const NOT_IN_PREVIEW: Refusal = Refusal::Conflict(ErrorCode::GoLiveNotAllowed, "Only an offer in preview can go live.");

/// DOMAIN.md's offer table.
pub struct OfferLifecycle;

impl Lifecycle for OfferLifecycle {
    type State = OfferStatus;
    type Action = OfferAction;
    type Facts = OfferFacts;

    const ACTIONS: &'static [OfferAction] = OfferAction::ALL;

    fn state(facts: &OfferFacts) -> OfferStatus {
        facts.status
    }

    fn apply(facts: OfferFacts, action: OfferAction, role: Role) -> Result<OfferStatus, Refusal> {
        use OfferStatus::*;
        if !action.capability().allowed(role) {
            return Err(Refusal::Forbidden);
        }
        let in_flight = matches!(facts.status, PublishInProgress | Preview);
        match action {
            OfferAction::Edit => Ok(facts.status),
            OfferAction::Delete if facts.has_ever_been_live || !matches!(facts.status, Draft | AttentionNeeded) => {
                Err(NOT_DELETABLE)
            }
            OfferAction::Delete => Ok(facts.status),
            OfferAction::Publish if in_flight => Err(IN_PROGRESS),
            OfferAction::Publish if !facts.can_publish => Err(INCOMPLETE),
            OfferAction::Publish => Ok(PublishInProgress),
            OfferAction::CancelPublish if facts.status == PublishInProgress => {
                Ok(match facts.status_before_submission {
                    Live => Live,
                    NotAvailable => NotAvailable,
                    _ => Draft,
                })
            }
            OfferAction::GoLive if facts.status == Preview => Ok(Live),
            OfferAction::GoLive => Err(NOT_IN_PREVIEW),
            OfferAction::StopDistribution if facts.status == Live => Ok(NotAvailable),
            OfferAction::CancelPublish | OfferAction::StopDistribution => Err(Refusal::InvalidTransition),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfferStatus::*;

    /// DOMAIN.md's offer table, row by row: (action, statuses it is allowed from, resulting status).
    fn expected(facts: OfferFacts, action: OfferAction) -> Result<OfferStatus, ErrorCode> {
        let s = facts.status;
        match action {
            OfferAction::Edit => Ok(s),
            OfferAction::Delete => {
                if !facts.has_ever_been_live && [Draft, AttentionNeeded].contains(&s) {
                    Ok(s)
                } else {
                    Err(ErrorCode::OfferNotDeletable)
                }
            }
            OfferAction::Publish => match s {
                PublishInProgress | Preview => Err(ErrorCode::SubmissionInProgress),
                _ if !facts.can_publish => Err(ErrorCode::SectionsIncomplete),
                _ => Ok(PublishInProgress),
            },
            OfferAction::CancelPublish => match (s, facts.status_before_submission) {
                (PublishInProgress, Live) => Ok(Live),
                (PublishInProgress, NotAvailable) => Ok(NotAvailable),
                (PublishInProgress, _) => Ok(Draft),
                _ => Err(ErrorCode::InvalidStateTransition),
            },
            OfferAction::GoLive => {
                if s == Preview {
                    Ok(Live)
                } else {
                    Err(ErrorCode::GoLiveNotAllowed)
                }
            }
            OfferAction::StopDistribution => {
                if s == Live {
                    Ok(NotAvailable)
                } else {
                    Err(ErrorCode::InvalidStateTransition)
                }
            }
        }
    }

    fn role_may(role: Role, action: OfferAction) -> bool {
        match action {
            OfferAction::StopDistribution => matches!(role, Role::Owner | Role::Manager),
            _ => matches!(role, Role::Owner | Role::Manager | Role::Developer),
        }
    }

    #[test]
    fn every_state_action_and_role_follows_the_table() {
        let mut checked = 0;
        for &status in OfferStatus::ALL {
            for has_ever_been_live in [false, true] {
                for can_publish in [false, true] {
                    for &status_before_submission in OfferStatus::ALL {
                        let facts = OfferFacts {
                            status,
                            has_ever_been_live,
                            can_publish,
                            status_before_submission,
                        };
                        for &action in OfferAction::ALL {
                            for &role in Role::ALL {
                                let got = OfferLifecycle::apply(facts, action, role).map_err(Refusal::code);
                                let want = if role_may(role, action) {
                                    expected(facts, action)
                                } else {
                                    Err(ErrorCode::Forbidden)
                                };
                                assert_eq!(got, want, "{facts:?} {action} {role}");
                                assert_eq!(OfferLifecycle::allowed(facts, role).contains(&action), want.is_ok());
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 6 * 2 * 2 * 6 * 6 * 5);
    }
}
