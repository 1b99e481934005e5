//! `GET /healthz` and `GET /readyz`.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::error::AppError;
use crate::state::AppState;

/// Health answer.
#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// Readiness: the primary answers; the read replica, when one is configured,
/// is reported but never makes the service unready (its reads go to the
/// primary meanwhile).
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ready")]
    pub status: String,
    /// `reachable`: the primary database answered just now.
    #[schema(example = "reachable")]
    pub primary: String,
    pub replica: ReplicaReadiness,
}

/// The read replica (`ONPACE_READ_DATABASE_URL`), as last measured (every
/// quarter of a second).
#[derive(Serialize, ToSchema)]
pub struct ReplicaReadiness {
    /// `not_configured`; `starting` (not measured yet); `unreachable`;
    /// `lagging` (further behind than `max_lag_ms`); or `serving` (dashboard
    /// reads go to it).
    #[schema(example = "serving")]
    pub status: String,
    /// Whether dashboard reads go to the replica now.
    pub serving_reads: bool,
    /// How long the replica has been behind the primary, in milliseconds
    /// (0 when it has replayed everything); absent when it is not configured
    /// or does not answer.
    #[schema(example = 0)]
    pub lag_ms: Option<u64>,
    /// `ONPACE_READ_MAX_LAG_MS`; absent when no replica is configured.
    #[schema(example = 5000)]
    pub max_lag_ms: Option<u64>,
    /// Whether the replica's WAL replay is paused; absent when it is not
    /// configured or does not answer.
    pub replay_paused: Option<bool>,
}

impl ReplicaReadiness {
    fn of(reads: &db::Reads) -> Self {
        let Some(s) = reads.replica_state() else {
            return ReplicaReadiness {
                status: "not_configured".into(),
                serving_reads: false,
                lag_ms: None,
                max_lag_ms: None,
                replay_paused: None,
            };
        };
        let status = match (s.measured, s.reachable, s.serving) {
            (false, ..) => "starting",
            (true, false, _) => "unreachable",
            (true, true, false) => "lagging",
            (true, true, true) => "serving",
        };
        ReplicaReadiness {
            status: status.into(),
            serving_reads: s.serving,
            lag_ms: s.lag_ms,
            max_lag_ms: Some(s.max_lag_ms),
            replay_paused: s.reachable.then_some(s.replay_paused),
        }
    }
}

/// The process is up.
#[utoipa::path(tag = "operations", security(()), responses((status = 200, description = "Up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// The primary database answers; the read replica's state is reported (a
/// replica down or lagging is not fatal: its reads go to the primary).
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Ready: the primary answers", body = Readiness),
        (status = 503, description = "The primary database is unavailable", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    db::run(&state.pool, db::ping).await?;
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ready".into(),
        primary: "reachable".into(),
        replica: ReplicaReadiness::of(&state.reads),
    }))
}
