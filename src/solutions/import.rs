//! Import of legacy solutions: an idempotent upsert keyed by `ocp_solution_id`, each entry
//! validated like user input, the whole call in one transaction.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::dto::{ImportReport, ImportSolution, RejectedSolution};
use super::model::{LegacyData, MigrationStatus, Solution};
use super::repo;
use crate::audit::model::AuditAction;
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{ApiError, FieldIssue, IssueCode, issues_from, pointer_of};
use crate::ids::{OrganizationId, SolutionId};
use crate::organizations::repo as organizations;
use crate::time;
use crate::workflow::{self, Change};

pub const MAX_ENTRIES: usize = 1000;

/// 422 unless a call imports 1 to [`MAX_ENTRIES`] solutions.
pub fn check_count(entries: &[Value]) -> Result<(), ApiError> {
    if entries.is_empty() || entries.len() > MAX_ENTRIES {
        return Err(ApiError::invalid_field(
            "#/solutions",
            IssueCode::Length,
            format!("send 1 to {MAX_ENTRIES} solutions"),
        ));
    }
    Ok(())
}

/// Imports `entries`; call inside a write transaction. The caller bounds their number.
pub fn import(conn: &mut DbConn, entries: &[Value], actor: Option<&Actor>) -> Result<ImportReport, ApiError> {
    let mut import = Import {
        actor,
        organizations: HashMap::new(),
        seen: HashSet::new(),
    };
    let mut report = ImportReport::default();
    for (index, entry) in entries.iter().enumerate() {
        match import.entry(conn, &format!("#/solutions/{index}"), entry)? {
            Ok(Stored::Created) => report.created += 1,
            Ok(Stored::Updated) => report.updated += 1,
            Ok(Stored::Unchanged) => report.unchanged += 1,
            Err(errors) => report.rejected.push(RejectedSolution {
                index,
                ocp_solution_id: entry.get("ocp_solution_id").and_then(Value::as_str).map(str::to_owned),
                errors,
            }),
        }
    }
    Ok(report)
}

/// What became of an entry that was not rejected.
enum Stored {
    Created,
    Updated,
    Unchanged,
}

/// One import under way: who imports, the organizations found so far by MPN ID, and the
/// solutions already in this import.
struct Import<'a> {
    actor: Option<&'a Actor>,
    organizations: HashMap<String, Option<(OrganizationId, bool)>>,
    seen: HashSet<String>,
}

impl Import<'_> {
    /// Stores one entry, or says what is wrong with it (at pointers below `prefix`).
    fn entry(
        &mut self,
        conn: &mut DbConn,
        prefix: &str,
        entry: &Value,
    ) -> Result<Result<Stored, Vec<FieldIssue>>, ApiError> {
        let input = match read(prefix, entry) {
            Ok(input) => input,
            Err(errors) => return Ok(Err(errors)),
        };
        let rejected = |field: &str, code: IssueCode, message: &str| {
            Ok(Err(vec![FieldIssue::new(format!("{prefix}/{field}"), code, message)]))
        };
        if !self.seen.insert(input.ocp_solution_id.clone()) {
            return rejected(
                "ocp_solution_id",
                IssueCode::Duplicate,
                "appears more than once in this import",
            );
        }
        let Some((organization_id, verified)) = self.organization(conn, &input.mpn_id)? else {
            return rejected(
                "mpn_id",
                IssueCode::UnknownMpnId,
                "no enrolled organization has this MPN ID",
            );
        };
        if !verified {
            return rejected(
                "mpn_id",
                IssueCode::OrganizationNotVerified,
                "the organization enrolled with this MPN ID is not verified yet (POST /v1/organizations/{id}/verify-mpn)",
            );
        }
        let data = legacy_data(&input);
        let stored = match repo::find_by_ocp_id(conn, &input.ocp_solution_id)? {
            Some(existing) if existing.organization_id != organization_id => {
                return rejected(
                    "mpn_id",
                    IssueCode::OrganizationMismatch,
                    "this solution was imported for another organization",
                );
            }
            Some(existing) if same_data(&existing, &data) => Stored::Unchanged,
            Some(existing) => {
                let change = Change::new(
                    AuditAction::SolutionUpdated,
                    existing.id.as_str(),
                    Some(&organization_id),
                );
                workflow::commit(conn, self.actor, change, |conn| {
                    repo::refresh(conn, &existing.id, existing.version, &data)
                })?;
                Stored::Updated
            }
            None => {
                let solution = new_solution(organization_id, input.ocp_solution_id, data);
                repo::insert(conn, &solution)?;
                let change = Change::new(
                    AuditAction::SolutionImported,
                    solution.id.as_str(),
                    Some(&solution.organization_id),
                )
                .states(None, Some(MigrationStatus::Pending.as_str()));
                workflow::record(conn, self.actor, change)?;
                Stored::Created
            }
        };
        Ok(Ok(stored))
    }

    /// The organization enrolled with `mpn_id`, if any, and whether support verified it.
    fn organization(&mut self, conn: &mut DbConn, mpn_id: &str) -> Result<Option<(OrganizationId, bool)>, ApiError> {
        if let Some(found) = self.organizations.get(mpn_id) {
            return Ok(*found);
        }
        let found = organizations::find_by_mpn_id(conn, mpn_id)?.map(|o| (o.id, o.mpn_verified_at.is_some()));
        self.organizations.insert(mpn_id.to_owned(), found);
        Ok(found)
    }
}

/// An entry read and checked like user input.
fn read(prefix: &str, entry: &Value) -> Result<ImportSolution, Vec<FieldIssue>> {
    let input: ImportSolution = serde_path_to_error::deserialize(entry).map_err(|e| {
        let pointer = format!("{prefix}{}", &pointer_of(e.path())[1..]);
        vec![FieldIssue::new(pointer, IssueCode::Invalid, e.inner().to_string())]
    })?;
    validator::Validate::validate(&input).map_err(|errors| issues_from(&errors, prefix))?;
    Ok(input)
}

fn new_solution(organization_id: OrganizationId, ocp_solution_id: String, data: LegacyData) -> Solution {
    let now = time::now();
    Solution {
        id: SolutionId::generate(),
        organization_id,
        ocp_solution_id,
        name: data.name,
        summary: data.summary,
        mpn_id: data.mpn_id,
        solution_type: data.solution_type,
        co_sell_status: data.co_sell_status,
        incentive_eligible: data.incentive_eligible,
        referral_pipeline: data.referral_pipeline,
        collateral: data.collateral,
        migration_status: MigrationStatus::Pending,
        ticket_id: None,
        offer_id: None,
        completed_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

fn legacy_data(input: &ImportSolution) -> LegacyData {
    LegacyData {
        name: input.name.trim().to_owned(),
        summary: input.summary.trim().to_owned(),
        mpn_id: input.mpn_id.clone(),
        solution_type: input.solution_type,
        co_sell_status: input.co_sell_status,
        incentive_eligible: input.incentive_eligible,
        referral_pipeline: serde_json::to_string(&input.referral_pipeline).unwrap_or_default(),
        collateral: serde_json::to_string(&input.collateral).unwrap_or_default(),
    }
}

fn same_data(s: &Solution, d: &LegacyData) -> bool {
    s.name == d.name
        && s.summary == d.summary
        && s.mpn_id == d.mpn_id
        && s.solution_type == d.solution_type
        && s.co_sell_status == d.co_sell_status
        && s.incentive_eligible == d.incentive_eligible
        && s.referral_pipeline == d.referral_pipeline
        && s.collateral == d.collateral
}
