//! The delivery worker's use cases on the database: claiming due deliveries,
//! and recording an attempt with what follows from it for its endpoint (its
//! run of failures, and disabling it after a day of them, announced as
//! `webhook.disabled` in the same transaction).

use crate::db::{self, PgPool};
use crate::error::AppResult;
use crate::events::data::WebhookDisabledData;
use crate::events::dispatch::publish;
use crate::events::{Event, Outbox};
use crate::webhooks::rules::backoff;
use crate::webhooks::store::deliveries;
pub use crate::webhooks::store::deliveries::{Attempt, Claimed};
use chrono::{DateTime, Utc};

/// Claims at most `limit` due deliveries for `lease_secs` (see
/// [`deliveries::claim`]); `at` is the clock, the database's when none.
pub async fn claim(
    pool: &PgPool,
    at: Option<DateTime<Utc>>,
    lease_secs: f64,
    limit: usize,
) -> AppResult<Vec<Claimed>> {
    // Statements of their own, each a transaction of its own.
    let mut c = db::conn(pool).await?;
    deliveries::claim(&mut c, at, lease_secs, limit as i64).await
}

/// How an attempt ended, before it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub delivered: bool,
    pub http_status: Option<i32>,
    pub duration_ms: i32,
    pub response: Option<String>,
    pub error: Option<String>,
}

/// Records the outcome of the attempt `d` was claimed for, in one
/// transaction: delivered; or tried again after the back-off (spread by
/// `jitter`, -1 to 1); or given up after the last attempt. A failure starts
/// or continues its endpoint's run of failures, and an endpoint failing for a
/// day is disabled. Nothing is recorded when the claim was lost (the lease
/// ended and another worker took the delivery): returns whether it was.
pub async fn record(
    pool: &PgPool,
    d: &Claimed,
    outcome: &Outcome,
    at: Option<DateTime<Utc>>,
    jitter: f64,
) -> AppResult<bool> {
    let next = (!outcome.delivered)
        .then(|| backoff::next_delay(d.attempts, jitter))
        .flatten();
    let attempt = Attempt {
        status: match (outcome.delivered, next) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        },
        http_status: outcome.http_status,
        duration_ms: outcome.duration_ms,
        response: outcome.response.clone(),
        error: outcome.error.clone(),
        next_in_secs: next.map(|n| n.as_secs_f64()),
    };
    if outcome.delivered {
        let mut c = db::conn(pool).await?;
        return deliveries::record_delivered(
            &mut c,
            d.org_id,
            d.id,
            d.attempts,
            d.claimed_at,
            &attempt,
        )
        .await;
    }
    db::tx(pool, async |c| {
        let recorded =
            deliveries::record(c, d.org_id, d.id, d.attempts, d.claimed_at, at, &attempt).await?;
        if !recorded {
            return Ok(false);
        }
        let Some(failing) = deliveries::failed(c, d.org_id, d.webhook_id, d.claimed_at, at).await?
        else {
            return Ok(true);
        };
        if failing.enabled
            && backoff::should_disable(Some(failing.failing_since), failing.now)
            && deliveries::disable_failing(c, d.org_id, d.webhook_id).await?
        {
            tracing::warn!(
                org = %d.org_id,
                webhook = %d.webhook_id,
                failing_since = %failing.failing_since,
                "a webhook endpoint failed every delivery for a day and is disabled"
            );
            let mut outbox = Outbox::default();
            outbox.push(Event::WebhookDisabled {
                org: d.org_id,
                data: WebhookDisabledData {
                    webhook_id: d.webhook_id,
                    url: failing.url,
                    failing_since: failing.failing_since,
                },
            });
            publish(c, &mut outbox).await?;
        }
        Ok(true)
    })
    .await
}
