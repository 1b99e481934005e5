//! How a connection to PostgreSQL is opened: tokio-postgres reads the URL (or
//! keyword string), and TLS is negotiated as `sslmode` asks.
//!
//! tokio-postgres knows `sslmode` `disable`, `prefer` (the default) and
//! `require`, which encrypt without checking the server's certificate, as libpq
//! does. It does not know `verify-ca` and `verify-full`, which a deployment that
//! checks whom it talks to uses; they are read here: the server's certificate
//! must chain to the system's roots or to `sslrootcert`, and with `verify-full`
//! it must also name the host.

use std::str::FromStr;
use std::sync::Arc;

use diesel::ConnectionResult;
use diesel_async::AsyncPgConnection;
use postgres_native_tls::MakeTlsConnector;
use tokio_postgres::config::SslMode;

use super::{has_authority, keyword_values, redact};

/// How onpace's connections show in `pg_stat_activity`, unless `DATABASE_URL`
/// names an `application_name`.
const DEFAULT_NAME: &str = "onpace";

/// How connections are opened, worked out once from `DATABASE_URL`.
#[derive(Clone)]
pub struct Connector {
    inner: Arc<(tokio_postgres::Config, MakeTlsConnector)>,
}

/// What `sslmode` asks of the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// `disable`, `prefer`, `require`: none.
    Nothing,
    /// `verify-ca`: that it chains to a trusted root.
    Chain,
    /// `verify-full`: that, and that it names the host.
    ChainAndHost,
}

impl Connector {
    /// Reads `url`; the message says what is wrong without showing a password.
    pub fn new(url: &str) -> Result<Self, String> {
        let (rest, mode, rootcert) = take_tls_settings(url)?;
        let mut config = tokio_postgres::Config::from_str(&rest)
            .map_err(|e| format!("{} ({e})", redact(url)))?;
        let check = match mode.as_deref() {
            None | Some("prefer") => Check::Nothing,
            Some("disable") => {
                config.ssl_mode(SslMode::Disable);
                Check::Nothing
            }
            Some("require") => {
                config.ssl_mode(SslMode::Require);
                Check::Nothing
            }
            Some("verify-ca") => {
                config.ssl_mode(SslMode::Require);
                Check::Chain
            }
            Some("verify-full") => {
                config.ssl_mode(SslMode::Require);
                Check::ChainAndHost
            }
            Some(other) => return Err(format!("sslmode {other:?} is not one PostgreSQL knows")),
        };
        if config.get_application_name().is_none() {
            config.application_name(DEFAULT_NAME);
        }
        let mut tls = native_tls::TlsConnector::builder();
        match check {
            Check::Nothing => {
                tls.danger_accept_invalid_certs(true)
                    .danger_accept_invalid_hostnames(true);
            }
            Check::Chain => {
                tls.danger_accept_invalid_hostnames(true);
            }
            Check::ChainAndHost => {}
        }
        if let Some(path) = rootcert {
            let pem =
                std::fs::read(&path).map_err(|e| format!("cannot read sslrootcert {path}: {e}"))?;
            let cert = native_tls::Certificate::from_pem(&pem)
                .map_err(|e| format!("sslrootcert {path} is not a PEM certificate: {e}"))?;
            tls.add_root_certificate(cert);
        }
        let tls = tls.build().map_err(|e| format!("cannot set up TLS: {e}"))?;
        Ok(Connector {
            inner: Arc::new((config, MakeTlsConnector::new(tls))),
        })
    }

    /// The same, naming its connections `name` in `pg_stat_activity` unless
    /// `DATABASE_URL` names them.
    pub fn named(&self, name: &str) -> Self {
        let (config, tls) = &*self.inner;
        let mut config = config.clone();
        if config.get_application_name() == Some(DEFAULT_NAME) {
            config.application_name(name);
        }
        Connector {
            inner: Arc::new((config, tls.clone())),
        }
    }

    /// Asks the server to cancel the statement running on `conn`.
    pub fn cancel(&self, conn: &AsyncPgConnection) -> impl std::future::Future<Output = ()> {
        let token = conn.cancel_token();
        let tls = self.inner.1.clone();
        async move {
            if let Err(e) = token.cancel_query(tls).await {
                tracing::warn!(error = %e, "cannot cancel a statement");
            }
        }
    }

