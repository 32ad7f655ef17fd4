//! The benchmark's storage limit: how many single-row committed updates per second the database
//! reaches through the service's own connection settings (for SQLite: WAL, synchronous=NORMAL,
//! BEGIN IMMEDIATE). Usage: cosell-storage-limit SECONDS, with COSELL_DATABASE_URL.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;

fn main() -> Result<(), String> {
    let seconds: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let config = cosell::config::Config::from_env()?;
    let pool = cosell::db::connect(&config.database_url, 1, config.sqlite_busy_timeout_ms)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    conn.batch_execute(
        "DROP TABLE IF EXISTS storage_limit; CREATE TABLE storage_limit (id BIGINT PRIMARY KEY, counter BIGINT NOT NULL);
         INSERT INTO storage_limit (id, counter) VALUES (1, 0);",
    )
    .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut commits = 0u64;
    while Instant::now() < deadline {
        cosell::db::write_tx(&mut conn, |conn| {
            conn.batch_execute("UPDATE storage_limit SET counter = counter + 1 WHERE id = 1")?;
            Ok(())
        })
        .map_err(|e| e.to_string())?;
        commits += 1;
    }
    let rate = commits as f64 / started.elapsed().as_secs_f64();
    conn.batch_execute("DROP TABLE storage_limit")
        .map_err(|e| e.to_string())?;
    println!("{{\"commits\": {commits}, \"per_second\": {rate:.1}}}");
    Ok(())
}
