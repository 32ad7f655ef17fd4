use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::Event;
use crate::audit::model::AuditAction;
use crate::db::DbConn;
use crate::db::schema::{event_sequences, events};
use crate::error::ApiError;
use crate::ids::{EventId, OrganizationId};

/// The next sequence of `organization_id`'s feed. The counter row is written (so, on
/// PostgreSQL, locked) until the transaction ends: writers of one organization take their
/// numbers in the order they commit.
pub fn next_sequence(conn: &mut DbConn, organization_id: &OrganizationId) -> Result<i64, ApiError> {
    let counter = event_sequences::table.find(*organization_id);
    let bumped = crate::db::update(
        event_sequences::table,
        event_sequences::last_sequence.eq(event_sequences::last_sequence + 1),
        event_sequences::organization_id.eq(*organization_id),
    );
    if crate::native!(conn, |c| bumped.clone().execute(c))? == 0 {
        // The organization's first event (in the transaction that enrols it, or the first
        // change of an organization loaded in bulk, which two writers may make at once): the
        // counter row is made at 0 unless another transaction made it, then bumped.
        let start = diesel::insert_into(event_sequences::table)
            .values((
                event_sequences::organization_id.eq(*organization_id),
                event_sequences::last_sequence.eq(0_i64),
            ))
            .on_conflict_do_nothing();
        crate::native!(conn, |c| start.execute(c))?;
        crate::db::guarded(crate::native!(conn, |c| bumped.execute(c))?)?;
    }
    let read = counter.select(event_sequences::last_sequence);
    Ok(crate::native!(conn, |c| read.first(c))?)
}

pub fn insert(conn: &mut DbConn, event: &Event) -> Result<(), ApiError> {
    let query = diesel::insert_into(events::table).values(event);
    crate::native!(conn, |c| query.execute(c))?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &EventId) -> Result<Option<Event>, ApiError> {
    Ok(events::table
        .find(id)
        .select(Event::as_select())
        .first(conn)
        .optional()?)
}

/// The events of `ids` that still exist (in no particular order).
pub fn find_many(conn: &mut DbConn, ids: &[EventId]) -> Result<Vec<Event>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(events::table
        .filter(events::id.eq_any(ids))
        .select(Event::as_select())
        .load(conn)?)
}

/// Events of `organization_id` after `after`, oldest first, of `types` (all when empty).
pub fn list(
    conn: &mut DbConn,
    organization_id: &OrganizationId,
    after: i64,
    types: &[AuditAction],
    limit: i64,
) -> Result<Vec<Event>, ApiError> {
    let mut query = events::table
        .filter(events::organization_id.eq(*organization_id))
        .filter(events::sequence.gt(after))
        .select(Event::as_select())
        .into_boxed();
    query = crate::db::one_of(query, events::event_type, types);
    Ok(query.order(events::sequence.asc()).limit(limit).load(conn)?)
}

/// Deletes the events that occurred before `cutoff`, and with them their deliveries. An event's
/// id is a UUIDv7 made when it occurred, and UUIDv7s sort by the millisecond they were made in:
/// the events before `cutoff` are those whose id sorts before the first one of `cutoff`'s
/// millisecond, a range of the primary key (and of the deliveries' index on their event).
pub fn purge(conn: &mut DbConn, cutoff: NaiveDateTime) -> Result<usize, ApiError> {
    use crate::db::schema::webhook_deliveries as deliveries;
    let first = first_id_made_at(cutoff);
    diesel::delete(deliveries::table.filter(deliveries::event_id.lt(&first))).execute(conn)?;
    Ok(diesel::delete(events::table.filter(events::id.lt(&first))).execute(conn)?)
}

/// The least UUIDv7 of `at`'s millisecond, as stored: every id made earlier sorts before it.
fn first_id_made_at(at: NaiveDateTime) -> String {
    let millis = u64::try_from(at.and_utc().timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &[0; 10])
        .into_uuid()
        .hyphenated()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::first_id_made_at;

    #[test]
    fn ids_made_before_a_moment_sort_before_its_first_id() {
        let at = crate::time::now();
        let first = first_id_made_at(at);
        let before = uuid::Builder::from_unix_timestamp_millis(
            u64::try_from(at.and_utc().timestamp_millis()).unwrap() - 1,
            &[0xff; 10],
        )
        .into_uuid()
        .hyphenated()
        .to_string();
        let made_now = uuid::Uuid::now_v7().hyphenated().to_string();
        assert!(before < first, "{before} < {first}");
        assert!(first <= made_now, "{first} <= {made_now}");
        assert_eq!(&first[14..15], "7", "a version 7 UUID: {first}");
    }
}
