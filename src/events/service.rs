//! The feed: the events a caller may see, in commit order, after the last one
//! they saw; and the purge of events past their retention.

use chrono::{Duration, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::rules::parse_types;
use super::store::{self, EventRow, FeedQuery, Seen};
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppError, AppResult};
use crate::http::PageParams;
use crate::results::service::ledger::credited_seen;

/// How long events are kept when `ONPACE_EVENTS_RETENTION_DAYS` does not say:
/// the contract keeps them at least 30 days.
pub const DEFAULT_RETENTION_DAYS: i64 = 35;

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
        Ok(FeedPage { events, more })
    })
    .await
}

/// The retention in days from `ONPACE_EVENTS_RETENTION_DAYS` (at least 30, the
/// contract's minimum), else [`DEFAULT_RETENTION_DAYS`].
pub fn retention_days(setting: Option<&str>) -> i64 {
    setting
        .and_then(|s| s.trim().parse::<i64>().ok())
        .map_or(DEFAULT_RETENTION_DAYS, |d| d.max(30))
}

/// Deletes the events of every organisation older than `days`; how many.
pub async fn purge_expired(pool: &PgPool, days: i64) -> AppResult<usize> {
    let before = Utc::now() - Duration::days(days.max(30));
    db::tx(pool, async move |c| store::purge_before(c, before).await).await
}

/// Drops every event of organisation `org`, in the caller's transaction: for
/// dropping the whole organisation (`onpace demo --reset`).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    store::purge_org(c, org).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_35_days_unless_set_and_never_below_30() {
        assert_eq!(retention_days(None), 35);
        assert_eq!(retention_days(Some("90")), 90);
        assert_eq!(retention_days(Some("7")), 30);
        assert_eq!(retention_days(Some("lots")), 35);
    }
}
