//! Targets use cases: who may do it, the rules, one transaction, the events it
//! emits; and the reads other resources' services ask of targets.

mod achieved;
mod agreement;
mod assess;
mod change;
mod checks;
mod create;
mod duties;
mod reads;
pub mod remembered;
mod steps;
mod visibility;

pub use achieved::{achieved, achieved_daily};
pub use assess::{counted_as, rollup_metric, Assessed};
pub use change::change;
pub use create::{create, create_on};
pub use duties::{may_set, not_accountable, require_setter};
pub use reads::{allocation, get_one, history, list, Allocated, AllocatedChild, HistoryItem};
pub use remembered::Aims;
pub use steps::{agree, agree_on, cancel, propose, propose_on, revise, Stepped};
pub use visibility::{
    can_set, check_visible, get_visible, own_target, seen_by_everyone_or_self, visible,
};

/// The agreed targets a team's scorecard shows.
pub use crate::targets::store::agreed_within;
/// Reads of stored targets for other resources' services.
pub use crate::targets::store::{
    by_ids, get, get_with_own_actual, get_with_own_actual_shared, Aim, TargetRow,
};
pub mod announce;
pub mod for_bonus;
pub mod for_reviews;

/// Drops every row this resource keeps for organisation `org`, in the caller's
/// transaction: for dropping the whole organisation (`onpace demo --reset`).
pub async fn purge_org(
    c: &mut diesel_async::AsyncPgConnection,
    org: uuid::Uuid,
) -> crate::error::AppResult<()> {
    crate::targets::store::purge_org(c, org).await
}
