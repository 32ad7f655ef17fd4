//! Configuration from the environment. Invalid values stop the process at start with a message
//! naming the variable; secrets are never printed.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("must not be empty".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_owned()));
        }
        if let Some((scheme, _)) = raw.split_once("://")
            && scheme != "sqlite"
        {
            return Err(format!(
                "unsupported scheme `{scheme}` (use postgres://, sqlite:// or a file path)"
            ));
        }
        let path = raw.strip_prefix("sqlite://").unwrap_or(raw);
        if path.is_empty() {
            return Err("sqlite:// needs a file path".into());
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

impl fmt::Debug for DatabaseUrl {
    /// Shows the host and database but never a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    write!(f, "{u}")
                }
                Err(_) => f.write_str("postgres://…"),
            },
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct JwtSecret(pub Vec<u8>);

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JwtSecret({} bytes)", self.0.len())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub bind: String,
    /// `None`: generate one beside the SQLite file (refused on PostgreSQL).
    pub jwt_secret: Option<JwtSecret>,
    pub token_ttl_seconds: i64,
    pub cors_origins: Vec<String>,
    pub log: String,
    pub log_format: LogFormat,
    pub db_pool_size: u32,
    /// How long a SQLite writer waits for the lock before answering 503.
    pub sqlite_busy_timeout_ms: u32,
    pub workers: usize,
    /// Certify every submission at once (demos); off by default.
    pub auto_certify: bool,
    /// Memory for rendered answers kept per version (`GET /v1/offers/{id}`); 0 turns it off.
    pub render_cache_mib: u32,
    pub webhooks: WebhookSettings,
    /// `COSELL_BODY_TIMEOUT_SECONDS`: how long a request body may take to arrive (408 after).
    pub body_timeout_seconds: u32,
    /// The per-address budgets of logins, enrolments and invitations.
    pub limits: crate::auth::limiter::Limits,
    /// `COSELL_TRUSTED_PROXIES`: the proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// How webhooks are delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// `COSELL_WEBHOOK_ALLOW_HTTP`: plain `http://` endpoints (local development and tests).
    pub allow_http: bool,
    /// `COSELL_WEBHOOK_ALLOW_PRIVATE`: endpoints on loopback and private addresses.
    pub allow_private: bool,
    /// `COSELL_WEBHOOK_TIMEOUT_MS`: how long an attempt may take.
    pub timeout_ms: u32,
    /// `COSELL_WEBHOOK_RETRY_SCHEDULE`: seconds before each retry of a failed attempt.
    pub retry_schedule: Vec<u32>,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_http: false,
            allow_private: false,
            timeout_ms: 10_000,
            retry_schedule: vec![5, 300, 1_800, 7_200, 18_000, 36_000, 36_000],
        }
    }
}

pub const MIN_SECRET_BYTES: usize = 32;

impl Config {
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads every setting through `lookup`, so tests can configure without the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let named = |name: &str, e: String| format!("{name}: {e}");

