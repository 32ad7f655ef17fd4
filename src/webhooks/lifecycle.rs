//! The webhook endpoint state machine: owners and managers enable and disable it.

use super::model::EndpointStatus;
use crate::auth::roles::{Capability, Role};
use crate::lifecycle::{Lifecycle, Refusal};
use crate::string_enum;

string_enum! {
    pub enum EndpointAction {
        Enable => "enable",
        Disable => "disable",
    }
}

pub struct EndpointLifecycle;

impl Lifecycle for EndpointLifecycle {
    type State = EndpointStatus;
    type Action = EndpointAction;
    type Facts = EndpointStatus;

    const ACTIONS: &'static [EndpointAction] = EndpointAction::ALL;

    fn state(status: &EndpointStatus) -> EndpointStatus {
        *status
    }

    fn apply(status: EndpointStatus, action: EndpointAction, role: Role) -> Result<EndpointStatus, Refusal> {
        if !Capability::ManageWebhooks.allowed(role) {
            return Err(Refusal::Forbidden);
        }
        match (action, status) {
            (EndpointAction::Enable, EndpointStatus::Disabled) => Ok(EndpointStatus::Enabled),
            (EndpointAction::Disable, EndpointStatus::Enabled) => Ok(EndpointStatus::Disabled),
            _ => Err(Refusal::InvalidTransition),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_and_managers_switch_an_endpoint_to_the_other_state() {
        for &status in EndpointStatus::ALL {
            for &action in EndpointAction::ALL {
                for &role in Role::ALL {
                    let want = match (role, action, status) {
                        (Role::Owner | Role::Manager, EndpointAction::Enable, EndpointStatus::Disabled) => {
                            Ok(EndpointStatus::Enabled)
                        }
                        (Role::Owner | Role::Manager, EndpointAction::Disable, EndpointStatus::Enabled) => {
                            Ok(EndpointStatus::Disabled)
                        }
                        (Role::Owner | Role::Manager, _, _) => Err(Refusal::InvalidTransition),
                        _ => Err(Refusal::Forbidden),
                    };
                    assert_eq!(
                        EndpointLifecycle::apply(status, action, role),
                        want,
                        "{status} {action} {role}"
                    );
                }
            }
        }
    }
}
