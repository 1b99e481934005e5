//! `Idempotency-Key` for writes a client may retry: the same key with the same
//! body answers the first response again and changes nothing; the same key with
//! another body is 422 `idempotency_key_reused`. Keys belong to one caller and
//! expire after 24 hours.
//!
//! The key is claimed in the transaction that does the work and records its
//! answer, so a claim exists only with its committed answer: when the work
//! fails (503, a crash, a conflict) the claim goes with it and a retry runs at
//! once. A duplicate sent while the first is still running waits for it on the
//! uncommitted claim and then replays its answer (or does the work, if the first
//! failed); only when the first runs on beyond the wait (twice
//! `ONPACE_DB_TIMEOUT_MS`) is the duplicate 409 `idempotency_in_progress`. A
//! refusal (4xx other than 409) is an answer too, kept and replayed.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::{Actor, Principal};
use crate::db::{self, schema::idempotency_keys as k, KeepPrepared};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";

/// The caller's key, if sent: 1 to 255 bytes.
pub fn key(req: &HttpRequest) -> AppResult<Option<String>> {
    let Some(v) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    // Opaque: any header value of 1 to 255 bytes.
    let s = String::from_utf8_lossy(v.as_bytes()).into_owned();
    if s.is_empty() || s.len() > 255 {
        return Err(AppError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key is 1 to 255 characters",
        ));
    }
    Ok(Some(s))
}

fn actor(p: &Principal) -> Uuid {
    match p.actor {
        Actor::User { id, .. } | Actor::Client { id, .. } => id,
    }
}

enum Claim {
    Fresh,
    Replay(u16, Vec<u8>),
}

/// What the keyed transaction ends with.
enum Outcome {
    Done(StatusCode, Vec<u8>),
    Replay(u16, Vec<u8>),
    /// A refusal, recorded as the key's answer.
    Refused(AppError),
}

/// Runs `work` once per key, in one transaction with the claim of the key and
/// the answer it records: `work` answers a status and a JSON body. The claim,
/// the change and its recorded answer all commit, or none does. A transaction
/// that met a concurrent one (`concurrent_update`) runs again a few times first
/// (see `db::tx_retrying`).
pub async fn once<F>(
    state: &AppState,
    p: &Principal,
    req: &HttpRequest,
    body: &[u8],
    work: F,
) -> AppResult<HttpResponse>
where
    F: AsyncFn(&mut AsyncPgConnection) -> AppResult<(StatusCode, serde_json::Value)>,
{
    let respond = |status: StatusCode, body: Vec<u8>| {
        // A refusal that is replayed stays the problem it was.
        let content_type = if status.is_client_error() || status.is_server_error() {
            crate::error::PROBLEM_JSON
        } else {
            "application/json"
        };
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, content_type))
            .body(body)
    };
    let Some(key) = key(req)? else {
        let (status, value) = db::tx_retrying(&state.pool, work).await?;
        return Ok(respond(
            status,
            serde_json::to_vec(&value).unwrap_or_default(),
        ));
    };
    let mut h = Sha256::new();
    h.update(req.method().as_str().as_bytes());
    h.update(req.path().as_bytes());
    h.update(body);
    let hash = h.finalize().to_vec();
    let (org, who) = (p.org_id, actor(p));
    let wait = state.config.db_timeout * 2;
    let outcome = db::tx_retrying(&state.pool, async move |c| {
        if let Claim::Replay(status, body) = claim(c, (org, who, &key), &hash, wait).await? {
            return Ok(Outcome::Replay(status, body));
        }
        let row = k::table.find((org, who, &key));
        // In a savepoint: a refusal undoes the work and keeps the claim.
        match db::transaction_on(c, &work).await {
            Ok((status, value)) => {
                let bytes = serde_json::to_vec(&value).unwrap_or_default();
                diesel::update(row)
                    .set((
                        k::status.eq(Some(status.as_u16() as i16)),
                        k::body.eq(Some(bytes.clone())),
                    ))
                    .execute(c)
                    .await?;
                Ok(Outcome::Done(status, bytes))
            }
            // A server-side failure, or a conflict with a concurrent request
            // (409, which says to retry), is not an answer: the claim is undone
            // with the rest.
            Err(e) if e.status.is_server_error() || e.status == StatusCode::CONFLICT => Err(e),
            Err(e) => {
                let problem = serde_json::to_vec(&e.problem()).unwrap_or_default();
                diesel::update(row)
                    .set((
                        k::status.eq(Some(e.status.as_u16() as i16)),
                        k::body.eq(Some(problem)),
                    ))
                    .execute(c)
                    .await?;
                Ok(Outcome::Refused(e))
            }
        }
    })
    .await?;
    match outcome {
        Outcome::Done(status, bytes) => Ok(respond(status, bytes)),
        Outcome::Refused(e) => Err(e),
        Outcome::Replay(status, body) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut res = respond(status, body);
            res.headers_mut().insert(
                header::HeaderName::from_static("idempotent-replayed"),
                header::HeaderValue::from_static("true"),
            );
            Ok(res)
        }
    }
}

