//! The organisation's settings: read them, change them (admins).

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::dto::OrgPatch;
use super::super::rules;
use super::super::rules::OrgRow;
use super::super::store::{self, OrgChanges};
use crate::auth::Principal;
use crate::db::{self, Changes, PgPool};
use crate::error::{AppResult, Validator};
use crate::http::check_if_match;

/// The caller's organisation.
pub async fn get(pool: &PgPool, p: &Principal) -> AppResult<OrgRow> {
    db::run(pool, async |c| store::get(c, p.org_id).await).await
}

/// Organisation `org`'s settings, for other resources' services (in their
/// transaction).
pub async fn row(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<OrgRow> {
    store::get(c, org).await
}

fn validate(b: &OrgPatch) -> AppResult<()> {
    let mut v = Validator::new();
    if let Some(n) = &b.name {
        rules::check_name(&mut v, "name", n);
    }
    if let Some(cur) = &b.currency {
        rules::check_currency(&mut v, "currency", cur);
    }
    if let Some(m) = b.fiscal_year_start_month {
        v.check(
            (1..=12).contains(&m),
            "fiscal_year_start_month",
            "out_of_range",
            "must be 1 to 12",
        );
    }
    if let Some(tz) = &b.timezone {
        rules::check_timezone(&mut v, "timezone", tz);
    }
    if let Some(days) = &b.working_days {
        rules::check_working_days(&mut v, "working_days", days);
    }
    if let Some(h) = &b.holidays {
        rules::check_holidays(&mut v, "holidays", h);
    }
    if let Some(a) = &b.attainability {
        rules::check_thresholds(&mut v, a.realistic_max_ratio, a.stretch_max_ratio);
    }
    if let Some(t) = &b.pace {
        rules::check_pace(&mut v, t.ahead_pct, t.on_track_pct, t.behind_pct);
    }
    Ok(v.finish()?)
}

/// Changes the organisation's settings (admin), if still at the version
/// `expected` (an If-Match). The currency stays once amounts are held in it.
pub async fn patch(
    pool: &PgPool,
    p: &Principal,
    b: OrgPatch,
    expected: Option<String>,
) -> AppResult<OrgRow> {
    p.require_admin()?;
    validate(&b)?;
    let changes = changes(b);
    db::tx(pool, async move |c| {
        change(c, p, &changes, expected.as_deref()).await
    })
    .await
}

/// [`patch`] in the caller's transaction.
pub async fn patch_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    b: OrgPatch,
    expected: Option<String>,
) -> AppResult<OrgRow> {
    p.require_admin()?;
    validate(&b)?;
    change(c, p, &changes(b), expected.as_deref()).await
}

fn changes(b: OrgPatch) -> OrgChanges {
    let mut holidays = b.holidays;
    if let Some(h) = holidays.as_mut() {
        h.sort();
        h.dedup();
    }
    OrgChanges {
        name: b.name.map(|n| n.trim().to_string()),
        currency: b.currency,
        fiscal_year_start_month: b.fiscal_year_start_month,
        week_start: b.week_start,
        timezone: b.timezone,
        working_days: b.working_days,
        holidays,
        realistic_max_ratio: b.attainability.as_ref().map(|a| a.realistic_max_ratio),
        stretch_max_ratio: b.attainability.as_ref().map(|a| a.stretch_max_ratio),
        pace_ahead_pct: b.pace.as_ref().map(|t| t.ahead_pct),
        pace_on_track_pct: b.pace.as_ref().map(|t| t.on_track_pct),
        pace_behind_pct: b.pace.as_ref().map(|t| t.behind_pct),
    }
}

async fn change(
    c: &mut AsyncPgConnection,
    p: &Principal,
    changes: &OrgChanges,
    expected: Option<&str>,
) -> AppResult<OrgRow> {
    let current = store::lock(c, p.org_id).await?;
    check_if_match(expected, current.version)?;
    if changes.is_empty() {
        // The version moves only when something changed: other clients' ETags stay good.
        return Ok(current);
    }
    let new_currency = changes.currency.as_deref();
    if new_currency.is_some_and(|n| n != current.currency) {
        let has_money = store::has_money(c, p.org_id).await?;
        rules::check_currency_change(&current.currency, new_currency, has_money)?;
    }
    store::update(c, p.org_id, changes).await
}
