//! Queries for scorecards, milestones and pace changes.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::db::schema::{milestones, pace_sweeps, target_pace, targets};
use crate::db::KeepPrepared;
use crate::error::AppResult;

/// A membership of a team (or of one of its sub-teams), with the member's name.
#[derive(Debug, Clone)]
pub struct Membership {
    pub user_id: Uuid,
    pub name: String,
    pub team_id: Uuid,
    pub from_on: NaiveDate,
    pub to_on: Option<NaiveDate>,
}

impl Membership {
    /// Whether the membership covers `day`.
    pub fn on(&self, day: NaiveDate) -> bool {
        self.from_on <= day && self.to_on.is_none_or(|to| to >= day)
    }
}

/// A team's name and the memberships of it and of all its sub-teams that
/// overlap `[from, to]`, in one statement; `None` when the organisation has no
/// such team. Memberships in no particular order.
pub async fn team_memberships_within(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Option<(String, Vec<Membership>)>> {
    use diesel::sql_types::{Date, Nullable, Text, Uuid as SqlUuid};
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        team_name: String,
        #[diesel(sql_type = Nullable<SqlUuid>)]
        user_id: Option<Uuid>,
        #[diesel(sql_type = Nullable<Text>)]
        name: Option<String>,
        #[diesel(sql_type = Nullable<SqlUuid>)]
        team_id: Option<Uuid>,
        #[diesel(sql_type = Nullable<Date>)]
        from_on: Option<NaiveDate>,
        #[diesel(sql_type = Nullable<Date>)]
        to_on: Option<NaiveDate>,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "WITH RECURSIVE tree(id) AS ( \
             SELECT id FROM teams WHERE org_id = $1 AND id = $2 \
             UNION SELECT c.id FROM teams c JOIN tree ON c.parent_team_id = tree.id WHERE c.org_id = $1 \
         ) \
         SELECT t.name AS team_name, m.user_id, u.name, m.team_id, m.from_on, m.to_on \
           FROM teams t \
           LEFT JOIN (team_members m JOIN users u ON u.org_id = m.org_id AND u.id = m.user_id) \
             ON m.org_id = $1 AND m.team_id IN (SELECT id FROM tree) \
            AND m.from_on <= $4 AND (m.to_on IS NULL OR m.to_on >= $3) \
          WHERE t.org_id = $1 AND t.id = $2",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<SqlUuid, _>(team)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .keep_prepared()
    .load(c)
    .await?;
    let Some(first) = <[Row]>::first(&rows) else {
        return Ok(None);
    };
    let name = first.team_name.clone();
    let members = rows
        .into_iter()
        .filter_map(|r| {
            Some(Membership {
                user_id: r.user_id?,
                name: r.name?,
                team_id: r.team_id?,
                from_on: r.from_on?,
                to_on: r.to_on,
            })
        })
        .collect();
    Ok(Some((name, members)))
}

/// An agreed target that a write touched, with what is known of it so far.
#[derive(Debug, Clone, Queryable)]
pub struct Touched {
    pub id: Uuid,
    /// Whether its milestone (reaching its value) is recorded already.
    pub reached: bool,
    /// The last pace status recorded for it (`None` before the first).
    pub pace: Option<String>,
}

/// The agreed targets that results on `[from, to]` in these rollup metrics,
/// credited to these people, may have moved: the people's own, every team's
/// (membership is checked by measuring) and the organisation's; each with
/// whether its milestone is recorded and its last recorded pace status.
pub async fn touched_targets(
    c: &mut AsyncPgConnection,
    org: Uuid,
    people: &[Uuid],
    metrics: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Touched>> {
    let money: Vec<&str> = metrics
        .iter()
        .map(String::as_str)
        .filter(|m| !m.starts_with("activity:"))
        .collect();
    let kinds: Vec<&str> = metrics
        .iter()
        .filter_map(|m| m.strip_prefix("activity:"))
        .collect();
    let reached = milestones::table
        .filter(milestones::org_id.eq(org))
        .filter(milestones::kind.eq("target_achieved"))
        .filter(milestones::target_id.eq(targets::id.nullable()))
        .select(milestones::id);
    Ok(targets::table
        .left_join(
            target_pace::table.on(target_pace::org_id
                .eq(targets::org_id)
                .and(target_pace::target_id.eq(targets::id))),
        )
        .filter(targets::org_id.eq(org))
        .filter(targets::status.eq("agreed"))
        .filter(targets::starts_on.le(to).and(targets::ends_on.ge(from)))
        .filter(
            targets::metric.eq_any(money).or(targets::metric
                .eq("activities")
                .and(targets::activity_kind.eq_any(kinds))),
        )
        .filter(
            targets::subject_type
                .ne("user")
                .or(targets::subject_id.eq_any(people)),
        )
        .select((
            targets::id,
            diesel::dsl::exists(reached),
            target_pace::status.nullable(),
        ))
        .load(c)
        .await?)
}

/// The agreed targets of organisation `org` in force on `day`, each with its
/// last recorded pace status (`None` before the first).
pub async fn in_force(
    c: &mut AsyncPgConnection,
    org: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<(Uuid, Option<String>)>> {
    Ok(targets::table
        .left_join(
            target_pace::table.on(target_pace::org_id
                .eq(targets::org_id)
                .and(target_pace::target_id.eq(targets::id))),
        )
        .filter(targets::org_id.eq(org))
        .filter(targets::status.eq("agreed"))
        .filter(targets::starts_on.le(day).and(targets::ends_on.ge(day)))
        .select((targets::id, target_pace::status.nullable()))
        .order(targets::id)
        .load(c)
        .await?)
}

/// A target's pace status as measured on a day.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = target_pace)]
pub struct PaceRow {
    pub org_id: Uuid,
    pub target_id: Uuid,
    pub status: String,
    pub as_of: NaiveDate,
}

/// Records these statuses as the last known, in one statement (none when there
/// are none): the targets whose recorded status this changed or first wrote. A
/// row that another transaction is changing is waited for and compared again
/// after it commits, so that two writes at once never both record (and
/// announce) the same move.
pub async fn record_pace(c: &mut AsyncPgConnection, rows: &[PaceRow]) -> AppResult<Vec<Uuid>> {
    use diesel::query_dsl::methods::FilterDsl;
    use diesel::upsert::excluded;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    Ok(diesel::insert_into(target_pace::table)
        .values(rows)
        .on_conflict((target_pace::org_id, target_pace::target_id))
        .do_update()
        .set((
            target_pace::status.eq(excluded(target_pace::status)),
            target_pace::as_of.eq(excluded(target_pace::as_of)),
        ))
        .filter(target_pace::status.ne(excluded(target_pace::status)))
        .returning(target_pace::target_id)
        .get_results(c)
        .await?)
}

/// Forgets the pace of these targets (cancelled or superseded: they no longer count).
pub async fn forget_pace(c: &mut AsyncPgConnection, org: Uuid, ids: &[Uuid]) -> AppResult<()> {
    diesel::delete(
        target_pace::table
            .filter(target_pace::org_id.eq(org))
            .filter(target_pace::target_id.eq_any(ids)),
    )
    .execute(c)
    .await?;
    Ok(())
}

#[derive(QueryableByName)]
struct SweepState {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    org_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    timezone: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    swept_on: NaiveDate,
}

/// Every organisation with its time zone and the last day it was swept for
/// (the day before it was created, for one never swept yet: its row is made
/// here, outside any sweep's transaction). The rows that exist already are
/// left by `ON CONFLICT` rather than a correlated `NOT EXISTS`, which Citus
/// does not run over the reference table `orgs`.
pub async fn sweep_states(c: &mut AsyncPgConnection) -> AppResult<Vec<(Uuid, String, NaiveDate)>> {
    diesel::sql_query(
        "INSERT INTO pace_sweeps (org_id, swept_on) \
         SELECT o.id, (o.created_at AT TIME ZONE 'UTC')::date - 1 FROM orgs o \
         ON CONFLICT (org_id) DO NOTHING",
    )
    .execute(c)
    .await?;
    let rows: Vec<SweepState> = diesel::sql_query(
        "SELECT s.org_id, o.timezone, s.swept_on FROM pace_sweeps s          JOIN orgs o ON o.id = s.org_id ORDER BY s.org_id",
    )
    .load(c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.org_id, r.timezone, r.swept_on))
        .collect())
}

/// Claims the sweep of organisation `org` for `day`, in the caller's
/// transaction: `false` when it was swept for that day already, or when
/// another transaction holds it (`SKIP LOCKED`: it is sweeping it now).
pub async fn claim_sweep(c: &mut AsyncPgConnection, org: Uuid, day: NaiveDate) -> AppResult<bool> {
    let claimed: Option<Uuid> = pace_sweeps::table
        .filter(pace_sweeps::org_id.eq(org))
        .filter(pace_sweeps::swept_on.lt(day))
        .select(pace_sweeps::org_id)
        .for_update()
        .skip_locked()
        .get_result(c)
        .await
        .optional()?;
    Ok(claimed.is_some())
}

/// Records that organisation `org` was swept for `day` (in the claim's transaction).
pub async fn swept(c: &mut AsyncPgConnection, org: Uuid, day: NaiveDate) -> AppResult<()> {
    diesel::update(pace_sweeps::table.filter(pace_sweeps::org_id.eq(org)))
        .set(pace_sweeps::swept_on.eq(day))
        .execute(c)
        .await?;
    Ok(())
}

/// A milestone to record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = milestones)]
pub struct NewMilestone {
    pub org_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub target_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub occurred_on: NaiveDate,
    pub title: String,
    pub value: Option<Decimal>,
    pub actual: Option<Decimal>,
}

/// Records a milestone unless the same one (a target reaching its value, a
/// prospect won) is already recorded.
pub async fn record_milestone(c: &mut AsyncPgConnection, m: &NewMilestone) -> AppResult<bool> {
    let n = diesel::insert_into(milestones::table)
        .values(m)
        .on_conflict_do_nothing()
        .execute(c)
        .await?;
    Ok(n > 0)
}

/// Deletes every row of organisation `org` from `milestones`, for dropping the
/// whole organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(milestones::table.filter(milestones::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(target_pace::table.filter(target_pace::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(pace_sweeps::table.filter(pace_sweeps::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
