//! Account use cases that move results: a conversion that counts, and a
//! transfer, whose results follow the account. Run in the caller's transaction;
//! they publish their events before it commits.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::store::{self, AccountChanges, AccountRow};
use crate::error::AppResult;
use crate::events::dispatch::publish;
use crate::events::{Event, Outbox};
use crate::results::rules::{Deltas, NEW_ACCOUNTS};
use crate::results::service as results;

/// Changes an account. A conversion counts one new account for whoever won it,
/// on its day, and the prospect's win is recorded.
pub async fn update(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    changes: &AccountChanges,
) -> AppResult<AccountRow> {
    let row = store::update(c, org, id, changes).await?;
    if let (Some(Some(day)), Some(Some(won_by))) = (changes.converted_on, changes.won_by) {
        let mut outbox = Outbox::default();
        let mut deltas = Deltas::default();
        deltas.add(won_by, NEW_ACCOUNTS, day, Decimal::ONE);
        results::record(c, org, deltas, &mut outbox).await?;
        outbox.push(Event::ProspectWon {
            org,
            account: id,
            name: row.name.clone(),
            won_by,
            on: day,
        });
        publish(c, &mut outbox).await?;
    }
    Ok(row)
}

/// Hands an account to `new_owner` from `effective_on` (see
/// [`store::transfer_periods`]); results on and after the day follow it.
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
    publish(c, &mut outbox).await?;
    Ok(row)
}
