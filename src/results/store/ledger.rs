//! Reads of the ledger itself (not the rollup): sales and activities filtered
//! by whom they are credited to, in `(occurred_on, id)` order, a keyset page at
//! a time.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::SaleRow;
use crate::db::schema::{activities, sale_shares, sales, team_members};
use crate::error::AppResult;
use crate::results::rules::credit::CreditType;
use crate::results::rules::SaleKind;

/// Whose results a caller sees, as plain ids worked out by the service: those
/// credited to one of `people`, or to someone who was a member of one of
/// `teams` on the result's day.
#[derive(Debug, Clone, Default)]
pub struct Credited {
    pub people: Vec<Uuid>,
    pub teams: Vec<Uuid>,
}

/// What to read of the ledger. `seen: None` is everything the filters let
/// through; `team` holds a team and its sub-teams (credited to their members
/// on the day).
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub seen: Option<Credited>,
    pub id: Option<Uuid>,
    pub salesperson_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub team: Option<Vec<Uuid>>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub source: Option<String>,
    pub sale_kind: Option<SaleKind>,
    pub activity_kind: Option<String>,
    pub include_voided: bool,
}

/// The key rows are ordered by, and pages start after.
pub type LedgerKey = (NaiveDate, Uuid);

/// An activity in the ledger, every column.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = activities)]
pub struct ActivityEntry {
    pub id: Uuid,
    pub source: String,
    pub external_id: String,
    pub kind: String,
    pub salesperson_id: Uuid,
    pub account_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    pub occurred_on: NaiveDate,
    pub count: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Applies the filters, the caller's view, the keyset and the order shared by
/// both tables of the ledger: `$t` is `sales` or `activities`.
macro_rules! ledger_query {
    ($t:ident, $q:expr, $org:expr, $f:expr, $after:expr, $n:expr) => {{
        let f: &LedgerFilter = $f;
        let mut q = $q.filter($t::org_id.eq($org));
        if let Some(id) = f.id {
            q = q.filter($t::id.eq(id));
        }
        if let Some(account) = f.account_id {
            q = q.filter($t::account_id.eq(account));
        }
        if let Some(from) = f.from {
            q = q.filter($t::occurred_on.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter($t::occurred_on.le(to));
        }
        if let Some(source) = &f.source {
            q = q.filter($t::source.eq(source.clone()));
        }
        if let Some((day, id)) = $after {
            q = q.filter(
                $t::occurred_on
                    .gt(day)
                    .or($t::occurred_on.eq(day).and($t::id.gt(id))),
            );
        }
        (q, $n)
    }};
}

/// `$who` was, on `$day`, a member of one of `$teams`.
macro_rules! member_on {
    ($org:expr, $who:expr, $day:expr, $teams:expr) => {
        diesel::dsl::exists(
            team_members::table
                .filter(team_members::org_id.eq($org))
                .filter(team_members::user_id.eq($who))
                .filter(team_members::team_id.eq_any($teams))
                .filter(team_members::from_on.le($day))
                .filter(
                    team_members::to_on
                        .is_null()
                        .or(team_members::to_on.ge($day.nullable())),
                ),
        )
    };
}

/// The sale has a share (of `$types`) that meets `$cond`, or the person it
/// names meets it: the holder of its largest revenue share, or of the whole.
macro_rules! credited {
    ($org:expr, $types:expr, |$who:ident| $cond:expr) => {{
        let named = {
            let $who = sales::salesperson_id;
            $cond
        };
        let shared = {
            let $who = sale_shares::salesperson_id;
            diesel::dsl::exists(
                sale_shares::table
                    .filter(sale_shares::org_id.eq($org))
                    .filter(sale_shares::sale_id.eq(sales::id))
                    .filter(sale_shares::credit_type.eq_any($types))
                    .filter($cond),
            )
        };
        named.or(shared)
    }};
}

/// Up to `n` sales after `after` in `(occurred_on, id)` order.
pub async fn sales_page(
    c: &mut AsyncPgConnection,
    org: Uuid,
    f: &LedgerFilter,
    after: Option<LedgerKey>,
    n: i64,
) -> AppResult<Vec<SaleRow>> {
    let (mut q, n) = ledger_query!(
        sales,
        sales::table.select(SaleRow::as_select()).into_boxed(),
        org,
        f,
        after,
        n
    );
    // A person sees the sales they hold any share of, a manager also those their
    // members held a share of on the day; a team's sales are those its members
    // held a revenue share of (overlay credit never counts for a team).
    let any = [CreditType::Revenue, CreditType::Overlay];
    if let Some(seen) = &f.seen {
        q = q.filter(credited!(org, any, |who| who
            .eq_any(seen.people.clone())
            .or(member_on!(org, who, sales::occurred_on, seen.teams.clone()))));
    }
    if let Some(team) = &f.team {
        q = q.filter(credited!(org, [CreditType::Revenue], |who| member_on!(
            org,
            who,
            sales::occurred_on,
            team.clone()
        )));
    }
    if let Some(who) = f.salesperson_id {
        q = q.filter(credited!(org, any, |p| p.eq(who)));
    }
    if let Some(kind) = f.sale_kind {
        q = q.filter(sales::kind.eq(kind));
    }
    if !f.include_voided {
        q = q.filter(sales::voided_at.is_null());
    }
    Ok(q.order((sales::occurred_on, sales::id))
        .limit(n)
        .load(c)
        .await?)
}

/// Up to `n` activities after `after` in `(occurred_on, id)` order (activities
/// are never voided).
pub async fn activities_page(
    c: &mut AsyncPgConnection,
    org: Uuid,
    f: &LedgerFilter,
    after: Option<LedgerKey>,
    n: i64,
) -> AppResult<Vec<ActivityEntry>> {
    let (mut q, n) = ledger_query!(
        activities,
        activities::table
            .select(ActivityEntry::as_select())
            .into_boxed(),
        org,
        f,
        after,
        n
    );
    if let Some(seen) = &f.seen {
        q = q.filter(
            activities::salesperson_id
                .eq_any(seen.people.clone())
                .or(member_on!(
                    org,
                    activities::salesperson_id,
                    activities::occurred_on,
                    seen.teams.clone()
                )),
        );
    }
    if let Some(team) = &f.team {
        q = q.filter(member_on!(
            org,
            activities::salesperson_id,
            activities::occurred_on,
            team.clone()
        ));
    }
    if let Some(who) = f.salesperson_id {
        q = q.filter(activities::salesperson_id.eq(who));
    }
    if let Some(kind) = &f.activity_kind {
        q = q.filter(activities::kind.eq(kind.clone()));
    }
    Ok(q.order((activities::occurred_on, activities::id))
        .limit(n)
        .load(c)
        .await?)
}
