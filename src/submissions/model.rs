use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::submissions;
use crate::ids::{OfferId, OrganizationId, SubmissionId, UserId};
use crate::offers::model::OfferStatus;
use crate::string_enum;

string_enum! {
    pub enum SubmissionState {
        InCertification => "in_certification",
        FailedCertification => "failed_certification",
        InPreview => "in_preview",
        Completed => "completed",
        Canceled => "canceled",
    }
}

string_enum! {
    /// A reviewer's verdict on a submission.
    pub enum CertificationResult {
        Passed => "passed",
        Failed => "failed",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = submissions)]
pub struct Submission {
    pub id: SubmissionId,
    pub offer_id: OfferId,
    pub organization_id: OrganizationId,
    pub sequence: i64,
    pub state: SubmissionState,
    pub offer_status_before: OfferStatus,
    pub content_revision: i64,
    /// JSON `[Step]`.
    pub steps: String,
    /// JSON `Certification`.
    pub certification: Option<String>,
    pub preview_url: Option<String>,
    /// JSON: the offer content as submitted.
    pub snapshot: String,
    pub notes_for_certification: Option<String>,
    pub submitted_by: UserId,
    pub submitted_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = submissions)]
pub struct SubmissionChanges {
    pub state: Option<SubmissionState>,
    pub steps: Option<String>,
    pub certification: Option<Option<String>>,
    pub preview_url: Option<Option<String>>,
}
