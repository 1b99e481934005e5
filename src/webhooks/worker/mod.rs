//! The delivery worker: claims due deliveries from the database, sends them
//! (a bounded number at a time), records each attempt. Everything it knows is
//! in rows: a worker may stop at any moment, and any number of them may run
//! on one database (in `onpace serve`, unless `ONPACE_WEBHOOK_WORKER=false`,
//! and in `onpace worker` processes).
//!
//! A claimed delivery is held for a lease (`ONPACE_WEBHOOK_LEASE_SECS`, longer
//! than an attempt may take): if its worker dies while sending, it is due
//! again when the lease ends and is sent again, with the same `webhook-id`.
//! Deliveries are therefore made at least once.
//!
//! [`Worker::run_once_at`] makes one round on a given clock, for tests;
//! [`Worker::run`] is the loop, woken by the fan-out's notifications (see
//! [`listen`]) and by a poll every second.

mod listen;
pub mod send;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::config::Config;
use crate::db::{Connector, PgPool};
use crate::error::AppResult;
use crate::state::AppState;
use crate::webhooks::secret::Sealer;
use crate::webhooks::service::deliver::{self, Claimed, Outcome};

/// How a worker works.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The most an attempt may take, answer read included (10 s).
    pub timeout: Duration,
    /// How long a claim holds a delivery (see the module's description).
    pub lease: Duration,
    /// Attempts under way at once, at most.
    pub in_flight: usize,
    /// How often the queue is looked at without being told.
    pub poll: Duration,
    /// The pause after the database failed.
    pub pause: Duration,
    /// `ONPACE_WEBHOOK_ALLOW_INSECURE`.
    pub allow_insecure: bool,
}

impl Settings {
    pub fn from_config(config: &Config) -> Self {
        Settings {
            timeout: Duration::from_secs(10),
            lease: config.webhook_lease,
            in_flight: 16,
            poll: Duration::from_secs(1),
            pause: Duration::from_secs(2),
            allow_insecure: config.webhook_allow_insecure,
        }
    }
}

/// A delivery worker (cheap to clone: its parts are shared).
#[derive(Clone)]
pub struct Worker {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    connector: Connector,
    sealer: Arc<Sealer>,
    client: reqwest::Client,
    settings: Settings,
}

impl Worker {
    pub fn new(
        pool: PgPool,
        connector: Connector,
        sealer: Arc<Sealer>,
        settings: Settings,
    ) -> Self {
        let client = send::client(settings.allow_insecure, settings.timeout);
        Worker {
            inner: Arc::new(Inner {
                pool,
                connector,
                sealer,
                client,
                settings,
            }),
        }
    }

    /// The worker of the application `state`, as its configuration says.
    pub fn for_app(state: &AppState) -> Self {
        Self::with_settings(state, Settings::from_config(&state.config))
    }

