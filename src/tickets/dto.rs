use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::lifecycle::{TicketAction, TicketFacts, TicketLifecycle};
use super::model::{Comment, Resolution, Ticket, TicketCategory, TicketStatus};
use crate::auth::Caller;
use crate::auth::roles::Role;
use crate::error::ApiError;
use crate::ids::{CommentId, OfferId, OrganizationId, SolutionId, TicketId, UserId};
use crate::lifecycle::Lifecycle;
use crate::offers::model::OfferType;
use crate::time::{self, Timestamp};

/// What a merge request asks support to do.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MergeRequest {
    /// The live offer of the organization to merge into, or
    pub target_offer_id: Option<OfferId>,
    /// the marketplace listing to merge into.
    pub listing_url: Option<String>,
    pub offer_type: Option<OfferType>,
    pub offer_name: Option<String>,
    #[schema(example = "OCP-100234")]
    pub ocp_solution_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketView {
    pub id: TicketId,
    pub organization_id: OrganizationId,
    pub category: TicketCategory,
    #[schema(example = "Merge Contoso Analytics for Retail into Contoso Analytics")]
    pub subject: String,
    pub description: String,
    pub related_solution_id: Option<SolutionId>,
    pub related_offer_id: Option<OfferId>,
    /// For `merge_request` tickets.
    pub merge: Option<MergeRequest>,
    pub status: TicketStatus,
    pub assignee_id: Option<UserId>,
    /// Creation plus two business days (Monday–Friday, UTC).
    pub first_response_due_at: Timestamp,
    pub first_responded_at: Option<Timestamp>,
    /// Not answered and past its first-response time.
    pub overdue: bool,
    pub resolution: Option<Resolution>,
    pub resolution_note: Option<String>,
    pub created_by: UserId,
    /// Comments the caller can see.
    pub comment_count: i64,
    /// What the caller may do now.
    pub allowed_actions: Vec<TicketAction>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

/// What the state machine needs to know of `ticket` when `caller` acts on it.
pub fn facts(ticket: &Ticket, caller: &Caller) -> TicketFacts {
    TicketFacts {
        status: ticket.status,
        category: ticket.category,
        caller_is_creator: ticket.created_by == caller.id,
    }
}

impl TicketView {
    pub fn build(t: Ticket, caller: &Caller, comment_count: i64) -> Result<Self, ApiError> {
        let facts = facts(&t, caller);
        let overdue = t.first_responded_at.is_none()
            && t.first_response_due_at < time::now()
            && matches!(
                facts.status,
                TicketStatus::Open | TicketStatus::InProgress | TicketStatus::AwaitingPartner
            );
        Ok(Self {
            allowed_actions: TicketLifecycle::allowed(facts, caller.role),
            category: facts.category,
            status: facts.status,
            merge: t.merge_request.as_deref().map(serde_json::from_str).transpose()?,
            resolution: t.resolution,
            overdue,
            comment_count,
            id: t.id,
            organization_id: t.organization_id,
            subject: t.subject,
            description: t.description,
            related_solution_id: t.related_solution_id,
            related_offer_id: t.related_offer_id,
            assignee_id: t.assignee_id,
            first_response_due_at: t.first_response_due_at.into(),
            first_responded_at: t.first_responded_at.map(Into::into),
            resolution_note: t.resolution_note,
            created_by: t.created_by,
            created_at: t.created_at.into(),
            updated_at: t.updated_at.into(),
            version: t.version,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    pub id: CommentId,
    pub ticket_id: TicketId,
    pub author_id: UserId,
    pub author_role: Role,
    pub body: String,
    /// Staff-only note; never shown to partners.
    pub internal: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

impl From<Comment> for CommentView {
    fn from(c: Comment) -> Self {
        Self {
            author_role: c.author_role,
            id: c.id,
            ticket_id: c.ticket_id,
            author_id: c.author_id,
            body: c.body,
            internal: c.internal,
            created_at: c.created_at.into(),
            updated_at: c.updated_at.into(),
            version: c.version,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"category": "publishing", "subject": "Certification feedback unclear", "description": "What does the reviewer mean by…"}))]
pub struct CreateTicket {
    /// Any category but `merge_request` (open those with `POST /v1/solutions/{id}/merge`).
    pub category: TicketCategory,
    #[validate(length(min = 1, max = 200), custom(function = "crate::validate::single_line"))]
    #[schema(min_length = 1, max_length = 200, format = "single-line")]
    pub subject: String,
    #[validate(length(min = 1, max = 5000), custom(function = "crate::validate::plain_text"))]
    #[schema(min_length = 1, max_length = 5000, format = "text")]
    pub description: String,
    #[serde(default)]
    pub related_solution_id: Option<SolutionId>,
    #[serde(default)]
    pub related_offer_id: Option<OfferId>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListTicketsQuery {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// Comma-separated statuses.
    #[param(example = "open,in_progress")]
    pub status: Option<String>,
    pub category: Option<TicketCategory>,
    pub assignee_id: Option<UserId>,
    /// Only tickets still unanswered past their first-response time.
    pub overdue: Option<bool>,
    /// Staff only: one organization's tickets.
    pub organization_id: Option<OrganizationId>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Here is the screenshot you asked for."}))]
pub struct CreateComment {
    #[validate(length(min = 1, max = 5000), custom(function = "crate::validate::plain_text"))]
    #[schema(min_length = 1, max_length = 5000, format = "text")]
    pub body: String,
    /// Staff only: a note partners never see.
    #[serde(default)]
    pub internal: bool,
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"assignee_id": "01937e4a-7b1c-7000-8000-000000000054"}))]
pub struct AssignTicket {
    /// A support user; the caller when absent.
    #[serde(default)]
    pub assignee_id: Option<UserId>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"message": "Which offer should this solution merge into?"}))]
pub struct RequestInfo {
    #[validate(length(min = 1, max = 5000), custom(function = "crate::validate::plain_text"))]
    #[schema(min_length = 1, max_length = 5000, format = "text")]
    pub message: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"resolution": "merged", "note": "Merged into the live offer."}))]
pub struct ResolveTicket {
    /// `merged` or `rejected` for merge requests; `answered` or `duplicate` for the others.
    pub resolution: Resolution,
    #[serde(default)]
    #[validate(length(max = 5000), custom(function = "crate::validate::plain_text"))]
    #[schema(max_length = 5000, format = "text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCommentsQuery {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_stored_merge_request_reads_back_as_written() {
        let stored = json!({
            "target_offer_id": "0193a7f0-0000-7000-8000-00000000000a", "listing_url": null,
            "offer_type": "saas", "offer_name": "Contoso Analytics", "ocp_solution_id": "OCP-1"
        });
        let read: MergeRequest = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(serde_json::to_value(&read).unwrap(), stored);
    }
}
