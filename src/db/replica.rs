//! Dashboard reads on a PostgreSQL streaming replica
//! (`ONPACE_READ_DATABASE_URL`), and when they go back to the primary.
//!
//! A monitor measures the replica every quarter of a second: whether it
//! answers, and how long it has been behind the primary. Each tick it reads the
//! primary's `pg_current_wal_insert_lsn()` (commits not yet flushed included)
//! and then the replica's
//! `pg_last_wal_replay_lsn()`, and keeps a short history of when the primary
//! reached each position. The replica is not behind when it has replayed the
//! latest position seen; otherwise its lag is how long ago the primary first
//! went past what it has replayed. So an idle primary shows no lag, and a
//! replica whose replay stopped shows a lag that grows from the first write it
//! did not replay. What the primary wrote since the last tick is not known
//! yet: a lag is seen up to a tick late.
//!
//! The verdict is kept in atomics that requests only read: a request never
//! waits on a health check. A replica that does not answer, or lags more than
//! `ONPACE_READ_MAX_LAG_MS`, is skipped until a tick finds it well again; a
//! dashboard read that meets a broken replica connection runs once more on the
//! primary. Without the setting every read goes to the primary.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Bool, Nullable};
use diesel::QueryableByName;
use diesel_async::AsyncPgConnection;

use super::{Connector, PgPool, Reader};
use crate::error::AppError;

/// How often the monitor measures the replica.
pub const TICK: Duration = Duration::from_millis(250);
/// How long the monitor waits for a connection or an answer.
const PATIENCE: Duration = Duration::from_millis(500);
/// How the replica's pooled connections show in `pg_stat_activity` (its
/// shared ones as [`super::shared::APPLICATION_NAME`]), unless
/// `ONPACE_READ_DATABASE_URL` names an `application_name`.
pub const APPLICATION_NAME: &str = "onpace replica reads";

/// Which server a read was sent to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Primary,
    Replica,
}

/// The last verdict on the replica, written by the monitor.
#[derive(Default)]
struct Health {
    /// The monitor has measured at least once.
    measured: AtomicBool,
    reachable: AtomicBool,
    /// Reachable and within the lag limit: reads go there.
    serving: AtomicBool,
    paused: AtomicBool,
    lag_ms: AtomicU64,
}

struct Replica {
    pool: PgPool,
    /// As configured: each use names its connections.
    connector: Connector,
    max_lag: Duration,
    health: Arc<Health>,
}

/// Where dashboard reads go: the replica while it is well, else the primary.
#[derive(Clone)]
pub struct Reads {
    primary: PgPool,
    replica: Option<Arc<Replica>>,
}

/// What `/readyz` says of the replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaState {
    pub measured: bool,
    pub reachable: bool,
    pub serving: bool,
    pub replay_paused: bool,
    /// How long the replica has been behind; `None` while it is unreachable.
    pub lag_ms: Option<u64>,
    pub max_lag_ms: u64,
}

impl Reads {
    /// Every read on the primary.
    pub fn primary_only(primary: PgPool) -> Self {
        Reads {
            primary,
            replica: None,
        }
    }