    /// Opens one connection; its messages are read on the current runtime.
    pub async fn connect(&self) -> ConnectionResult<AsyncPgConnection> {
        let (config, tls) = &*self.inner;
        let (client, connection) = config.connect(tls.clone()).await.map_err(|e| {
            // The server's own words ("database \"x\" does not exist"), not
            // just "db error".
            let said = match e.as_db_error() {
                Some(db) => db.message().to_string(),
                None => e.to_string(),
            };
            diesel::ConnectionError::BadConnection(said)
        })?;
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    }
}

/// A plain connection, its messages read by whoever holds it.
pub type Plain = (
    tokio_postgres::Client,
    tokio_postgres::Connection<
        tokio_postgres::Socket,
        postgres_native_tls::TlsStream<tokio_postgres::Socket>,
    >,
);

impl Connector {
    /// Opens one plain tokio-postgres connection whose messages the caller
    /// reads itself (for `LISTEN`: the notifications come with them).
    pub async fn connect_plain(&self) -> Result<Plain, tokio_postgres::Error> {
        let (config, tls) = &*self.inner;
        config.connect(tls.clone()).await
    }
}

/// `url` without `sslmode` and `sslrootcert`, and their values.
type TlsSettings = (String, Option<String>, Option<String>);

fn take_tls_settings(url: &str) -> Result<TlsSettings, String> {
    let tls_key = |k: &str| k == "sslmode" || k == "sslrootcert";
    if let Ok(mut u) = url::Url::parse(url) {
        if !has_authority(url, &u) {
            return Err(format!("{} is not a connection URL", redact(url)));
        }
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let find = |key: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|p| p.1.clone())
        };
        let (mode, root) = (find("sslmode"), find("sslrootcert"));
        let kept: Vec<_> = pairs.iter().filter(|(k, _)| !tls_key(k)).collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
        return Ok((u.to_string(), mode, root));
    }
    if url.contains("://") {
        return Err(format!("{} is not a valid URL", redact(url)));
    }
    let (pairs, complete) = keyword_values(url);
    if !complete {
        return Err(format!("{} cannot be read", redact(url)));
    }
    let unquote = |v: &str| {
        let v = v
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .unwrap_or(v);
        v.replace("\\'", "'").replace("\\\\", "\\")
    };
    let (mut rest, mut mode, mut root) = (String::new(), None, None);
    for (key, value) in pairs {
        let v = &url[value];
        match key.as_str() {
            "sslmode" => mode = Some(unquote(v)),
            "sslrootcert" => root = Some(unquote(v)),
            _ => {
                rest.push_str(&format!("{key}={v} "));
            }
        }
    }
    Ok((rest.trim_end().to_string(), mode, root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_settings_are_taken_out_of_urls_and_keyword_strings() {
        for (given, rest, mode, root) in [
            (
                "postgres://u:pw@db:5432/onpace?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=x",
                "postgres://u:pw@db:5432/onpace?application_name=x",
                Some("verify-full"),
                Some("/etc/ca.pem"),
            ),
            ("postgres://u@db/onpace?sslmode=disable", "postgres://u@db/onpace", Some("disable"), None),
            ("postgres://u@db/onpace", "postgres://u@db/onpace", None, None),
            (
                "host=db user=u sslmode='verify-ca' sslrootcert=/ca.pem dbname=onpace",
                "host=db user=u dbname=onpace",
                Some("verify-ca"),
                Some("/ca.pem"),
            ),
        ] {
            let (r, m, c) = take_tls_settings(given).unwrap();
            assert_eq!(r, rest, "{given}");
            assert_eq!(m.as_deref(), mode, "{given}");
            assert_eq!(c.as_deref(), root, "{given}");
        }
    }

    #[test]
    fn what_cannot_be_used_is_refused_without_its_password() {
        for bad in [
            "postgres://u:secret@db/onpace?sslmode=sometimes",
            "jdbc:postgresql://u:secret@db/x",
            "host=db password='secret",
        ] {
            let e = Connector::new(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(!e.contains("secret"), "{e}");
        }
        assert!(Connector::new("postgres://u:pw@db/onpace?sslmode=verify-full").is_ok());
        assert!(Connector::new("host=db user=u dbname=onpace").is_ok());
    }
}
