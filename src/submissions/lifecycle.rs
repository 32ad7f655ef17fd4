//! The submission state machine as plain Rust: a reviewer's verdict, the one action on a
//! submission, moves it and its offer.

use super::model::{CertificationResult, SubmissionState};
use crate::auth::roles::{Capability, Role};
use crate::lifecycle::Refusal;
use crate::offers::model::OfferStatus;

/// The one action on a submission (the value of its `allowed_actions`).
pub const CERTIFY: &str = "certify";

/// The submission and offer states a reviewer's verdict leads to.
pub fn certify(
    state: SubmissionState,
    result: CertificationResult,
    role: Role,
) -> Result<(SubmissionState, OfferStatus), Refusal> {
    if !Capability::CertifySubmissions.allowed(role) {
        return Err(Refusal::Forbidden);
    }
    match (state, result) {
        (SubmissionState::InCertification, CertificationResult::Passed) => {
            Ok((SubmissionState::InPreview, OfferStatus::Preview))
        }
        (SubmissionState::InCertification, CertificationResult::Failed) => {
            Ok((SubmissionState::FailedCertification, OfferStatus::AttentionNeeded))
        }
        _ => Err(Refusal::InvalidTransition),
    }
}

/// The actions `role` may take on a submission now.
pub fn allowed_actions(state: SubmissionState, role: Role) -> Vec<&'static str> {
    if certify(state, CertificationResult::Passed, role).is_ok() {
        vec![CERTIFY]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfferStatus::*;

    #[test]
    fn only_reviewers_certify_and_only_in_certification() {
        for &state in SubmissionState::ALL {
            for &role in Role::ALL {
                for &result in CertificationResult::ALL {
                    let got = certify(state, result, role);
                    let want = match (role, state, result) {
                        (r, _, _) if r != Role::Reviewer => Err(Refusal::Forbidden),
                        (_, SubmissionState::InCertification, CertificationResult::Passed) => {
                            Ok((SubmissionState::InPreview, Preview))
                        }
                        (_, SubmissionState::InCertification, CertificationResult::Failed) => {
                            Ok((SubmissionState::FailedCertification, AttentionNeeded))
                        }
                        _ => Err(Refusal::InvalidTransition),
                    };
                    assert_eq!(got, want, "{state} {role} {result}");
                }
                assert_eq!(
                    allowed_actions(state, role) == [CERTIFY],
                    role == Role::Reviewer && state == SubmissionState::InCertification
                );
            }
        }
    }
}