    /// Dashboard reads on the replica opened by `connector` (a pool of `size`
    /// connections), while it lags at most `max_lag`; starts its monitor on a
    /// thread of its own, which ends when the last clone of this is dropped.
    pub fn with_replica(
        primary: PgPool,
        primary_connector: &Connector,
        connector: &Connector,
        size: u32,
        timeout: Duration,
        max_lag: Duration,
    ) -> Self {
        let health = Arc::new(Health::default());
        let monitor = Monitor {
            primary: primary_connector.named("onpace replica monitor"),
            replica: connector.named("onpace replica monitor"),
            max_lag,
            health: Arc::downgrade(&health),
        };
        std::thread::Builder::new()
            .name("replica-monitor".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the replica monitor");
                rt.block_on(monitor.run());
            })
            .expect("a thread for the replica monitor");
        Reads {
            primary,
            replica: Some(Arc::new(Replica {
                pool: super::pool(&connector.named(APPLICATION_NAME), size, timeout),
                connector: connector.clone(),
                max_lag,
                health,
            })),
        }
    }

    /// The primary's pool.
    pub fn primary(&self) -> &PgPool {
        &self.primary
    }

    /// Where a dashboard read goes now.
    pub fn side(&self) -> Side {
        match &self.replica {
            Some(r) if r.health.serving.load(Ordering::Acquire) => Side::Replica,
            _ => Side::Primary,
        }
    }

    /// A worker's shared connection to the replica, when there is one.
    pub fn replica_reader(&self, timeout: Duration) -> Option<Reader> {
        self.replica
            .as_ref()
            .map(|r| Reader::new(&r.connector, timeout))
    }

    /// Runs a dashboard read `f` on the pool it should go to, said by its
    /// [`Side`]. When it found the replica unavailable, the replica is skipped
    /// until the monitor finds it well, and `f` runs once more on the primary.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: AsyncFn(&PgPool, Side) -> Result<T, AppError>,
    {
        let replica = match (&self.replica, self.side()) {
            (Some(r), Side::Replica) => r,
            _ => return f(&self.primary, Side::Primary).await,
        };
        match f(&replica.pool, Side::Replica).await {
            Err(e) if e.code == super::UNAVAILABLE => {
                replica.health.serving.store(false, Ordering::Release);
                tracing::warn!("the read replica is unavailable; reading on the primary");
                f(&self.primary, Side::Primary).await
            }
            done => done,
        }
    }

    /// The replica's last verdict; `None` when none is configured.
    pub fn replica_state(&self) -> Option<ReplicaState> {
        self.replica.as_ref().map(|r| {
            let h = &r.health;
            let reachable = h.reachable.load(Ordering::Acquire);
            ReplicaState {
                measured: h.measured.load(Ordering::Acquire),
                reachable,
                serving: h.serving.load(Ordering::Acquire),
                replay_paused: h.paused.load(Ordering::Acquire),
                lag_ms: reachable.then(|| h.lag_ms.load(Ordering::Acquire)),
                max_lag_ms: r.max_lag.as_millis() as u64,
            }
        })
    }
}

/// A worker's shared connection to the replica (none without one), for the
/// hottest dashboard read.
pub struct ReplicaReader(Option<Reader>);

impl ReplicaReader {
    /// Built once per worker.
    pub fn new(reads: &Reads, timeout: Duration) -> Self {
        ReplicaReader(reads.replica_reader(timeout))
    }

    /// The replica's shared connection when a read goes to the replica.
    pub fn on(&self, side: Side) -> Option<&Reader> {
        match side {
            Side::Replica => self.0.as_ref(),
            Side::Primary => None,
        }
    }
}

#[derive(QueryableByName)]
struct PrimaryLsn {
    #[diesel(sql_type = BigInt)]
    lsn: i64,
}

#[derive(QueryableByName)]
struct ReplayLsn {
    /// `NULL` when the server is not a standby.
    #[diesel(sql_type = Nullable<BigInt>)]
    lsn: Option<i64>,
    #[diesel(sql_type = Bool)]
    paused: bool,
}

const PRIMARY_LSN: &str =
    "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint AS lsn";
const REPLAY_LSN: &str = "SELECT CASE WHEN pg_is_in_recovery() \
     THEN pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint END AS lsn, \
     CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS paused";

struct Monitor {
    primary: Connector,
    replica: Connector,
    max_lag: Duration,
    health: Weak<Health>,
}

/// When the primary reached which WAL positions, oldest first.
#[derive(Default)]
pub struct History {
    seen: VecDeque<(Instant, i64)>,
}

impl History {
    /// Notes that the primary was at `lsn` at `now`; forgets what is older
    /// than `keep` (the latest position is always kept).
    pub fn note(&mut self, now: Instant, lsn: i64, keep: Duration) {
        if self.seen.back().is_none_or(|(_, last)| lsn > *last) {
            self.seen.push_back((now, lsn));
        }
        while self.seen.len() > 1 && self.seen[1].0 + keep < now {
            self.seen.pop_front();
        }
    }

    /// How long a replica that has replayed up to `replayed` has been behind
    /// at `now`: nothing when it has replayed the latest position seen,
    /// otherwise since the primary first went past `replayed` (at least since
    /// the oldest position remembered).
    pub fn lag(&self, now: Instant, replayed: i64) -> Duration {
        match self.seen.iter().find(|(_, lsn)| *lsn > replayed) {
            None => Duration::ZERO,
            Some((at, _)) => now.saturating_duration_since(*at),
        }
    }
}

