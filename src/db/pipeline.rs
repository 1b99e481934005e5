//! Single-statement reads on one pipelined connection per worker.
//!
//! The pool's connections are synchronous: a request hands its database work
//! to a blocking thread and waits to be woken with the answer. For the busiest
//! read, a target's progress, that hop costs more than the statement itself.
//! So each actix worker also keeps one asynchronous connection (diesel-async
//! over tokio-postgres), driven on the worker's own thread, and concurrent
//! requests of that worker send their statements on it without waiting for
//! each other's answers (pipelining). PostgreSQL still runs them one after the
//! other, each as its own statement.
//!
//! It is only an optimisation: when it is switched off, when `DATABASE_URL`
//! uses what tokio-postgres does not read (libpq's `PG*` variables, `sslmode`
//! other than `disable`, `prefer` or `require`, client certificates), or when
//! the connection cannot be opened or breaks, [`Pipeline::read`] answers `None`
//! and the caller reads through the pool as before. A connection that broke (its
//! task ended, or a read failed with a connection-class error, as the pool's
//! connections are judged) is dropped at once and the next read opens another.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use postgres_native_tls::MakeTlsConnector;
use tokio_postgres::config::SslMode;

/// How the pipelined connections show in `pg_stat_activity`, unless
/// `DATABASE_URL` names an `application_name`.
pub const APPLICATION_NAME: &str = "onpace pipelined reads";

/// How the workers' connections are opened, worked out once from `DATABASE_URL`.
#[derive(Clone)]
pub struct PipelineConfig {
    connect: Option<Arc<(tokio_postgres::Config, MakeTlsConnector)>>,
    /// A read not answered by then is taken for a stuck connection.
    read_timeout: Duration,
    /// How long opening a connection may take, handshakes and login included.
    open_timeout: Duration,
    /// How long a worker reads through the pool after its connection could not
    /// be opened or hung.
    retry_after: Duration,
}

impl PipelineConfig {
    /// `None` inside when `enabled` is false or the URL cannot be used as
    /// libpq would use it; the reason is logged once.
    pub fn new(url: &str, enabled: bool, timeout: Duration) -> Self {
        let connect = if enabled {
            match connect_config(url, timeout, &|k| std::env::var(k).ok()) {
                Ok(c) => Some(Arc::new(c)),
                Err(why) => {
                    tracing::warn!(
                        reason = %why,
                        "pipelined reads are off: every read goes through the pool"
                    );
                    None
                }
            }
        } else {
            None
        };
        let open_timeout = connect
            .as_ref()
            .and_then(|c| c.0.get_connect_timeout().copied())
            .unwrap_or(timeout);
        PipelineConfig {
            connect,
            read_timeout: timeout * 5,
            open_timeout,
            retry_after: timeout * 5 / 2,
        }
    }
}

/// tokio-postgres settings that mean what libpq makes of the same URL, or why not.
fn connect_config(
    url: &str,
    timeout: Duration,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(tokio_postgres::Config, MakeTlsConnector), String> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| format!("DATABASE_URL is not understood by tokio-postgres: {e}"))?;
    if let Some(var) = left_to_libpq(url, env) {
        return Err(format!(
            "with this DATABASE_URL libpq would use {var}, which tokio-postgres does not read"
        ));
    }
    if config.get_user().is_none() {
        return Err("DATABASE_URL names no user".into());
    }
    if config.get_hosts().is_empty() {
        return Err("DATABASE_URL names no host".into());
    }
    if config.get_application_name().is_none() {
        config.application_name(APPLICATION_NAME);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(timeout);
    }
    // As libpq does for `prefer` and `require`: encrypt, without checking the
    // server's certificate (that is `verify-ca`/`verify-full`, refused above).
    let mut tls = native_tls::TlsConnector::builder();
    if config.get_ssl_mode() != SslMode::Disable {
        tls.danger_accept_invalid_certs(true)
            .danger_accept_invalid_hostnames(true);
    }
    let tls = tls.build().map_err(|e| format!("cannot set up TLS: {e}"))?;
    Ok((config, MakeTlsConnector::new(tls)))
}

