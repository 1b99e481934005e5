//! Queries for targets and their history.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::rules::{Metric, Status, SubjectType, Visible};
use crate::db::schema::{target_events, targets};
use crate::db::KeepPrepared;
use crate::db::Page;
use crate::error::{AppError, AppResult};

crate::db::text_enum!(Metric, Status, SubjectType);

#[derive(Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable, serde::Serialize)]
#[diesel(table_name = targets)]
pub struct TargetRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub subject_type: SubjectType,
    pub subject_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub metric: Metric,
    pub activity_kind: Option<String>,
    pub value: Decimal,
    pub currency: Option<String>,
    pub period: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub parent_id: Option<Uuid>,
    pub status: Status,
    pub revision: i32,
    pub revision_of: Option<Uuid>,
    pub agreed_at: Option<DateTime<Utc>>,
    pub agreed_by: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What measuring a target reads of it, and what a scorecard shows beside
/// its figures: the columns of [`TargetRow`] that say what counts, for whom,
/// over which days, against which value.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = targets)]
pub struct Aim {
    pub org_id: Uuid,
    pub id: Uuid,
    pub title: String,
    pub subject_type: SubjectType,
    pub subject_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub metric: Metric,
    pub activity_kind: Option<String>,
    pub value: Decimal,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl From<&TargetRow> for Aim {
    fn from(t: &TargetRow) -> Self {
        Aim {
            org_id: t.org_id,
            id: t.id,
            title: t.title.clone(),
            subject_type: t.subject_type,
            subject_id: t.subject_id,
            account_id: t.account_id,
            metric: t.metric,
            activity_kind: t.activity_kind.clone(),
            value: t.value,
            starts_on: t.starts_on,
            ends_on: t.ends_on,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = targets)]
pub struct NewTarget {
    pub org_id: Uuid,
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub subject_type: SubjectType,
    pub subject_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub metric: Metric,
    pub activity_kind: Option<String>,
    pub value: Decimal,
    pub currency: Option<String>,
    pub period: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub parent_id: Option<Uuid>,
    pub status: Status,
    pub revision: i32,
    pub revision_of: Option<Uuid>,
    pub created_by: Option<Uuid>,
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = targets)]
pub struct TargetChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub value: Option<Decimal>,
    pub period: Option<Option<String>>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub parent_id: Option<Option<Uuid>>,
    pub account_id: Option<Option<Uuid>>,
    pub status: Option<Status>,
    pub agreed_at: Option<Option<DateTime<Utc>>>,
    pub agreed_by: Option<Option<Uuid>>,
}

pub struct ListFilter {
    pub subject_type: Option<String>,
    pub subject_id: Option<Uuid>,
    pub status: Option<String>,
    pub metric: Option<String>,
    pub parent_id: Option<Uuid>,
    pub overlapping: Option<(NaiveDate, NaiveDate)>,
}

pub async fn list(
    c: &mut AsyncPgConnection,
    org: Uuid,
    v: &Visible,
    f: &ListFilter,
    page: &Page<Uuid>,
) -> AppResult<Vec<TargetRow>> {
    let mut q = targets::table
        .filter(targets::org_id.eq(org))
        .select(TargetRow::as_select())
        .order(targets::id)
        .limit(page.limit + 1)
        .into_boxed();
    if !v.all {
        q = q.filter(
            targets::subject_type
                .eq("org")
                .or(targets::subject_type
                    .eq("user")
                    .and(targets::subject_id.eq_any(v.users.clone())))
                .or(targets::subject_type
                    .eq("team")
                    .and(targets::subject_id.eq_any(v.teams.clone()))),
        );
    }
    if let Some(after) = page.after {
        q = q.filter(targets::id.gt(after));
    }
    if let Some(t) = &f.subject_type {
        q = q.filter(targets::subject_type.eq(t.clone()));
    }
    if let Some(s) = f.subject_id {
        q = q.filter(targets::subject_id.eq(s));
    }
    if let Some(s) = &f.status {
        q = q.filter(targets::status.eq(s.clone()));
    }
    if let Some(m) = &f.metric {
        q = q.filter(targets::metric.eq(m.clone()));
    }
    if let Some(pid) = f.parent_id {
        q = q.filter(targets::parent_id.eq(pid));
    }
    if let Some((from, to)) = f.overlapping {
        q = q.filter(targets::starts_on.le(to).and(targets::ends_on.ge(from)));
    }
    Ok(q.load(c).await?)
}

