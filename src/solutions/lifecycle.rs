//! The solution `migration_status` state machine as plain Rust.

use super::model::MigrationStatus;
use crate::auth::roles::{Capability, Role};
use crate::lifecycle::{Lifecycle, Refusal};
use crate::string_enum;

string_enum! {
    /// What a partner may do to a solution (the "Action" column; values of `allowed_actions`).
    pub enum SolutionAction {
        Merge => "merge",
        WithdrawMerge => "withdraw_merge",
        Migrate => "migrate",
        Discard => "discard",
        UndoDiscard => "undo_discard",
    }
}

/// DOMAIN.md's solution table, for partners' actions.
pub struct SolutionLifecycle;

impl Lifecycle for SolutionLifecycle {
    type State = MigrationStatus;
    type Action = SolutionAction;
    type Facts = MigrationStatus;

    const ACTIONS: &'static [SolutionAction] = SolutionAction::ALL;

    fn state(status: &MigrationStatus) -> MigrationStatus {
        *status
    }

    fn apply(status: MigrationStatus, action: SolutionAction, role: Role) -> Result<MigrationStatus, Refusal> {
        use MigrationStatus::*;
        if !Capability::WorkOnSolutions.allowed(role) {
            return Err(Refusal::Forbidden);
        }
        match (action, status) {
            (SolutionAction::Merge, Pending) => Ok(MergeRequested),
            (SolutionAction::WithdrawMerge, MergeRequested) => Ok(Pending),
            (SolutionAction::Migrate, Pending) => Ok(Migrated),
            (SolutionAction::Discard, Pending) => Ok(Discarded),
            (SolutionAction::UndoDiscard, Discarded) => Ok(Pending),
            _ => Err(Refusal::InvalidTransition),
        }
    }
}

/// Transitions the system makes: support resolving a merge request, or the migrated offer
/// being deleted before it was ever live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemEvent {
    MergeCompleted,
    MergeRejected,
    MigratedDraftDeleted,
}

pub fn on_event(status: MigrationStatus, event: SystemEvent) -> Option<MigrationStatus> {
    use MigrationStatus::*;
    match (event, status) {
        (SystemEvent::MergeCompleted, MergeRequested) => Some(Merged),
        (SystemEvent::MergeRejected, MergeRequested) => Some(Pending),
        (SystemEvent::MigratedDraftDeleted, Migrated) => Some(Pending),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MigrationStatus::*;

    const PARTNER_ROWS: &[(SolutionAction, MigrationStatus, MigrationStatus)] = &[
        (SolutionAction::Merge, Pending, MergeRequested),
        (SolutionAction::WithdrawMerge, MergeRequested, Pending),
        (SolutionAction::Migrate, Pending, Migrated),
        (SolutionAction::Discard, Pending, Discarded),
        (SolutionAction::UndoDiscard, Discarded, Pending),
    ];

    #[test]
    fn every_status_action_and_role_follows_the_table() {
        for &status in MigrationStatus::ALL {
            for &action in SolutionAction::ALL {
                for &role in Role::ALL {
                    let want = if role.is_staff() {
                        Err(Refusal::Forbidden)
                    } else {
                        PARTNER_ROWS
                            .iter()
                            .find(|(a, from, _)| *a == action && *from == status)
                            .map(|row| row.2)
                            .ok_or(Refusal::InvalidTransition)
                    };
                    assert_eq!(
                        SolutionLifecycle::apply(status, action, role),
                        want,
                        "{status} {action} {role}"
                    );
                    assert_eq!(SolutionLifecycle::allowed(status, role).contains(&action), want.is_ok());
                }
            }
        }
    }

    #[test]
    fn merged_is_final_and_migration_can_only_be_undone_by_deleting_the_draft() {
        for &status in MigrationStatus::ALL {
            let events = [
                SystemEvent::MergeCompleted,
                SystemEvent::MergeRejected,
                SystemEvent::MigratedDraftDeleted,
            ];
            for event in events {
                let want = match (event, status) {
                    (SystemEvent::MergeCompleted, MergeRequested) => Some(Merged),
                    (SystemEvent::MergeRejected, MergeRequested) | (SystemEvent::MigratedDraftDeleted, Migrated) => {
                        Some(Pending)
                    }
                    _ => None,
                };
                assert_eq!(on_event(status, event), want, "{event:?} from {status}");
            }
            assert!(SolutionLifecycle::allowed(Merged, Role::Owner).is_empty());
        }
    }
}
