//! Queries for accounts and their dated ownership.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::rules::{AccountRefusal, ConversionStatus, Kind, Ownership, Status};
use crate::db::schema::{account_owners, accounts, users};
use crate::db::{escape_like, lower, Page};
use crate::error::{AppError, AppResult};

crate::db::text_enum!(Kind, Status, ConversionStatus);

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub kind: Kind,
    pub status: Status,
    pub owner_id: Uuid,
    pub external_source: Option<String>,
    pub external_id: Option<String>,
    pub segment: Option<String>,
    pub converted_on: Option<NaiveDate>,
    pub won_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub conversion_status: Option<ConversionStatus>,
    pub conversion_requested_on: Option<NaiveDate>,
    pub conversion_requested_by: Option<Uuid>,
    pub conversion_decided_by: Option<Uuid>,
    pub conversion_decided_at: Option<DateTime<Utc>>,
    pub conversion_reason: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = accounts)]
pub struct NewAccount {
    pub org_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub kind: Kind,
    pub status: Status,
    pub owner_id: Uuid,
    pub external_source: Option<String>,
    pub external_id: Option<String>,
    pub segment: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = accounts)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    pub segment: Option<Option<String>>,
    pub external_source: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
    pub converted_on: Option<Option<NaiveDate>>,
    pub won_by: Option<Option<Uuid>>,
    pub conversion_status: Option<Option<ConversionStatus>>,
    pub conversion_requested_on: Option<Option<NaiveDate>>,
    pub conversion_requested_by: Option<Option<Uuid>>,
    pub conversion_decided_by: Option<Option<Uuid>>,
    pub conversion_decided_at: Option<Option<DateTime<Utc>>>,
    pub conversion_reason: Option<Option<String>>,
}

impl crate::db::Changes for AccountChanges {}

pub struct ListFilter {
    pub owner_id: Option<Uuid>,
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    pub q: Option<String>,
    pub external_source: Option<String>,
}

pub async fn list(
    c: &mut AsyncPgConnection,
    org: Uuid,
    visible: Option<Vec<Uuid>>,
    f: &ListFilter,
    page: &Page<Uuid>,
) -> AppResult<Vec<AccountRow>> {
    list_by_conversion(c, org, visible, f, None, page).await
}

/// [`list`], also filtered by `conversion_status` when one is given.
pub async fn list_by_conversion(
    c: &mut AsyncPgConnection,
    org: Uuid,
    visible: Option<Vec<Uuid>>,
    f: &ListFilter,
    conversion_status: Option<ConversionStatus>,
    page: &Page<Uuid>,
) -> AppResult<Vec<AccountRow>> {
    let mut q = accounts::table
        .filter(accounts::org_id.eq(org))
        .select(AccountRow::as_select())
        .order(accounts::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(owners) = visible {
        q = q.filter(accounts::owner_id.eq_any(owners));
    }
    if let Some(after) = page.after {
        q = q.filter(accounts::id.gt(after));
    }
    if let Some(o) = f.owner_id {
        q = q.filter(accounts::owner_id.eq(o));
    }
    if let Some(k) = f.kind {
        q = q.filter(accounts::kind.eq(k));
    }
    if let Some(s) = f.status {
        q = q.filter(accounts::status.eq(s));
    }
    if let Some(status) = conversion_status {
        q = q.filter(accounts::conversion_status.eq(status));
    }
    if let Some(src) = &f.external_source {
        q = q.filter(accounts::external_source.eq(src.clone()));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q
            .filter(lower(accounts::name).like(format!("%{}%", escape_like(&text.to_lowercase()))));
    }
    Ok(q.load(c).await?)
}

pub async fn get(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<AccountRow> {
    accounts::table
        .find((org, id))
        .select(AccountRow::as_select())
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("account"))
}

/// An account, locked for a change when `for_update`; else 404.
pub async fn get_for(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    for_update: bool,
) -> AppResult<AccountRow> {
    let q = accounts::table
        .find((org, id))
        .select(AccountRow::as_select());
    let row = if for_update {
        q.for_update().first(c).await.optional()?
    } else {
        q.first(c).await.optional()?
    };
    row.ok_or_else(|| AppError::not_found("account"))
}

pub async fn by_external(
    c: &mut AsyncPgConnection,
    org: Uuid,
    source: &str,
    external_id: &str,
) -> AppResult<Option<AccountRow>> {
    Ok(accounts::table
        .filter(accounts::org_id.eq(org))
        .filter(accounts::external_source.eq(source))
        .filter(accounts::external_id.eq(external_id))
        .select(AccountRow::as_select())
        .for_update()
        .first(c)
        .await
        .optional()?)
}

pub async fn external_taken(
    c: &mut AsyncPgConnection,
    org: Uuid,
    source: &str,
    external_id: &str,
    except: Uuid,
) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        accounts::table
            .filter(accounts::org_id.eq(org))
            .filter(accounts::external_source.eq(source))
            .filter(accounts::external_id.eq(external_id))
            .filter(accounts::id.ne(except)),
    ))
    .get_result(c)
    .await?)
}

