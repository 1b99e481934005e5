//! The connection pool (deadpool, through diesel-async), and how it notices
//! connections that broke.
//!
//! A connection is handed out again only if it is neither closed (its server
//! process ended: PostgreSQL restarted, or an administrator ended it) nor left
//! inside a transaction (a request that stopped half-way); deadpool drops it
//! otherwise and opens another. A checkout waits at most the configured timeout,
//! so an outage answers 503 quickly instead of hanging.

use std::time::Duration;

use deadpool::managed::{PoolConfig, Timeouts};
use deadpool::Runtime;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::AsyncPgConnection;
use futures_util::FutureExt;

use super::Connector;

pub type PgPool = Pool<AsyncPgConnection>;
pub type Conn = Object<AsyncPgConnection>;

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

/// Messages of PostgreSQL and its client that mean the connection is gone.
pub fn is_connection_message(m: &str) -> bool {
    let m = m.to_ascii_lowercase();
    m.contains("server closed the connection")
        || m.contains("connection closed")
        || m.contains("connection refused")
        || m.contains("terminating connection")
        || m.contains("could not connect")
        || m.contains("no connection to the server")
}

/// A pool of at most `size` connections opened by `connector`, whose checkout
/// gives up after `timeout`.
pub fn pool(connector: &Connector, size: u32, timeout: Duration) -> PgPool {
    let connector = connector.clone();
    let mut config = ManagerConfig::default();
    // `is_broken` (closed, or inside a transaction) is checked on every
    // checkout; a round trip to check more would cost every request.
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |_| {
        let connector = connector.clone();
        async move { connector.connect().await }.boxed()
    });
    // The URL is the connector's; the manager's own copy is not used.
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config("", config);
    let mut pool_config = PoolConfig::new(size.max(1) as usize);
    pool_config.timeouts = Timeouts {
        wait: Some(timeout),
        create: Some(timeout),
        recycle: Some(timeout),
    };
    Pool::builder(manager)
        .config(pool_config)
        .runtime(Runtime::Tokio1)
        .build()
        .expect("a pool with a runtime and a size builds")
}
