//! Changing a draft or proposed target.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::assess::{assess, Assessed};
use super::checks::{
    check_account, check_parent, finish_rules, require_setter, resolve_period, step,
};
use super::visibility::get_visible;
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppResult, Validator};
use crate::http::check_if_match;
use crate::org::context::OrgContext;
use crate::targets::dto::PatchTarget;
use crate::targets::rules::{self, Action};
use crate::targets::store::{self, TargetChanges};
use crate::values::Amount;

/// Changes a draft or proposed target (a proposed one returns to draft): its
/// setter only, never the one who answers for it; `expected` is the If-Match.
/// A `PATCH` with nothing in it changes nothing (no version, no history).
pub async fn change(
    pool: &PgPool,
    p: Principal,
    id: Uuid,
    expected: Option<String>,
    b: PatchTarget,
) -> AppResult<Assessed> {
    let (me, _) = p.require_user()?;
    let nothing = b.title.is_none()
        && b.description.is_none()
        && b.value.is_none()
        && b.period.is_none()
        && b.starts_on.is_none()
        && b.ends_on.is_none()
        && b.parent_id.is_none()
        && b.account_id.is_none();
    db::tx(pool, async move |c| {
        let ctx = OrgContext::load(c, p.org_id).await?;
        let current = get_visible(c, &p, id, true).await?;
        require_setter(c, &p, &current).await?;
        check_if_match(expected.as_deref(), current.version)?;
        let status = step(&current, Action::Edit)?;
        if nothing {
            return assess(c, &ctx, current).await;
        }
        let metric = current.metric;
        let mut v = Validator::new();
        if let Some(t) = &b.title {
            v.text("title", t, 200);
        }
        if let Some(Some(d)) = &b.description {
            v.text("description", d, 2000);
        }
        if let Some(Amount(val)) = b.value {
            if let Some(e) = rules::check_value(metric, val) {
                v.push(e);
            }
        }
        let days = if b.period.is_some() || b.starts_on.is_some() || b.ends_on.is_some() {
            resolve_period(
                &mut v,
                &ctx.cal,
                b.period.as_deref(),
                b.starts_on.map(NaiveDate::from),
                b.ends_on.map(NaiveDate::from),
            )
        } else {
            Some((current.period.clone(), current.starts_on, current.ends_on))
        };
        if let Some(Some(a)) = b.account_id {
            check_account(
                c,
                &mut v,
                p.org_id,
                (current.subject_type, current.subject_id),
                a,
            )
            .await?;
        }
        let parent = b.parent_id.unwrap_or(current.parent_id);
        if let (Some(parent), Some((_, s, e))) = (parent, &days) {
            check_parent(
                c,
                &mut v,
                &p,
                (
                    current.metric,
                    current.activity_kind.as_deref(),
                    *s,
                    *e,
                    Some(id),
                ),
                parent,
            )
            .await?;
        }
        finish_rules(v)?;
        let (period, starts_on, ends_on) = days.expect("checked above");
        let changes = TargetChanges {
            title: b.title.map(|t| t.trim().to_string()),
            description: b.description.map(|d| d.map(|s| s.trim().to_string())),
            value: b.value.map(Decimal::from),
            period: Some(period),
            starts_on: Some(starts_on),
            ends_on: Some(ends_on),
            parent_id: b.parent_id,
            account_id: b.account_id,
            status: Some(status),
            ..Default::default()
        };
        let row = store::update(c, p.org_id, id, &changes).await?;
        store::record(c, &row, "updated", Some(me), None).await?;
        assess(c, &ctx, row).await
    })
    .await
}