    /// The worker of the application `state`, with `settings`.
    pub fn with_settings(state: &AppState, settings: Settings) -> Self {
        Self::new(
            state.pool.clone(),
            state.connector.clone(),
            state.sealer.clone(),
            settings,
        )
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// One round on the database's clock: see [`Worker::run_once_at`].
    pub async fn tick(&self) -> AppResult<usize> {
        self.round(None).await
    }

    /// One round as if it were `now`: claims the deliveries due by then (at
    /// most as many as may be under way at once), sends them all at once,
    /// records each attempt; returns how many were attempted.
    pub async fn run_once_at(&self, now: DateTime<Utc>) -> AppResult<usize> {
        self.round(Some(now)).await
    }

    async fn round(&self, at: Option<DateTime<Utc>>) -> AppResult<usize> {
        let claimed = self.claim(at, self.inner.settings.in_flight).await?;
        let n = claimed.len();
        let mut under_way = JoinSet::new();
        for d in claimed {
            let worker = self.clone();
            under_way.spawn(async move { worker.deliver(d, at).await });
        }
        while under_way.join_next().await.is_some() {}
        Ok(n)
    }

    async fn claim(&self, at: Option<DateTime<Utc>>, limit: usize) -> AppResult<Vec<Claimed>> {
        let lease = self.inner.settings.lease.as_secs_f64();
        deliver::claim(&self.inner.pool, at, lease, limit).await
    }

    /// Sends `d` and records the attempt; what goes wrong is logged (the
    /// delivery is then due again when its lease ends).
    async fn deliver(&self, d: Claimed, at: Option<DateTime<Utc>>) {
        let outcome = match self.secrets(&d) {
            Ok(secrets) => {
                let s = &self.inner.settings;
                send::attempt(
                    &self.inner.client,
                    &d,
                    &secrets,
                    s.allow_insecure,
                    s.timeout,
                )
                .await
            }
            Err(error) => Outcome {
                delivered: false,
                http_status: None,
                duration_ms: 0,
                response: None,
                error: Some(error),
            },
        };
        if !outcome.delivered {
            tracing::info!(
                org = %d.org_id,
                delivery = %d.id,
                attempt = d.attempts,
                error = outcome.error.as_deref().unwrap_or(""),
                "a webhook delivery attempt failed"
            );
        }
        let jitter = rand::random::<f64>() * 2.0 - 1.0;
        match deliver::record(&self.inner.pool, &d, &outcome, at, jitter).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                org = %d.org_id,
                delivery = %d.id,
                attempt = d.attempts,
                "a webhook delivery's claim ended before its attempt was recorded; it may be sent again"
            ),
            Err(e) => tracing::warn!(
                org = %d.org_id,
                delivery = %d.id,
                error = %e,
                "cannot record a webhook delivery attempt; it is sent again when its lease ends"
            ),
        }
    }

    /// The secrets that sign `d`: the endpoint's current one, and the
    /// previous one while it is still honoured.
    fn secrets(&self, d: &Claimed) -> Result<Vec<String>, String> {
        let sealer = &self.inner.sealer;
        let unreadable = |e: crate::webhooks::secret::Unreadable| e.to_string();
        let mut secrets = vec![sealer
            .open(d.org_id, d.webhook_id, &d.secret)
            .map_err(unreadable)?];
        if let (Some(previous), Some(until)) = (&d.previous_secret, d.previous_until) {
            if until > d.claimed_at {
                secrets.push(
                    sealer
                        .open(d.org_id, d.webhook_id, previous)
                        .map_err(unreadable)?,
                );
            }
        }
        Ok(secrets)
    }

    /// Delivers until `shutdown` completes, then lets the attempts under way
    /// finish. Never fails: a database that cannot be reached is logged and
    /// asked again after a pause.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let s = self.inner.settings.clone();
        let wake = Arc::new(Notify::new());
        let listener = tokio::spawn(listen::listen(self.inner.connector.clone(), wake.clone()));
        tracing::info!(
            in_flight = s.in_flight,
            lease_secs = s.lease.as_secs(),
            "webhook delivery worker started"
        );
        tokio::pin!(shutdown);
        let mut under_way: JoinSet<()> = JoinSet::new();
        loop {
            while under_way.try_join_next().is_some() {}
            let free = s.in_flight.saturating_sub(under_way.len());
            let mut claimed = 0;
            if free > 0 {
                match self.claim(None, free).await {
                    Ok(ds) => {
                        claimed = ds.len();
                        for d in ds {
                            let worker = self.clone();
                            under_way.spawn(async move { worker.deliver(d, None).await });
                        }
                    }
                    Err(e) => {
                        tracing::warn!(
                            error = %e,
                            "cannot claim webhook deliveries; trying again in {} s",
                            s.pause.as_secs()
                        );
                        tokio::select! {
                            _ = &mut shutdown => break,
                            _ = tokio::time::sleep(s.pause) => continue,
                        }
                    }
                }
            }
            if under_way.len() >= s.in_flight {
                // Full: the next claim waits for an attempt to end.
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = under_way.join_next() => continue,
                }
            }
            if claimed > 0 && claimed == free {
                // Every one asked for was due: there may be more.
                continue;
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = wake.notified() => {}
                _ = tokio::time::sleep(s.poll) => {}
            }
        }
        listener.abort();
        tracing::info!(
            under_way = under_way.len(),
            "webhook delivery worker stopping once its attempts end"
        );
        while under_way.join_next().await.is_some() {}
    }
}
