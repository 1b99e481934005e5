//! What each setting allows, checked once at start: a value out of range, an
//! address that cannot be listened on, an origin no browser sends, a connection
//! string PostgreSQL cannot read, each refused with one line that names the
//! variable, its value (a connection string without its password) and what is
//! allowed.

use super::{Config, ConfigError};

/// The numeric settings: name, least and most allowed, unit.
const LIMITS: &[(&str, u64, u64, &str)] = &[
    ("ONPACE_DB_POOL_SIZE", 1, 1000, "connections"),
    ("ONPACE_DB_TIMEOUT_MS", 1, 600_000, "milliseconds"),
    ("ONPACE_ACCESS_TOKEN_TTL_SECS", 60, 86_400, "seconds"),
    ("ONPACE_REFRESH_TOKEN_TTL_SECS", 300, 31_622_400, "seconds"),
    ("ONPACE_MAX_BODY_BYTES", 1024, 268_435_456, "bytes"),
    ("ONPACE_LOGIN_MAX_FAILURES", 1, 1000, "failures"),
    ("ONPACE_LOGIN_WINDOW_SECS", 1, 86_400, "seconds"),
    ("ONPACE_EVENTS_RETENTION_DAYS", 30, 3650, "days"),
    ("ONPACE_WEBHOOK_LEASE_SECS", 15, 3600, "seconds"),
    ("ONPACE_READ_MAX_LAG_MS", 100, 3_600_000, "milliseconds"),
];

fn refuse(name: &'static str, value: &str, allowed: impl std::fmt::Display) -> ConfigError {
    ConfigError {
        name,
        message: format!("{value:?} is not allowed: {allowed}"),
    }
}

fn whole_number(name: &str) -> String {
    match LIMITS.iter().find(|(n, ..)| *n == name) {
        Some((_, lo, hi, unit)) => format!("a whole number from {lo} to {hi} ({unit})"),
        None => "a whole number".into(),
    }
}

/// A number setting that does not read as one.
pub(super) fn not_a_number(name: &'static str, value: &str) -> ConfigError {
    refuse(name, value, whole_number(name))
}

/// A number setting outside its range, refused before it is read.
pub(super) fn check_range(name: &'static str, value: &str) -> Result<(), ConfigError> {
    let Some((_, lo, hi, _)) = LIMITS.iter().find(|(n, ..)| *n == name) else {
        return Ok(());
    };
    match value.trim().parse::<u64>() {
        Ok(n) if (*lo..=*hi).contains(&n) => Ok(()),
        _ => Err(not_a_number(name, value)),
    }
}

/// Checks what one setting alone cannot: addresses, origins, the connection
/// string, and that a refresh token outlives an access token.
pub(super) fn check(c: &Config) -> Result<(), ConfigError> {
    if !is_listen_address(&c.listen) {
        return Err(refuse(
            "ONPACE_LISTEN",
            &c.listen,
            "host:port, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::]:8080",
        ));
    }
    if let Some(metrics) = &c.metrics_listen {
        if !is_listen_address(metrics) {
            return Err(refuse(
                "ONPACE_METRICS_LISTEN",
                metrics,
                "host:port, e.g. 127.0.0.1:9100 or 0.0.0.0:9100, or unset for no metrics listener",
            ));
        }
        if *metrics == c.listen {
            return Err(refuse(
                "ONPACE_METRICS_LISTEN",
                metrics,
                format!("an address other than ONPACE_LISTEN ({})", c.listen),
            ));
        }
    }
    check_origins(&c.cors_origins)?;
    if !is_connection_string(&c.database_url) {
        return Err(refuse(
            "DATABASE_URL",
            &crate::db::redact(&c.database_url),
            "a PostgreSQL URL (postgres://user:password@host:5432/dbname) or keyword \
             string (host=... user=... dbname=...)",
        ));
    }
    if let Err(why) = crate::db::Connector::new(&c.database_url) {
        return Err(refuse(
            "DATABASE_URL",
            &crate::db::redact(&c.database_url),
            format!("settings PostgreSQL's client can use: {why}"),
        ));
    }
    if let Some(read) = &c.read_database_url {
        let why = if is_connection_string(read) {
            crate::db::Connector::new(read).err()
        } else {
            Some("not a PostgreSQL URL or keyword string".into())
        };
        if let Some(why) = why {
            return Err(refuse(
                "ONPACE_READ_DATABASE_URL",
                &crate::db::redact(read),
                format!("a PostgreSQL connection string for the read replica: {why}"),
            ));
        }
    }
    if c.refresh_token_ttl <= c.access_token_ttl {
        return Err(refuse(
            "ONPACE_REFRESH_TOKEN_TTL_SECS",
            &c.refresh_token_ttl.as_secs().to_string(),
            format!(
                "longer than ONPACE_ACCESS_TOKEN_TTL_SECS ({})",
                c.access_token_ttl.as_secs()
            ),
        ));
    }
    Ok(())
}

/// `ip:port`, `[ipv6]:port` or `hostname:port`, a port from 1 to 65535.
fn is_listen_address(s: &str) -> bool {
    if s.parse::<std::net::SocketAddr>().is_ok() {
        return !s.ends_with(":0");
    }
    let Some((host, port)) = s.rsplit_once(':') else {
        return false;
    };
    let port_ok = port.parse::<u16>().is_ok_and(|p| p > 0);
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    port_ok && host_ok
}

/// Origins as browsers send them (`scheme://host[:port]`), or `*` alone.
fn check_origins(origins: &[String]) -> Result<(), ConfigError> {
    const ALLOWED: &str = "comma-separated origins as browsers send them, scheme://host[:port] \
        (http or https, lower case, no path or trailing slash, e.g. https://app.example.com), \
        or * alone for any origin";
    let all = origins.join(",");
    if origins.len() == 1 && origins[0] == "*" {
        return Ok(());
    }
    for o in origins {
        let canonical = url::Url::parse(o)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && !o.contains('*'))
            .map(|u| u.origin().ascii_serialization());
        if canonical.as_deref() != Some(o.as_str()) {
            return Err(refuse(
                "ONPACE_CORS_ORIGINS",
                &all,
                format_args!("{o:?} is not an origin; {ALLOWED}"),
            ));
        }
    }
    Ok(())
}

/// A `postgres://` or `postgresql://` URL, or a complete libpq keyword string.
fn is_connection_string(s: &str) -> bool {
    match url::Url::parse(s) {
        Ok(u) => matches!(u.scheme(), "postgres" | "postgresql") && crate::db::has_authority(s, &u),
        Err(_) => {
            let (pairs, complete) = crate::db::keyword_values(s);
            complete && !pairs.is_empty()
        }
    }
}
