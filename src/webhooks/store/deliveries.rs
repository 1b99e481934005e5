//! The deliveries' queue: due deliveries claimed by a worker for the length of
//! a lease, each attempt's outcome recorded, and the run of failures of their
//! endpoint kept (`failing_since`) until it is disabled.
//!
//! Every time here is the caller's `at` when given (tests move the clock), the
//! database's `now()` otherwise: every worker reads one clock.

use chrono::{DateTime, Utc};
use diesel::sql_types::{
    Bool, Bytea, Double, Int4, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::KeepPrepared;
use crate::error::AppResult;

/// A delivery claimed for one attempt, with what is needed to send it.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    pub org_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub webhook_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub body: String,
    /// This attempt's number (1 for the first).
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Bytea)]
    pub secret: Vec<u8>,
    #[diesel(sql_type = Nullable<Bytea>)]
    pub previous_secret: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub previous_until: Option<DateTime<Utc>>,
    /// When it was claimed: when the attempt started.
    #[diesel(sql_type = Timestamptz)]
    pub claimed_at: DateTime<Utc>,
}

#[derive(diesel::QueryableByName)]
struct Due {
    #[diesel(sql_type = SqlUuid)]
    org_id: Uuid,
}

/// Claims at most `limit` due deliveries of enabled endpoints, skipping those
/// another worker holds: each counts one more attempt and is due again only
/// after `lease_secs`, so that a worker that dies while sending leaves it to
/// another once the lease ends, and no two workers send it at the same time.
///
/// The organisations come first, the one whose delivery has waited longest
/// first (read without locks), then each one's deliveries, oldest due first,
/// claimed in one statement of that organisation: locking rows
/// (`FOR UPDATE SKIP LOCKED`) across organisations is what a schema
/// distributed by `org_id` cannot do, and one organisation's statement runs on
/// the one node that holds it.
pub async fn claim(
    c: &mut AsyncPgConnection,
    at: Option<DateTime<Utc>>,
    lease_secs: f64,
    limit: i64,
) -> AppResult<Vec<Claimed>> {
    let due: Vec<Due> = diesel::sql_query(
        "SELECT d.org_id \
           FROM webhook_deliveries d \
           JOIN webhooks w ON w.org_id = d.org_id AND w.id = d.webhook_id \
          WHERE d.status = 'pending' AND d.next_attempt_at <= COALESCE($1, now()) \
            AND w.enabled \
          GROUP BY d.org_id \
          ORDER BY min(d.next_attempt_at) \
          LIMIT $2",
    )
    .bind::<Nullable<Timestamptz>, _>(at)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .keep_prepared()
    .load(c)
    .await?;
    let mut claimed = Vec::new();
    for Due { org_id } in due {
        let left = limit - claimed.len() as i64;
        if left <= 0 {
            break;
        }
        claimed.extend(claim_of(c, org_id, at, lease_secs, left).await?);
    }
    Ok(claimed)
}

/// [`claim`] for the organisation `org`.
async fn claim_of(
    c: &mut AsyncPgConnection,
    org: Uuid,
    at: Option<DateTime<Utc>>,
    lease_secs: f64,
    limit: i64,
) -> AppResult<Vec<Claimed>> {
    let rows = diesel::sql_query(
        "WITH due AS ( \
           SELECT d.org_id, d.id \
             FROM webhook_deliveries d \
             JOIN webhooks w ON w.org_id = d.org_id AND w.id = d.webhook_id \
            WHERE d.org_id = $4 AND d.status = 'pending' \
              AND d.next_attempt_at <= COALESCE($1, now()) \
              AND w.enabled \
            ORDER BY d.next_attempt_at \
            LIMIT $3 \
              FOR UPDATE OF d SKIP LOCKED \
         ) \
         UPDATE webhook_deliveries d \
            SET attempts = d.attempts + 1, \
                next_attempt_at = COALESCE($1, now()) + make_interval(secs => $2) \
           FROM due, webhooks w \
          WHERE d.org_id = $4 AND d.org_id = due.org_id AND d.id = due.id \
            AND w.org_id = d.org_id AND w.id = d.webhook_id \
         RETURNING d.org_id, d.id, d.webhook_id, d.event_id, d.body, d.attempts, \
                   w.url, w.secret, w.previous_secret, w.previous_until, \
                   COALESCE($1, now()) AS claimed_at",
    )
    .bind::<Nullable<Timestamptz>, _>(at)
    .bind::<Double, _>(lease_secs)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .bind::<SqlUuid, _>(org)
    .keep_prepared()
    .load(c)
    .await?;
    Ok(rows)
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// `delivered`, or `pending` (tried again at `next_in_secs`), or `failed`.
    pub status: &'static str,
    pub http_status: Option<i32>,
    pub duration_ms: i32,
    pub response: Option<String>,
    pub error: Option<String>,
    /// When it is pending: how long after `at` it is due again.
    pub next_in_secs: Option<f64>,
}