/// Claims `key` in the caller's transaction, or finds the answer it already has.
/// A claim being inserted by a transaction still running is waited for, at most
/// `wait`.
async fn claim(
    c: &mut AsyncPgConnection,
    (org, who, key): (Uuid, Uuid, &str),
    hash: &[u8],
    wait: std::time::Duration,
) -> AppResult<Claim> {
    let now = chrono::Utc::now();
    // An expired key, or a claim committed without its answer (which only an
    // earlier version of the service wrote), is free again.
    diesel::delete(
        k::table
            .filter(
                k::org_id
                    .eq(org)
                    .and(k::actor_id.eq(who))
                    .and(k::key.eq(key)),
            )
            .filter(
                k::created_at
                    .lt(now - chrono::Duration::hours(24))
                    .or(k::status.is_null()),
            ),
    )
    .execute(c)
    .await?;
    let previous = lock_timeout(c, &format!("{}ms", wait.as_millis().max(1))).await?;
    let inserted = diesel::insert_into(k::table)
        .values((
            k::org_id.eq(org),
            k::actor_id.eq(who),
            k::key.eq(key),
            k::request_hash.eq(hash),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await
        .map_err(|e| match &e {
            diesel::result::Error::DatabaseError(_, info)
                if info.message().contains("lock timeout") =>
            {
                in_progress()
            }
            _ => AppError::from(e),
        })?;
    lock_timeout(c, &previous).await?;
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let (stored_hash, status, stored): (Vec<u8>, Option<i16>, Option<Vec<u8>>) = k::table
        .find((org, who, key))
        .select((k::request_hash, k::status, k::body))
        .first(c)
        .await?;
    if stored_hash != hash {
        return Err(AppError::unprocessable(
            "idempotency_key_reused",
            "this Idempotency-Key was used with another request; use a new key for a new request",
        ));
    }
    match status {
        Some(s) => Ok(Claim::Replay(s as u16, stored.unwrap_or_default())),
        None => Err(in_progress()),
    }
}

fn in_progress() -> AppError {
    AppError::conflict(
        "idempotency_in_progress",
        "a request with this Idempotency-Key is still running; retry when it has finished",
    )
}

/// Sets the transaction's `lock_timeout`; returns the one it replaces.
async fn lock_timeout(c: &mut AsyncPgConnection, value: &str) -> AppResult<String> {
    #[derive(QueryableByName)]
    struct Previous {
        #[diesel(sql_type = diesel::sql_types::Text)]
        previous: String,
    }
    let row: Previous = diesel::sql_query(
        "SELECT current_setting('lock_timeout') AS previous, set_config('lock_timeout', $1, true)",
    )
    .bind::<diesel::sql_types::Text, _>(value)
    .keep_prepared()
    .get_result(c)
    .await?;
    Ok(row.previous)
}

/// Deletes the keys of organisation `org`, for dropping the whole organisation
/// (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(k::table.filter(k::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
