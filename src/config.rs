//! Configuration from environment variables, each with a default for a local run.

use std::time::Duration;

mod check;

/// Every setting the service reads, with its environment variable.
#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: the database; created when it does not exist.
    pub database_url: String,
    /// `ONPACE_LISTEN`: address and port to listen on.
    pub listen: String,
    /// `ONPACE_DB_POOL_SIZE`: connections in the pool.
    pub db_pool_size: u32,
    /// `ONPACE_DB_TIMEOUT_MS`: how long a request waits for a connection before answering 503.
    pub db_timeout: Duration,
    /// `ONPACE_JWT_PRIVATE_KEY_FILE`: PKCS#8 PEM Ed25519 signing key. Unset: a fresh
    /// development key at every start.
    pub jwt_private_key_file: Option<String>,
    /// `ONPACE_JWT_KID`: key id published in the JWKS and token headers.
    pub jwt_kid: Option<String>,
    /// `ONPACE_JWT_ISSUER`.
    pub jwt_issuer: String,
    /// `ONPACE_JWT_AUDIENCE`.
    pub jwt_audience: String,
    /// `ONPACE_ACCESS_TOKEN_TTL_SECS`.
    pub access_token_ttl: Duration,
    /// `ONPACE_REFRESH_TOKEN_TTL_SECS`.
    pub refresh_token_ttl: Duration,
    /// `ONPACE_CORS_ORIGINS`: comma-separated browser origins allowed to call the API.
    pub cors_origins: Vec<String>,
    /// `ONPACE_MAX_BODY_BYTES`: largest request body accepted.
    pub max_body_bytes: usize,
    /// `ONPACE_LOGIN_MAX_FAILURES`: `L` of the sign-in throttle (`auth::throttle`):
    /// the failures of an (account, address) pair before it backs off.
    pub login_max_failures: u32,
    /// `ONPACE_LOGIN_WINDOW_SECS`: failures are forgotten after this long without one.
    pub login_window: Duration,
    /// `ONPACE_TRUSTED_PROXIES`: comma-separated IPs and CIDRs of the reverse proxies
    /// whose `X-Forwarded-For` names the client's address. Empty: the peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `ONPACE_METRICS_LISTEN`: address and port of the metrics listener
    /// (`GET /metrics`, apart from the API). Unset: no metrics listener.
    pub metrics_listen: Option<String>,
    /// `ONPACE_EVENTS_RETENTION_DAYS`: how long the event log keeps events, 30
    /// (the contract's least) to 3650 days; older ones are purged every hour.
    pub events_retention_days: u32,
    /// `ONPACE_SECRETS_KEY`: base64 of 32 bytes that seal webhook signing
    /// secrets in the database. Unset: a fixed development key (logged at start).
    pub secrets_key: Option<[u8; 32]>,
    /// `ONPACE_WEBHOOK_ALLOW_INSECURE`: `true` lets webhooks use `http` and
    /// loopback or private addresses: for local development and tests only.
    pub webhook_allow_insecure: bool,
    /// `ONPACE_WEBHOOK_WORKER`: whether `onpace serve` delivers webhooks
    /// itself (default `true`); `false` leaves it to `onpace worker` processes.
    pub webhook_worker: bool,
    /// `ONPACE_WEBHOOK_LEASE_SECS`: how long a claimed delivery is held by its
    /// worker before another may send it again (the worker died mid-send):
    /// 60 s, 15 s (more than an attempt's 10 s) to an hour.
    pub webhook_lease: Duration,
    /// `ONPACE_READ_DATABASE_URL`: a PostgreSQL streaming replica for dashboard
    /// reads. Unset: every read goes to `DATABASE_URL`.
    pub read_database_url: Option<String>,
    /// `ONPACE_READ_MAX_LAG_MS`: how far behind the primary the replica may be
    /// and still serve reads: 5000 ms, 100 ms to an hour.
    pub read_max_lag: Duration,
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/onpace";

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: DEFAULT_DATABASE_URL.into(),
            listen: "127.0.0.1:8080".into(),
            db_pool_size: 10,
            db_timeout: Duration::from_millis(2000),
            jwt_private_key_file: None,
            jwt_kid: None,
            jwt_issuer: "onpace".into(),
            jwt_audience: "onpace-api".into(),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            cors_origins: Vec::new(),
            max_body_bytes: 2 * 1024 * 1024,
            login_max_failures: 5,
            login_window: Duration::from_secs(15 * 60),
            trusted_proxies: Vec::new(),
            metrics_listen: None,
            events_retention_days: 35,
            secrets_key: None,
            webhook_allow_insecure: false,
            webhook_worker: true,
            webhook_lease: Duration::from_secs(60),
            read_database_url: None,
            read_max_lag: Duration::from_millis(5000),
        }
    }
}

