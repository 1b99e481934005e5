//! Reading targets: a page of them, one, its history, its allocation.

use rust_decimal::Decimal;
use uuid::Uuid;

use super::assess::{assess, assess_all, Assessed};
use super::visibility::{get_visible, visible};
use crate::auth::Principal;
use crate::db::{self, Page, PgPool};
use crate::error::{AppResult, FieldError};
use crate::org::context::OrgContext;
use crate::targets::dto::TargetQuery;
use crate::targets::rules::{
    self, Allocation, AllocationError, Status, SubjectType, TargetInvalid,
};
use crate::targets::store::{self, EventRow, TargetRow};

/// A page of the targets the caller may see, by `q`'s filters.
pub async fn list(
    pool: &PgPool,
    p: Principal,
    q: TargetQuery,
    page: Page<Uuid>,
) -> AppResult<Vec<Assessed>> {
    p.require_reader()?;
    db::run(pool, async move |c| {
        let ctx = OrgContext::load(c, p.org_id).await?;
        let overlapping = match q.period.as_deref() {
            None => None,
            Some(k) => {
                let per = ctx.cal.parse(k).ok_or_else(|| {
                    TargetInvalid::field(FieldError::new(
                        "period",
                        "unknown_period",
                        "not a period key",
                    ))
                })?;
                Some((per.starts_on, per.ends_on))
            }
        };
        let filter = store::ListFilter {
            subject_type: q.subject_type.map(|s| s.as_str().to_string()),
            subject_id: q.subject_id,
            status: q.status.map(|s| s.as_str().to_string()),
            metric: q.metric.map(|m| m.as_str().to_string()),
            parent_id: q.parent_id,
            overlapping,
        };
        let vis = visible(c, &p).await?;
        let rows = store::list(c, p.org_id, &vis, &filter, &page).await?;
        assess_all(c, &ctx, rows).await
    })
    .await
}

/// One target the caller may see.
pub async fn get_one(pool: &PgPool, p: Principal, id: Uuid) -> AppResult<Assessed> {
    p.require_reader()?;
    db::run(pool, async move |c| {
        let ctx = OrgContext::load(c, p.org_id).await?;
        let row = get_visible(c, &p, id, false).await?;
        assess(c, &ctx, row).await
    })
    .await
}

/// One version or state change, as recorded.
pub struct HistoryItem {
    pub event: EventRow,
    pub status: Status,
}

/// Every version and state change of a target the caller may see, oldest first.
pub async fn history(pool: &PgPool, p: Principal, id: Uuid) -> AppResult<Vec<HistoryItem>> {
    p.require_reader()?;
    let rows = db::run(pool, async move |c| {
        get_visible(c, &p, id, false).await?;
        let ids = store::chain(c, p.org_id, id).await?;
        store::events(c, p.org_id, &ids).await
    })
    .await?;
    Ok(rows
        .into_iter()
        .map(|e| HistoryItem {
            status: e.status,
            event: e,
        })
        .collect())
}

/// A child in an allocation, as the caller sees it.
pub struct AllocatedChild {
    pub row: TargetRow,
    pub subject_type: SubjectType,
    pub status: Status,
    pub share_pct: Decimal,
}

/// A team or organisation target against the targets that contribute to it.
pub struct Allocated {
    pub parent: TargetRow,
    pub sums: Allocation,
    /// Those the caller may see.
    pub children: Vec<AllocatedChild>,
}

/// A team or organisation target against the targets that contribute to it:
/// the sums cover every contributing target; the children listed are those the
/// caller may see.
pub async fn allocation(pool: &PgPool, p: Principal, id: Uuid) -> AppResult<Allocated> {
    p.require_reader()?;
    let (parent, children, vis) = db::run(pool, async move |c| {
        let parent = get_visible(c, &p, id, false).await?;
        if parent.subject_type == SubjectType::User {
            return Err(AllocationError::PersonsTarget.into());
        }
        let children = store::children(c, p.org_id, id).await?;
        let vis = visible(c, &p).await?;
        Ok((parent, children, vis))
    })
    .await?;
    let values: Vec<Decimal> = children.iter().map(|ch| ch.value).collect();
    let sums = rules::allocate(parent.value, &values);
    let children = children
        .into_iter()
        .filter(|ch| vis.sees(ch.subject_type.as_str(), ch.subject_id))
        .map(|ch| AllocatedChild {
            subject_type: ch.subject_type,
            status: ch.status,
            share_pct: rules::share_pct(ch.value, parent.value),
            row: ch,
        })
        .collect();
    Ok(Allocated {
        parent,
        sums,
        children,
    })
}
