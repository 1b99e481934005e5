//! Handing an account to another salesperson from a day on; its results follow.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access::{
    actor_id, check_owner, check_past_day, get_visible, require_transfer, require_writer, today,
};
use crate::accounts::dto::TransferRequest;
use crate::accounts::rules;
use crate::accounts::store::{self, AccountRow};
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::AppResult;
use crate::events::data::AccountTransferredData;
use crate::events::dispatch::publish;
use crate::events::{Event, Outbox};
use crate::results::service as results;
use crate::validation::Validator;

/// Hands an account to `new_owner` from `effective_on` (see
/// [`store::transfer_periods`]); results on and after the day follow it. Runs
/// in the caller's transaction and publishes its events before it commits.
#[allow(clippy::too_many_arguments)]
pub async fn transfer(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    current_from: NaiveDate,
    new_owner: Uuid,
    effective_on: NaiveDate,
    reason: &str,
    recorded_by: Option<Uuid>,
) -> AppResult<AccountRow> {
    let previous_owner = store::get(c, org, account).await?.owner_id;
    store::transfer_periods(
        c,
        org,
        account,
        current_from,
        new_owner,
        effective_on,
        reason,
        recorded_by,
    )
    .await?;
    let mut outbox = Outbox::default();
    results::recredit(c, org, account, effective_on, new_owner, &mut outbox).await?;
    let row = store::hand_over(c, org, account, new_owner, recorded_by).await?;
    outbox.push(Event::AccountTransferred {
        org,
        data: AccountTransferredData {
            account_id: account,
            previous_owner_id: previous_owner,
            new_owner_id: new_owner,
            effective_on,
            reason: Some(reason.to_string()).filter(|r| !r.is_empty()),
        },
    });
    publish(c, &mut outbox).await?;
    Ok(row)
}

/// `POST /v1/accounts/{id}/transfer`: managers of both people, admins, and
/// clients with `accounts:write`.
pub async fn request_transfer(
    pool: &PgPool,
    p: &Principal,
    id: Uuid,
    b: TransferRequest,
) -> AppResult<AccountRow> {
    require_writer(p)?;
    db::tx(pool, async move |c| request_transfer_on(c, p, id, b).await).await
}

/// [`request_transfer`] in the caller's transaction.
pub async fn request_transfer_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    b: TransferRequest,
) -> AppResult<AccountRow> {
    require_writer(p)?;
    let current = get_visible(c, p, id, true).await?;
    require_transfer(c, p, current.owner_id, b.new_owner_id).await?;
    let today = today(c, p).await?;
    let mut v = Validator::new();
    v.text("reason", &b.reason, 500);
    check_past_day(&mut v, "effective_on", b.effective_on.0, today);
    if let Some(e) = check_owner(c, p.org_id, "new_owner_id", b.new_owner_id).await? {
        v.push(e);
    }
    v.finish()?;
    let history = store::history(c, p.org_id, id).await?;
    let from = rules::plan_transfer(&history, b.new_owner_id, b.effective_on.0, today)?;
    transfer(
        c,
        p.org_id,
        id,
        from,
        b.new_owner_id,
        b.effective_on.0,
        b.reason.trim(),
        actor_id(p),
    )
    .await
}
