use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::solutions;
use crate::ids::{OfferId, OrganizationId, SolutionId, TicketId};
use crate::offers::model::CoSellStatus;
use crate::offers::sections::SolutionType;
use crate::string_enum;

string_enum! {
    pub enum MigrationStatus {
        Pending => "pending",
        MergeRequested => "merge_requested",
        Merged => "merged",
        Migrated => "migrated",
        Discarded => "discarded",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = solutions)]
pub struct Solution {
    pub id: SolutionId,
    pub organization_id: OrganizationId,
    pub ocp_solution_id: String,
    pub name: String,
    pub summary: String,
    pub mpn_id: String,
    pub solution_type: SolutionType,
    pub co_sell_status: CoSellStatus,
    pub incentive_eligible: bool,
    /// JSON `ReferralPipeline`.
    pub referral_pipeline: String,
    /// JSON, the shape of an offer's `co_sell` section.
    pub collateral: String,
    pub migration_status: MigrationStatus,
    /// The merge request ticket it led to.
    pub ticket_id: Option<TicketId>,
    /// The offer it was migrated into or merged with.
    pub offer_id: Option<OfferId>,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// The legacy data an import may refresh; the migration state is never touched by imports.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = solutions)]
pub struct LegacyData {
    pub name: String,
    pub summary: String,
    pub mpn_id: String,
    pub solution_type: SolutionType,
    pub co_sell_status: CoSellStatus,
    pub incentive_eligible: bool,
    pub referral_pipeline: String,
    pub collateral: String,
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = solutions)]
pub struct SolutionChanges {
    pub migration_status: Option<MigrationStatus>,
    pub ticket_id: Option<Option<TicketId>>,
    pub offer_id: Option<Option<OfferId>>,
    pub completed_at: Option<Option<NaiveDateTime>>,
}