pub fn external_conflict() -> AppError {
    AccountRefusal::ExternalIdTaken.into()
}

/// Inserts an account and its first ownership period. `None` when an account with
/// the same external id was inserted meanwhile (the caller then updates it).
pub async fn insert(
    c: &mut AsyncPgConnection,
    new: &NewAccount,
    owned_since: NaiveDate,
    reason: &str,
    recorded_by: Option<Uuid>,
) -> AppResult<Option<AccountRow>> {
    let row: Option<AccountRow> = diesel::insert_into(accounts::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(AccountRow::as_returning())
        .get_result(c)
        .await
        .optional()?;
    if let Some(row) = &row {
        diesel::insert_into(account_owners::table)
            .values((
                account_owners::org_id.eq(row.org_id),
                account_owners::account_id.eq(row.id),
                account_owners::owner_id.eq(row.owner_id),
                account_owners::from_on.eq(owned_since),
                account_owners::reason.eq(reason),
                account_owners::recorded_by.eq(recorded_by),
            ))
            .execute(c)
            .await?;
    }
    Ok(row)
}

pub async fn update(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    changes: &AccountChanges,
) -> AppResult<AccountRow> {
    // A conversion that counts is a confirmed one, whoever records it.
    let confirmed;
    let changes = if changes.converted_on.is_some_and(|d| d.is_some())
        && changes.conversion_status.is_none()
    {
        confirmed = AccountChanges {
            conversion_status: Some(Some(ConversionStatus::Confirmed)),
            ..changes.clone()
        };
        &confirmed
    } else {
        changes
    };
    let row = diesel::update(accounts::table.find((org, id)))
        .set((
            changes,
            accounts::version.eq(accounts::version + 1),
            accounts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(AccountRow::as_returning())
        .get_result(c)
        .await?;
    Ok(row)
}

/// The ownership history, oldest first.
pub async fn history(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
) -> AppResult<Vec<Ownership>> {
    let rows: Vec<(Uuid, NaiveDate, Option<NaiveDate>)> = account_owners::table
        .filter(
            account_owners::org_id
                .eq(org)
                .and(account_owners::account_id.eq(account)),
        )
        .select((
            account_owners::owner_id,
            account_owners::from_on,
            account_owners::to_on,
        ))
        .order(account_owners::from_on)
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(owner_id, from, to)| Ownership { owner_id, from, to })
        .collect())
}

#[derive(Debug, Queryable)]
pub struct OwnerPeriodRow {
    pub owner_id: Uuid,
    pub owner_name: String,
    pub from_on: NaiveDate,
    pub to_on: Option<NaiveDate>,
    pub reason: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
}

/// The ownership history with names, oldest first.
pub async fn owner_periods(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
) -> AppResult<Vec<OwnerPeriodRow>> {
    Ok(account_owners::table
        .inner_join(
            users::table.on(users::org_id
                .eq(account_owners::org_id)
                .and(users::id.eq(account_owners::owner_id))),
        )
        .filter(
            account_owners::org_id
                .eq(org)
                .and(account_owners::account_id.eq(account)),
        )
        .select((
            account_owners::owner_id,
            users::name,
            account_owners::from_on,
            account_owners::to_on,
            account_owners::reason,
            account_owners::recorded_by,
            account_owners::recorded_at,
        ))
        .order(account_owners::from_on)
        .load(c)
        .await?)
}

/// The owner of an account on a day: one row through the primary key.
pub async fn owner_on(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    day: NaiveDate,
) -> AppResult<Option<Uuid>> {
    Ok(account_owners::table
        .filter(account_owners::org_id.eq(org))
        .filter(account_owners::account_id.eq(account))
        .filter(account_owners::from_on.le(day))
        .filter(
            account_owners::to_on
                .is_null()
                .or(account_owners::to_on.ge(day)),
        )
        .order(account_owners::from_on.desc())
        .select(account_owners::owner_id)
        .first(c)
        .await
        .optional()?)
}

/// Records a transfer in the ownership history: the period that began on
/// `current_from` ends the day before `effective_on`, and `new_owner` owns the
/// account from `effective_on`. A transfer effective on `current_from` itself
/// corrects the current owner for that period.
#[allow(clippy::too_many_arguments)]
pub async fn transfer_periods(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    current_from: NaiveDate,
    new_owner: Uuid,
    effective_on: NaiveDate,
    reason: &str,
    recorded_by: Option<Uuid>,
) -> AppResult<()> {
    let current = account_owners::table.find((org, account, current_from));
    if effective_on == current_from {
        // A correction: the new owner held it from the current owner's first day.
        diesel::update(current)
            .set((
                account_owners::owner_id.eq(new_owner),
                account_owners::reason.eq(reason),
                account_owners::recorded_by.eq(recorded_by),
                account_owners::recorded_at.eq(diesel::dsl::now),
            ))
            .execute(c)
            .await?;
    } else {
        let last_day = effective_on
            .pred_opt()
            .expect("a transfer date has a day before it");
        diesel::update(current)
            .set(account_owners::to_on.eq(Some(last_day)))
            .execute(c)
            .await?;
        diesel::insert_into(account_owners::table)
            .values((
                account_owners::org_id.eq(org),
                account_owners::account_id.eq(account),
                account_owners::owner_id.eq(new_owner),
                account_owners::from_on.eq(effective_on),
                account_owners::reason.eq(reason),
                account_owners::recorded_by.eq(recorded_by),
            ))
            .execute(c)
            .await?;
    }
    Ok(())
}

/// Hands the account to `new_owner` after [`transfer_periods`]; a conversion
/// still awaiting a decision is withdrawn.
pub async fn hand_over(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    new_owner: Uuid,
    recorded_by: Option<Uuid>,
) -> AppResult<AccountRow> {
    // A conversion still awaiting a decision is withdrawn: whoever decides it
    // follows the owner, so the new owner records it again if it stands.
    diesel::update(
        accounts::table
            .find((org, account))
            .filter(accounts::conversion_status.eq(ConversionStatus::Pending)),
    )
    .set((
        accounts::conversion_status.eq(ConversionStatus::Rejected),
        accounts::conversion_decided_by.eq(recorded_by),
        accounts::conversion_decided_at.eq(Some(chrono::Utc::now())),
        accounts::conversion_reason
            .eq("withdrawn: the account was transferred before the conversion was decided"),
    ))
    .execute(c)
    .await?;
    Ok(diesel::update(accounts::table.find((org, account)))
        .set((
            accounts::owner_id.eq(new_owner),
            accounts::version.eq(accounts::version + 1),
            accounts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(AccountRow::as_returning())
        .get_result(c)
        .await?)
}

/// Deletes every row of organisation `org` from `account_owners`, `accounts`, for dropping the
/// whole organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(account_owners::table.filter(account_owners::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(accounts::table.filter(accounts::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
