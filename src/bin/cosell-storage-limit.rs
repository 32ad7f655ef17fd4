//! The benchmark's storage limits, through the service's own connection settings (for SQLite:
//! WAL, synchronous=NORMAL, one writer, BEGIN IMMEDIATE, background checkpoints) and its own
//! statements.
//!
//! Usage: `cosell-storage-limit SECONDS [edit|row] [CONNECTIONS]`, with COSELL_DATABASE_URL of
//! a seeded database (`cosell admin seed-bench`). On PostgreSQL, CONNECTIONS (1 by default)
//! write at once, each its own share of the offers, as that many editing clients would; SQLite
//! has one writer whatever the number.
//! - `edit` (the default): committed transactions per second of exactly what
//!   `PATCH /v1/offers/{id}` commits, without HTTP and without the work around it (parsing,
//!   merging, validating, diffing, rendering): the offer read, the live version's read where an
//!   edit of a live offer needs it, the version-guarded update, and `workflow::record` (the
//!   audit event, the feed's counter and event, a delivery for every enabled endpoint that asks
//!   for it). Rows are the sizes an edit writes: the offer's own rendered object and a one-member
//!   change. Editable offers of every organization are edited in turn, as the benchmark does.
//! - `row`: single-row committed updates of a table of its own (the bare commit rate).

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::json;

use cosell::audit::model::AuditAction;
use cosell::auth::caller::Actor;
use cosell::auth::roles::Role;
use cosell::changes::Operation;
use cosell::db::schema::{offers, users};
use cosell::db::{self, DbConn};
use cosell::error::ApiError;
use cosell::ids::{OfferId, OrganizationId, UserId};
use cosell::offers::loaded::LoadedOffer;
use cosell::offers::model::{OfferContentChanges, OfferStatus};
use cosell::submissions::model::SubmissionState;
use cosell::workflow::{self, Change};

/// A writer's share of the work: its number, and how many write.
type Share = (usize, usize);
/// What each writer runs until the deadline: the transactions it committed.
type Writer = fn(&mut DbConn, Instant, Share) -> Result<u64, ApiError>;

/// One offer to edit, with what its edit records.
struct Target {
    id: OfferId,
    organization_id: OrganizationId,
    actor: Actor,
    object: Box<serde_json::value::RawValue>,
    operations: Vec<Operation>,
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let transaction = args.next().unwrap_or_else(|| "edit".to_owned());
    let asked: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let config = cosell::config::Config::from_env()?;
    let connections = match config.database_url {
        cosell::config::DatabaseUrl::Postgres(_) => asked,
        cosell::config::DatabaseUrl::Sqlite(_) => 1,
    };
    let pool = db::connect(&config.database_url, connections as u32, config.sqlite_busy_timeout_ms)?;
    // As in `cosell serve`: SQLite's log is checkpointed from a thread of its own.
    let _checkpointer = db::Checkpointer::start(&config.database_url, config.sqlite_busy_timeout_ms)?;
    let run: Writer = match transaction.as_str() {
        "edit" => edits,
        "row" if connections == 1 => rows,
        "row" => return Err("a single-row update runs on one connection".into()),
        other => return Err(format!("unknown transaction {other:?}: edit or row")),
    };
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let writers: Vec<_> = (0..connections)
        .map(|share| {
            let pool = pool.clone();
            std::thread::spawn(move || -> Result<u64, String> {
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                run(&mut conn, deadline, (share, connections)).map_err(|e| e.to_string())
            })
        })
        .collect();
    let mut commits = 0;
    for writer in writers {
        commits += writer.join().map_err(|_| "a writer panicked".to_owned())??;
    }
    let rate = commits as f64 / started.elapsed().as_secs_f64();
    println!("{{\"transaction\": \"{transaction}\", \"commits\": {commits}, \"per_second\": {rate:.1}}}");
    Ok(())
}

