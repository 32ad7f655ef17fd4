use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::solutions;
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
    pub id: String,
    pub organization_id: String,
    pub ocp_solution_id: String,
    pub name: String,
    pub summary: String,
    pub mpn_id: String,
    pub solution_type: String,
    pub co_sell_status: String,
    pub incentive_eligible: bool,
    /// JSON `ReferralPipeline`.
    pub referral_pipeline: String,
    /// JSON, the shape of an offer's `co_sell` section.
    pub collateral: String,
    pub migration_status: String,
    /// The merge request ticket it led to.
    pub ticket_id: Option<String>,
    /// The offer it was migrated into or merged with.
    pub offer_id: Option<String>,
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
    pub solution_type: String,
    pub co_sell_status: String,
    pub incentive_eligible: bool,
    pub referral_pipeline: String,
    pub collateral: String,
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = solutions)]
pub struct SolutionChanges {
    pub migration_status: Option<String>,
    pub ticket_id: Option<Option<String>>,
    pub offer_id: Option<Option<String>>,
    pub completed_at: Option<Option<NaiveDateTime>>,
}
