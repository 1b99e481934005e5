//! The connection pool, and how it notices connections that broke.
//!
//! diesel's r2d2 manager takes a connection for broken only when a transaction
//! was left open or failed half-way; a connection whose server process ended
//! (PostgreSQL restarted, or an administrator ended it) would go back into the
//! pool and fail every request it is handed to. Here each connection carries a
//! [`Watch`] (a diesel instrumentation, called as each statement finishes) that
//! records a connection-class failure:
//!
//! - that connection is dropped when it comes back to the pool, never handed out
//!   again;
//! - the pool's count of such failures goes up, and every connection that was
//!   idle before the failure answers a `SELECT 1` on its next checkout (an
//!   outage seldom ends just one connection), so the requests that follow get
//!   live connections. Without a failure no checkout costs a round trip;
//! - when the failed statement was the first of the checkout and a read, nothing
//!   was done on the database, so [`super::run`] runs the work once more on a
//!   fresh connection; and a transaction whose `BEGIN` failed so
//!   ([`super::tx`]) starts again on a fresh connection, its work not yet begun.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::r2d2::{ConnectionManager, ManageConnection, Pool, R2D2Connection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, PgConnection};

pub type PgPool = Pool<Manager>;
pub type Conn = diesel::r2d2::PooledConnection<Manager>;

/// Errors that say the connection, not the statement, failed.
pub fn is_connection_error(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        DieselError::DatabaseError(_, info) => is_connection_message(info.message()),
        _ => false,
    }
}

/// Messages of libpq and PostgreSQL that mean the connection is gone.
pub fn is_connection_message(m: &str) -> bool {
    let m = m.to_ascii_lowercase();
    m.contains("server closed the connection")
        || m.contains("connection refused")
        || m.contains("terminating connection")
        || m.contains("could not connect")
        || m.contains("no connection to the server")
}

/// Opens connections, each with its [`Watch`]; counts connection failures.
#[derive(Debug)]
pub struct Manager {
    inner: ConnectionManager<PgConnection>,
    failures: Arc<AtomicU64>,
}

/// What one connection saw.
pub struct Watch {
    failures: Arc<AtomicU64>,
    /// The pool's failure count when this connection last answered.
    seen: u64,
    /// Statements that finished since the checkout.
    statements: u32,
    broken: bool,
    /// The checkout's first statement, a read, failed with the connection.
    nothing_done: bool,
}

impl Instrumentation for Watch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery { query, error, .. } = event {
            // The first failure says what it cut short; the rest follow from it.
            if let Some(e) = error.filter(|e| is_connection_error(e) && !self.broken) {
                self.broken = true;
                self.failures.fetch_add(1, Ordering::Relaxed);
                // Formatted only here, on the rare failure.
                self.nothing_done = self.statements == 0 && is_read(&query.to_string());
                tracing::warn!(error = %e, "a database connection broke; it is not used again");
            }
            self.statements = self.statements.saturating_add(1);
        }
    }
}

fn is_read(sql: &str) -> bool {
    sql.trim_start()
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("select"))
}

fn watch(conn: &mut PgConnection) -> Option<&mut Watch> {
    conn.instrumentation().downcast_mut::<Watch>()
}

/// Whether `conn` broke under the work just done.
pub fn broke(conn: &mut PgConnection) -> bool {
    watch(conn).is_some_and(|w| w.broken)
}

/// Whether `conn` broke on the checkout's first statement, a read: the work
/// changed nothing and may run again elsewhere.
pub fn broke_before_any_work(conn: &mut PgConnection) -> bool {
    watch(conn).is_some_and(|w| w.broken && w.nothing_done)
}

impl ManageConnection for Manager {
    type Connection = PgConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PgConnection, Self::Error> {
        let mut conn = self.inner.connect()?;
        conn.set_instrumentation(Watch {
            failures: self.failures.clone(),
            seen: self.failures.load(Ordering::Relaxed),
            statements: 0,
            broken: false,
            nothing_done: false,
        });
        Ok(conn)
    }

    /// Called on every checkout: free, unless a connection failed since this
    /// one last answered; then it must answer a `SELECT 1` first.
    fn is_valid(&self, conn: &mut PgConnection) -> Result<(), Self::Error> {
        let now = self.failures.load(Ordering::Relaxed);
        let stale = match watch(conn) {
            Some(w) => {
                w.statements = 0;
                w.seen < now
            }
            None => true,
        };
        if stale {
            conn.ping()?;
            if let Some(w) = watch(conn) {
                w.seen = now;
                w.statements = 0;
            }
        }
        Ok(())
    }

    fn has_broken(&self, conn: &mut PgConnection) -> bool {
        broke(conn) || self.inner.has_broken(conn)
    }
}

/// A pool whose checkout gives up after `timeout`, so an outage answers 503 quickly.
pub fn pool(url: &str, size: u32, timeout: Duration) -> PgPool {
    Pool::builder()
        .max_size(size.max(1))
        .min_idle(Some(0))
        .connection_timeout(timeout)
        // `is_valid` runs on every checkout, and costs a round trip only after
        // a connection failed (see the module's comment).
        .test_on_check_out(true)
        .build_unchecked(Manager {
            inner: ConnectionManager::new(url),
            failures: Arc::new(AtomicU64::new(0)),
        })
}
