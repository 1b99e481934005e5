//! Changing an account; a change that converts it counts a new account.

use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::access::{check_segment, get_visible, require_writer};
use crate::accounts::dto::PatchAccount;
use crate::accounts::rules;
use crate::accounts::store::{self, AccountChanges, AccountRow};
use crate::auth::Principal;
use crate::db::{self, Changes, PgPool};
use crate::error::AppResult;
use crate::events::data::AccountConvertedData;
use crate::events::dispatch::publish;
use crate::events::{Event, Outbox};
use crate::http::check_if_match;
use crate::results::rules::{Deltas, NEW_ACCOUNTS};
use crate::results::service as results;
use crate::validation::Validator;

/// Changes an account. A conversion counts one new account for whoever won it,
/// on its day, and the prospect's win is recorded. Runs in the caller's
/// transaction and publishes its events before it commits.
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
        results::record(c, org, deltas, results::Written::default(), &mut outbox).await?;
        outbox.push(Event::ProspectWon {
            org,
            data: AccountConvertedData {
                account_id: id,
                name: row.name.clone(),
                won_by,
                converted_on: day,
            },
        });
        publish(c, &mut outbox).await?;
    }
    Ok(row)
}

/// `PATCH /v1/accounts/{id}`: its name, status, segment and external ids (not
/// its owner: see transfer), when it is still at version `expected` if given.
pub async fn patch(
    pool: &PgPool,
    p: &Principal,
    id: Uuid,
    expected: Option<String>,
    b: PatchAccount,
) -> AppResult<AccountRow> {
    db::tx(pool, async move |c| patch_on(c, p, id, expected, b).await).await
}

/// [`patch`] in the caller's transaction.
pub async fn patch_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    expected: Option<String>,
    b: PatchAccount,
) -> AppResult<AccountRow> {
    require_writer(p)?;
    let current = get_visible(c, p, id, true).await?;
    let mut v = Validator::new();
    if let Some(n) = &b.name {
        v.text("name", n, 200);
    }
    if let Some(s) = b.status {
        rules::check_status(&mut v, current.kind, s);
    }
    check_segment(&mut v, b.segment.as_ref().and_then(|s| s.as_deref()));
    let source = b
        .external_source
        .clone()
        .unwrap_or(current.external_source.clone());
    let ext = b.external_id.clone().unwrap_or(current.external_id.clone());
    rules::may_set_external_ids(
        p.role(),
        source.as_deref().map(str::trim) != current.external_source.as_deref()
            || ext.as_deref().map(str::trim) != current.external_id.as_deref(),
    )?;
    rules::check_external(&mut v, source.as_deref(), ext.as_deref());
    v.finish()?;
    // A change that is invalid is refused as such, whatever version it names.
    check_if_match(expected.as_deref(), current.version)?;
    if let (Some(s), Some(e)) = (&source, &ext) {
        if store::external_taken(c, p.org_id, s.trim(), e.trim(), id).await? {
            return Err(rules::AccountRefusal::ExternalIdTaken.into());
        }
    }
    let trim = |o: Option<Option<String>>| o.map(|x| x.map(|s| s.trim().to_string()));
    let changes = AccountChanges {
        name: b.name.map(|n| n.trim().to_string()),
        status: b.status,
        segment: trim(b.segment),
        external_source: trim(b.external_source),
        external_id: trim(b.external_id),
        ..Default::default()
    };
    if changes.is_empty() {
        return Ok(current);
    }
    update(c, p.org_id, id, &changes).await
}