/// A libpq environment variable that would fill in what `DATABASE_URL` leaves
/// out, so that the pool's connections would differ from the pipelined one.
fn left_to_libpq(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<&'static str> {
    let says = url_settings(url);
    let says_any = |keys: &[&str]| keys.iter().any(|k| says.iter().any(|s| s == k));
    let unset = |keys: &[&str], vars: &[&'static str]| {
        if says_any(keys) {
            None
        } else {
            vars.iter().copied().find(|v| env(v).is_some())
        }
    };
    let home_has =
        |file: &str| env("HOME").is_some_and(|h| std::path::Path::new(&h).join(file).exists());
    unset(&["host", "hostaddr"], &["PGHOST", "PGHOSTADDR"])
        .or_else(|| unset(&["port"], &["PGPORT"]))
        .or_else(|| unset(&["user"], &["PGUSER"]))
        .or_else(|| unset(&["dbname"], &["PGDATABASE"]))
        .or_else(|| unset(&["password"], &["PGPASSWORD", "PGPASSFILE"]))
        .or_else(|| (home_has(".pgpass") && !says_any(&["password"])).then_some("~/.pgpass"))
        .or_else(|| unset(&["options"], &["PGOPTIONS"]))
        .or_else(|| unset(&["sslmode"], &["PGSSLMODE", "PGREQUIRESSL"]))
        .or_else(|| unset(&["channel_binding"], &["PGCHANNELBINDING"]))
        .or_else(|| unset(&["target_session_attrs"], &["PGTARGETSESSIONATTRS"]))
        .or_else(|| unset(&["load_balance_hosts"], &["PGLOADBALANCEHOSTS"]))
        .or_else(|| unset(&["sslnegotiation"], &["PGSSLNEGOTIATION"]))
        // What tokio-postgres cannot do at all: certificates (libpq checks the
        // server's against a root.crt it finds, even under `require`), services,
        // GSSAPI, required authentication methods.
        .or_else(|| {
            unset(
                &[],
                &[
                    "PGSERVICE",
                    "PGSERVICEFILE",
                    "PGSSLCERT",
                    "PGSSLKEY",
                    "PGSSLROOTCERT",
                    "PGSSLCRL",
                    "PGSSLCRLDIR",
                    "PGSSLCERTMODE",
                    "PGGSSENCMODE",
                    "PGREQUIREAUTH",
                ],
            )
        })
        .or_else(|| home_has(".postgresql/root.crt").then_some("~/.postgresql/root.crt"))
        .or_else(|| {
            home_has(".postgresql/postgresql.crt").then_some("~/.postgresql/postgresql.crt")
        })
}

/// The libpq keywords a connection URL (`postgres://…`) or keyword string
/// (`host=… user=…`) sets.
fn url_settings(url: &str) -> Vec<String> {
    let Ok(u) = url::Url::parse(url) else {
        return keywords(url);
    };
    let mut says: Vec<String> = u.query_pairs().map(|(k, _)| k.into_owned()).collect();
    for (key, set) in [
        ("host", u.host_str().is_some_and(|h| !h.is_empty())),
        ("port", u.port().is_some()),
        ("user", !u.username().is_empty()),
        ("password", u.password().is_some()),
        ("dbname", u.path().len() > 1),
    ] {
        if set {
            says.push(key.into());
        }
    }
    says
}

/// The keywords of a libpq keyword string (see [`super::keyword_values`]).
fn keywords(s: &str) -> Vec<String> {
    super::keyword_values(s)
        .0
        .into_iter()
        .map(|(key, _)| key)
        .collect()
}

/// A worker's connection, and whether the task that drives it has ended.
struct Live {
    conn: AsyncPgConnection,
    closed: Rc<Cell<bool>>,
}

/// The connection handed to a read, shared with the worker's other reads.
#[derive(Clone)]
pub struct Shared(Rc<Live>);

impl Shared {
    /// Queries on `&AsyncPgConnection` are pipelined with the worker's others.
    pub fn conn(&self) -> &AsyncPgConnection {
        &self.0.conn
    }
}

/// One worker's pipelined connection, opened on first use. Not `Send`: each
/// worker builds its own (see `server::build_app`).
pub struct Pipeline {
    config: PipelineConfig,
    live: RefCell<Option<Rc<Live>>>,
    /// A request is opening the connection: the others read through the pool meanwhile.
    opening: Cell<bool>,
    retry_at: Cell<Option<Instant>>,
}

