use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::roles::Role;
use crate::db::schema::audit_events;
use crate::ids::{AuditEventId, OrganizationId, UserId};
use crate::string_enum;

string_enum! {
    /// The kinds of objects whose changes are recorded.
    pub enum EntityType {
        Organization => "organization",
        User => "user",
        PublisherProfile => "publisher_profile",
        Offer => "offer",
        Solution => "solution",
        SupportTicket => "support_ticket",
        WebhookEndpoint => "webhook_endpoint",
    }
}

string_enum! {
    /// What happened: `<entity type>.<what>`.
    pub enum AuditAction {
        OrganizationCreated => "organization.created",
        OrganizationUpdated => "organization.updated",
        OrganizationMpnVerified => "organization.mpn_verified",
        UserCreated => "user.created",
        UserInvited => "user.invited",
        UserActivated => "user.activated",
        UserUpdated => "user.updated",
        UserRoleChanged => "user.role_changed",
        UserStatusChanged => "user.status_changed",
        UserPasswordChanged => "user.password_changed",
        UserRemoved => "user.removed",
        PublisherProfileCreated => "publisher_profile.created",
        PublisherProfileUpdated => "publisher_profile.updated",
        PublisherProfileDeleted => "publisher_profile.deleted",
        OfferCreated => "offer.created",
        OfferUpdated => "offer.updated",
        OfferDeleted => "offer.deleted",
        OfferPublished => "offer.published",
        OfferPublishCanceled => "offer.publish_canceled",
        OfferCertificationPassed => "offer.certification_passed",
        OfferCertificationFailed => "offer.certification_failed",
        OfferWentLive => "offer.went_live",
        OfferDistributionStopped => "offer.distribution_stopped",
        OfferCoSellInherited => "offer.co_sell_inherited",
        SolutionImported => "solution.imported",
        SolutionUpdated => "solution.updated",
        SolutionMergeRequested => "solution.merge_requested",
        SolutionMergeWithdrawn => "solution.merge_withdrawn",
        SolutionMergeRejected => "solution.merge_rejected",
        SolutionMerged => "solution.merged",
        SolutionMigrated => "solution.migrated",
        SolutionMigrationReverted => "solution.migration_reverted",
        SolutionMigrationCompleted => "solution.migration_completed",
        SolutionDiscarded => "solution.discarded",
        SolutionDiscardUndone => "solution.discard_undone",
        SupportTicketOpened => "support_ticket.opened",
        SupportTicketReplied => "support_ticket.replied",
        SupportTicketCommented => "support_ticket.commented",
        SupportTicketInternalNoteAdded => "support_ticket.internal_note_added",
        SupportTicketAssigned => "support_ticket.assigned",
        SupportTicketInfoRequested => "support_ticket.info_requested",
        SupportTicketResolved => "support_ticket.resolved",
        SupportTicketClosed => "support_ticket.closed",
        SupportTicketReopened => "support_ticket.reopened",
        SupportTicketCanceled => "support_ticket.canceled",
        WebhookEndpointCreated => "webhook_endpoint.created",
        WebhookEndpointUpdated => "webhook_endpoint.updated",
        WebhookEndpointDeleted => "webhook_endpoint.deleted",
        WebhookEndpointEnabled => "webhook_endpoint.enabled",
        WebhookEndpointDisabled => "webhook_endpoint.disabled",
        WebhookEndpointSecretRotated => "webhook_endpoint.secret_rotated",
        WebhookEndpointPing => "webhook_endpoint.ping",
    }
}

impl AuditAction {
    /// The actions partners never learn of (an internal note): audited for staff, no event of
    /// the feed, left out of a partner's audit log.
    pub const STAFF_ONLY: [AuditAction; 1] = [AuditAction::SupportTicketInternalNoteAdded];

    pub fn is_staff_only(self) -> bool {
        Self::STAFF_ONLY.contains(&self)
    }

    /// The kind of object the action happens to: the part before the dot.
    pub fn entity(self) -> EntityType {
        let (prefix, _) = self.as_str().split_once('.').expect("every action names its entity");
        prefix.parse().expect("every action's prefix is an entity type")
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub organization_id: Option<OrganizationId>,
    pub actor_id: Option<UserId>,
    pub actor_role: Option<Role>,
    pub action: AuditAction,
    pub entity_type: EntityType,
    pub entity_id: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub request_id: String,
    pub occurred_at: NaiveDateTime,
    /// JSON `[Operation]` of an update.
    pub changes: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_names_an_entity_type() {
        for action in AuditAction::ALL {
            assert!(action.as_str().starts_with(action.entity().as_str()), "{action}");
        }
    }
}