/// A setting that is present but cannot be used: one line naming the variable,
/// its value (never a password), and what is allowed.
#[derive(Debug, thiserror::Error)]
#[error("{name}={message}")]
pub struct ConfigError {
    pub name: &'static str,
    pub message: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get`, so that tests need not touch the environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Config::default();
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let config = Config {
            database_url: get("DATABASE_URL").unwrap_or(d.database_url),
            listen: get("ONPACE_LISTEN").unwrap_or(d.listen),
            db_pool_size: parse(&get, "ONPACE_DB_POOL_SIZE", d.db_pool_size)?,
            db_timeout: Duration::from_millis(parse(&get, "ONPACE_DB_TIMEOUT_MS", 2000u64)?),
            jwt_private_key_file: get("ONPACE_JWT_PRIVATE_KEY_FILE"),
            jwt_kid: get("ONPACE_JWT_KID"),
            jwt_issuer: get("ONPACE_JWT_ISSUER").unwrap_or(d.jwt_issuer),
            jwt_audience: get("ONPACE_JWT_AUDIENCE").unwrap_or(d.jwt_audience),
            access_token_ttl: Duration::from_secs(parse(
                &get,
                "ONPACE_ACCESS_TOKEN_TTL_SECS",
                900u64,
            )?),
            refresh_token_ttl: Duration::from_secs(parse(
                &get,
                "ONPACE_REFRESH_TOKEN_TTL_SECS",
                d.refresh_token_ttl.as_secs(),
            )?),
            cors_origins: get("ONPACE_CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            max_body_bytes: parse(&get, "ONPACE_MAX_BODY_BYTES", d.max_body_bytes)?,
            login_max_failures: parse(&get, "ONPACE_LOGIN_MAX_FAILURES", d.login_max_failures)?,
            login_window: Duration::from_secs(parse(&get, "ONPACE_LOGIN_WINDOW_SECS", 900u64)?),
            trusted_proxies: proxies(get("ONPACE_TRUSTED_PROXIES").as_deref())?,
            metrics_listen: get("ONPACE_METRICS_LISTEN").map(|v| v.trim().to_string()),
            events_retention_days: parse(
                &get,
                "ONPACE_EVENTS_RETENTION_DAYS",
                d.events_retention_days,
            )?,
            secrets_key: secrets_key(get("ONPACE_SECRETS_KEY").as_deref())?,
            webhook_allow_insecure: flag(&get, "ONPACE_WEBHOOK_ALLOW_INSECURE", false)?,
            webhook_worker: flag(&get, "ONPACE_WEBHOOK_WORKER", true)?,
            webhook_lease: Duration::from_secs(parse(
                &get,
                "ONPACE_WEBHOOK_LEASE_SECS",
                d.webhook_lease.as_secs(),
            )?),
            read_database_url: get("ONPACE_READ_DATABASE_URL").map(|v| v.trim().to_string()),
            read_max_lag: Duration::from_millis(parse(&get, "ONPACE_READ_MAX_LAG_MS", 5000u64)?),
        };
        check::check(&config)?;
        Ok(config)
    }
}

fn parse<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(v) => {
            check::check_range(name, &v)?;
            v.trim().parse().map_err(|_| check::not_a_number(name, &v))
        }
    }
}

/// A `true`/`false` setting.
fn flag(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if v == "true" || v == "1" => Ok(true),
        Some(v) if v == "false" || v == "0" => Ok(false),
        Some(v) => Err(ConfigError {
            name,
            message: format!("{v}: expected true or false"),
        }),
    }
}

/// `ONPACE_SECRETS_KEY`: standard base64 of exactly 32 bytes.
fn secrets_key(v: Option<&str>) -> Result<Option<[u8; 32]>, ConfigError> {
    use base64::Engine;
    let Some(v) = v else { return Ok(None) };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok());
    match bytes {
        Some(key) => Ok(Some(key)),
        None => Err(ConfigError {
            name: "ONPACE_SECRETS_KEY",
            message: "(hidden): expected standard base64 of 32 random bytes \
                      (for example `openssl rand -base64 32`)"
                .into(),
        }),
    }
}

/// `ONPACE_TRUSTED_PROXIES`: each entry an address (one host) or a CIDR network.
fn proxies(v: Option<&str>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let entries = v.unwrap_or("").split(',').map(str::trim);
    entries
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError {
                    name: "ONPACE_TRUSTED_PROXIES",
                    message: format!("cannot read {s:?} as an IP address or CIDR network"),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_for_a_local_run() {
        let c = Config::from_lookup(|_| None).unwrap();
        assert_eq!(c.database_url, "postgres://postgres@127.0.0.1:5432/onpace");
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(c.access_token_ttl, Duration::from_secs(900));
        assert!(c.cors_origins.is_empty());
    }

    #[test]
    fn reads_and_checks_values() {
        let c = Config::from_lookup(|k| match k {
            "ONPACE_CORS_ORIGINS" => Some("https://a.example, https://b.example,".into()),
            "ONPACE_DB_POOL_SIZE" => Some("3".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(
            c.cors_origins,
            vec!["https://a.example", "https://b.example"]
        );
        assert_eq!(c.db_pool_size, 3);
        let e = Config::from_lookup(|k| (k == "ONPACE_DB_POOL_SIZE").then(|| "many".into()));
        assert_eq!(e.unwrap_err().name, "ONPACE_DB_POOL_SIZE");
    }

    #[test]
    fn the_secrets_key_is_32_bytes_of_base64_and_never_echoed() {
        let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let c = Config::from_lookup(|k| (k == "ONPACE_SECRETS_KEY").then(|| key.into())).unwrap();
        let mut want = [0u8; 32];
        for (i, b) in want.iter_mut().enumerate() {
            *b = i as u8;
        }
        assert_eq!(c.secrets_key, Some(want));
        let short = "AAECAwQFBgcICQoLDA0ODw==";
        let e =
            Config::from_lookup(|k| (k == "ONPACE_SECRETS_KEY").then(|| short.into())).unwrap_err();
        assert_eq!(e.name, "ONPACE_SECRETS_KEY");
        assert!(!e.to_string().contains(short));
    }

    #[test]
    fn webhook_flags_read_true_and_false_only() {
        let c = Config::from_lookup(|_| None).unwrap();
        assert!(!c.webhook_allow_insecure);
        assert!(c.webhook_worker);
        let c =
            Config::from_lookup(|k| (k == "ONPACE_WEBHOOK_ALLOW_INSECURE").then(|| "true".into()))
                .unwrap();
        assert!(c.webhook_allow_insecure);
        let e = Config::from_lookup(|k| (k == "ONPACE_WEBHOOK_WORKER").then(|| "yes".into()));
        assert_eq!(e.unwrap_err().name, "ONPACE_WEBHOOK_WORKER");
        assert_eq!(c.webhook_lease, Duration::from_secs(60));
        let lease = |v: &str| {
            let v = v.to_string();
            Config::from_lookup(move |k| (k == "ONPACE_WEBHOOK_LEASE_SECS").then(|| v.clone()))
        };
        assert_eq!(lease("15").unwrap().webhook_lease, Duration::from_secs(15));
        // An attempt may take 10 s: a shorter lease could let two workers send at once.
        assert_eq!(lease("10").unwrap_err().name, "ONPACE_WEBHOOK_LEASE_SECS");
    }

    #[test]
    fn events_are_kept_35_days_unless_set_and_never_under_30() {
        assert_eq!(
            Config::from_lookup(|_| None).unwrap().events_retention_days,
            35
        );
        let days = |v: &'static str| {
            Config::from_lookup(move |k| (k == "ONPACE_EVENTS_RETENTION_DAYS").then(|| v.into()))
        };
        assert_eq!(days("90").unwrap().events_retention_days, 90);
        for refused in ["7", "29", "lots", "-1"] {
            assert_eq!(
                days(refused).unwrap_err().name,
                "ONPACE_EVENTS_RETENTION_DAYS",
                "{refused}"
            );
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_and_networks() {
        let c = Config::from_lookup(|k| {
            (k == "ONPACE_TRUSTED_PROXIES").then(|| " 10.0.0.0/8, 192.0.2.7 ,::1,".into())
        })
        .unwrap();
        let shown: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(shown, ["10.0.0.0/8", "192.0.2.7/32", "::1/128"]);
        assert!(Config::default().trusted_proxies.is_empty());
        let e = Config::from_lookup(|k| (k == "ONPACE_TRUSTED_PROXIES").then(|| "10.0.0/8".into()));
        assert_eq!(e.unwrap_err().name, "ONPACE_TRUSTED_PROXIES");
    }

    /// The one line a bad value is refused with.
    fn refusal(name: &str, value: &str) -> String {
        let e = Config::from_lookup(|k| (k == name).then(|| value.to_string()))
            .expect_err(&format!("{name}={value} is refused"));
        assert_eq!(e.name, name);
        let line = e.to_string();
        assert_eq!(line.lines().count(), 1, "{line}");
        line
    }

    #[test]
    fn out_of_range_numbers_are_refused_with_what_is_allowed() {
        for (name, value, allowed) in [
            ("ONPACE_DB_TIMEOUT_MS", "0", "from 1 to 600000"),
            ("ONPACE_DB_TIMEOUT_MS", "-5", "from 1 to 600000"),
            ("ONPACE_DB_POOL_SIZE", "0", "from 1 to 1000"),
            ("ONPACE_DB_POOL_SIZE", "5000", "from 1 to 1000"),
            ("ONPACE_ACCESS_TOKEN_TTL_SECS", "0", "from 60 to 86400"),
            (
                "ONPACE_ACCESS_TOKEN_TTL_SECS",
                "99999999999999999999",
                "from 60 to 86400",
            ),
            (
                "ONPACE_REFRESH_TOKEN_TTL_SECS",
                "10",
                "from 300 to 31622400",
            ),
            ("ONPACE_MAX_BODY_BYTES", "0", "from 1024 to 268435456"),
            ("ONPACE_LOGIN_MAX_FAILURES", "0", "from 1 to 1000"),
            ("ONPACE_LOGIN_WINDOW_SECS", "0", "from 1 to 86400"),
            ("ONPACE_LOGIN_WINDOW_SECS", "1.5", "from 1 to 86400"),
        ] {
            let line = refusal(name, value);
            assert!(line.starts_with(&format!("{name}={value:?}")), "{line}");
            assert!(line.contains(allowed), "{line}");
        }
    }

    #[test]
    fn a_refresh_token_outlives_an_access_token() {
        let e = Config::from_lookup(|k| match k {
            "ONPACE_ACCESS_TOKEN_TTL_SECS" => Some("3600".into()),
            "ONPACE_REFRESH_TOKEN_TTL_SECS" => Some("600".into()),
            _ => None,
        })
        .unwrap_err();
        assert_eq!(e.name, "ONPACE_REFRESH_TOKEN_TTL_SECS");
        assert!(
            e.to_string().contains("ONPACE_ACCESS_TOKEN_TTL_SECS"),
            "{e}"
        );
    }

    #[test]
    fn listen_addresses_are_host_and_port() {
        for good in [
            "127.0.0.1:8080",
            "0.0.0.0:80",
            "[::]:8080",
            "localhost:8080",
            "app-1.internal:9000",
        ] {
            let c = Config::from_lookup(|k| (k == "ONPACE_LISTEN").then(|| good.into())).unwrap();
            assert_eq!(c.listen, good);
        }
        for bad in [
            "8080",
            "localhost",
            "127.0.0.1:",
            "127.0.0.1:99999",
            ":8080",
            "http://localhost:8080",
            "a b:80",
        ] {
            let line = refusal("ONPACE_LISTEN", bad);
            assert!(line.contains("host:port"), "{line}");
        }
    }

    #[test]
    fn the_metrics_listener_is_off_unless_given_a_host_and_port_of_its_own() {
        assert_eq!(Config::from_lookup(|_| None).unwrap().metrics_listen, None);
        let c =
            Config::from_lookup(|k| (k == "ONPACE_METRICS_LISTEN").then(|| "0.0.0.0:9100".into()))
                .unwrap();
        assert_eq!(c.metrics_listen.as_deref(), Some("0.0.0.0:9100"));
        for bad in ["9100", "localhost", "127.0.0.1:0", "http://localhost:9100"] {
            let line = refusal("ONPACE_METRICS_LISTEN", bad);
            assert!(line.contains("host:port"), "{line}");
        }
        let e = Config::from_lookup(|k| {
            matches!(k, "ONPACE_LISTEN" | "ONPACE_METRICS_LISTEN").then(|| "127.0.0.1:8080".into())
        })
        .unwrap_err();
        assert_eq!(e.name, "ONPACE_METRICS_LISTEN");
        assert!(e.to_string().contains("ONPACE_LISTEN"), "{e}");
    }

    #[test]
    fn origins_are_as_browsers_send_them_or_a_lone_star() {
        let c =
            Config::from_lookup(|k| (k == "ONPACE_CORS_ORIGINS").then(|| " * ".into())).unwrap();
        assert_eq!(c.cors_origins, vec!["*"]);
        let c = Config::from_lookup(|k| {
            (k == "ONPACE_CORS_ORIGINS")
                .then(|| "http://localhost:5173,https://app.example.com".into())
        })
        .unwrap();
        assert_eq!(c.cors_origins.len(), 2);
        for bad in [
            "https://app.example.com/",
            "https://app.example.com/path",
            "HTTPS://App.example.com",
            "app.example.com",
            "ftp://app.example.com",
            "https://user@app.example.com",
            "*,https://app.example.com",
            "https://*.example.com",
        ] {
            let line = refusal("ONPACE_CORS_ORIGINS", bad);
            assert!(line.contains("scheme://host[:port]"), "{line}");
        }
    }

    #[test]
    fn a_database_url_is_checked_and_never_shown_with_its_password() {
        for good in [
            "postgres://u:secret@db:5432/onpace",
            "postgresql://db/onpace",
            "host=db user=u password=secret dbname=onpace",
        ] {
            assert!(Config::from_lookup(|k| (k == "DATABASE_URL").then(|| good.into())).is_ok());
        }
        for bad in [
            "mysql://u:secret@db/onpace",
            "postgres://u:secret@db:99999/onpace",
            "just words",
        ] {
            let line = refusal("DATABASE_URL", bad);
            assert!(!line.contains("secret"), "{line}");
            assert!(line.contains("postgres://"), "{line}");
        }
    }

    #[test]
    fn the_read_replica_is_off_unless_set_and_its_lag_limit_is_checked() {
        let c = Config::from_lookup(|_| None).unwrap();
        assert_eq!(c.read_database_url, None);
        assert_eq!(c.read_max_lag, Duration::from_millis(5000));
        let with = |pairs: &'static [(&'static str, &'static str)]| {
            Config::from_lookup(move |k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            })
        };
        let c = with(&[
            (
                "ONPACE_READ_DATABASE_URL",
                "postgres://u:pw@replica:5432/onpace",
            ),
            ("ONPACE_READ_MAX_LAG_MS", "300"),
        ])
        .unwrap();
        assert_eq!(
            c.read_database_url.as_deref(),
            Some("postgres://u:pw@replica:5432/onpace")
        );
        assert_eq!(c.read_max_lag, Duration::from_millis(300));
        for lag in ["99", "3600001", "soon", "-1"] {
            let e = Config::from_lookup(move |k| {
                (k == "ONPACE_READ_MAX_LAG_MS").then(|| lag.to_string())
            })
            .unwrap_err();
            assert_eq!(e.name, "ONPACE_READ_MAX_LAG_MS", "{lag}");
        }
        for bad in [
            "mysql://replica/onpace",
            "postgres://u:pw@db/x?sslmode=sometimes",
        ] {
            let e = Config::from_lookup(move |k| {
                (k == "ONPACE_READ_DATABASE_URL").then(|| bad.to_string())
            })
            .unwrap_err();
            assert_eq!(e.name, "ONPACE_READ_DATABASE_URL", "{bad}");
            assert!(!e.to_string().contains("pw"), "{e}");
        }
    }
}
