//! `Idempotency-Key` for writes a client may retry: the same key with the same
//! body answers the first response again and changes nothing; the same key with
//! another body is 422 `idempotency_key_reused`; a duplicate sent while the first
//! is still running is 409. Keys belong to one caller and expire after 24 hours;
//! a claim whose request never answered (its client went away, the process
//! stopped) is released after 5 minutes.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::{Actor, Principal};
use crate::db::{self, schema::idempotency_keys as k};
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

/// Runs `work` once per key, in one transaction with the answer it records:
/// `work` answers a status and a JSON body. Either both the change and its
/// recorded answer commit, or neither does.
pub async fn once<F>(
    state: &AppState,
    p: &Principal,
    req: &HttpRequest,
    body: &[u8],
    work: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut PgConnection) -> AppResult<(StatusCode, serde_json::Value)> + Send + 'static,
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
        let (status, value) = db::tx(&state.pool, work).await?;
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
    let claim_key = key.clone();
    let claim = db::tx(&state.pool, move |c| {
        let now = chrono::Utc::now();
        let (expired, abandoned) = (now - chrono::Duration::hours(24), now - chrono::Duration::minutes(5));
        diesel::delete(
            k::table
                .filter(k::org_id.eq(org).and(k::actor_id.eq(who)).and(k::key.eq(&claim_key)))
                .filter(k::created_at.lt(expired).or(k::status.is_null().and(k::created_at.lt(abandoned)))),
        )
        .execute(c)?;
        let inserted = diesel::insert_into(k::table)
            .values((k::org_id.eq(org), k::actor_id.eq(who), k::key.eq(&claim_key), k::request_hash.eq(&hash)))
            .on_conflict_do_nothing()
            .execute(c)?;
        if inserted == 1 {
            return Ok(Claim::Fresh);
        }
        let (stored_hash, status, stored): (Vec<u8>, Option<i16>, Option<Vec<u8>>) = k::table
            .find((org, who, &claim_key))
            .select((k::request_hash, k::status, k::body))
            .first(c)?;
        if stored_hash != hash {
            return Err(AppError::unprocessable(
                "idempotency_key_reused",
                "this Idempotency-Key was used with another request; use a new key for a new request",
            ));
        }
        match status {
            Some(s) => Ok(Claim::Replay(s as u16, stored.unwrap_or_default())),
            None => Err(AppError::conflict(
                "idempotency_in_progress",
                "a request with this Idempotency-Key is still running; retry when it has finished",
            )),
        }
    })
    .await?;
    if let Claim::Replay(status, body) = claim {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        let mut res = respond(status, body);
        res.headers_mut().insert(
            header::HeaderName::from_static("idempotent-replayed"),
            header::HeaderValue::from_static("true"),
        );
        return Ok(res);
    }
    let done_key = key.clone();
    let outcome = db::tx(&state.pool, move |c| {
        let (status, value) = work(c)?;
        let bytes = serde_json::to_vec(&value).unwrap_or_default();
        diesel::update(k::table.find((org, who, &done_key)))
            .set((
                k::status.eq(Some(status.as_u16() as i16)),
                k::body.eq(Some(bytes.clone())),
            ))
            .execute(c)?;
        Ok((status, bytes))
    })
    .await;
    match outcome {
        Ok((status, bytes)) => Ok(respond(status, bytes)),
        Err(e) => {
            // Nothing was changed. A refusal is the answer to keep (a retry gets it
            // again); a server-side failure or a conflict with a concurrent request
            // (409, which says to retry) is not: the claim is released.
            let keep = !e.status.is_server_error() && e.status != StatusCode::CONFLICT;
            let problem = serde_json::to_vec(&e.problem()).unwrap_or_default();
            let status = e.status.as_u16() as i16;
            db::run(&state.pool, move |c| {
                let row = k::table.find((org, who, &key));
                if keep {
                    diesel::update(row)
                        .set((k::status.eq(Some(status)), k::body.eq(Some(problem))))
                        .execute(c)?;
                } else {
                    diesel::delete(row).execute(c)?;
                }
                Ok(())
            })
            .await?;
            Err(e)
        }
    }
}
