//! The support ticket state machine as plain Rust.

use super::model::{TicketCategory, TicketStatus};
use crate::auth::roles::{Capability, Role};
pub use crate::lifecycle::Refusal;
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

/// The status after `action`, or why it cannot be done.
pub fn apply(facts: TicketFacts, action: TicketAction, role: Role) -> Result<TicketStatus, Refusal> {
    use TicketStatus::*;
    let may = match action {
        TicketAction::Comment => Capability::CommentOnTickets.allowed(role),
        TicketAction::AddInternalNote | TicketAction::Assign | TicketAction::RequestInfo | TicketAction::Resolve => {
            Capability::HandleTickets.allowed(role)
        }
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
    next.ok_or(Refusal::Conflict("invalid_state_transition"))
}

pub fn allowed_actions(facts: TicketFacts, role: Role) -> Vec<TicketAction> {
    TicketAction::ALL
        .iter()
        .copied()
        .filter(|a| apply(facts, *a, role).is_ok())
        .collect()
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
                                next.ok_or(Refusal::Conflict("invalid_state_transition"))
                            };
                            assert_eq!(apply(facts, action, role), want, "{facts:?} {action} {role}");
                            assert_eq!(allowed_actions(facts, role).contains(&action), want.is_ok());
                        }
                    }
                }
            }
        }
    }
}
