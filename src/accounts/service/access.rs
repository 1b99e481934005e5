//! Who may do what, whose accounts a caller sees, and the checks several use
//! cases share.

use chrono::{Datelike, NaiveDate};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::accounts::rules::{self, Seen};
use crate::accounts::store::{self, AccountRow};
use crate::auth::rules::Role;
use crate::auth::{Actor, Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::org::context::OrgContext;
use crate::validation::{FieldError, Validator};

/// Creating and changing accounts: everyone but viewers and read-only clients.
pub fn require_writer(p: &Principal) -> AppResult<()> {
    Ok(rules::may_write(
        p.role(),
        p.has_scope(Scope::AccountsWrite),
    )?)
}

/// Reading accounts: every person; clients with `read` or `accounts:write`.
pub fn require_reader(p: &Principal) -> AppResult<()> {
    if p.has_scope(Scope::AccountsWrite) {
        return Ok(());
    }
    p.require_reader()
}

/// CRM sync: admins and clients with `accounts:write`. Salespeople and managers
/// are refused with `integration_only`.
pub fn require_sync(p: &Principal) -> AppResult<()> {
    Ok(rules::may_sync(
        p.role(),
        p.has_scope(Scope::AccountsWrite),
    )?)
}

/// Transfers: admins, clients with `accounts:write`, and managers for whom both
/// owners are among their people.
pub(super) async fn require_transfer(
    c: &mut AsyncPgConnection,
    p: &Principal,
    from: Uuid,
    to: Uuid,
) -> AppResult<()> {
    let writes = p.has_scope(Scope::AccountsWrite);
    let manages_both = if p.role() == Some(Role::Manager) && !writes {
        let people = visible_owners(c, p).await?.unwrap_or_default();
        people.contains(&from) && people.contains(&to)
    } else {
        false
    };
    Ok(rules::may_transfer(p.role(), writes, manages_both)?)
}

/// Whose accounts a caller may see: `None` is every account (see
/// [`rules::seen_by`]).
pub(super) async fn visible_owners(
    c: &mut AsyncPgConnection,
    p: &Principal,
) -> AppResult<Option<Vec<Uuid>>> {
    let org_wide = p.reads_org_wide() || p.has_scope(Scope::AccountsWrite);
    Ok(match rules::seen_by(p.role(), p.user_id(), org_wide) {
        Seen::All => None,
        Seen::Managed(me) => {
            let today = today(c, p).await?;
            let mut ids =
                crate::teams::service::visibility::managed_people(c, p.org_id, me, today).await?;
            ids.push(me);
            Some(ids)
        }
        Seen::Own(me) => Some(vec![me]),
        Seen::Nothing => Some(Vec::new()),
    })
}

/// An account the caller may see, locked for a change when `for_update`; else 404.
pub async fn get_visible(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    for_update: bool,
) -> AppResult<AccountRow> {
    let row = store::get_for(c, p.org_id, id, for_update).await?;
    match visible_owners(c, p).await? {
        Some(owners) if !owners.contains(&row.owner_id) => Err(AppError::not_found("account")),
        _ => Ok(row),
    }
}

/// Today in the caller's organisation.
pub(super) async fn today(c: &mut AsyncPgConnection, p: &Principal) -> AppResult<NaiveDate> {
    Ok(OrgContext::for_read(c, p).await?.today)
}

pub(super) fn actor_id(p: &Principal) -> Option<Uuid> {
    match p.actor {
        Actor::User { id, .. } | Actor::Client { id, .. } => Some(id),
    }
}

/// A day within years 1 to 9999 and not after `today`.
pub(super) fn check_past_day(v: &mut Validator, field: &str, day: NaiveDate, today: NaiveDate) {
    if !(1..=9999).contains(&day.year()) {
        v.push(FieldError::new(
            field,
            "out_of_range",
            "must be a date with a four-digit year",
        ));
    } else if day > today {
        v.push(FieldError::new(
            field,
            "in_future",
            format!("must be today ({today}) or earlier"),
        ));
    }
}

/// Checks that `owner` may own accounts: an active salesperson of the organisation.
pub(super) async fn check_owner(
    c: &mut AsyncPgConnection,
    org: Uuid,
    field: &str,
    owner: Uuid,
) -> AppResult<Option<FieldError>> {
    Ok(
        match crate::users::service::read::people(c, org, &[owner])
            .await?
            .first()
        {
            None => Some(FieldError::new(
                field,
                "not_found",
                "no such person in this organisation",
            )),
            Some((_, _, false)) => Some(FieldError::new(
                field,
                "owner_inactive",
                "this person is deactivated",
            )),
            Some((_, role, true)) if *role != Role::Salesperson => Some(FieldError::new(
                field,
                "invalid_owner",
                "accounts are owned by salespeople",
            )),
            Some(_) => None,
        },
    )
}

pub(super) fn check_segment(v: &mut Validator, segment: Option<&str>) {
    if let Some(s) = segment {
        v.text("segment", s, 100);
    }
}
