use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Delivery, DeliveryChanges, DeliveryStatus, Endpoint, EndpointChanges, EndpointStatus};
use crate::audit::model::AuditAction;
use crate::db::schema::{webhook_deliveries as deliveries, webhook_endpoints as endpoints};
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::ids::{EventId, OrganizationId, WebhookDeliveryId, WebhookEndpointId};
use crate::page::PageRequest;

pub fn find_endpoint(conn: &mut DbConn, id: &WebhookEndpointId) -> Result<Option<Endpoint>, ApiError> {
    Ok(endpoints::table
        .find(id)
        .select(Endpoint::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_endpoint(conn: &mut DbConn, endpoint: &Endpoint) -> Result<(), ApiError> {
    diesel::insert_into(endpoints::table).values(endpoint).execute(conn)?;
    Ok(())
}

/// Applies `changes` if the row is still at `expected_version`: the rows it changed.
pub fn update_endpoint(
    conn: &mut DbConn,
    id: &WebhookEndpointId,
    expected_version: i64,
    changes: &EndpointChanges,
) -> Result<usize, ApiError> {
    Ok(db::versioned::<endpoints::table, _, _>(id, expected_version, changes).execute(conn)?)
}

/// Takes the endpoint row's lock until the transaction ends (PostgreSQL; SQLite writers are
/// serial already). Whatever writes an endpoint and its deliveries takes it first, so that an
/// attempt being recorded and the endpoint being deleted or disabled queue instead of deadlocking.
pub fn lock_endpoint(conn: &mut DbConn, id: &WebhookEndpointId) -> Result<(), ApiError> {
    diesel::update(endpoints::table.find(id))
        .set(endpoints::version.eq(endpoints::version))
        .execute(conn)?;
    Ok(())
}

pub fn delete_endpoint(conn: &mut DbConn, id: &WebhookEndpointId, expected_version: i64) -> Result<usize, ApiError> {
    Ok(diesel::delete(
        endpoints::table
            .find(id)
            .filter(endpoints::version.eq(expected_version)),
    )
    .execute(conn)?)
}

pub fn count_endpoints(conn: &mut DbConn, organization_id: &OrganizationId) -> Result<i64, ApiError> {
    Ok(endpoints::table
        .filter(endpoints::organization_id.eq(organization_id))
        .count()
        .get_result(conn)?)
}

/// The organization's enabled endpoints, which every event of it is offered to.
pub fn enabled_endpoints(conn: &mut DbConn, organization_id: &OrganizationId) -> Result<Vec<Endpoint>, ApiError> {
    // `as_select` is typed by its backend: the query is built in each arm.
    Ok(crate::native!(conn, |c| endpoints::table
        .filter(endpoints::organization_id.eq(*organization_id))
        .filter(endpoints::status.eq(EndpointStatus::Enabled))
        .select(Endpoint::as_select())
        .load(c))?)
}

pub fn list_endpoints(
    conn: &mut DbConn,
    organization_id: &OrganizationId,
    page: &PageRequest,
) -> Result<Vec<Endpoint>, ApiError> {
    let mut query = endpoints::table
        .filter(endpoints::organization_id.eq(*organization_id))
        .select(Endpoint::as_select())
        .into_boxed();
    if let Some(before) = &page.cursor {
        query = query.filter(endpoints::id.lt(before.clone()));
    }
    Ok(query.order(endpoints::id.desc()).limit(page.fetch()).load(conn)?)
}

pub fn insert_deliveries(conn: &mut DbConn, rows: &[Delivery]) -> Result<(), ApiError> {
    for row in rows {
        let insert = diesel::insert_into(deliveries::table).values(row);
        crate::native!(conn, |c| insert.execute(c))?;
    }
    Ok(())
}

pub fn find_delivery(conn: &mut DbConn, id: &WebhookDeliveryId) -> Result<Option<Delivery>, ApiError> {
    Ok(deliveries::table
        .find(id)
        .select(Delivery::as_select())
        .first(conn)
        .optional()?)
}

/// Applies `changes` if the row is still at `expected_version`: the rows it changed.
pub fn update_delivery(
    conn: &mut DbConn,
    id: &WebhookDeliveryId,
    expected_version: i64,
    changes: &DeliveryChanges,
) -> Result<usize, ApiError> {
    Ok(db::versioned::<deliveries::table, _, _>(id, expected_version, changes).execute(conn)?)
}

#[derive(Debug, Default, Clone)]
pub struct DeliveryFilter {
    pub endpoint_id: Option<WebhookEndpointId>,
    pub event_id: Option<EventId>,
    pub statuses: Vec<DeliveryStatus>,
}

/// Newest first.
pub fn list_deliveries(
    conn: &mut DbConn,
    organization_id: &OrganizationId,
    filter: &DeliveryFilter,
    page: &PageRequest,
) -> Result<Vec<Delivery>, ApiError> {
    let mut query = deliveries::table
        .filter(deliveries::organization_id.eq(*organization_id))
        .select(Delivery::as_select())
        .into_boxed();
    if let Some(endpoint) = &filter.endpoint_id {
        query = query.filter(deliveries::endpoint_id.eq(*endpoint));
    }
    if let Some(event) = &filter.event_id {
        query = query.filter(deliveries::event_id.eq(*event));
    }
    query = db::one_of(query, deliveries::status, &filter.statuses);
    if let Some(before) = &page.cursor {
        query = query.filter(deliveries::id.lt(before.clone()));
    }
    Ok(query.order(deliveries::id.desc()).limit(page.fetch()).load(conn)?)
}

#[derive(diesel::QueryableByName)]
struct DueEndpoint {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: WebhookEndpointId,
}

/// Endpoints with a delivery due at `now` (only pings for a disabled one) that no process
/// holds, or whose lease expired; at most `limit`. With `lock`, on PostgreSQL, the rows are
/// locked, and rows another process is locking are skipped (inside a write transaction).
pub fn endpoints_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
    lock: bool,
) -> Result<Vec<WebhookEndpointId>, ApiError> {
    use diesel::sql_types::{BigInt, Timestamp};
    const DUE: &str = "SELECT e.id FROM webhook_endpoints e
        WHERE (e.leased_until IS NULL OR e.leased_until < $1)
          AND EXISTS (SELECT 1 FROM webhook_deliveries d
                      WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= $1
                        AND (e.status = 'enabled' OR d.event_type = 'webhook_endpoint.ping'))
        ORDER BY e.id LIMIT $2";
    let rows: Vec<DueEndpoint> = match conn {
        DbConn::Pg(pg) => diesel::sql_query(if lock {
            format!("{DUE} FOR UPDATE OF e SKIP LOCKED")
        } else {
            DUE.to_owned()
        })
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(pg)?,
        DbConn::Sqlite(lite) => diesel::sql_query(DUE.replace('$', "?"))
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load(lite)?,
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Takes the endpoint for `owner` until `until`, unless another process holds it: whether it
/// was taken.
pub fn lease(
    conn: &mut DbConn,
    id: &WebhookEndpointId,
    owner: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<bool, ApiError> {
    let free = endpoints::leased_until
        .is_null()
        .or(endpoints::leased_until.lt(now))
        .or(endpoints::lease_owner.eq(owner));
    let rows = diesel::update(endpoints::table.find(id).filter(free))
        .set((endpoints::lease_owner.eq(owner), endpoints::leased_until.eq(until)))
        .execute(conn)?;
    Ok(rows == 1)
}

/// Gives up every endpoint `owner` holds: how many it held.
pub fn release_all(conn: &mut DbConn, owner: &str) -> Result<usize, ApiError> {
    Ok(
        diesel::update(endpoints::table.filter(endpoints::lease_owner.eq(owner)))
            .set((
                endpoints::lease_owner.eq(None::<String>),
                endpoints::leased_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
    )
}

/// Gives the endpoint up, if `owner` holds it.
pub fn release(conn: &mut DbConn, id: &WebhookEndpointId, owner: &str) -> Result<(), ApiError> {
    diesel::update(endpoints::table.find(id).filter(endpoints::lease_owner.eq(owner)))
        .set((
            endpoints::lease_owner.eq(None::<String>),
            endpoints::leased_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// `status = 'pending'`, written out: the condition of the partial index of due deliveries
/// (`webhook_deliveries_due`). With the status bound as a parameter the planners cannot know
/// the index applies (SQLite plans each statement once, for any value), and a look for due
/// deliveries walks every delivery the endpoint ever had.
fn pending() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql::<diesel::sql_types::Bool>("webhook_deliveries.status = 'pending'")
}

/// The endpoint's deliveries due at `now` (of a disabled endpoint, only pings), first attempts
/// in the order of their events.
pub fn due_deliveries(
    conn: &mut DbConn,
    endpoint: &Endpoint,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Delivery>, ApiError> {
    let mut query = deliveries::table
        .filter(deliveries::endpoint_id.eq(endpoint.id))
        .filter(pending())
        .filter(deliveries::next_attempt_at.le(now))
        .select(Delivery::as_select())
        .into_boxed();
    if endpoint.status != EndpointStatus::Enabled {
        query = query.filter(deliveries::event_type.eq(AuditAction::WebhookEndpointPing));
    }
    Ok(query
        .order((deliveries::next_attempt_at.asc(), deliveries::event_sequence.asc()))
        .limit(limit)
        .load(conn)?)
}

/// Every pending delivery of the endpoint fails for good (the endpoint is gone or failing).
pub fn fail_pending(conn: &mut DbConn, endpoint_id: &WebhookEndpointId) -> Result<usize, ApiError> {
    Ok(diesel::update(
        deliveries::table
            .filter(deliveries::endpoint_id.eq(*endpoint_id))
            .filter(pending()),
    )
    .set((
        deliveries::status.eq(DeliveryStatus::Failed),
        deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
        deliveries::version.eq(deliveries::version + 1),
    ))
    .execute(conn)?)
}

/// When the longest-waiting due delivery became due, if any is (for `/metrics`).
pub fn oldest_due(conn: &mut DbConn, now: NaiveDateTime) -> Result<Option<NaiveDateTime>, ApiError> {
    Ok(deliveries::table
        .filter(pending())
        .filter(deliveries::next_attempt_at.le(now))
        .select(diesel::dsl::min(deliveries::next_attempt_at))
        .first::<Option<NaiveDateTime>>(conn)?)
}

/// Since when every attempt to the endpoint failed (`None`: one succeeded). System
/// bookkeeping, not a change of the endpoint: its version stays.
pub fn set_failing_since(
    conn: &mut DbConn,
    id: &WebhookEndpointId,
    since: Option<NaiveDateTime>,
) -> Result<(), ApiError> {
    diesel::update(endpoints::table.find(id))
        .set(endpoints::failing_since.eq(since))
        .execute(conn)?;
    Ok(())
}
