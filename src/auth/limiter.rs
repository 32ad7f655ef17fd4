//! Budgets for the doors anyone can knock on: logins and enrolments per client address, and
//! failed passwords per e-mail and address. Their state is a row per bucket in the database, so
//! every process serving one database shares it.
//!
//! A bucket counts what was spent in a fixed window that starts with its first spend; once the
//! window has ended, the next spend starts a new one.

use std::net::IpAddr;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use crate::db::DbConn;
use crate::db::schema::rate_limits;
use crate::error::ApiError;

/// Failed passwords for one e-mail from one address that block that pair.
pub const FAILURES_PER_ADDRESS: i32 = 5;
/// Failed passwords for one e-mail, from every address together, that block the e-mail.
pub const FAILURES_PER_EMAIL: i32 = 50;
/// How long failures count.
pub const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;

/// The per-address budgets of the anonymous doors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `COSELL_LIMIT_LOGINS_PER_MINUTE`: login attempts per client address and minute.
    pub logins_per_minute: u32,
    /// `COSELL_LIMIT_ENROLMENTS_PER_HOUR`: enrolments and invitation acceptances per client
    /// address and hour.
    pub enrolments_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            logins_per_minute: 60,
            enrolments_per_hour: 20,
        }
    }
}

impl Limits {
    /// The login attempts of `client`.
    pub fn logins(&self, client: &Client) -> Bucket {
        Bucket::new(format!("login|{}", client.key()), self.logins_per_minute as i32, 60)
    }

    /// The enrolments and invitation acceptances of `client`.
    pub fn enrolments(&self, client: &Client) -> Bucket {
        Bucket::new(
            format!("enrol|{}", client.key()),
            self.enrolments_per_hour as i32,
            3_600,
        )
    }
}

/// The failed passwords of `email` from `client`, and of `email` from everywhere.
pub fn failures(email: &str, client: &Client) -> [Bucket; 2] {
    [
        Bucket::new(
            format!("fail|{email}|{}", client.key()),
            FAILURES_PER_ADDRESS,
            FAILURE_WINDOW_SECONDS,
        ),
        Bucket::new(format!("fail|{email}"), FAILURES_PER_EMAIL, FAILURE_WINDOW_SECONDS),
    ]
}

/// Where a request comes from, as far as budgets are concerned ([`crate::http::client`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client(pub Option<IpAddr>);

impl Client {
    /// The bucket key of the address: IPv4 as is, IPv6 by its /64 (what one subscriber is
    /// handed), and one shared key when the address is unknown.
    pub fn key(&self) -> String {
        match self.0.map(|ip| ip.to_canonical()) {
            None => "unknown".into(),
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        }
    }
}

/// At most `limit` spends per `window_seconds`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    name: String,
    limit: i32,
    window_seconds: i64,
}

impl Bucket {
    fn new(name: String, limit: i32, window_seconds: i64) -> Self {
        Self {
            name,
            limit,
            window_seconds,
        }
    }
}

#[derive(QueryableByName)]
struct Spent {
    #[diesel(sql_type = Integer)]
    spent: i32,
    #[diesel(sql_type = BigInt)]
    resets_at: i64,
}

const SPEND: &str = "INSERT INTO rate_limits (bucket, spent, resets_at) VALUES ($1, 1, $2)
    ON CONFLICT (bucket) DO UPDATE SET
        spent = CASE WHEN rate_limits.resets_at <= $3 THEN 1 ELSE rate_limits.spent + 1 END,
        resets_at = CASE WHEN rate_limits.resets_at <= $3 THEN $2 ELSE rate_limits.resets_at END
    RETURNING spent, resets_at";

fn now_seconds() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Adds one to `bucket` in one statement (concurrent spends of every process are all counted):
/// what it has spent in its window, and when the window ends.
fn add_one(conn: &mut DbConn, bucket: &Bucket, now: i64) -> Result<Spent, ApiError> {
    let resets_at = now + bucket.window_seconds;
    let row = match conn {
        DbConn::Pg(pg) => diesel::sql_query(SPEND)
            .bind::<Text, _>(&bucket.name)
            .bind::<BigInt, _>(resets_at)
            .bind::<BigInt, _>(now)
            .get_result(pg)?,
        DbConn::Sqlite(lite) => diesel::sql_query(SPEND.replace('$', "?"))
            .bind::<Text, _>(&bucket.name)
            .bind::<BigInt, _>(resets_at)
            .bind::<BigInt, _>(now)
            .get_result(lite)?,
    };
    Ok(row)
}

fn too_many(resets_at: i64, now: i64) -> ApiError {
    ApiError::rate_limited((resets_at - now).clamp(1, u32::MAX.into()) as u32)
}

/// Spends one of `bucket`: 429 with the seconds until its window ends when it was already
/// spent up. The refusal does not count (its transaction is rolled back).
pub fn spend(conn: &mut DbConn, bucket: &Bucket) -> Result<(), ApiError> {
    let now = now_seconds();
    let row = add_one(conn, bucket, now)?;
    if row.spent > bucket.limit {
        return Err(too_many(row.resets_at, now));
    }
    Ok(())
}

/// 429 when any of `buckets` is spent up, without spending.
pub fn check(conn: &mut DbConn, buckets: &[Bucket]) -> Result<(), ApiError> {
    let now = now_seconds();
    let names: Vec<&str> = buckets.iter().map(|b| b.name.as_str()).collect();
    let rows: Vec<(String, i32, i64)> = rate_limits::table
        .filter(rate_limits::bucket.eq_any(&names))
        .filter(rate_limits::resets_at.gt(now))
        .select((rate_limits::bucket, rate_limits::spent, rate_limits::resets_at))
        .load(conn)?;
    let blocked = rows
        .iter()
        .filter(|(name, spent, _)| buckets.iter().any(|b| &b.name == name && *spent >= b.limit))
        .map(|(_, _, resets_at)| *resets_at)
        .max();
    match blocked {
        Some(resets_at) => Err(too_many(resets_at, now)),
        None => Ok(()),
    }
}

/// Counts one against each of `buckets` (a failure that is answered anyway).
pub fn record(conn: &mut DbConn, buckets: &[Bucket]) -> Result<(), ApiError> {
    let now = now_seconds();
    for bucket in buckets {
        add_one(conn, bucket, now)?;
    }
    Ok(())
}

/// Empties `bucket` (the right password from that address).
pub fn clear(conn: &mut DbConn, bucket: &Bucket) -> Result<(), ApiError> {
    diesel::delete(rate_limits::table.find(&bucket.name)).execute(conn)?;
    Ok(())
}

/// Deletes the buckets whose window has ended; how many.
pub fn purge_expired(conn: &mut DbConn) -> Result<usize, ApiError> {
    Ok(diesel::delete(rate_limits::table.filter(rate_limits::resets_at.le(now_seconds()))).execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_share_their_64_and_mapped_ipv4_is_ipv4() {
        let a = Client(Some("2001:db8:1:2:aaaa::1".parse().unwrap()));
        let b = Client(Some("2001:db8:1:2:ffff::9".parse().unwrap()));
        let c = Client(Some("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), c.key());
        assert_eq!(Client(Some("::ffff:192.0.2.7".parse().unwrap())).key(), "192.0.2.7");
        assert_eq!(Client(None).key(), "unknown");
    }
}
