//! Roles and the capability table of the domain model, written once as data.

use crate::string_enum;

string_enum! {
    /// A user's role. Partner roles belong to one organization; staff roles see every organization.
    pub enum Role {
        Owner => "owner",
        Manager => "manager",
        Developer => "developer",
        Support => "support",
        Reviewer => "reviewer",
    }
}

impl Role {
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Support | Role::Reviewer)
    }
    pub fn is_partner(self) -> bool {
        !self.is_staff()
    }
}

/// What a role may do. Visibility (which organization's objects a caller sees) is separate:
/// partners see their own organization, staff see all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    UpdateOrganization,
    ManageUsers,
    ManagePublisherProfiles,
    ImportSolutions,
    WorkOnSolutions,
    EditOffers,
    PublishOffers,
    StopDistribution,
    OpenTickets,
    CommentOnTickets,
    HandleTickets,
    CertifySubmissions,
    ReadAuditLog,
    ManageWebhooks,
    ReadAllOrganizations,
    VerifyMpnIds,
}

impl Capability {
    pub fn allowed(self, role: Role) -> bool {
        use Capability::*;
        use Role::*;
        match self {
            UpdateOrganization | ManageUsers | ManagePublisherProfiles | StopDistribution | ManageWebhooks => {
                matches!(role, Owner | Manager)
            }
            WorkOnSolutions | EditOffers | PublishOffers | OpenTickets => role.is_partner(),
            CommentOnTickets => role != Reviewer,
            ImportSolutions | HandleTickets => role == Support,
            CertifySubmissions => role == Reviewer,
            ReadAuditLog => role != Developer,
            ReadAllOrganizations => role.is_staff(),
            VerifyMpnIds => role == Support,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_capability_table_matches_the_domain_model() {
        use Capability::*;
        // Columns: owner, manager, developer, support, reviewer.
        let table: &[(Capability, [bool; 5])] = &[
            (UpdateOrganization, [true, true, false, false, false]),
            (ManageUsers, [true, true, false, false, false]),
            (ManagePublisherProfiles, [true, true, false, false, false]),
            (ImportSolutions, [false, false, false, true, false]),
            (WorkOnSolutions, [true, true, true, false, false]),
            (EditOffers, [true, true, true, false, false]),
            (PublishOffers, [true, true, true, false, false]),
            (StopDistribution, [true, true, false, false, false]),
            (OpenTickets, [true, true, true, false, false]),
            (CommentOnTickets, [true, true, true, true, false]),
            (HandleTickets, [false, false, false, true, false]),
            (CertifySubmissions, [false, false, false, false, true]),
            (ReadAuditLog, [true, true, false, true, true]),
            (ManageWebhooks, [true, true, false, false, false]),
            (ReadAllOrganizations, [false, false, false, true, true]),
            (VerifyMpnIds, [false, false, false, true, false]),
        ];
        for (capability, expected) in table {
            for (role, allowed) in Role::ALL.iter().zip(expected) {
                assert_eq!(capability.allowed(*role), *allowed, "{capability:?} for {role}");
            }
        }
    }

    #[test]
    fn roles_round_trip_through_their_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), *role);
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
