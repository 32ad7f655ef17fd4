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
    let mut report = ImportReport::default();
    let mut organization_by_mpn: HashMap<String, Option<OrganizationId>> = HashMap::new();
    let mut seen = HashSet::new();
    for (index, entry) in entries.iter().enumerate() {
        let prefix = format!("#/solutions/{index}");
        let ocp_solution_id = entry.get("ocp_solution_id").and_then(Value::as_str).map(str::to_owned);
        let reject = |errors: Vec<FieldIssue>| RejectedSolution {
            index,
            ocp_solution_id: ocp_solution_id.clone(),
            errors,
        };
        let input: ImportSolution = match serde_path_to_error::deserialize(entry) {
            Ok(input) => input,
            Err(e) => {
                let pointer = format!("{prefix}{}", &pointer_of(e.path())[1..]);
                report.rejected.push(reject(vec![FieldIssue::new(
                    pointer,
                    IssueCode::Invalid,
                    e.inner().to_string(),
                )]));
                continue;
            }
        };
        if let Err(errors) = validator::Validate::validate(&input) {
            report.rejected.push(reject(issues_from(&errors, &prefix)));
            continue;
        }
        if !seen.insert(input.ocp_solution_id.clone()) {
            let issue = FieldIssue::new(
                format!("{prefix}/ocp_solution_id"),
                IssueCode::Duplicate,
                "appears more than once in this import",
            );
            report.rejected.push(reject(vec![issue]));
            continue;
        }
        let organization_id = match organization_by_mpn.get(&input.mpn_id) {
            Some(found) => *found,
            None => {
                let found = organizations::find_by_mpn_id(conn, &input.mpn_id)?.map(|o| o.id);
                organization_by_mpn.insert(input.mpn_id.clone(), found);
                found
            }
        };
        let Some(organization_id) = organization_id else {
            let issue = FieldIssue::new(
                format!("{prefix}/mpn_id"),
                IssueCode::UnknownMpnId,
                "no enrolled organization has this MPN ID",
            );
            report.rejected.push(reject(vec![issue]));
            continue;
        };
        let data = legacy_data(&input);
        match repo::find_by_ocp_id(conn, &input.ocp_solution_id)? {
            Some(existing) if existing.organization_id != organization_id => {
                let issue = FieldIssue::new(
                    format!("{prefix}/mpn_id"),
                    IssueCode::OrganizationMismatch,
                    "this solution was imported for another organization",
                );
                report.rejected.push(reject(vec![issue]));
            }
            Some(existing) if same_data(&existing, &data) => report.unchanged += 1,
            Some(existing) => {
                let change = Change::new(
                    AuditAction::SolutionUpdated,
                    existing.id.as_str(),
                    Some(&organization_id),
                );
                workflow::commit(conn, actor, change, |conn| {
                    repo::refresh(conn, &existing.id, existing.version, &data)
                })?;
                report.updated += 1;
            }
            None => {
                let now = time::now();
                let solution = Solution {
                    id: SolutionId::generate(),
                    organization_id,
                    ocp_solution_id: input.ocp_solution_id.clone(),
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
                };
                repo::insert(conn, &solution)?;
                let change = Change::new(
                    AuditAction::SolutionImported,
                    solution.id.as_str(),
                    Some(&solution.organization_id),
                )
                .states(None, Some(MigrationStatus::Pending.as_str()));
                workflow::record(conn, actor, change)?;
                report.created += 1;
            }
        }
    }
    Ok(report)
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
