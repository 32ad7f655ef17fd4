//! The support ticket state machine as plain Rust.

use super::model::{TicketCategory, TicketStatus};
use crate::auth::roles::{Capability, Role};
use crate::lifecycle::{Lifecycle, Refusal};
use crate::string_enum;

string_enum! {
    /// What a caller may do to a ticket (the values of `allowed_actions`).
    pub enum TicketAction {
        Comment => "comment",
        AddInternalNote => "add_internal_note",
        Assign => "assign",
        RequestInfo => "request_info",
        Resolve => "resolve",
        Close => "close",
        Reopen => "reopen",
        Cancel => "cancel",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketFacts {
    pub status: TicketStatus,
    pub category: TicketCategory,
    /// The caller opened the ticket.
    pub caller_is_creator: bool,
}

/// DOMAIN.md's ticket rules.
pub struct TicketLifecycle;

impl Lifecycle for TicketLifecycle {
    type State = TicketStatus;
    type Action = TicketAction;
    type Facts = TicketFacts;

    const ACTIONS: &'static [TicketAction] = TicketAction::ALL;

    fn state(facts: &TicketFacts) -> TicketStatus {
        facts.status
    }

    fn apply(facts: TicketFacts, action: TicketAction, role: Role) -> Result<TicketStatus, Refusal> {
        use TicketStatus::*;
        let may = match action {
            TicketAction::Comment => Capability::CommentOnTickets.allowed(role),
            TicketAction::AddInternalNote
            | TicketAction::Assign
            | TicketAction::RequestInfo
            | TicketAction::Resolve => Capability::HandleTickets.allowed(role),
            TicketAction::Close | TicketAction::Reopen => Capability::OpenTickets.allowed(role),
            TicketAction::Cancel => {
                Capability::OpenTickets.allowed(role)
                    && (facts.caller_is_creator || matches!(role, Role::Owner | Role::Manager))
            }
        };
        if !may {
            return Err(Refusal::Forbidden);
        }
        let unresolved = matches!(facts.status, Open | InProgress | AwaitingPartner);
        let next = match action {
            TicketAction::Comment | TicketAction::AddInternalNote if matches!(facts.status, Closed | Canceled) => None,
            // A partner's answer brings the ticket back to support; support's first answer starts work.
            TicketAction::Comment if role.is_partner() && facts.status == AwaitingPartner => Some(InProgress),
            TicketAction::Comment if role.is_staff() && facts.status == Open => Some(InProgress),
            TicketAction::Comment | TicketAction::AddInternalNote => Some(facts.status),
            TicketAction::Assign if facts.status == AwaitingPartner => Some(AwaitingPartner),
            TicketAction::Assign if unresolved => Some(InProgress),
            TicketAction::RequestInfo if matches!(facts.status, Open | InProgress) => Some(AwaitingPartner),
            TicketAction::Resolve if unresolved => Some(Resolved),
            TicketAction::Close if facts.status == Resolved => Some(Closed),
            // A merge request's outcome drives its solution and is final.
            TicketAction::Reopen if facts.status == Resolved && facts.category != TicketCategory::MergeRequest => {
                Some(InProgress)
            }
            TicketAction::Cancel if unresolved => Some(Canceled),
            _ => None,
        };
        next.ok_or(Refusal::InvalidTransition)
    }
}

/// Transitions the system makes: a merge request withdrawn with its solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemEvent {
    MergeWithdrawn,
}

pub fn on_event(status: TicketStatus, event: SystemEvent) -> Option<TicketStatus> {
    use TicketStatus::*;
    match (event, status) {
        (SystemEvent::MergeWithdrawn, Open | InProgress | AwaitingPartner) => Some(Canceled),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketStatus::*;

    /// DOMAIN.md's ticket rules as a table: (action, from, to); anything else is a conflict.
    const TRANSITIONS: &[(TicketAction, TicketStatus, TicketStatus)] = &[
        (TicketAction::Assign, Open, InProgress),
        (TicketAction::Assign, InProgress, InProgress),
        (TicketAction::Assign, AwaitingPartner, AwaitingPartner),
        (TicketAction::RequestInfo, Open, AwaitingPartner),
        (TicketAction::RequestInfo, InProgress, AwaitingPartner),
        (TicketAction::Resolve, Open, Resolved),
        (TicketAction::Resolve, InProgress, Resolved),
        (TicketAction::Resolve, AwaitingPartner, Resolved),
        (TicketAction::Close, Resolved, Closed),
        (TicketAction::Reopen, Resolved, InProgress),
        (TicketAction::Cancel, Open, Canceled),
        (TicketAction::Cancel, InProgress, Canceled),
        (TicketAction::Cancel, AwaitingPartner, Canceled),
    ];

    fn role_may(action: TicketAction, role: Role, creator: bool) -> bool {
        match action {
            TicketAction::Comment => role != Role::Reviewer,
            TicketAction::AddInternalNote
            | TicketAction::Assign
            | TicketAction::RequestInfo
            | TicketAction::Resolve => role == Role::Support,
            TicketAction::Close | TicketAction::Reopen => role.is_partner(),
            TicketAction::Cancel => role.is_partner() && (creator || role != Role::Developer),
        }
    }

    fn comment_result(status: TicketStatus, role: Role, action: TicketAction) -> Option<TicketStatus> {
        match status {
            Closed | Canceled => None,
            AwaitingPartner if action == TicketAction::Comment && role.is_partner() => Some(InProgress),
            Open if action == TicketAction::Comment && role.is_staff() => Some(InProgress),
            s => Some(s),
        }
    }

    #[test]
    fn every_status_action_and_role_follows_the_table() {
        for &status in TicketStatus::ALL {
            for &category in TicketCategory::ALL {
                for creator in [false, true] {
                    let facts = TicketFacts {
                        status,
                        category,
                        caller_is_creator: creator,
                    };
                    for &action in TicketAction::ALL {
                        for &role in Role::ALL {
                            let want = if !role_may(action, role, creator) {
                                Err(Refusal::Forbidden)
                            } else {
                                let next = match action {
                                    TicketAction::Comment | TicketAction::AddInternalNote => {
                                        comment_result(status, role, action)
                                    }
                                    TicketAction::Reopen if category == TicketCategory::MergeRequest => None,
                                    _ => TRANSITIONS
                                        .iter()
                                        .find(|(a, from, _)| *a == action && *from == status)
                                        .map(|t| t.2),
                                };
                                next.ok_or(Refusal::InvalidTransition)
                            };
                            assert_eq!(
                                TicketLifecycle::apply(facts, action, role),
                                want,
                                "{facts:?} {action} {role}"
                            );
                            assert_eq!(TicketLifecycle::allowed(facts, role).contains(&action), want.is_ok());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_withdrawn_merge_cancels_only_an_unresolved_request() {
        for &status in TicketStatus::ALL {
            let want = matches!(status, Open | InProgress | AwaitingPartner).then_some(Canceled);
            assert_eq!(on_event(status, SystemEvent::MergeWithdrawn), want, "{status}");
        }
    }
}
