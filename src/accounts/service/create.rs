//! Creating an account, with its first owner.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access::{
    actor_id, check_owner, check_past_day, check_segment, require_writer, today, visible_owners,
};
use crate::accounts::dto::CreateAccount;
use crate::accounts::rules::{self, AccountRefusal};
use crate::accounts::store::{self, AccountRow, NewAccount};
use crate::auth::rules::Role;
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppError, AppResult};
use crate::events::data::AccountCreatedData;
use crate::events::dispatch::publish;
use crate::events::{Event, Outbox};
use crate::validation::Validator;

/// `POST /v1/accounts`. Salespeople create accounts for themselves; managers
/// for one of their people; admins and clients for anyone.
pub async fn create(pool: &PgPool, p: &Principal, b: CreateAccount) -> AppResult<AccountRow> {
    require_writer(p)?;
    db::tx(pool, async move |c| create_on(c, p, b).await).await
}

/// [`create`] in the caller's transaction.
pub async fn create_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    b: CreateAccount,
) -> AppResult<AccountRow> {
    require_writer(p)?;
    let today = today(c, p).await?;
    let owner = match (p.role(), p.user_id(), b.owner_id) {
        (Some(Role::Salesperson), Some(me), None) => me,
        (Some(Role::Salesperson), Some(me), Some(o)) if o != me => {
            return Err(AccountRefusal::OthersAccount.into())
        }
        (_, _, Some(o)) => o,
        (_, _, None) => {
            return Err(AppError::invalid_field(
                "owner_id",
                "required",
                "name the account's owner",
            ))
        }
    };
    rules::may_set_external_ids(
        p.role(),
        b.external_source.is_some() || b.external_id.is_some(),
    )?;
    let since = b.owned_since.map_or(today, NaiveDate::from);
    rules::may_date(p.role(), "owned_since", since, today)?;
    let mut v = Validator::new();
    v.text("name", &b.name, 200);
    let status = b.status.unwrap_or(b.kind.default_status());
    rules::check_status(&mut v, b.kind, status);
    check_segment(&mut v, b.segment.as_deref());
    rules::check_external(
        &mut v,
        b.external_source.as_deref(),
        b.external_id.as_deref(),
    );
    check_past_day(&mut v, "owned_since", since, today);
    if let Some(e) = check_owner(c, p.org_id, "owner_id", owner).await? {
        v.push(e);
    } else if p.role() == Some(Role::Manager) {
        let people = visible_owners(c, p).await?.unwrap_or_default();
        v.check(
            people.contains(&owner),
            "owner_id",
            "invalid_owner",
            "not one of the people of your teams",
        );
    }
    v.finish()?;
    let new = NewAccount {
        org_id: p.org_id,
        id: Uuid::now_v7(),
        name: b.name.trim().to_string(),
        kind: b.kind,
        status,
        owner_id: owner,
        external_source: b.external_source.map(|s| s.trim().to_string()),
        external_id: b.external_id.map(|s| s.trim().to_string()),
        segment: b.segment.map(|s| s.trim().to_string()),
    };
    insert(c, &new, since, "created", actor_id(p))
        .await?
        .ok_or_else(store::external_conflict)
}

/// Inserts an account with its first owner and publishes `account.created`;
/// `None` when an account with the same external id was inserted meanwhile.
pub(super) async fn insert(
    c: &mut AsyncPgConnection,
    new: &NewAccount,
    owned_since: NaiveDate,
    reason: &str,
    recorded_by: Option<Uuid>,
) -> AppResult<Option<AccountRow>> {
    let row = store::insert(c, new, owned_since, reason, recorded_by).await?;
    if let Some(row) = &row {
        let mut outbox = Outbox::default();
        outbox.push(Event::AccountCreated {
            org: row.org_id,
            data: AccountCreatedData {
                account_id: row.id,
                name: row.name.clone(),
                kind: row.kind.as_str().to_string(),
                status: row.status.as_str().to_string(),
                owner_id: row.owner_id,
                external_source: row.external_source.clone(),
                external_id: row.external_id.clone(),
            },
        });
        publish(c, &mut outbox).await?;
    }
    Ok(row)
}
