use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::helpers::postgres_url;

fn folder_names(backend: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(format!("migrations/{backend}"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = folder_names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, folder_names("postgres"));
    for name in &sqlite {
        for backend in ["sqlite", "postgres"] {
            for file in ["up.sql", "down.sql"] {
                assert!(
                    std::path::Path::new(&format!("migrations/{backend}/{name}/{file}")).exists(),
                    "{backend}/{name}/{file}"
                );
            }
        }
    }
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
}

type Schema = BTreeMap<String, BTreeMap<String, String>>;

fn normalise(data_type: &str) -> String {
    match data_type.to_ascii_lowercase().as_str() {
        "text" | "character varying" => "text",
        "bigint" | "integer" => "integer",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "boolean" => "boolean",
        other => return other.to_owned(),
    }
    .to_owned()
}

fn collect(columns: Vec<Column>) -> Schema {
    let mut schema = Schema::new();
    for c in columns
        .into_iter()
        .filter(|c| !c.table_name.starts_with("__diesel") && !c.table_name.starts_with("sqlite_"))
    {
        schema
            .entry(c.table_name)
            .or_default()
            .insert(c.column_name, normalise(&c.data_type));
    }
    schema
}

#[test]
fn both_backends_produce_the_same_tables_and_columns() {
    use diesel_migrations::MigrationHarness;
    let mut lite = SqliteConnection::establish(":memory:").unwrap();
    lite.run_pending_migrations(cosell::db::SQLITE_MIGRATIONS).unwrap();
    let sqlite = collect(
        diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
        )
        .load(&mut lite)
        .unwrap(),
    );
    assert!(sqlite.contains_key("users") && sqlite["users"].contains_key("email"));

    let Some(url) = postgres_url() else {
        eprintln!("COSELL_TEST_POSTGRES_URL is not set: compared only the SQLite schema's presence");
        return;
    };
    let schema = format!("m_{}", uuid::Uuid::now_v7().simple());
    let mut admin = PgConnection::establish(&url).unwrap();
    diesel::sql_query(format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let mut pg = PgConnection::establish(&format!("{url}{separator}options=-csearch_path%3D{schema}")).unwrap();
    pg.run_pending_migrations(cosell::db::POSTGRES_MIGRATIONS).unwrap();
    let postgres = collect(
        diesel::sql_query(format!(
            "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = '{schema}'"
        ))
        .load(&mut pg)
        .unwrap(),
    );
    diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut admin)
        .unwrap();
    assert_eq!(sqlite, postgres);
}

/// The look for an endpoint's due deliveries goes through their partial index, in attempt
/// order, only when its condition is written out: with the status bound as a parameter, the
/// planner cannot know the index applies and walks every delivery of the endpoint (the reason
/// `webhooks::repo` writes `status = 'pending'` out).
#[test]
fn due_deliveries_are_found_through_their_partial_index_when_its_condition_is_written_out() {
    use diesel_migrations::MigrationHarness;
    let mut lite = SqliteConnection::establish(":memory:").unwrap();
    lite.run_pending_migrations(cosell::db::SQLITE_MIGRATIONS).unwrap();
    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = Text)]
        detail: String,
    }
    let mut plan = |status: &str| -> String {
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND {status} \
             AND next_attempt_at <= ? ORDER BY next_attempt_at, event_sequence LIMIT 20"
        );
        let steps: Vec<Step> = diesel::sql_query(sql).load(&mut lite).unwrap();
        steps.into_iter().map(|s| s.detail).collect::<Vec<_>>().join("; ")
    };
    let written_out = plan("webhook_deliveries.status = 'pending'");
    assert!(written_out.contains("webhook_deliveries_due"), "{written_out}");
    assert!(!written_out.contains("TEMP B-TREE"), "no sort: {written_out}");
    let bound = plan("webhook_deliveries.status = ?");
    assert!(!bound.contains("webhook_deliveries_due"), "{bound}");
}
