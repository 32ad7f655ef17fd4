//! The offer and submission state machines as plain Rust. Handlers and `allowed_actions` both go
//! through [`apply`] and [`certify`], so the API never lists an action it would then refuse.

use super::model::{OfferStatus, SubmissionState};
use crate::auth::roles::{Capability, Role};
pub use crate::lifecycle::Refusal;
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

/// The status an offer has after `action`, or why it cannot be done.
pub fn apply(facts: OfferFacts, action: OfferAction, role: Role) -> Result<OfferStatus, Refusal> {
    use OfferStatus::*;
    if !action.capability().allowed(role) {
        return Err(Refusal::Forbidden);
    }
    let in_flight = matches!(facts.status, PublishInProgress | Preview);
    match action {
        OfferAction::Edit => Ok(facts.status),
        OfferAction::Delete if facts.has_ever_been_live || !matches!(facts.status, Draft | AttentionNeeded) => {
            Err(Refusal::Conflict("offer_not_deletable"))
        }
        OfferAction::Delete => Ok(facts.status),
        OfferAction::Publish if in_flight => Err(Refusal::Conflict("submission_in_progress")),
        OfferAction::Publish if !facts.can_publish => Err(Refusal::Conflict("sections_incomplete")),
        OfferAction::Publish => Ok(PublishInProgress),
        OfferAction::CancelPublish if facts.status == PublishInProgress => Ok(match facts.status_before_submission {
            Live => Live,
            NotAvailable => NotAvailable,
            _ => Draft,
        }),
        OfferAction::GoLive if facts.status == Preview => Ok(Live),
        OfferAction::GoLive => Err(Refusal::Conflict("go_live_not_allowed")),
        OfferAction::StopDistribution if facts.status == Live => Ok(NotAvailable),
        OfferAction::CancelPublish | OfferAction::StopDistribution => {
            Err(Refusal::Conflict("invalid_state_transition"))
        }
    }
}

/// The actions `role` may take on an offer now.
pub fn allowed_actions(facts: OfferFacts, role: Role) -> Vec<OfferAction> {
    OfferAction::ALL
        .iter()
        .copied()
        .filter(|a| apply(facts, *a, role).is_ok())
        .collect()
}

/// The outcome of a certification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed,
}

/// The submission and offer states a reviewer's verdict leads to.
pub fn certify(
    state: SubmissionState,
    verdict: Verdict,
    role: Role,
) -> Result<(SubmissionState, OfferStatus), Refusal> {
    if !Capability::CertifySubmissions.allowed(role) {
        return Err(Refusal::Forbidden);
    }
    match (state, verdict) {
        (SubmissionState::InCertification, Verdict::Passed) => Ok((SubmissionState::InPreview, OfferStatus::Preview)),
        (SubmissionState::InCertification, Verdict::Failed) => {
            Ok((SubmissionState::FailedCertification, OfferStatus::AttentionNeeded))
        }
        _ => Err(Refusal::Conflict("invalid_state_transition")),
    }
}

/// The actions `role` may take on a submission now (`certify`).
pub fn submission_actions(state: SubmissionState, role: Role) -> Vec<&'static str> {
    if certify(state, Verdict::Passed, role).is_ok() {
        vec!["certify"]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfferStatus::*;

    /// DOMAIN.md's offer table, row by row: (action, statuses it is allowed from, resulting status).
    fn expected(facts: OfferFacts, action: OfferAction) -> Result<OfferStatus, &'static str> {
        let s = facts.status;
        match action {
            OfferAction::Edit => Ok(s),
            OfferAction::Delete => {
                if !facts.has_ever_been_live && [Draft, AttentionNeeded].contains(&s) {
                    Ok(s)
                } else {
                    Err("offer_not_deletable")
                }
            }
            OfferAction::Publish => match s {
                PublishInProgress | Preview => Err("submission_in_progress"),
                _ if !facts.can_publish => Err("sections_incomplete"),
                _ => Ok(PublishInProgress),
            },
            OfferAction::CancelPublish => match (s, facts.status_before_submission) {
                (PublishInProgress, Live) => Ok(Live),
                (PublishInProgress, NotAvailable) => Ok(NotAvailable),
                (PublishInProgress, _) => Ok(Draft),
                _ => Err("invalid_state_transition"),
            },
            OfferAction::GoLive => {
                if s == Preview {
                    Ok(Live)
                } else {
                    Err("go_live_not_allowed")
                }
            }
            OfferAction::StopDistribution => {
                if s == Live {
                    Ok(NotAvailable)
                } else {
                    Err("invalid_state_transition")
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
                                let got = apply(facts, action, role);
                                let want = if role_may(role, action) {
                                    expected(facts, action).map_err(Refusal::Conflict)
                                } else {
                                    Err(Refusal::Forbidden)
                                };
                                assert_eq!(got, want, "{facts:?} {action} {role}");
                                assert_eq!(allowed_actions(facts, role).contains(&action), want.is_ok());
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 6 * 2 * 2 * 6 * 6 * 5);
    }

    #[test]
    fn only_reviewers_certify_and_only_in_certification() {
        for &state in SubmissionState::ALL {
            for &role in Role::ALL {
                for verdict in [Verdict::Passed, Verdict::Failed] {
                    let got = certify(state, verdict, role);
                    let want = match (role, state, verdict) {
                        (r, _, _) if r != Role::Reviewer => Err(Refusal::Forbidden),
                        (_, SubmissionState::InCertification, Verdict::Passed) => {
                            Ok((SubmissionState::InPreview, Preview))
                        }
                        (_, SubmissionState::InCertification, Verdict::Failed) => {
                            Ok((SubmissionState::FailedCertification, AttentionNeeded))
                        }
                        _ => Err(Refusal::Conflict("invalid_state_transition")),
                    };
                    assert_eq!(got, want, "{state} {role} {verdict:?}");
                }
                assert_eq!(
                    submission_actions(state, role) == ["certify"],
                    role == Role::Reviewer && state == SubmissionState::InCertification
                );
            }
        }
    }
}
