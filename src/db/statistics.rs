//! Statistics of the tables a serving process fills fast, on PostgreSQL: the event feed and the
//! webhook deliveries. They start empty and grow by a row per change. The server's automatic
//! `ANALYZE` is what makes connections plan their statements again for the sizes the tables
//! reach; a server that never analyzes (autovacuum off) leaves each connection with the generic
//! plans it made while they were small, where a sequential scan looked cheaper than an index,
//! and webhook deliveries fall behind as the tables grow (`docs/performance-findings.md`, step
//! 34). So a process analyzes such a table itself once it has written [`FIRST`] of its rows,
//! and again whenever it has written [`GROWTH`] times as many as at its last `ANALYZE`: a
//! handful in a process's life, harmless where the server analyzes too. SQLite plans each
//! statement once for any data (see `sqlite.rs`) and is left alone.

use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::SimpleConnection;

use super::DbConn;
use crate::error::ApiError;

/// A table filled by every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filled {
    Events,
    WebhookDeliveries,
}

const TABLES: [Filled; 2] = [Filled::Events, Filled::WebhookDeliveries];

impl Filled {
    fn name(self) -> &'static str {
        match self {
            Filled::Events => "events",
            Filled::WebhookDeliveries => "webhook_deliveries",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Rows this process wrote into each [`Filled`] table.
static WRITTEN: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

/// The rows written before a table is analyzed the first time.
pub const FIRST: u64 = 500;
/// How many times more rows than at its last `ANALYZE` a table is analyzed again at.
pub const GROWTH: u64 = 4;

/// Counts `rows` written into `table` (in a transaction that may still roll back: a count for
/// deciding when to analyze, not a row count).
pub fn wrote(table: Filled, rows: u64) {
    WRITTEN[table.index()].fetch_add(rows, Ordering::Relaxed);
}

/// When each table was last analyzed, in rows this process had written into it then.
#[derive(Debug, Default)]
pub struct Analyzed {
    at: [u64; 2],
}

impl Analyzed {
    /// The tables due for `ANALYZE` with `written` rows of each written so far.
    fn due(&self, written: [u64; 2]) -> Vec<Filled> {
        TABLES
            .into_iter()
            .filter(|table| {
                let (now, last) = (written[table.index()], self.at[table.index()]);
                if last == 0 {
                    now >= FIRST
                } else {
                    now >= last.saturating_mul(GROWTH)
                }
            })
            .collect()
    }

    /// Analyzes, on PostgreSQL, the tables that grew enough since their last `ANALYZE` here
    /// (a connection is taken only then); the tables analyzed.
    pub fn refresh(&mut self, pool: &super::DbPool) -> Result<Vec<Filled>, ApiError> {
        if pool.postgres_url().is_none() {
            return Ok(Vec::new());
        }
        let written = [0, 1].map(|i| WRITTEN[i].load(Ordering::Relaxed));
        let due = self.due(written);
        if due.is_empty() {
            return Ok(due);
        }
        let mut conn = pool.get().map_err(|e| ApiError::internal(e.to_string()))?;
        for table in &due {
            analyze(&mut conn, *table)?;
            self.at[table.index()] = written[table.index()];
        }
        Ok(due)
    }
}

/// `ANALYZE` of one table.
fn analyze(conn: &mut DbConn, table: Filled) -> Result<(), ApiError> {
    Ok(conn.batch_execute(&format!("ANALYZE {}", table.name()))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table is analyzed once FIRST rows were written, then at GROWTH times as many as at its
    /// last analysis, each table on its own count.
    #[test]
    fn a_table_is_analyzed_as_it_grows_geometrically() {
        let mut analyzed = Analyzed::default();
        assert!(analyzed.due([FIRST - 1, 0]).is_empty());
        assert_eq!(analyzed.due([FIRST, 0]), vec![Filled::Events]);
        analyzed.at = [FIRST, 0];
        assert!(analyzed.due([FIRST * GROWTH - 1, FIRST - 1]).is_empty());
        assert_eq!(
            analyzed.due([FIRST * GROWTH, FIRST]),
            vec![Filled::Events, Filled::WebhookDeliveries]
        );
        analyzed.at = [FIRST * GROWTH, FIRST];
        assert!(analyzed.due([FIRST * GROWTH + 1, FIRST * GROWTH - 1]).is_empty());
        assert_eq!(analyzed.due([FIRST * GROWTH * GROWTH, 0]), vec![Filled::Events]);
    }

    /// On PostgreSQL, a table due for it is analyzed (the server's own count of analyses of it
    /// goes up), and then not again until it grows on.
    #[test]
    fn a_grown_table_is_analyzed_on_postgresql() {
        use diesel::Connection;
        let Ok(admin_url) = std::env::var("COSELL_TEST_POSTGRES_URL") else {
            return;
        };
        // A schema of its own, dropped at the end.
        let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
        let mut admin = diesel::PgConnection::establish(&admin_url).unwrap();
        admin.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-csearch_path%3D{schema}");
        let pool = crate::db::connect(&crate::config::DatabaseUrl::Postgres(url), 1, 1_000).unwrap();
        crate::db::migrate(&mut pool.get().unwrap()).unwrap();
        let count = |pool: &super::super::DbPool| -> i64 {
            use diesel::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            diesel::sql_query(
                "SELECT analyze_count AS n FROM pg_stat_user_tables WHERE relname = 'webhook_deliveries' AND schemaname = current_schema()",
            )
            .get_result::<Count>(&mut *pool.get().unwrap())
            .map_or(0, |c| c.n)
        };
        let before = count(&pool);
        let mut analyzed = Analyzed::default();
        wrote(Filled::WebhookDeliveries, FIRST);
        assert!(analyzed.refresh(&pool).unwrap().contains(&Filled::WebhookDeliveries));
        // The server's statistics arrive a moment later.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while count(&pool) <= before {
            assert!(std::time::Instant::now() < deadline, "no ANALYZE of webhook_deliveries");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(!analyzed.refresh(&pool).unwrap().contains(&Filled::WebhookDeliveries));
        drop(pool);
        admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).unwrap();
    }
}