        let database_url =
            DatabaseUrl::parse(&get("COSELL_DATABASE_URL").unwrap_or_else(|| "sqlite://data/cosell.db".into()))
                .map_err(|e| named("COSELL_DATABASE_URL", e))?;
        let bind = get("COSELL_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        bind.parse::<std::net::SocketAddr>()
            .map_err(|e| named("COSELL_BIND", format!("`{bind}` is not host:port ({e})")))?;
        let jwt_secret = match get("COSELL_JWT_SECRET") {
            Some(s) if s.len() < MIN_SECRET_BYTES => {
                return Err(named(
                    "COSELL_JWT_SECRET",
                    format!("must be at least {MIN_SECRET_BYTES} bytes"),
                ));
            }
            Some(s) => Some(JwtSecret(s.into_bytes())),
            None if database_url.is_postgres() => {
                return Err(named(
                    "COSELL_JWT_SECRET",
                    "must be set when the database is PostgreSQL (several processes share it)".into(),
                ));
            }
            None => None,
        };
        let token_ttl_seconds = parse_number(get("COSELL_TOKEN_TTL_SECONDS"), 900, 60..=86_400)
            .map_err(|e| named("COSELL_TOKEN_TTL_SECONDS", e))?;
        let cors_origins: Vec<String> = get("COSELL_CORS_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for origin in &cors_origins {
            let ok =
                url::Url::parse(origin).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                return Err(named(
                    "COSELL_CORS_ORIGINS",
                    format!("`{origin}` is not an http(s) origin"),
                ));
            }
        }
        let log = get("COSELL_LOG").unwrap_or_else(|| "info".into());
        tracing_subscriber::EnvFilter::try_new(&log).map_err(|e| named("COSELL_LOG", e.to_string()))?;
        let log_format = match get("COSELL_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(named(
                    "COSELL_LOG_FORMAT",
                    format!("`{other}` is neither text nor json"),
                ));
            }
        };
        let default_pool = if database_url.is_postgres() { 10 } else { 8 };
        let sqlite_busy_timeout_ms = parse_number(get("COSELL_SQLITE_BUSY_TIMEOUT_MS"), 5_000, 1..=600_000)
            .map_err(|e| named("COSELL_SQLITE_BUSY_TIMEOUT_MS", e))?;
        let db_pool_size = parse_number(get("COSELL_DB_POOL_SIZE"), default_pool, 1..=200)
            .map_err(|e| named("COSELL_DB_POOL_SIZE", e))?;
        let default_workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as u32;
        let workers = parse_number(get("COSELL_WORKERS"), default_workers, 1..=256)
            .map_err(|e| named("COSELL_WORKERS", e))? as usize;
        let render_cache_mib = parse_number(get("COSELL_RENDER_CACHE_MIB"), 8, 0..=4096)
            .map_err(|e| named("COSELL_RENDER_CACHE_MIB", e))?;

        let body_timeout_seconds = parse_number(get("COSELL_BODY_TIMEOUT_SECONDS"), 30, 1..=600)
            .map_err(|e| named("COSELL_BODY_TIMEOUT_SECONDS", e))?;

        let default_limits = crate::auth::limiter::Limits::default();
        let limits = crate::auth::limiter::Limits {
            logins_per_minute: parse_number(
                get("COSELL_LIMIT_LOGINS_PER_MINUTE"),
                default_limits.logins_per_minute,
                1..=1_000_000,
            )
            .map_err(|e| named("COSELL_LIMIT_LOGINS_PER_MINUTE", e))?,
            enrolments_per_hour: parse_number(
                get("COSELL_LIMIT_ENROLMENTS_PER_HOUR"),
                default_limits.enrolments_per_hour,
                1..=1_000_000,
            )
            .map_err(|e| named("COSELL_LIMIT_ENROLMENTS_PER_HOUR", e))?,
        };
        let trusted_proxies = get("COSELL_TRUSTED_PROXIES")
            .map(|raw| parse_networks(&raw))
            .transpose()
            .map_err(|e| named("COSELL_TRUSTED_PROXIES", e))?
            .unwrap_or_default();

        let flag = |name: &str| parse_flag(get(name)).map_err(|e| named(name, e));
        let auto_certify = flag("COSELL_AUTO_CERTIFY")?;
        let defaults = WebhookSettings::default();
        let webhooks = WebhookSettings {
            allow_http: flag("COSELL_WEBHOOK_ALLOW_HTTP")?,
            allow_private: flag("COSELL_WEBHOOK_ALLOW_PRIVATE")?,
            timeout_ms: parse_number(get("COSELL_WEBHOOK_TIMEOUT_MS"), defaults.timeout_ms, 100..=120_000)
                .map_err(|e| named("COSELL_WEBHOOK_TIMEOUT_MS", e))?,
            retry_schedule: match get("COSELL_WEBHOOK_RETRY_SCHEDULE") {
                None => defaults.retry_schedule,
                Some(raw) => raw
                    .split(',')
                    .map(|s| parse_number(Some(s.to_owned()), 0, 0..=604_800))
                    .collect::<Result<Vec<u32>, _>>()
                    .map_err(|e| named("COSELL_WEBHOOK_RETRY_SCHEDULE", e))?,
            },
        };

        Ok(Self {
            auto_certify,
            database_url,
            bind,
            jwt_secret,
            token_ttl_seconds,
            cors_origins,
            log,
            log_format,
            db_pool_size,
            sqlite_busy_timeout_ms,
            workers,
            render_cache_mib,
            webhooks,
            body_timeout_seconds,
            limits,
            trusted_proxies,
        })
    }
}

