use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::lifecycle;
use super::model::{CertificationResult, Submission, SubmissionState};
use crate::auth::roles::Role;
use crate::error::ApiError;
use crate::ids::{OfferId, OrganizationId, SubmissionId, UserId};
use crate::offers::sections::SectionName;
use crate::time::Timestamp;

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationFeedback {
    #[schema(example = "listing")]
    pub section: SectionName,
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "#/listing/description")]
    #[schema(min_length = 1, max_length = 200)]
    pub pointer: String,
    #[validate(length(min = 1, max = 2000), custom(function = "crate::validate::plain_text"))]
    #[schema(example = "The description must say what the product does.")]
    #[schema(min_length = 1, max_length = 2000, format = "text")]
    pub message: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"result": "failed", "feedback": [{"section": "listing", "pointer": "#/listing/description", "message": "Describe what the product does."}]}))]
pub struct CertifySubmission {
    pub result: CertificationResult,
    /// At least one item when the result is `failed`.
    #[serde(default)]
    #[validate(length(max = 100), nested)]
    #[schema(max_items = 100)]
    pub feedback: Vec<CertificationFeedback>,
}

crate::string_enum! {
    pub enum StepName {
        AutomatedValidation => "automated_validation",
        Certification => "certification",
        Preview => "preview",
        Publish => "publish",
    }
}

crate::string_enum! {
    pub enum StepState {
        NotStarted => "not_started",
        InProgress => "in_progress",
        Complete => "complete",
        Failed => "failed",
        Canceled => "canceled",
        Skipped => "skipped",
    }
}

/// Stored form of a step (timestamps as RFC 3339 text).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Step {
    pub name: StepName,
    pub state: StepState,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Certification {
    pub result: CertificationResult,
    pub feedback: Vec<CertificationFeedback>,
    /// `null` when certified automatically.
    pub reviewer_id: Option<UserId>,
    #[schema(value_type = String, format = DateTime)]
    pub decided_at: String,
}

/// One publish attempt of an offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionView {
    pub id: SubmissionId,
    pub offer_id: OfferId,
    pub organization_id: OrganizationId,
    #[schema(example = 1)]
    pub sequence: i64,
    pub state: SubmissionState,
    pub steps: Vec<Step>,
    pub certification: Option<Certification>,
    pub preview_url: Option<String>,
    /// The offer content as submitted.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
    pub notes_for_certification: Option<String>,
    pub submitted_by: UserId,
    pub submitted_at: Timestamp,
    /// What the caller may do now (`certify`).
    pub allowed_actions: Vec<&'static str>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

impl SubmissionView {
    pub fn build(s: Submission, role: Role) -> Result<Self, ApiError> {
        Ok(Self {
            allowed_actions: lifecycle::allowed_actions(s.state, role),
            state: s.state,
            steps: serde_json::from_str(&s.steps)?,
            certification: s.certification.as_deref().map(serde_json::from_str).transpose()?,
            snapshot: serde_json::from_str(&s.snapshot)?,
            id: s.id,
            offer_id: s.offer_id,
            organization_id: s.organization_id,
            sequence: s.sequence,
            preview_url: s.preview_url,
            notes_for_certification: s.notes_for_certification,
            submitted_by: s.submitted_by,
            submitted_at: s.submitted_at.into(),
            created_at: s.created_at.into(),
            updated_at: s.updated_at.into(),
            version: s.version,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListSubmissionsQuery {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// Comma-separated states, e.g. `in_certification`.
    #[param(example = "in_certification")]
    pub state: Option<String>,
    pub offer_id: Option<OfferId>,
    /// Staff only: one organization's submissions.
    pub organization_id: Option<OrganizationId>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_steps_and_certifications_read_back_as_written() {
        let steps = json!([
            {"name": "automated_validation", "state": "complete", "started_at": "2026-11-25T09:30:00.123Z", "completed_at": "2026-11-25T09:30:00.123Z"},
            {"name": "certification", "state": "in_progress", "started_at": "2026-11-25T09:30:00.123Z", "completed_at": null}
        ]);
        let read: Vec<Step> = serde_json::from_value(steps.clone()).unwrap();
        assert_eq!(serde_json::to_value(&read).unwrap(), steps);
        let certification = json!({
            "result": "failed",
            "feedback": [{"section": "listing", "pointer": "#/listing/description", "message": "Say what it does."}],
            "reviewer_id": "0193a7f0-0000-7000-8000-00000000000a",
            "decided_at": "2026-11-25T09:30:00.123Z"
        });
        let read: Certification = serde_json::from_value(certification.clone()).unwrap();
        assert_eq!(serde_json::to_value(&read).unwrap(), certification);
    }
}