impl Pipeline {
    pub fn new(config: PipelineConfig) -> Self {
        Pipeline {
            config,
            live: RefCell::new(None),
            opening: Cell::new(false),
            retry_at: Cell::new(None),
        }
    }

    /// Runs `read` on the worker's connection. `None` when there is none to be
    /// had, or it broke or hung under the read (five times `ONPACE_DB_TIMEOUT_MS`
    /// without an answer): the caller then reads through the pool, which
    /// answers 503 if the database is really down.
    pub async fn read<T, F, Fut>(&self, read: F) -> Option<QueryResult<T>>
    where
        F: FnOnce(Shared) -> Fut,
        Fut: Future<Output = QueryResult<T>>,
    {
        let live = self.connection().await?;
        let answer =
            actix_web::rt::time::timeout(self.config.read_timeout, read(Shared(live.clone())))
                .await;
        match answer {
            Err(_) => {
                tracing::warn!("pipelined read got no answer in time; reading through the pool");
                // Stop the statement rather than leave it running on a connection
                // no one will read, and do not open another one at once.
                if let Some(connect) = &self.config.connect {
                    let cancel = live.conn.cancel_token();
                    let tls = connect.1.clone();
                    actix_web::rt::spawn(async move {
                        let _ = cancel.cancel_query(tls).await;
                    });
                }
                self.forget(&live);
                self.retry_at
                    .set(Some(Instant::now() + self.config.retry_after));
                None
            }
            Ok(Err(e)) if live.closed.get() || super::pool::is_connection_error(&e) => {
                tracing::warn!(error = %e, "pipelined connection lost; reading through the pool");
                self.forget(&live);
                None
            }
            Ok(done) => Some(done),
        }
    }

    async fn connection(&self) -> Option<Rc<Live>> {
        let connect = self.config.connect.clone()?;
        let current = self.live.borrow().clone();
        if let Some(live) = current {
            if !live.closed.get() {
                return Some(live);
            }
            self.forget(&live);
        }
        if self.opening.get() || self.retry_at.get().is_some_and(|t| Instant::now() < t) {
            return None;
        }
        let opened = {
            let _opening = Opening::start(&self.opening);
            actix_web::rt::time::timeout(self.config.open_timeout, open(&connect))
                .await
                .unwrap_or_else(|_| Err("no answer in time".into()))
        };
        match opened {
            Ok(live) => {
                let live = Rc::new(live);
                self.retry_at.set(None);
                *self.live.borrow_mut() = Some(live.clone());
                Some(live)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot open a pipelined connection; reading through the pool");
                self.retry_at
                    .set(Some(Instant::now() + self.config.retry_after));
                None
            }
        }
    }

    fn forget(&self, broken: &Rc<Live>) {
        let mut slot = self.live.borrow_mut();
        if slot.as_ref().is_some_and(|l| Rc::ptr_eq(l, broken)) {
            *slot = None;
        }
    }
}

/// Marks a connection being opened, until it is (or the request is dropped).
struct Opening<'a>(&'a Cell<bool>);

impl<'a> Opening<'a> {
    fn start(flag: &'a Cell<bool>) -> Self {
        flag.set(true);
        Opening(flag)
    }
}