/// The offers an owner may edit (drafts and live offers), each with its organization's owner.
fn targets(conn: &mut DbConn) -> Result<Vec<Target>, ApiError> {
    let owners: Vec<(UserId, Option<OrganizationId>)> = users::table
        .filter(users::role.eq(Role::Owner))
        .select((users::id, users::organization_id))
        // In one order for every writer, so that their shares never overlap.
        .order(users::id)
        .load(conn)?;
    let mut targets = Vec::new();
    for (owner, organization) in owners {
        let Some(organization_id) = organization else { continue };
        let ids: Vec<OfferId> = offers::table
            .filter(offers::organization_id.eq(organization_id))
            .filter(offers::status.eq_any([OfferStatus::Draft, OfferStatus::Live]))
            .select(offers::id)
            .order(offers::id)
            .load(conn)?;
        for id in ids {
            let Some(row) = cosell::offers::repo::find(conn, &id)? else {
                continue;
            };
            let object = cosell::events::object::offer_object(LoadedOffer::load(row)?)?;
            let operations = vec![Operation {
                op: cosell::changes::OperationKind::Replace,
                path: "/name".into(),
                value: Some(json!("Storage limit edit 0000001")),
                from: None,
            }];
            targets.push(Target {
                id,
                organization_id,
                actor: Actor {
                    id: owner,
                    role: Role::Owner,
                },
                object,
                operations,
            });
        }
    }
    if targets.is_empty() {
        return Err(ApiError::internal(
            "no editable offer: seed the database first (cosell admin seed-bench)",
        ));
    }
    Ok(targets)
}

/// Edits of this writer's `share` (its number, and how many write) of the offers.
fn edits(conn: &mut DbConn, deadline: Instant, (share, writers): Share) -> Result<u64, ApiError> {
    let targets: Vec<Target> = targets(conn)?.into_iter().skip(share).step_by(writers).collect();
    if targets.is_empty() {
        return Err(ApiError::internal("fewer editable offers than writers"));
    }
    let mut commits = 0u64;
    while Instant::now() < deadline {
        let target = &targets[commits as usize % targets.len()];
        db::write_tx(conn, |conn| edit(conn, target, commits))?;
        commits += 1;
    }
    Ok(commits)
}

/// The statements of one edit, in the order `offers::service::edit` makes them.
fn edit(conn: &mut DbConn, target: &Target, n: u64) -> Result<(), ApiError> {
    let row = cosell::offers::repo::find(conn, &target.id)?.ok_or_else(ApiError::not_found)?;
    if row.has_unpublished_changes() {
        cosell::submissions::repo::latest_in(conn, &target.id, SubmissionState::Completed)?;
    }
    let changes = OfferContentChanges {
        name: Some(format!("Storage limit edit {n:07}")),
        ..Default::default()
    };
    let change = Change::new(
        AuditAction::OfferUpdated,
        target.id.as_str(),
        Some(&target.organization_id),
    )
    .changes(target.operations.clone())
    .object(target.object.clone());
    workflow::commit(conn, Some(&target.actor), change, |conn| {
        cosell::offers::repo::update_content(conn, &target.id, row.version, &changes, cosell::time::now())
    })
}

fn rows(conn: &mut DbConn, deadline: Instant, _: Share) -> Result<u64, ApiError> {
    conn.batch_execute(
        "DROP TABLE IF EXISTS storage_limit; CREATE TABLE storage_limit (id BIGINT PRIMARY KEY, counter BIGINT NOT NULL);
         INSERT INTO storage_limit (id, counter) VALUES (1, 0);",
    )?;
    let mut commits = 0u64;
    while Instant::now() < deadline {
        db::write_tx(conn, |conn| {
            conn.batch_execute("UPDATE storage_limit SET counter = counter + 1 WHERE id = 1")?;
            Ok(())
        })?;
        commits += 1;
    }
    conn.batch_execute("DROP TABLE storage_limit")?;
    Ok(commits)
}
