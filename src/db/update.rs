//! `UPDATE` statements that stay prepared.

use diesel::RunQueryDsl;

/// `UPDATE table SET values WHERE filter`, kept prepared on its connection and found again by
/// its SQL text.
///
/// diesel prepares every `UpdateStatement` anew on each execution: a changeset's text varies
/// with the fields it sets, so it never keeps one. Keyed by the text, keeping it is safe, and a
/// changeset of optional fields keeps one prepared statement per combination it is used with.
#[derive(Debug, Clone)]
pub struct Update<Tab: diesel::Table, V, W> {
    from: Tab::FromClause,
    values: V,
    filter: W,
}

/// An [`Update`] of the rows of `table` that match `filter`.
pub fn update<Tab, V, W>(table: Tab, values: V, filter: W) -> Update<Tab, V::Changeset, W>
where
    Tab: diesel::Table + diesel::query_source::QuerySource,
    V: diesel::AsChangeset<Target = Tab>,
{
    Update {
        from: diesel::query_source::QuerySource::from_clause(&table),
        values: values.as_changeset(),
        filter,
    }
}

impl<Tab: diesel::Table, V, W> diesel::query_builder::QueryId for Update<Tab, V, W> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Tab, V, W, DB> diesel::query_builder::QueryFragment<DB> for Update<Tab, V, W>
where
    DB: diesel::backend::Backend,
    Tab: diesel::Table,
    Tab::FromClause: diesel::query_builder::QueryFragment<DB>,
    V: diesel::query_builder::QueryFragment<DB>,
    W: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        out.push_sql("UPDATE ");
        self.from.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.values.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())
    }
}

impl<Tab: diesel::Table, V, W, C> RunQueryDsl<C> for Update<Tab, V, W> {}

/// A table whose rows are written under a version: each write of a row sets its `updated_at`,
/// and moves its `version` on by one if it still is the version the writer read.
pub trait Versioned: diesel::Table + diesel::query_source::QuerySource + Default {
    type Id: diesel::Column<Table = Self, SqlType = diesel::sql_types::Text> + Default;
    type Version: diesel::Column<Table = Self, SqlType = diesel::sql_types::BigInt> + Default;
    type UpdatedAt: diesel::Column<Table = Self, SqlType = diesel::sql_types::Timestamp> + Default;
}

macro_rules! versioned {
    ($($table:ident),+) => {$(
        impl Versioned for crate::db::schema::$table::table {
            type Id = crate::db::schema::$table::id;
            type Version = crate::db::schema::$table::version;
            type UpdatedAt = crate::db::schema::$table::updated_at;
        }
    )+};
}

versioned!(
    organizations,
    users,
    publisher_profiles,
    offers,
    submissions,
    solutions,
    support_tickets,
    webhook_endpoints,
    webhook_deliveries
);

type Stamped<T, C> = (
    C,
    diesel::dsl::Eq<<T as Versioned>::UpdatedAt, chrono::NaiveDateTime>,
    diesel::dsl::Eq<<T as Versioned>::Version, i64>,
);
type AtVersion<T, I> =
    diesel::dsl::And<diesel::dsl::Eq<<T as Versioned>::Id, I>, diesel::dsl::Eq<<T as Versioned>::Version, i64>>;

/// The version-guarded update of one row of `T`: `changes`, stamped with the time, if the row
/// `id` is still at `expected_version`. Kept prepared like [`update`].
pub fn versioned<T, I, C>(id: I, expected_version: i64, changes: C) -> VersionedUpdate<T, I, C>
where
    T: Versioned,
    I: diesel::expression::AsExpression<diesel::sql_types::Text>,
    Stamped<T, C>: diesel::AsChangeset<Target = T>,
{
    versioned_at(id, expected_version, changes, crate::time::now())
}