/// A comma-separated list of networks (`10.0.0.0/8`) and addresses (`192.0.2.1`, one host).
fn parse_networks(raw: &str) -> Result<Vec<ipnet::IpNet>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("`{s}` is neither a network (10.0.0.0/8) nor an address"))
        })
        .collect()
}

fn parse_flag(raw: Option<String>) -> Result<bool, String> {
    match raw.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("false" | "0" | "no") => Ok(false),
        Some("true" | "1" | "yes") => Ok(true),
        Some(other) => Err(format!("`{other}` is neither true nor false")),
    }
}

fn parse_number<T>(raw: Option<String>, default: T, range: std::ops::RangeInclusive<T>) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    let Some(raw) = raw else { return Ok(default) };
    let value: T = raw.trim().parse().map_err(|_| format!("`{raw}` is not a number"))?;
    if !range.contains(&value) {
        return Err(format!("{value} is outside {}..={}", range.start(), range.end()));
    }
    Ok(value)
}

/// Loads the generated secret stored beside the SQLite file, or creates it (mode 0600).
/// Returns the secret and whether it was created now.
pub fn local_secret(sqlite_path: &Path) -> Result<(JwtSecret, bool), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;

    let dir = sqlite_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join("jwt-secret");
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= MIN_SECRET_BYTES => return Ok((JwtSecret(bytes), false)),
        Ok(_) => {
            return Err(format!(
                "{} is shorter than {MIN_SECRET_BYTES} bytes; delete it or set COSELL_JWT_SECRET",
                path.display()
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    let mut bytes = [0u8; 48];
    rand::Rng::fill(&mut rand::rngs::OsRng, &mut bytes[..]);
    let secret = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes).into_bytes();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(&secret)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok((JwtSecret(secret), true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_use_the_embedded_database() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DatabaseUrl::Sqlite("data/cosell.db".into()));
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.token_ttl_seconds, 900);
        assert!(c.cors_origins.is_empty());
        assert!(c.jwt_secret.is_none());
    }

    #[test]
    fn database_urls_of_every_form_are_understood() {
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap(),
            DatabaseUrl::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("local.db").unwrap(),
            DatabaseUrl::Sqlite("local.db".into())
        );
        assert!(DatabaseUrl::parse("postgres://u@h/db").unwrap().is_postgres());
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
    }

    #[test]
    fn invalid_settings_name_their_variable() {
        let cases = [
            ("COSELL_JWT_SECRET", "short"),
            ("COSELL_BIND", "not an address"),
            ("COSELL_TOKEN_TTL_SECONDS", "soon"),
            ("COSELL_CORS_ORIGINS", "ftp://example.com"),
            ("COSELL_LOG_FORMAT", "xml"),
            ("COSELL_DB_POOL_SIZE", "0"),
            ("COSELL_AUTO_CERTIFY", "maybe"),
        ];
        for (name, value) in cases {
            let err = config(&[(name, value)]).unwrap_err();
            assert!(err.starts_with(name), "{name}: {err}");
        }
    }

    #[test]
    fn postgres_without_a_secret_is_refused() {
        let err = config(&[("COSELL_DATABASE_URL", "postgres://localhost/db")]).unwrap_err();
        assert!(err.contains("COSELL_JWT_SECRET"));
    }

    #[test]
    fn a_password_in_the_database_url_is_never_shown() {
        let url = DatabaseUrl::parse("postgres://app:hunter2hunter2@db.internal/cosell").unwrap();
        assert!(!format!("{url:?}").contains("hunter2"));
        let secret = JwtSecret(b"0123456789abcdef0123456789abcdef".to_vec());
        assert!(!format!("{secret:?}").contains("0123"));
    }

    #[test]
    fn the_local_secret_is_created_once_with_owner_only_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("cosell-secret-{}", uuid::Uuid::now_v7()));
        let db = dir.join("cosell.db");
        let (first, created) = local_secret(&db).unwrap();
        assert!(created);
        let (second, created_again) = local_secret(&db).unwrap();
        assert!(!created_again);
        assert_eq!(first, second);
        let mode = std::fs::metadata(dir.join("jwt-secret")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
