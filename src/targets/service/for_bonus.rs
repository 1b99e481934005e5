//! What bonus plans need of targets: the targets a caller sees, one target, and
//! whether a target can carry a bonus.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::AppResult;
pub use crate::targets::rules::Visible;
pub use crate::targets::store::TargetRow;

/// Whose targets the caller sees: everything (`all`), or the organisation's
/// targets plus those of these people and teams.
pub async fn seen(c: &mut AsyncPgConnection, p: &Principal) -> AppResult<Visible> {
    super::visible(c, p).await
}

/// A target the caller may see, else 404.
pub async fn get_visible(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
) -> AppResult<TargetRow> {
    super::get_visible(c, p, id, false).await
}

/// A target of the organisation, else 404.
pub async fn get(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<TargetRow> {
    crate::targets::store::get(c, org, id, false).await
}

/// Whether the target measures money (revenue, gross profit).
pub fn is_financial(t: &TargetRow) -> bool {
    t.metric.is_money()
}

/// Whether the target is live.
pub fn is_live(t: &TargetRow) -> bool {
    t.status.is_live()
}

/// The target's metric and status, as named in the API.
pub fn metric_and_status(t: &TargetRow) -> (&'static str, &'static str) {
    (t.metric.as_str(), t.status.as_str())
}

/// Refuses (`own_target` / `own_team`) a caller who answers for the target.
pub async fn not_accountable(
    c: &mut AsyncPgConnection,
    p: &Principal,
    t: &TargetRow,
) -> AppResult<()> {
    super::not_accountable(
        c,
        p,
        t.subject_type.as_str(),
        t.subject_id,
        Some((t.starts_on, t.ends_on)),
    )
    .await
}