/// Records `attempt` of the delivery `(org, id)`, unless it is no longer the
/// attempt number `attempts` that was claimed (its lease ended and another
/// worker took it); returns whether it was recorded.
pub async fn record(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    attempts: i32,
    started: DateTime<Utc>,
    at: Option<DateTime<Utc>>,
    attempt: &Attempt,
) -> AppResult<bool> {
    let n = diesel::sql_query(
        "UPDATE webhook_deliveries \
            SET status = $4, last_attempt_at = $5, http_status = $6, duration_ms = $7, \
                response = $8, error = $9, \
                next_attempt_at = CASE WHEN $4 = 'pending' \
                                       THEN COALESCE($10, now()) + make_interval(secs => $11) END \
          WHERE org_id = $1 AND id = $2 AND attempts = $3 AND status = 'pending'",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<SqlUuid, _>(id)
    .bind::<Int4, _>(attempts)
    .bind::<Text, _>(attempt.status)
    .bind::<Timestamptz, _>(started)
    .bind::<Nullable<Int4>, _>(attempt.http_status)
    .bind::<Int4, _>(attempt.duration_ms)
    .bind::<Nullable<Text>, _>(attempt.response.as_deref())
    .bind::<Nullable<Text>, _>(attempt.error.as_deref())
    .bind::<Nullable<Timestamptz>, _>(at)
    .bind::<Double, _>(attempt.next_in_secs.unwrap_or(0.0))
    .keep_prepared()
    .execute(c)
    .await?;
    Ok(n == 1)
}

/// Records a delivered attempt as [`record`] does and ends its endpoint's run
/// of failures, if any, in one statement (the common case, kept to one round
/// trip); returns whether it was recorded.
pub async fn record_delivered(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    attempts: i32,
    started: DateTime<Utc>,
    attempt: &Attempt,
) -> AppResult<bool> {
    let rows: Vec<Count> = diesel::sql_query(
        "WITH done AS ( \
           UPDATE webhook_deliveries \
              SET status = 'delivered', last_attempt_at = $4, http_status = $5, \
                  duration_ms = $6, response = $7, error = NULL, next_attempt_at = NULL \
            WHERE org_id = $1 AND id = $2 AND attempts = $3 AND status = 'pending' \
           RETURNING org_id, webhook_id \
         ), cleared AS ( \
           UPDATE webhooks w SET failing_since = NULL \
             FROM done \
            WHERE w.org_id = done.org_id AND w.id = done.webhook_id \
              AND w.failing_since IS NOT NULL \
           RETURNING 1 \
         ) \
         SELECT count(*) AS n FROM done",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<SqlUuid, _>(id)
    .bind::<Int4, _>(attempts)
    .bind::<Timestamptz, _>(started)
    .bind::<Nullable<Int4>, _>(attempt.http_status)
    .bind::<Int4, _>(attempt.duration_ms)
    .bind::<Nullable<Text>, _>(attempt.response.as_deref())
    .keep_prepared()
    .load(c)
    .await?;
    Ok(rows.iter().any(|r| r.n == 1))
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// An endpoint after a failed attempt.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Failing {
    #[diesel(sql_type = Bool)]
    pub enabled: bool,
    #[diesel(sql_type = Text)]
    pub url: String,
    /// The first failed attempt since the last delivered one.
    #[diesel(sql_type = Timestamptz)]
    pub failing_since: DateTime<Utc>,
    /// The clock of the failure (`at`, or the database's).
    #[diesel(sql_type = Timestamptz)]
    pub now: DateTime<Utc>,
}

/// An endpoint failed an attempt started at `started`: a run of failures
/// starts there unless one is under way. None when the endpoint is gone.
pub async fn failed(
    c: &mut AsyncPgConnection,
    org: Uuid,
    webhook: Uuid,
    started: DateTime<Utc>,
    at: Option<DateTime<Utc>>,
) -> AppResult<Option<Failing>> {
    let mut rows: Vec<Failing> = diesel::sql_query(
        "UPDATE webhooks SET failing_since = COALESCE(failing_since, $3) \
          WHERE org_id = $1 AND id = $2 \
         RETURNING enabled, url, failing_since, COALESCE($4, now()) AS now",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<SqlUuid, _>(webhook)
    .bind::<Timestamptz, _>(started)
    .bind::<Nullable<Timestamptz>, _>(at)
    .keep_prepared()
    .load(c)
    .await?;
    Ok(rows.pop())
}

/// Disables an endpoint that kept failing (`disabled_reason` 'failing');
/// whether it was enabled until now.
pub async fn disable_failing(
    c: &mut AsyncPgConnection,
    org: Uuid,
    webhook: Uuid,
) -> AppResult<bool> {
    let n = diesel::sql_query(
        "UPDATE webhooks \
            SET enabled = false, disabled_reason = 'failing', \
                version = version + 1, updated_at = now() \
          WHERE org_id = $1 AND id = $2 AND enabled",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<SqlUuid, _>(webhook)
    .keep_prepared()
    .execute(c)
    .await?;
    Ok(n == 1)
}
