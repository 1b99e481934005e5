//! Adding, changing, deactivating and reactivating people.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::dto::{CreateUser, PatchUser};
use super::super::rules::{self, Current, Requested, UserError};
use super::super::store::{self, NewUser, UserChanges, UserRow};
use super::visibility::get_visible;
use crate::auth::{passwords, Principal, Role};
use crate::db::{self, Changes, PgPool};
use crate::error::{AppError, AppResult, FieldError, Validator};
use crate::events::data::UserData;
use crate::events::dispatch::publish;
use crate::events::{Event, Outbox};
use crate::http::check_if_match;
use crate::state::AppState;

/// A new person (admin), with an initial password if given.
pub async fn create(state: &AppState, p: &Principal, b: CreateUser) -> AppResult<UserRow> {
    check_new(p, &b)?;
    let password_hash = match b.password.clone() {
        Some(pw) => Some(state.hashing.run(move || passwords::hash(&pw)).await?),
        None => None,
    };
    db::tx(&state.pool, async |c| {
        insert_checked(c, p, &b, password_hash.clone()).await
    })
    .await
}

/// [`create`] in the caller's transaction, the password hashed already:
/// `password_hash` is the hash of `b.password` (none without one), made off
/// the connection, or once for many people.
pub async fn create_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    b: &CreateUser,
    password_hash: Option<String>,
) -> AppResult<UserRow> {
    check_new(p, b)?;
    if b.password.is_some() != password_hash.is_some() {
        return Err(AppError::internal(
            "a new person's password and its hash go together",
        ));
    }
    insert_checked(c, p, b, password_hash).await
}

/// Who may add a person (admins), and the new person's fields.
fn check_new(p: &Principal, b: &CreateUser) -> AppResult<()> {
    p.require_admin()?;
    let mut v = Validator::new();
    rules::check_email(&mut v, "email", b.email.trim());
    v.text("name", &b.name, 200);
    rules::check_style(&mut v, b.role, b.selling_style);
    if let Some((code, msg)) = b.password.as_deref().and_then(passwords::check_policy) {
        v.push(FieldError::new("password", code, msg));
    }
    Ok(v.finish()?)
}

async fn insert_checked(
    c: &mut AsyncPgConnection,
    p: &Principal,
    b: &CreateUser,
    password_hash: Option<String>,
) -> AppResult<UserRow> {
    let new = NewUser {
        org_id: p.org_id,
        id: Uuid::now_v7(),
        email: b.email.trim().to_string(),
        name: b.name.trim().to_string(),
        role: b.role,
        selling_style: b.selling_style,
        password_hash,
    };
    let row = store::insert(c, &new).await?;
    announce(c, &row, true).await?;
    Ok(row)
}

/// A new organisation's first admin, in the transaction that sets the
/// organisation up (nobody is there yet to ask): the fields checked by the
/// caller, the password hashed.
pub async fn first_admin_on(
    c: &mut AsyncPgConnection,
    org: Uuid,
    email: &str,
    name: &str,
    password_hash: String,
) -> AppResult<UserRow> {
    let new = NewUser {
        org_id: org,
        id: Uuid::now_v7(),
        email: email.trim().to_string(),
        name: name.trim().to_string(),
        role: Role::Admin,
        selling_style: None,
        password_hash: Some(password_hash),
    };
    let row = store::insert(c, &new).await?;
    announce(c, &row, true).await?;
    Ok(row)
}

/// Publishes `user.created` (or `user.deactivated`) for `row`, in the caller's
/// transaction.
async fn announce(c: &mut AsyncPgConnection, row: &UserRow, created: bool) -> AppResult<()> {
    let data = UserData {
        user_id: row.id,
        name: row.name.clone(),
        role: row.role.as_str().to_string(),
        active: row.active,
    };
    let org = row.org_id;
    let mut outbox = Outbox::default();
    outbox.push(if created {
        Event::UserCreated { org, data }
    } else {
        Event::UserDeactivated { org, data }
    });
    publish(c, &mut outbox).await
}

/// Changes a person, if still at the version `expected` (an If-Match). Admins
/// change every field; people their own name.
pub async fn patch(
    pool: &PgPool,
    p: &Principal,
    id: Uuid,
    b: PatchUser,
    expected: Option<String>,
) -> AppResult<UserRow> {
    db::tx(pool, async move |c| {
        get_visible(c, p, id).await?;
        let current = store::lock(c, p.org_id, id).await?;
        rules::check_live(current.active)?;
        let (caller, _) = p.require_user()?;
        let planned = rules::plan_change(
            caller,
            p.is_admin(),
            &Current {
                id: current.id,
                role: current.role,
                selling_style: current.selling_style,
            },
            &Requested {
                email: b.email.as_deref(),
                name: b.name.as_deref(),
                role: b.role,
                selling_style: b.selling_style,
            },
        )?;
        check_if_match(expected.as_deref(), current.version)?;
        if let Some(e) = &planned.email {
            if store::email_taken(c, e, Some(id)).await? {
                return Err(UserError::EmailTaken.into());
            }
        }
        let changes = UserChanges {
            email: planned.email,
            name: planned.name,
            role: planned.role,
            selling_style: planned.selling_style,
            active: None,
        };
        if changes.is_empty() {
            // The version moves only when something changed.
            return Ok(current);
        }
        store::update(c, p.org_id, id, &changes).await
    })
    .await
}

/// Deactivates a person (admin): their history stays, their tokens stop working.
pub async fn deactivate(pool: &PgPool, p: &Principal, id: Uuid) -> AppResult<UserRow> {
    p.require_admin()?;
    db::tx(pool, async move |c| {
        let current = store::lock(c, p.org_id, id).await?;
        rules::check_live(current.active)?;
        rules::check_not_self(p.user_id(), current.id)?;
        let changes = UserChanges {
            active: Some(false),
            ..Default::default()
        };
        let updated = store::update(c, p.org_id, id, &changes).await?;
        crate::auth::service::sessions::revoke_user(c, p.org_id, id, Utc::now()).await?;
        announce(c, &updated, false).await?;
        Ok(updated)
    })
    .await
}

/// Reactivates a person (admin); a person already active stays as they are.
pub async fn reactivate(pool: &PgPool, p: &Principal, id: Uuid) -> AppResult<UserRow> {
    p.require_admin()?;
    db::tx(pool, async move |c| {
        let current = store::lock(c, p.org_id, id).await?;
        if current.active {
            return Ok(current);
        }
        let changes = UserChanges {
            active: Some(true),
            ..Default::default()
        };
        store::update(c, p.org_id, id, &changes).await
    })
    .await
}
