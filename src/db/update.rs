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
}
