//! The event log: writing a transaction's events, reading them in commit order,
//! and purging those past their retention.
//!
//! Commit order is `(txid, seq)`: the writing transaction's id (`xid8`, given by
//! the column's default) and the row's place within it. A reader takes only the
//! rows whose transaction is older than every transaction still in flight
//! (`txid < pg_snapshot_xmin(pg_current_snapshot())`): all of those have
//! finished, so no row can later appear before a position already handed out.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::events;
use crate::db::KeepPrepared;
use crate::error::AppResult;

/// A row to append to the log.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = events)]
pub struct NewEvent {
    pub org_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub data: serde_json::Value,
    pub people: Vec<Uuid>,
    pub teams: Vec<Uuid>,
}

/// An event as the feed reads it.
#[derive(Debug, Clone, QueryableByName)]
pub struct EventRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub occurred_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::Jsonb)]
    pub data: serde_json::Value,
}

/// A place in the log: the writing transaction (as text: diesel has no `xid8`)
/// and the row's order within it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Position {
    #[diesel(sql_type = sql_types::Text)]
    pub txid: String,
    #[diesel(sql_type = sql_types::BigInt)]
    pub seq: i64,
}

/// Whose events a reader sees: every one (`None`), or those about one of
/// these people or teams.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub people: Vec<Uuid>,
    pub teams: Vec<Uuid>,
}

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct FeedQuery {
    pub org: Uuid,
    pub after: Option<Position>,
    /// Type names; empty is every type.
    pub types: Vec<String>,
    pub seen: Option<Seen>,
    pub limit: i64,
}

/// Appends `rows` to the log, in order, in one statement.
pub async fn insert(c: &mut AsyncPgConnection, rows: &[NewEvent]) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(events::table)
        .values(rows)
        .execute(c)
        .await?;
    Ok(())
}

/// Where event `id` of `org` stands in the log, if there is such an event.
pub async fn position(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
) -> AppResult<Option<Position>> {
    let rows: Vec<Position> = diesel::sql_query(
        "SELECT txid::text AS txid, seq FROM events WHERE org_id = $1 AND id = $2",
    )
    .bind::<sql_types::Uuid, _>(org)
    .bind::<sql_types::Uuid, _>(id)
    .keep_prepared()
    .load(c)
    .await?;
    Ok(rows.into_iter().next())
}

/// Up to `q.limit` events after `q.after`, oldest first in commit order, none
/// of a transaction that may still be in flight.
pub async fn feed(c: &mut AsyncPgConnection, q: &FeedQuery) -> AppResult<Vec<EventRow>> {
    let (txid, seq) = match &q.after {
        Some(p) => (Some(p.txid.clone()), Some(p.seq)),
        None => (None, None),
    };
    let (everyone, people, teams) = match &q.seen {
        None => (true, Vec::new(), Vec::new()),
        Some(s) => (false, s.people.clone(), s.teams.clone()),
    };
    let rows: Vec<EventRow> = diesel::sql_query(
        "SELECT id, type AS kind, occurred_at, data FROM events \
          WHERE org_id = $1 \
            AND txid < pg_snapshot_xmin(pg_current_snapshot()) \
            AND ($2::text IS NULL OR (txid, seq) > ($2::text::xid8, $3)) \
            AND (cardinality($4::text[]) = 0 OR type = ANY($4)) \
            AND ($5 OR people && $6 OR teams && $7) \
          ORDER BY txid, seq \
          LIMIT $8",
    )
    .bind::<sql_types::Uuid, _>(q.org)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(txid)
    .bind::<sql_types::Nullable<sql_types::BigInt>, _>(seq)
    .bind::<sql_types::Array<sql_types::Text>, _>(&q.types)
    .bind::<sql_types::Bool, _>(everyone)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(people)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(teams)
    .bind::<sql_types::BigInt, _>(q.limit)
    .keep_prepared()
    .load(c)
    .await?;
    Ok(rows)
}

/// Deletes the events that occurred before `before`, in every organisation;
/// how many.
pub async fn purge_before(c: &mut AsyncPgConnection, before: DateTime<Utc>) -> AppResult<usize> {
    let n = diesel::delete(events::table.filter(events::occurred_at.lt(before)))
        .execute(c)
        .await?;
    Ok(n)
}

/// Deletes every event of organisation `org`, for dropping the whole
/// organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(events::table.filter(events::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
