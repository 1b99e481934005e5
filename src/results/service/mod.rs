//! Results use cases: what CRMs push (sales, activities, voids), credited to
//! the right person, and the rollup moves that others make (a conversion, a
//! transfer). Whatever changes the rollup appends `results.recorded`.

pub mod achieved;
mod activities;
pub mod ledger;
mod sales;
pub mod splits;

pub use activities::push_activities;
pub use sales::{check_void_reason, push_sale, push_sales, void};

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::rules::Deltas;
use super::store;
use crate::auth::{Actor, Principal, Scope};
use crate::error::{AppError, AppResult, FieldError, Validator};
use crate::events::{Event, Outbox};
use crate::http::ItemStatus;

/// Most items in one batch.
pub const MAX_BATCH: usize = 1000;

/// Only integration clients with `scope`, and admins, push results.
pub fn require_scope(p: &Principal, scope: Scope) -> AppResult<()> {
    if p.is_admin() || p.has_scope(scope) {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "only integration clients with {} and admins push results",
            scope.as_str()
        )))
    }
}

/// A batch holds at most [`MAX_BATCH`] items.
pub fn check_batch(n: usize) -> AppResult<()> {
    if n > MAX_BATCH {
        return Err(too_many(n));
    }
    Ok(())
}

fn too_many(n: usize) -> AppError {
    AppError::invalid_field(
        "items",
        "too_many",
        format!("at most {MAX_BATCH} items per batch; this one has {n}"),
    )
}

/// How many results a write stored: sales created, changed or voided, and
/// activities created or changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub sales: u32,
    pub activities: u32,
}

/// Adds `deltas` to the rollup and appends `results.recorded`.
pub async fn record(
    c: &mut AsyncPgConnection,
    org: Uuid,
    deltas: Deltas,
    written: Written,
    outbox: &mut Outbox,
) -> AppResult<()> {
    store::apply(c, org, &deltas).await?;
    recorded(outbox, org, deltas, written);
    Ok(())
}

/// Appends `results.recorded` for `deltas`, unless they change nothing.
fn recorded(outbox: &mut Outbox, org: Uuid, deltas: Deltas, written: Written) {
    if deltas.changes().next().is_some() {
        outbox.push(Event::ResultsRecorded {
            org,
            deltas,
            sales: written.sales,
            activities: written.activities,
        });
    }
}

/// How many of `statuses` stored something (created or updated).
pub fn stored(statuses: impl Iterator<Item = ItemStatus>) -> u32 {
    statuses
        .filter(|s| matches!(s, ItemStatus::Created | ItemStatus::Updated))
        .count() as u32
}

/// Re-credits an account's results after a transfer to `owner` from `from`
/// on: sales that follow the account go to the owner and split rule of their
/// day, activities to the owner (those whose salesperson or splits were named
/// keep theirs); appends `results.recorded`.
pub async fn recredit(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    from: NaiveDate,
    owner: Uuid,
    outbox: &mut Outbox,
) -> AppResult<()> {
    let mut deltas = store::recredit_sales(c, org, account, from, None).await?;
    let acts = store::recredit_activities(c, org, account, from, owner).await?;
    for ((who, metric, day), amount) in acts.changes() {
        deltas.add(*who, metric, *day, *amount);
    }
    recorded(outbox, org, deltas, Written::default());
    Ok(())
}

/// The default `source`: the integration client's name.
async fn default_source(c: &mut AsyncPgConnection, p: &Principal) -> AppResult<Option<String>> {
    match &p.actor {
        Actor::Client { id, .. } => Ok(Some(
            crate::clients::service::manage::by_id(c, p.org_id, *id)
                .await?
                .name,
        )),
        Actor::User { .. } => Ok(None),
    }
}

fn source_of(v: &mut Validator, given: Option<&str>, default: Option<&str>) -> String {
    match given.or(default) {
        Some(s) => {
            v.text("source", s, 100);
            s.trim().to_string()
        }
        None => {
            v.push(FieldError::new(
                "source",
                "required",
                "name the CRM this comes from",
            ));
            String::new()
        }
    }
}

/// Drops every row this resource keeps for organisation `org`, in the caller's
/// transaction: for dropping the whole organisation (`onpace demo --reset`).
pub async fn purge_org(
    c: &mut diesel_async::AsyncPgConnection,
    org: uuid::Uuid,
) -> crate::error::AppResult<()> {
    crate::results::store::purge_org(c, org).await
}
