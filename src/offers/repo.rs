use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Offer, OfferContentChanges, OfferStateChanges, OfferStatus, OfferSummary, OfferType};
use crate::db::schema::offers;
use crate::db::{self, DbConn};
use crate::error::{ApiError, ErrorCode};
use crate::ids::{OfferId, OrganizationId, PublisherProfileId, UserId};
use crate::native;
use crate::page::PageRequest;
use crate::time;
use crate::users::model::UserStatus;
use crate::users::repo::Identity;

pub fn find(conn: &mut DbConn, id: &OfferId) -> Result<Option<Offer>, ApiError> {
    // `as_select` is typed by its backend: the query is built in each arm.
    Ok(native!(conn, |c| offers::table
        .find(id)
        .select(Offer::as_select())
        .first(c)
        .optional())?)
}

/// The offer's organization and version, without its content.
pub fn find_stamp(conn: &mut DbConn, id: &OfferId) -> Result<Option<(OrganizationId, i64)>, ApiError> {
    let query = offers::table
        .find(*id)
        .select((offers::organization_id, offers::version));
    Ok(native!(conn, |c| query.first(c).optional())?)
}

/// An offer's organization and version.
pub type Stamp = (OrganizationId, i64);

/// The statement of [`identity_and_stamp`], for each kind of connection.
macro_rules! identity_and_stamp_query {
    ($user:expr, $id:expr) => {{
        use crate::db::schema::users;
        users::table
            .left_join(offers::table.on(offers::id.eq($id)))
            .filter(users::id.eq($user))
            .filter(users::status.eq(UserStatus::Active))
            .select((
                (users::organization_id, users::role, users::tokens_valid_after),
                (offers::organization_id, offers::version).nullable(),
            ))
    }};
}

/// The active user `user`'s identity and, in the same statement, the offer's organization and
/// version (`None` beside it: no such offer); `None`: no such active user.
pub fn identity_and_stamp(
    conn: &mut DbConn,
    user: &UserId,
    id: &OfferId,
) -> Result<Option<(Identity, Option<Stamp>)>, ApiError> {
    let query = identity_and_stamp_query!(*user, *id);
    Ok(native!(conn, |c| query.first(c).optional())?)
}

/// [`identity_and_stamp`] on a worker's own PostgreSQL connection ([`db::pg_async`]).
pub async fn identity_and_stamp_async(
    conn: &diesel_async::AsyncPgConnection,
    user: &UserId,
    id: &OfferId,
) -> QueryResult<Option<(Identity, Option<Stamp>)>> {
    diesel_async::RunQueryDsl::first(identity_and_stamp_query!(*user, *id), &mut &*conn)
        .await
        .optional()
}

pub fn insert(conn: &mut DbConn, offer: &Offer) -> Result<(), ApiError> {
    db::unique(
        diesel::insert_into(offers::table).values(offer).execute(conn),
        ErrorCode::AlreadyExists,
        "This publisher already has an offer with this alias.",
    )
}

/// A content edit made at `at`: bumps `version` and `content_revision` if the row is still at
/// `expected_version` (the rows it changed).
pub fn update_content(
    conn: &mut DbConn,
    id: &OfferId,
    expected_version: i64,
    changes: &OfferContentChanges,
    at: NaiveDateTime,
) -> Result<usize, ApiError> {
    let revised = (changes, offers::content_revision.eq(offers::content_revision + 1));
    let query = db::versioned_at::<offers::table, _, _>(*id, expected_version, revised, at);
    Ok(native!(conn, |c| query.execute(c))?)
}

/// The content is what is live again (an edit was undone): no unpublished changes. Part of
/// the edit that did it, so the version is not bumped twice.
pub fn mark_live_content(conn: &mut DbConn, id: &OfferId) -> Result<(), ApiError> {
    diesel::update(offers::table.find(id))
        .set(offers::live_content_revision.eq(offers::content_revision.nullable()))
        .execute(conn)?;
    Ok(())
}

/// A lifecycle change, if the row is still at `expected_version` (the rows it changed).
pub fn update_state(
    conn: &mut DbConn,
    id: &OfferId,
    expected_version: i64,
    changes: &OfferStateChanges,
) -> Result<usize, ApiError> {
    let query = db::versioned::<offers::table, _, _>(*id, expected_version, changes);
    Ok(native!(conn, |c| query.execute(c))?)
}

