//! Winning a prospect, with the segregation of duties: a salesperson's own
//! conversion is recorded as pending and counts nowhere (not for `new_accounts`,
//! scorecards, series or milestones, and it hands nothing over) until their
//! manager or an admin confirms it with the same `POST /v1/accounts/{id}/convert`,
//! or refuses it with `POST /v1/accounts/{id}/reject-conversion`. Conversions by
//! managers, admins and integration clients count at once.

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access::{
    actor_id, check_owner, check_past_day, get_visible, require_transfer, require_writer, today,
    visible_owners,
};
use super::{splits, transfer, update};
use crate::accounts::dto::{ConvertRequest, RejectConversion};
use crate::accounts::rules::{
    self, AccountRefusal, ConversionStatus, ConvertOutcome, Decider, Kind, Status,
};
use crate::accounts::store::{self, AccountChanges, AccountRow};
use crate::auth::rules::Role;
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppError, AppResult};
use crate::results::rules::credit::{CreditType, Share, SplitRule};
use crate::validation::Validator;
use rust_decimal::Decimal;

/// The changes that make a conversion count, decided by the caller now.
pub(super) fn confirmed_by(p: &Principal, changes: &mut AccountChanges) {
    changes.conversion_status = Some(Some(ConversionStatus::Confirmed));
    changes.conversion_decided_by = Some(actor_id(p));
    changes.conversion_decided_at = Some(Some(Utc::now()));
    changes.conversion_reason = Some(None);
}

/// The caller as the segregation of duties sees them, for this account.
async fn decider(c: &mut AsyncPgConnection, p: &Principal, row: &AccountRow) -> AppResult<Decider> {
    let recorder = row
        .conversion_requested_by
        .filter(|_| row.conversion_status == Some(ConversionStatus::Pending));
    // Nobody decides a conversion they recorded themselves (say, since promoted).
    if recorder.is_some() && recorder == p.user_id() && p.role() != Some(Role::Salesperson) {
        return Ok(Decider::OtherManager);
    }
    Ok(match p.role() {
        Some(Role::Admin) => Decider::Approver,
        Some(Role::Salesperson) => Decider::Salesperson,
        Some(Role::Manager) => {
            match recorder {
                // The manager of a team the recorder belongs to, parents included.
                Some(who)
                    if !visible_owners(c, p)
                        .await?
                        .unwrap_or_default()
                        .contains(&who) =>
                {
                    Decider::OtherManager
                }
                _ => Decider::Approver,
            }
        }
        // Viewers never get here (they do not write).
        Some(Role::Viewer) | None => Decider::Client,
    })
}

/// The frame of both calls: a writer, the account (404 unless visible) locked
/// for the change in one transaction.
async fn on_account<B, F>(
    pool: &PgPool,
    p: &Principal,
    id: Uuid,
    b: B,
    act: F,
) -> AppResult<AccountRow>
where
    F: AsyncFnOnce(&mut AsyncPgConnection, &Principal, AccountRow, B) -> AppResult<AccountRow>,
{
    require_writer(p)?;
    db::tx(pool, async move |c| {
        let current = get_visible(c, p, id, true).await?;
        act(c, p, current, b).await
    })
    .await
}

/// `POST /v1/accounts/{id}/convert`: records a salesperson's own conversion as
/// pending, or converts (confirming what is pending), optionally handing the
/// new customer over.
pub async fn convert(
    pool: &PgPool,
    p: &Principal,
    id: Uuid,
    b: ConvertRequest,
) -> AppResult<AccountRow> {
    on_account(pool, p, id, b, convert_in).await
}

/// [`convert`] in the caller's transaction.
pub async fn convert_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    b: ConvertRequest,
) -> AppResult<AccountRow> {
    require_writer(p)?;
    let current = get_visible(c, p, id, true).await?;
    convert_in(c, p, current, b).await
}