pub async fn get(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    for_update: bool,
) -> AppResult<TargetRow> {
    let q = targets::table
        .find((org, id))
        .select(TargetRow::as_select());
    let row = if for_update {
        q.for_update().first(c).await.optional()?
    } else {
        q.first(c).await.optional()?
    };
    row.ok_or_else(|| AppError::not_found("target"))
}

/// A target with what its own salesperson achieved: see [`get_with_own_actual`].
#[derive(QueryableByName)]
struct WithActual {
    #[diesel(embed)]
    t: TargetRow,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Numeric>)]
    own_actual: Option<Decimal>,
}

/// The one statement of [`get_with_own_actual`], for either kind of connection.
/// The rollup's `org_id` is the parameter, not `t.org_id`: Citus routes a
/// statement to one node only when every table in it, a subquery's included,
/// is bound to the same organisation by a value.
fn with_own_actual(
    org: Uuid,
    id: Uuid,
    as_of: NaiveDate,
) -> impl diesel::query_builder::Query<SqlType = diesel::sql_types::Untyped>
       + diesel::query_builder::QueryFragment<diesel::pg::Pg>
       + diesel::query_builder::QueryId
       + Send
       + 'static {
    use diesel::sql_types::{Date, Uuid as SqlUuid};
    diesel::sql_query(
        "SELECT t.org_id, t.id, t.title, t.description, t.subject_type, t.subject_id, \
                t.account_id, t.metric, t.activity_kind, t.value, t.currency, t.period, \
                t.starts_on, t.ends_on, t.parent_id, t.status, t.revision, t.revision_of, \
                t.agreed_at, t.agreed_by, t.created_by, t.version, t.created_at, t.updated_at, \
                CASE WHEN t.subject_type <> 'user' OR t.account_id IS NOT NULL THEN NULL \
                WHEN t.metric IN ('revenue', 'gross_profit') THEN \
           coalesce((SELECT sum(CASE WHEN t.metric = 'revenue' THEN d.revenue \
                                     ELSE d.gross_profit END) \
                            + coalesce(sum(CASE WHEN t.metric = 'revenue' THEN d.overlay_revenue \
                                                ELSE d.overlay_gross_profit END), 0) \
                       FROM daily_sales d \
                      WHERE d.org_id = $1 AND d.salesperson_id = t.subject_id \
                        AND d.day BETWEEN t.starts_on AND least($3, t.ends_on)), 0) \
                ELSE \
           coalesce((SELECT sum(r.amount) FROM daily_rollup r \
              WHERE r.org_id = $1 AND r.salesperson_id = t.subject_id \
                AND r.metric = CASE WHEN t.metric = 'activities' \
                                    THEN 'activity:' || t.activity_kind ELSE t.metric END \
                AND r.day BETWEEN t.starts_on AND least($3, t.ends_on)), 0) END AS own_actual \
         FROM targets t WHERE t.org_id = $1 AND t.id = $2",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<SqlUuid, _>(id)
    .bind::<Date, _>(as_of)
    .keep_prepared()
}

fn found(row: Option<WithActual>) -> AppResult<(TargetRow, Option<Decimal>)> {
    let row = row.ok_or_else(|| AppError::not_found("target"))?;
    Ok((row.t, row.own_actual))
}