/// Takes the offer row's lock until the transaction ends (PostgreSQL; SQLite writers are
/// serial already). Everything that moves an offer's submissions takes it first.
pub fn lock(conn: &mut DbConn, id: &OfferId) -> Result<(), ApiError> {
    diesel::update(offers::table.find(id))
        .set(offers::version.eq(offers::version))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &OfferId, expected_version: i64) -> Result<usize, ApiError> {
    Ok(diesel::delete(offers::table.find(id).filter(offers::version.eq(expected_version))).execute(conn)?)
}

pub fn count_by_publisher(conn: &mut DbConn, publisher_profile_id: &PublisherProfileId) -> Result<i64, ApiError> {
    Ok(offers::table
        .filter(offers::publisher_profile_id.eq(publisher_profile_id))
        .count()
        .get_result(conn)?)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<OrganizationId>,
    pub statuses: Vec<OfferStatus>,
    pub offer_type: Option<OfferType>,
    pub publisher_profile_id: Option<PublisherProfileId>,
    pub name_contains: Option<String>,
}

/// The statement of [`list_stamps`], boxed for the backend of the connection it runs on.
macro_rules! stamps_query {
    ($organization_scope:expr, $filter:expr, $page:expr) => {{
        let (organization_scope, filter, page) = ($organization_scope, $filter, $page);
        let mut query = offers::table.select((offers::id, offers::version)).into_boxed();
        if let Some(org) = organization_scope {
            query = query.filter(offers::organization_id.eq(*org));
        }
        if let Some(org) = &filter.organization_id {
            query = query.filter(offers::organization_id.eq(*org));
        }
        query = db::one_of(query, offers::status, &filter.statuses);
        if let Some(t) = filter.offer_type {
            query = query.filter(offers::offer_type.eq(t));
        }
        if let Some(p) = &filter.publisher_profile_id {
            query = query.filter(offers::publisher_profile_id.eq(*p));
        }
        if let Some(q) = &filter.name_contains {
            query = query.filter(db::lower(offers::name).like(db::contains_pattern(q)).escape('\\'));
        }
        if let Some(before) = &page.cursor {
            query = query.filter(offers::id.lt(before.clone()));
        }
        query.order(offers::id.desc()).limit(page.fetch())
    }};
}

/// The ids and versions of one page of offers, newest first (`page.fetch()` rows). Narrow on
/// purpose: the list answer is assembled from renderings kept per version, and only the rows
/// whose rendering is not kept are read whole ([`summaries`]).
pub fn list_stamps(
    conn: &mut DbConn,
    organization_scope: Option<&OrganizationId>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<(OfferId, i64)>, ApiError> {
    // Built in each arm: a boxed query is typed by its backend.
    Ok(native!(conn, |c| stamps_query!(organization_scope, filter, page).load(c))?)
}

/// [`list_stamps`] on a worker's own PostgreSQL connection ([`db::pg_async`]).
pub async fn list_stamps_async(
    conn: &diesel_async::AsyncPgConnection,
    organization_scope: Option<&OrganizationId>,
    filter: &Filter,
    page: &PageRequest,
) -> QueryResult<Vec<(OfferId, i64)>> {
    diesel_async::RunQueryDsl::load(stamps_query!(organization_scope, filter, page), &mut &*conn).await
}

/// [`summaries`] on a worker's own PostgreSQL connection ([`db::pg_async`]).
pub async fn summaries_async(
    conn: &diesel_async::AsyncPgConnection,
    ids: &[OfferId],
) -> QueryResult<Vec<OfferSummary>> {
    let query = offers::table
        .filter(offers::id.eq_any(ids))
        .select(OfferSummary::as_select());
    diesel_async::RunQueryDsl::load(query, &mut &*conn).await
}

/// The list columns of the offers with these ids (those that still exist), in no order.
pub fn summaries(conn: &mut DbConn, ids: &[OfferId]) -> Result<Vec<OfferSummary>, ApiError> {
    Ok(native!(conn, |c| offers::table
        .filter(offers::id.eq_any(ids))
        .select(OfferSummary::as_select())
        .load(c))?)
}

/// Sets system-owned columns (co-sell standing taken over from a legacy solution) without a
/// version guard: partners never edit them, so no concurrent edit can be lost.
pub fn inherit(conn: &mut DbConn, id: &OfferId, changes: &OfferStateChanges) -> Result<(), ApiError> {
    diesel::update(offers::table.find(id))
        .set((
            changes,
            offers::updated_at.eq(time::now()),
            offers::version.eq(offers::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}