async fn convert_in(
    c: &mut AsyncPgConnection,
    p: &Principal,
    current: AccountRow,
    b: ConvertRequest,
) -> AppResult<AccountRow> {
    let id = current.id;
    if current.kind != Kind::Prospect {
        return Err(AccountRefusal::NotAProspect.into());
    }
    let status = current.conversion_status;
    let outcome = rules::on_convert(decider(c, p, &current).await?, status)?;
    let today = today(c, p).await?;
    let recorded = current
        .conversion_requested_on
        .filter(|_| status == Some(ConversionStatus::Pending));
    let on = b
        .converted_on
        .map(NaiveDate::from)
        .or(recorded)
        .unwrap_or(today);
    if outcome == ConvertOutcome::Record {
        if b.new_owner_id.is_some_and(|o| o != current.owner_id) || b.hunter_share.is_some() {
            return Err(AccountRefusal::RecordedConversionHandsOver.into());
        }
        rules::may_date(p.role(), "converted_on", on, today)?;
    }
    let mut v = Validator::new();
    check_past_day(&mut v, "converted_on", on, today);
    if let Some(r) = &b.reason {
        v.text("reason", r, 500);
    }
    if let Some(new_owner) = b.new_owner_id {
        if let Some(e) = check_owner(c, p.org_id, "new_owner_id", new_owner).await? {
            v.push(e);
        }
    }
    if let Some(h) = &b.hunter_share {
        let pct = h.share_pct.0;
        v.check(
            pct > Decimal::ZERO && pct <= Decimal::ONE_HUNDRED && pct.normalize().scale() <= 2,
            "hunter_share.share_pct",
            "invalid_share",
            "a percentage above 0 and at most 100, with at most 2 decimals",
        );
        v.check(
            h.until.0 >= on,
            "hunter_share.until",
            "before_converted_on",
            format!(
                "the hunter's share runs from the conversion ({on}); `until` must not be before it"
            ),
        );
        v.check(
            b.new_owner_id.is_some_and(|o| o != current.owner_id),
            "hunter_share",
            "needs_handover",
            "a hunter's share goes with a hand-over: name new_owner_id, another salesperson",
        );
    }
    v.finish()?;
    if outcome == ConvertOutcome::Record {
        return update(
            c,
            p.org_id,
            id,
            &AccountChanges {
                conversion_status: Some(Some(ConversionStatus::Pending)),
                conversion_requested_on: Some(Some(on)),
                conversion_requested_by: Some(p.user_id()),
                conversion_decided_by: Some(None),
                conversion_decided_at: Some(None),
                conversion_reason: Some(None),
                ..Default::default()
            },
        )
        .await;
    }
    let history = store::history(c, p.org_id, id).await?;
    let Some(won_by) = rules::owner_on(&history, on) else {
        return Err(AppError::invalid_field(
            "converted_on",
            "before_account_existed",
            format!(
                "the account exists from {}",
                history.first().map(|o| o.from).unwrap_or(today)
            ),
        ));
    };
    let mut changes = AccountChanges {
        kind: Some(Kind::Customer),
        status: Some(Status::Active),
        converted_on: Some(Some(on)),
        won_by: Some(Some(won_by)),
        ..Default::default()
    };
    confirmed_by(p, &mut changes);
    let mut row = update(c, p.org_id, id, &changes).await?;
    if let Some(new_owner) = b.new_owner_id.filter(|o| *o != row.owner_id) {
        require_transfer(c, p, row.owner_id, new_owner).await?;
        let from = rules::plan_transfer(&history, new_owner, on, today).map_err(|r| {
            AppError::validation(vec![r.field_error_as("new_owner_id", "converted_on")])
        })?;
        let reason = b
            .reason
            .as_deref()
            .map(str::trim)
            .unwrap_or("handover after conversion");
        row = transfer(c, p.org_id, id, from, new_owner, on, reason, actor_id(p)).await?;
        if let Some(h) = &b.hunter_share {
            let rule = SplitRule {
                id: Uuid::now_v7(),
                from: on,
                to: Some(h.until.0),
                hunter_share: true,
                shares: vec![Share {
                    salesperson_id: won_by,
                    credit_type: CreditType::Revenue,
                    share_pct: h.share_pct.0,
                }],
            };
            splits::add_on(c, p, id, rule).await?;
        }
    }
    Ok(row)
}

/// `POST /v1/accounts/{id}/reject-conversion`: the salesperson's manager or an
/// admin refuses a pending conversion; the account stays a prospect.
pub async fn reject_conversion(
    pool: &PgPool,
    p: &Principal,
    id: Uuid,
    b: RejectConversion,
) -> AppResult<AccountRow> {
    on_account(pool, p, id, b, reject_in).await
}

async fn reject_in(
    c: &mut AsyncPgConnection,
    p: &Principal,
    current: AccountRow,
    b: RejectConversion,
) -> AppResult<AccountRow> {
    rules::on_reject(decider(c, p, &current).await?, current.conversion_status)?;
    let mut v = Validator::new();
    if let Some(r) = &b.reason {
        v.text("reason", r, 500);
    }
    v.finish()?;
    update(
        c,
        p.org_id,
        current.id,
        &AccountChanges {
            conversion_status: Some(Some(ConversionStatus::Rejected)),
            conversion_decided_by: Some(actor_id(p)),
            conversion_decided_at: Some(Some(Utc::now())),
            conversion_reason: Some(b.reason.map(|r| r.trim().to_string())),
            ..Default::default()
        },
    )
    .await
}