/// A target, and for a person's own target (not an account's) what the rollup
/// holds from its first day to `as_of` (at most its last), in the same statement:
/// the common case of progress needs no other query. `None` for other targets.
pub async fn get_with_own_actual(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    as_of: NaiveDate,
) -> AppResult<(TargetRow, Option<Decimal>)> {
    found(
        with_own_actual(org, id, as_of)
            .get_result(c)
            .await
            .optional()?,
    )
}

/// [`get_with_own_actual`] on the worker's shared connection.
pub async fn get_with_own_actual_shared(
    reader: &crate::db::Reader,
    org: Uuid,
    id: Uuid,
    as_of: NaiveDate,
) -> AppResult<(TargetRow, Option<Decimal>)> {
    let row = reader
        .read(async |mut conn| {
            with_own_actual(org, id, as_of)
                .get_result(&mut conn)
                .await
                .optional()
        })
        .await?;
    found(row)
}

/// These targets, in the order of `ids` (those that do not exist left out).
pub async fn by_ids(
    c: &mut AsyncPgConnection,
    org: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<TargetRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<TargetRow> = targets::table
        .filter(targets::org_id.eq(org))
        .filter(targets::id.eq_any(ids))
        .select(TargetRow::as_select())
        .load(c)
        .await?;
    let place: std::collections::HashMap<Uuid, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|t| place.get(&t.id).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

/// The agreed targets of these people and of this team that lie within
/// `[from, to]`, by metric, first day, title (by code point, whatever the
/// database's collation) and id; sorted here, which costs the database less.
pub async fn agreed_within(
    c: &mut AsyncPgConnection,
    org: Uuid,
    people: &[Uuid],
    team: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Aim>> {
    let mut rows: Vec<Aim> = targets::table
        .filter(targets::org_id.eq(org))
        .filter(targets::status.eq("agreed"))
        .filter(targets::starts_on.ge(from).and(targets::ends_on.le(to)))
        .filter(
            targets::subject_type
                .eq("user")
                .and(targets::subject_id.eq_any(people))
                .or(targets::subject_type
                    .eq("team")
                    .and(targets::subject_id.eq(team))),
        )
        .select(Aim::as_select())
        .load(c)
        .await?;
    rows.sort_unstable_by(|a, b| {
        (a.metric.as_str(), a.starts_on, &a.title, a.id).cmp(&(
            b.metric.as_str(),
            b.starts_on,
            &b.title,
            b.id,
        ))
    });
    Ok(rows)
}

pub async fn insert(c: &mut AsyncPgConnection, new: &NewTarget) -> AppResult<TargetRow> {
    Ok(diesel::insert_into(targets::table)
        .values(new)
        .returning(TargetRow::as_returning())
        .get_result(c)
        .await?)
}

pub async fn update(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    changes: &TargetChanges,
) -> AppResult<TargetRow> {
    Ok(diesel::update(targets::table.find((org, id)))
        .set((
            changes,
            targets::version.eq(targets::version + 1),
            targets::updated_at.eq(diesel::dsl::now),
        ))
        .returning(TargetRow::as_returning())
        .get_result(c)
        .await?)
}

/// Records what happened to a target, with the target as it now is.
pub async fn record(
    c: &mut AsyncPgConnection,
    t: &TargetRow,
    event: &str,
    actor: Option<Uuid>,
    note: Option<&str>,
) -> AppResult<()> {
    diesel::insert_into(target_events::table)
        .values((
            target_events::org_id.eq(t.org_id),
            target_events::id.eq(Uuid::now_v7()),
            target_events::target_id.eq(t.id),
            target_events::event.eq(event),
            target_events::actor_id.eq(actor),
            target_events::revision.eq(t.revision),
            target_events::status.eq(&t.status),
            target_events::value.eq(t.value),
            target_events::snapshot.eq(serde_json::to_value(t).map_err(AppError::internal)?),
            target_events::note.eq(note),
        ))
        .execute(c)
        .await?;
    Ok(())
}

#[derive(Debug, Queryable)]
pub struct EventRow {
    pub target_id: Uuid,
    pub event: String,
    pub actor_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub revision: i32,
    pub status: Status,
    pub value: Decimal,
    pub note: Option<String>,
}

/// Every target of a revision chain (the one given, those it replaced and those
/// that replaced it).
pub async fn chain(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<Vec<Uuid>> {
    let mut root = id;
    while let Some(prev) = targets::table
        .find((org, root))
        .select(targets::revision_of)
        .first::<Option<Uuid>>(c)
        .await
        .optional()?
        .flatten()
    {
        root = prev;
    }
    let mut ids = vec![root];
    let mut last = root;
    while let Some(next) = targets::table
        .filter(targets::org_id.eq(org).and(targets::revision_of.eq(last)))
        .select(targets::id)
        .first::<Uuid>(c)
        .await
        .optional()?
    {
        ids.push(next);
        last = next;
    }
    Ok(ids)
}

pub async fn events(
    c: &mut AsyncPgConnection,
    org: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<EventRow>> {
    Ok(target_events::table
        .filter(
            target_events::org_id
                .eq(org)
                .and(target_events::target_id.eq_any(ids)),
        )
        .select((
            target_events::target_id,
            target_events::event,
            target_events::actor_id,
            target_events::at,
            target_events::revision,
            target_events::status,
            target_events::value,
            target_events::note,
        ))
        .order((target_events::at, target_events::id))
        .load(c)
        .await?)
}

/// The live children of a target.
pub async fn children(
    c: &mut AsyncPgConnection,
    org: Uuid,
    parent: Uuid,
) -> AppResult<Vec<TargetRow>> {
    Ok(targets::table
        .filter(targets::org_id.eq(org).and(targets::parent_id.eq(parent)))
        .filter(targets::status.ne_all(["superseded", "cancelled"]))
        .select(TargetRow::as_select())
        .order(targets::id)
        .load(c)
        .await?)
}

/// The targets above `id`, nearest first (at most 50 levels).
pub async fn ancestors(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<Vec<Uuid>> {
    let mut out = Vec::new();
    let mut cur = id;
    while out.len() < 50 {
        let parent: Option<Uuid> = targets::table
            .find((org, cur))
            .select(targets::parent_id)
            .first::<Option<Uuid>>(c)
            .await
            .optional()?
            .flatten();
        match parent {
            Some(p) if !out.contains(&p) => {
                out.push(p);
                cur = p;
            }
            _ => break,
        }
    }
    Ok(out)
}

/// After a revision, the live children follow the new version (bonus plans
/// follow it too, on the `target.revised` event).
pub async fn repoint(c: &mut AsyncPgConnection, org: Uuid, old: Uuid, new: Uuid) -> AppResult<()> {
    // Live children only: superseded and cancelled ones keep the parent they had.
    diesel::update(
        targets::table
            .filter(targets::org_id.eq(org).and(targets::parent_id.eq(old)))
            .filter(targets::status.ne_all(["superseded", "cancelled"])),
    )
    .set(targets::parent_id.eq(new))
    .execute(c)
    .await?;
    Ok(())
}

/// Whether `user` created, changed or proposed this version of the target.
pub async fn shaped_by(c: &mut AsyncPgConnection, t: &TargetRow, user: Uuid) -> AppResult<bool> {
    use target_events as e;
    if t.created_by == Some(user) {
        return Ok(true);
    }
    let n: i64 = e::table
        .filter(e::org_id.eq(t.org_id))
        .filter(e::target_id.eq(t.id))
        .filter(e::actor_id.eq(user))
        .filter(e::event.eq_any(["created", "updated", "proposed", "revised"]))
        .count()
        .get_result(c)
        .await?;
    Ok(n > 0)
}

/// Deletes every row of organisation `org` from `target_events`, `targets`, for dropping the
/// whole organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(target_events::table.filter(target_events::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(targets::table.filter(targets::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
