//! The feed: the events a caller may see, in commit order, after the last one
//! they saw; and the purge of events past their retention.

use chrono::{Duration, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use std::collections::hash_map::{Entry, HashMap};

use chrono::NaiveDate;

use super::rules::{narrow_results, parse_types, EventType};
use super::store::{self, EventRow, FeedQuery, Seen};
use crate::auth::{Principal, Role};
use crate::db::{self, PgPool};
use crate::error::{AppError, AppResult};
use crate::http::PageParams;
use crate::results::service::ledger::credited_seen;
use crate::teams::service::lookups as teams;

/// What a caller asked of the feed, as received.
#[derive(Debug, Clone, Default)]
pub struct FeedRequest {
    pub after: Option<Uuid>,
    /// A comma-separated list of type names.
    pub types: Option<String>,
    pub limit: Option<i64>,
}

/// A page of the feed: up to `limit` events and whether more were there.
#[derive(Debug, Clone)]
pub struct FeedPage {
    pub events: Vec<EventRow>,
    pub more: bool,
}

/// `GET /v1/events`: the events after `after` that the caller may see, oldest
/// first in commit order, never past a transaction still in flight. Whose
/// events are seen is the rule of progress (see the results' ledger): admins,
/// viewers and `read` clients all; a person those about themselves; a manager
/// also those about the teams they manage and their sub-teams.
pub async fn feed(pool: &PgPool, p: &Principal, r: FeedRequest) -> AppResult<FeedPage> {
    p.require_reader()?;
    let page = PageParams {
        limit: r.limit,
        cursor: None,
    }
    .page(|_| None::<()>)?;
    let types = match r.types.as_deref() {
        None | Some("") => Vec::new(),
        Some(list) => parse_types(list)?
            .into_iter()
            .map(|t| t.as_str().to_string())
            .collect(),
    };
    db::run(pool, async |c| {
        let after = match r.after {
            None => None,
            Some(id) => Some(store::position(c, p.org_id, id).await?.ok_or_else(|| {
                AppError::invalid_field(
                    "after",
                    "unknown_event",
                    "no event of this organisation has this id (or it is past its retention)",
                )
            })?),
        };
        let seen = credited_seen(c, p).await?.map(|s| Seen {
            people: s.people,
            teams: s.teams,
        });
        let narrowed = seen.is_some();
        let mut events = store::feed(
            c,
            &FeedQuery {
                org: p.org_id,
                after,
                types: types.clone(),
                seen,
                limit: page.limit + 1,
            },
        )
        .await?;
        let more = events.len() as i64 > page.limit;
        events.truncate(page.limit as usize);
        if narrowed {
            narrow(c, p, &mut events).await?;
        }
        Ok(FeedPage { events, more })
    })
    .await
}

/// The least retention the contract allows: events are kept at least 30 days.
pub const MIN_RETENTION_DAYS: u32 = 30;

/// A write of results may touch people the caller does not see: of each
/// `results.recorded`, a caller who does not see everything reads the changes
/// of themselves and, for a manager, of the members of their teams (sub-teams
/// included) on each change's day, as the ledger shows them.
async fn narrow(
    c: &mut AsyncPgConnection,
    p: &Principal,
    events: &mut [EventRow],
) -> AppResult<()> {
    let me = p.user_id();
    let manager = p.role() == Some(Role::Manager);
    let mut managed: HashMap<NaiveDate, Vec<Uuid>> = HashMap::new();
    for e in events.iter_mut() {
        if e.kind != EventType::ResultsRecorded.as_str() {
            continue;
        }
        if let (true, Some(me)) = (manager, me) {
            for day in e.data["days"].as_array().into_iter().flatten() {
                let Some(day) = day.as_str().and_then(|d| d.parse::<NaiveDate>().ok()) else {
                    continue;
                };
                if let Entry::Vacant(slot) = managed.entry(day) {
                    slot.insert(teams::managed_people(c, p.org_id, me, day).await?);
                }
            }
        }
        narrow_results(&mut e.data, |who, day| {
            Some(who) == me
                || managed
                    .get(&day)
                    .is_some_and(|people| people.contains(&who))
        });
    }
    Ok(())
}

/// Deletes the events of every organisation that occurred more than `days`
/// (never less than [`MIN_RETENTION_DAYS`]) ago; how many.
pub async fn purge_expired(pool: &PgPool, days: u32) -> AppResult<usize> {
    let before = Utc::now() - Duration::days(i64::from(days.max(MIN_RETENTION_DAYS)));
    db::tx(pool, async move |c| store::purge_before(c, before).await).await
}

/// Purges expired events now and then every hour, for as long as the server
/// runs. Each instance may run it: a purge deletes what is expired, and two at
/// once delete it once.
pub async fn purge_every_hour(pool: PgPool, days: u32) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match purge_expired(&pool, days).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, days, "expired events purged"),
            Err(e) => {
                tracing::warn!(error = %e, "purging expired events failed; retrying in an hour")
            }
        }
    }
}

/// Drops every event of organisation `org`, in the caller's transaction: for
/// dropping the whole organisation (`onpace demo --reset`).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    store::purge_org(c, org).await
}