/// [`versioned`], stamped with the time `at`.
pub fn versioned_at<T, I, C>(
    id: I,
    expected_version: i64,
    changes: C,
    at: chrono::NaiveDateTime,
) -> VersionedUpdate<T, I, C>
where
    T: Versioned,
    I: diesel::expression::AsExpression<diesel::sql_types::Text>,
    Stamped<T, C>: diesel::AsChangeset<Target = T>,
{
    use diesel::{BoolExpressionMethods, ExpressionMethods};
    update(
        T::default(),
        (
            changes,
            T::UpdatedAt::default().eq(at),
            T::Version::default().eq(expected_version + 1),
        ),
        T::Id::default().eq(id).and(T::Version::default().eq(expected_version)),
    )
}

/// What [`versioned`] builds.
pub type VersionedUpdate<T, I, C> = Update<T, <Stamped<T, C> as diesel::AsChangeset>::Changeset, AtVersion<T, I>>;

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::query_builder::QueryFragment;
    use diesel::sqlite::Sqlite;

    use crate::db::schema::offers;
    #[test]
    fn an_update_is_kept_prepared_and_sets_what_it_is_given() {
        let changes = (offers::name.eq("Renamed"), offers::version.eq(offers::version + 1));
        let filter = offers::id.eq("o-1").and(offers::version.eq(3_i64));
        let ours = super::update(offers::table, changes, filter);
        assert!(ours.is_safe_to_cache_prepared(&Sqlite).unwrap());
        let diesels = diesel::update(offers::table.filter(filter)).set(changes);
        assert!(
            !diesels.is_safe_to_cache_prepared(&Sqlite).unwrap(),
            "diesel's own update is prepared per execution"
        );
        assert_eq!(
            diesel::debug_query::<Sqlite, _>(&ours).to_string(),
            diesel::debug_query::<Sqlite, _>(&diesels).to_string()
        );
    }

    #[test]
    fn an_update_changes_only_the_rows_its_filter_matches() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            "CREATE TABLE offers (id TEXT PRIMARY KEY, name TEXT NOT NULL, version BIGINT NOT NULL);
             INSERT INTO offers VALUES ('a', 'A', 1), ('b', 'B', 1);",
        )
        .unwrap();
        let rename = |conn: &mut SqliteConnection, id: &str, version: i64| {
            super::update(
                offers::table,
                (offers::name.eq(format!("{id}2")), offers::version.eq(version + 1)),
                offers::id.eq(id).and(offers::version.eq(version)),
            )
            .execute(conn)
            .unwrap()
        };
        assert_eq!(rename(&mut conn, "a", 1), 1);
        assert_eq!(rename(&mut conn, "a", 1), 0, "a stale version matches nothing");
        let rows: Vec<(String, String, i64)> = offers::table
            .select((offers::id, offers::name, offers::version))
            .order(offers::id)
            .load(&mut conn)
            .unwrap();
        assert_eq!(rows, vec![("a".into(), "a2".into(), 2), ("b".into(), "B".into(), 1)]);
    }

    #[test]
    fn a_versioned_update_stamps_the_row_and_moves_its_version_once() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            "CREATE TABLE organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, updated_at TIMESTAMP NOT NULL,
                 version BIGINT NOT NULL);
             INSERT INTO organizations VALUES ('a', 'A', '2026-01-01 00:00:00', 1), ('b', 'B', '2026-01-01 00:00:00', 1);",
        )
        .unwrap();
        use crate::db::schema::organizations as orgs;
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        let rename = |conn: &mut SqliteConnection, version: i64| {
            let query = super::versioned_at::<orgs::table, _, _>("a", version, orgs::name.eq("A2"), at);
            assert!(query.is_safe_to_cache_prepared(&Sqlite).unwrap());
            query.execute(conn).unwrap()
        };
        assert_eq!(rename(&mut conn, 1), 1);
        assert_eq!(rename(&mut conn, 1), 0, "a stale version matches nothing");
        let rows: Vec<(String, String, chrono::NaiveDateTime, i64)> = orgs::table
            .select((orgs::id, orgs::name, orgs::updated_at, orgs::version))
            .order(orgs::id)
            .load(&mut conn)
            .unwrap();
        assert_eq!(rows[0], ("a".into(), "A2".into(), at, 2));
        assert_eq!(rows[1].3, 1, "another row is left alone");
    }
}
