//! Import of legacy solutions: an idempotent upsert keyed by `ocp_solution_id`, each entry
//! validated like user input, the whole call in one transaction.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use uuid::Uuid;

use super::dto::{ImportReport, ImportSolution, RejectedSolution};
use super::model::{LegacyData, MigrationStatus, Solution};
use super::repo;
use crate::audit::{self, Actor, Event};
use crate::db::DbConn;
use crate::error::{ApiError, FieldIssue, issues_from};
use crate::http::time;
use crate::organizations::repo as organizations;

pub const MAX_ENTRIES: usize = 1000;
pub const ENTITY: &str = "solution";

/// 422 unless a call imports 1 to [`MAX_ENTRIES`] solutions.
pub fn check_count(entries: &[Value]) -> Result<(), ApiError> {
    if entries.is_empty() || entries.len() > MAX_ENTRIES {
        return Err(ApiError::invalid_field(
            "#/solutions",
            "length",
            format!("send 1 to {MAX_ENTRIES} solutions"),
        ));
    }
    Ok(())
}

/// Imports `entries`; call inside a write transaction. The caller bounds their number.
pub fn import(conn: &mut DbConn, entries: &[Value], actor: Option<&Actor>) -> Result<ImportReport, ApiError> {
    let mut report = ImportReport::default();
    let mut organization_by_mpn: HashMap<String, Option<String>> = HashMap::new();
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
                let pointer = format!("{prefix}{}", pointer_of(e.path()));
                report
                    .rejected
                    .push(reject(vec![FieldIssue::new(pointer, "invalid", e.inner().to_string())]));
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
                "duplicate",
                "appears more than once in this import",
            );
            report.rejected.push(reject(vec![issue]));
            continue;
        }
        let organization_id = match organization_by_mpn.get(&input.mpn_id) {
            Some(found) => found.clone(),
            None => {
                let found = organizations::find_by_mpn_id(conn, &input.mpn_id)?.map(|o| o.id);
                organization_by_mpn.insert(input.mpn_id.clone(), found.clone());
                found
            }
        };
        let Some(organization_id) = organization_id else {
            let issue = FieldIssue::new(
                format!("{prefix}/mpn_id"),
                "unknown_mpn_id",
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
                    "organization_mismatch",
                    "this solution was imported for another organization",
                );
                report.rejected.push(reject(vec![issue]));
            }
            Some(existing) if same_data(&existing, &data) => report.unchanged += 1,
            Some(existing) => {
                if !repo::refresh(conn, &existing.id, existing.version, &data)? {
                    return Err(ApiError::unavailable().with_cause("a solution changed during its import"));
                }
                audit::record(
                    conn,
                    actor,
                    Event::new("solution.updated", ENTITY, &existing.id, Some(&organization_id)),
                )?;
                report.updated += 1;
            }
            None => {
                let now = time::now();
                let solution = Solution {
                    id: Uuid::now_v7().to_string(),
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
                    migration_status: MigrationStatus::Pending.as_str().to_owned(),
                    ticket_id: None,
                    offer_id: None,
                    completed_at: None,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                };
                repo::insert(conn, &solution)?;
                audit::record(
                    conn,
                    actor,
                    Event::new(
                        "solution.imported",
                        ENTITY,
                        &solution.id,
                        Some(&solution.organization_id),
                    )
                    .transition(None, Some(MigrationStatus::Pending.as_str())),
                )?;
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
        solution_type: input.solution_type.as_str().to_owned(),
        co_sell_status: input.co_sell_status.as_str().to_owned(),
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

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|segment| match segment {
            Segment::Seq { index } => format!("/{index}"),
            Segment::Map { key } => format!("/{key}"),
            Segment::Enum { variant } => format!("/{variant}"),
            Segment::Unknown => String::new(),
        })
        .collect()
}