async fn within<T>(f: impl std::future::Future<Output = Result<T, String>>) -> Result<T, String> {
    tokio::time::timeout(PATIENCE, f)
        .await
        .map_err(|_| "timed out".to_string())?
}

async fn ask<Q: QueryableByName<diesel::pg::Pg> + Send + 'static>(
    slot: &mut Option<AsyncPgConnection>,
    connector: &Connector,
    sql: &'static str,
) -> Result<Q, String> {
    if slot.is_none() {
        *slot = Some(within(async { connector.connect().await.map_err(|e| e.to_string()) }).await?);
    }
    let conn = slot.as_mut().expect("opened above");
    use diesel_async::RunQueryDsl;
    let answer = within(async {
        diesel::sql_query(sql)
            .get_result::<Q>(conn)
            .await
            .map_err(|e| e.to_string())
    })
    .await;
    if answer.is_err() {
        // Opened afresh next time: a hung or broken connection is not reused.
        *slot = None;
    }
    answer
}

impl Monitor {
    async fn run(self) {
        let mut history = History::default();
        let mut primary = None;
        let mut replica = None;
        let keep = self.max_lag * 2 + Duration::from_secs(5);
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut was_serving = None;
        loop {
            ticks.tick().await;
            let Some(health) = self.health.upgrade() else {
                return;
            };
            match ask::<PrimaryLsn>(&mut primary, &self.primary, PRIMARY_LSN).await {
                Ok(p) => history.note(Instant::now(), p.lsn, keep),
                Err(e) => {
                    tracing::debug!(error = %e, "the replica monitor cannot read the primary's position")
                }
            }
            let measured = ask::<ReplayLsn>(&mut replica, &self.replica, REPLAY_LSN).await;
            let serving = match &measured {
                Ok(r) => {
                    let lag = match r.lsn {
                        Some(replayed) => history.lag(Instant::now(), replayed),
                        None => Duration::ZERO,
                    };
                    health
                        .lag_ms
                        .store(lag.as_millis() as u64, Ordering::Release);
                    health.paused.store(r.paused, Ordering::Release);
                    health.reachable.store(true, Ordering::Release);
                    lag <= self.max_lag
                }
                Err(_) => {
                    health.reachable.store(false, Ordering::Release);
                    false
                }
            };
            health.serving.store(serving, Ordering::Release);
            health.measured.store(true, Ordering::Release);
            if was_serving != Some(serving) {
                match (&measured, serving) {
                    (_, true) => tracing::info!("dashboard reads go to the read replica"),
                    (Ok(_), false) => tracing::warn!(
                        lag_ms = health.lag_ms.load(Ordering::Acquire),
                        "the read replica lags too far; dashboard reads go to the primary"
                    ),
                    (Err(e), false) => tracing::warn!(error = %e,
                        "the read replica does not answer; dashboard reads go to the primary"),
                }
                was_serving = Some(serving);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lag_is_how_long_the_primary_has_been_past_what_was_replayed() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let keep = s(60);
        let mut h = History::default();
        h.note(t0, 100, keep);
        // An idle primary: a replica that replayed it all is not behind, however long.
        assert_eq!(h.lag(t0 + s(30), 100), Duration::ZERO);
        h.note(t0 + s(1), 100, keep);
        h.note(t0 + s(2), 150, keep);
        h.note(t0 + s(3), 200, keep);
        // Replayed up to 100: behind since the primary reached 150, at 2 s.
        assert_eq!(h.lag(t0 + s(5), 100), s(3));
        // Replayed 150 but not 200, reached at 3 s.
        assert_eq!(h.lag(t0 + s(5), 150), s(2));
        assert_eq!(h.lag(t0 + s(5), 200), Duration::ZERO);
        // Behind everything remembered: at least since the oldest position.
        assert_eq!(h.lag(t0 + s(5), 50), s(5));
    }

    #[test]
    fn the_history_forgets_what_is_older_than_it_keeps_but_the_latest() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut h = History::default();
        h.note(t0, 100, s(10));
        h.note(t0 + s(1), 150, s(10));
        h.note(t0 + s(30), 150, s(10));
        assert_eq!(h.seen.len(), 1);
        assert_eq!(h.lag(t0 + s(31), 100), s(30));
        assert_eq!(h.lag(t0 + s(31), 150), Duration::ZERO);
    }
}