impl Drop for Opening<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Connects and starts the task that drives the connection on this worker.
async fn open(connect: &(tokio_postgres::Config, MakeTlsConnector)) -> Result<Live, String> {
    let (config, tls) = connect;
    let (client, connection) = config
        .connect(tls.clone())
        .await
        .map_err(|e| e.to_string())?;
    let closed = Rc::new(Cell::new(false));
    let flag = closed.clone();
    actix_web::rt::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "pipelined connection ended");
        }
        flag.set(true);
    });
    let conn = AsyncPgConnection::try_from(client)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Live { conn, closed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_libpq_reads_differently_turn_pipelining_off() {
        let t = Duration::from_secs(2);
        let on = |url: &str| connect_config(url, t, &no_env).is_ok();
        assert!(on("postgres://app@db.example.com:5432/onpace"));
        assert!(on("postgres://app:secret@127.0.0.1/onpace?sslmode=require"));
        assert!(on("postgres://app@127.0.0.1/onpace?sslmode=disable"));
        // Certificate checks, and settings left to libpq's PG* variables.
        assert!(!on(
            "postgres://app@db.example.com/onpace?sslmode=verify-full"
        ));
        assert!(!on(
            "postgres://app@db.example.com/onpace?sslrootcert=/etc/ca.pem"
        ));
        assert!(!on("postgres:///onpace"));
        assert!(!on("postgres://db.example.com/onpace"));
        let url = "postgres://app@127.0.0.1:5432/onpace?sslmode=disable&password=pw";
        assert!(PipelineConfig::new(url, false, t).connect.is_none());
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_connect_timeout_defaults_to_the_pools() {
        let t = Duration::from_millis(1500);
        let (c, _) = connect_config("postgres://app@127.0.0.1/onpace", t, &no_env).unwrap();
        assert_eq!(c.get_connect_timeout(), Some(&t));
        assert_eq!(c.get_application_name(), Some(APPLICATION_NAME));
        let url = "postgres://app@127.0.0.1/onpace?connect_timeout=7&application_name=crm";
        let (c, _) = connect_config(url, t, &no_env).unwrap();
        assert_eq!(c.get_connect_timeout(), Some(&Duration::from_secs(7)));
        assert_eq!(c.get_application_name(), Some("crm"));
    }

    #[test]
    fn what_libpq_would_take_from_its_variables_turns_pipelining_off() {
        let t = Duration::from_secs(2);
        let with = |var: &'static str| move |k: &str| (k == var).then(|| "x".to_string());
        let full = "postgres://app:pw@db.example.com:5433/onpace?sslmode=require&options=-cstatement_timeout%3D5s";
        for var in [
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGDATABASE",
            "PGPASSWORD",
            "PGOPTIONS",
            "PGSSLMODE",
        ] {
            // The URL says it all: the variable changes nothing, for libpq either.
            assert!(connect_config(full, t, &with(var)).is_ok(), "{var}");
        }
        let bare = "postgres://app@db.example.com/onpace";
        assert!(connect_config("postgres://app@db.example.com", t, &with("PGDATABASE")).is_err());
        for var in [
            "PGPORT",
            "PGPASSWORD",
            "PGPASSFILE",
            "PGOPTIONS",
            "PGSSLMODE",
            "PGSERVICE",
        ] {
            let e = connect_config(bare, t, &with(var)).err().expect(var);
            assert!(e.contains(var), "{e}");
        }
        for var in [
            "PGSSLROOTCERT",
            "PGSSLCERT",
            "PGGSSENCMODE",
            "PGREQUIREAUTH",
            "PGSERVICE",
        ] {
            assert!(connect_config(full, t, &with(var)).is_err(), "{var}");
        }
        let home = std::env::temp_dir().join(format!("pgpass-{}", std::process::id()));
        std::fs::create_dir_all(home.join(".postgresql")).unwrap();
        std::fs::write(home.join(".pgpass"), "*:*:*:app:pw\n").unwrap();
        let home_env = |k: &str| (k == "HOME").then(|| home.to_string_lossy().into_owned());
        assert!(connect_config(bare, t, &home_env).is_err());
        assert!(connect_config(full, t, &home_env).is_ok());
        // With a root certificate there, libpq checks the server's even under `require`.
        std::fs::write(home.join(".postgresql/root.crt"), "").unwrap();
        let e = connect_config(full, t, &home_env).err().unwrap();
        assert!(e.contains("~/.postgresql/root.crt"), "{e}");
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn keyword_strings_are_read_with_their_quotes() {
        assert_eq!(
            keywords(r"host=db  port = 5433 password='a port=1 \' b' user=a\ b dbname=x"),
            ["host", "port", "password", "user", "dbname"]
        );
        let t = Duration::from_secs(2);
        let port = |k: &str| (k == "PGPORT").then(|| "5433".to_string());
        let quoted = "host=db user=app dbname=x password='a port=1'";
        assert!(
            connect_config(quoted, t, &port).is_err(),
            "the port is PGPORT's"
        );
        let set = "host=db port=5432 user=app dbname=x password='a b'";
        assert!(connect_config(set, t, &port).is_ok());
    }
}
