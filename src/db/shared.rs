//! One connection per worker for the hottest reads, shared by that worker's
//! requests: their statements are sent without waiting for each other's
//! answers (diesel-async pipelines the queries of a shared `&AsyncPgConnection`);
//! PostgreSQL still runs them one after the other, each as its own statement.
//!
//! A read that failed because the connection broke drops it; the next read opens
//! another. Opening, and a read, wait at most five times the configured timeout.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use diesel::result::Error as DieselError;
use diesel_async::AsyncPgConnection;

use super::pool::is_connection_error;
use super::Connector;
use crate::error::AppError;

/// How the shared connections show in `pg_stat_activity`, unless
/// `DATABASE_URL` names an `application_name`.
pub const APPLICATION_NAME: &str = "onpace shared reads";

enum Failed {
    Connection,
    Hung,
    Statement(DieselError),
}

/// A worker's shared connection (built once per worker, so never sent across
/// threads).
pub struct Reader {
    connector: Connector,
    timeout: Duration,
    live: RefCell<Option<Rc<AsyncPgConnection>>>,
    /// Held while the connection is being opened, so a burst opens one.
    opening: tokio::sync::Mutex<()>,
}

impl Reader {
    pub fn new(connector: &Connector, timeout: Duration) -> Self {
        Reader {
            connector: connector.named(APPLICATION_NAME),
            timeout,
            live: RefCell::new(None),
            opening: tokio::sync::Mutex::new(()),
        }
    }

    async fn connection(&self) -> Result<Rc<AsyncPgConnection>, AppError> {
        if let Some(c) = self.live.borrow().as_ref() {
            return Ok(c.clone());
        }
        let _opening = self.opening.lock().await;
        if let Some(c) = self.live.borrow().as_ref() {
            return Ok(c.clone());
        }
        let opened = tokio::time::timeout(self.timeout * 5, self.connector.connect())
            .await
            .map_err(|_| "timed out".to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        match opened {
            Ok(c) => {
                let c = Rc::new(c);
                *self.live.borrow_mut() = Some(c.clone());
                Ok(c)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot open the shared read connection");
                Err(AppError::unavailable())
            }
        }
    }

    /// Runs `f` on the shared connection. When the connection broke under it,
    /// the connection is dropped and `f` runs once more on a new one: a read
    /// changes nothing. A read that hangs past five times the timeout is
    /// cancelled, its connection dropped, and answered 503.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: AsyncFn(&AsyncPgConnection) -> Result<T, DieselError>,
    {
        let answer = match self.try_read(&f).await {
            Err(Failed::Connection) => self.try_read(&f).await,
            done => done,
        };
        answer.map_err(|failed| match failed {
            Failed::Statement(e) => e.into(),
            Failed::Connection | Failed::Hung => AppError::unavailable(),
        })
    }

    async fn try_read<T, F>(&self, f: &F) -> Result<T, Failed>
    where
        F: AsyncFn(&AsyncPgConnection) -> Result<T, DieselError>,
    {
        let conn = self.connection().await.map_err(|_| Failed::Connection)?;
        match tokio::time::timeout(self.timeout * 5, f(&conn)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) if is_connection_error(&e) => {
                self.forget(&conn);
                tracing::warn!(error = %e, "the shared read connection broke");
                Err(Failed::Connection)
            }
            Ok(Err(e)) => Err(Failed::Statement(e)),
            Err(_) => {
                self.forget(&conn);
                tracing::warn!("a read on the shared connection hung; it is cancelled and the connection dropped");
                let cancel = self.connector.cancel(&conn);
                let _ = tokio::time::timeout(self.timeout, cancel).await;
                Err(Failed::Hung)
            }
        }
    }

    /// Drops `conn` as the worker's connection, unless another took its place.
    fn forget(&self, conn: &Rc<AsyncPgConnection>) {
        let mut live = self.live.borrow_mut();
        if live.as_ref().is_some_and(|c| Rc::ptr_eq(c, conn)) {
            *live = None;
        }
    }
}
