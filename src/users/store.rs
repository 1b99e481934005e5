//! Queries for people.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::auth::rules::Role;
use crate::db::schema::{logins, users};
use crate::db::Page;
use crate::db::{escape_like, lower};
use crate::error::{AppError, AppResult};
use crate::users::rules::{SellingStyle, UserError};

crate::db::text_enum!(Role, SellingStyle);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub selling_style: Option<SellingStyle>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub org_id: Uuid,
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub selling_style: Option<SellingStyle>,
    pub password_hash: Option<String>,
}

#[derive(Debug, Default, PartialEq, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub selling_style: Option<Option<SellingStyle>>,
    pub active: Option<bool>,
}

impl crate::db::Changes for UserChanges {}

pub struct ListFilter {
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub q: Option<String>,
}

pub async fn list(
    c: &mut AsyncPgConnection,
    org: Uuid,
    visible: Option<Vec<Uuid>>,
    f: &ListFilter,
    page: &Page<Uuid>,
) -> AppResult<Vec<UserRow>> {
    let mut q = users::table
        .filter(users::org_id.eq(org))
        .select(UserRow::as_select())
        .order(users::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(ids) = visible {
        q = q.filter(users::id.eq_any(ids));
    }
    if let Some(after) = page.after {
        q = q.filter(users::id.gt(after));
    }
    if let Some(r) = &f.role {
        q = q.filter(users::role.eq(*r));
    }
    if let Some(a) = f.active {
        q = q.filter(users::active.eq(a));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        q = q.filter(
            lower(users::name)
                .like(pattern.clone())
                .or(lower(users::email).like(pattern)),
        );
    }
    Ok(q.load(c).await?)
}

pub async fn get(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<UserRow> {
    users::table
        .find((org, id))
        .select(UserRow::as_select())
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("user"))
}

/// A person's role and whether they are active, if they exist in the organisation.
pub async fn role_and_active(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
) -> AppResult<Option<(Role, bool)>> {
    Ok(users::table
        .find((org, id))
        .select((users::role, users::active))
        .first(c)
        .await
        .optional()?)
}

pub async fn lock(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<UserRow> {
    users::table
        .find((org, id))
        .select(UserRow::as_select())
        .for_update()
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("user"))
}

/// Whether someone other than `except`, in any organisation, signs in with
/// `email`. Asks the `logins` lookup by its own key: an address is unique
/// across the installation, so the question carries no organisation.
pub async fn email_taken(
    c: &mut AsyncPgConnection,
    email: &str,
    except: Option<Uuid>,
) -> AppResult<bool> {
    let mut q = logins::table
        .filter(logins::email_key.eq(super::rules::email_key(email)))
        .select(logins::user_id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(logins::user_id.ne(id));
    }
    Ok(q.first::<Uuid>(c).await.optional()?.is_some())
}

/// The organisation and the person who sign in with `email`, if anyone does.
/// Sign-in starts here, before the caller's organisation is known, so this
/// lookup cannot carry an `org_id`: it reads the `logins` lookup by its own key
/// (one row, wherever that table lives), and whatever follows reads with the
/// organisation found.
pub async fn login(c: &mut AsyncPgConnection, email: &str) -> AppResult<Option<(Uuid, Uuid)>> {
    Ok(logins::table
        .find(super::rules::email_key(email))
        .select((logins::org_id, logins::user_id))
        .first::<(Uuid, Uuid)>(c)
        .await
        .optional()?)
}

pub fn email_conflict() -> AppError {
    UserError::EmailTaken.into()
}

fn unique_email(e: diesel::result::Error) -> AppError {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => email_conflict(),
        e => e.into(),
    }
}

/// Adds a person and their row of the `logins` lookup. Call inside a
/// transaction: the two rows stand or fall together (the lookup has no foreign
/// key to `users`, which a distributed schema could not keep).
pub async fn insert(c: &mut AsyncPgConnection, new: &NewUser) -> AppResult<UserRow> {
    if email_taken(c, &new.email, None).await? {
        return Err(email_conflict());
    }
    // Its primary key refuses an address taken meanwhile, in any organisation.
    diesel::insert_into(logins::table)
        .values((
            logins::email_key.eq(super::rules::email_key(&new.email)),
            logins::org_id.eq(new.org_id),
            logins::user_id.eq(new.id),
        ))
        .execute(c)
        .await
        .map_err(unique_email)?;
    diesel::insert_into(users::table)
        .values((
            new,
            users::email_key.eq(super::rules::email_key(&new.email)),
        ))
        .returning(UserRow::as_returning())
        .get_result(c)
        .await
        .map_err(unique_email)
}

pub async fn update(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    changes: &UserChanges,
) -> AppResult<UserRow> {
    // A new address moves the person's `logins` row with it (call inside a
    // transaction); its primary key refuses an address taken meanwhile.
    if let Some(email) = changes.email.as_deref() {
        diesel::update(logins::table.filter(logins::org_id.eq(org).and(logins::user_id.eq(id))))
            .set(logins::email_key.eq(super::rules::email_key(email)))
            .execute(c)
            .await
            .map_err(unique_email)?;
    }
    diesel::update(users::table.find((org, id)))
        .set((
            changes,
            changes
                .email
                .as_deref()
                .map(|e| users::email_key.eq(super::rules::email_key(e))),
            users::version.eq(users::version + 1),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .returning(UserRow::as_returning())
        .get_result(c)
        .await
        .map_err(unique_email)
}

pub async fn password_hash(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
) -> AppResult<Option<String>> {
    Ok(users::table
        .find((org, id))
        .select(users::password_hash)
        .first(c)
        .await?)
}

pub async fn set_password_hash(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    hash: &str,
) -> AppResult<()> {
    diesel::update(users::table.find((org, id)))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(c)
        .await?;
    Ok(())
}

/// Access tokens issued before `at` are refused from now on.
pub async fn end_sessions(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    at: DateTime<Utc>,
) -> AppResult<()> {
    diesel::update(users::table.find((org, user)))
        .set(users::sessions_valid_from.eq(at))
        .execute(c)
        .await?;
    Ok(())
}

/// Deletes every row of organisation `org` from `users`, for dropping the
/// whole organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(logins::table.filter(logins::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(users::table.filter(users::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}

/// People by id: (id, role, active).
pub async fn people(
    c: &mut AsyncPgConnection,
    org: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<(Uuid, Role, bool)>> {
    Ok(users::table
        .filter(users::org_id.eq(org).and(users::id.eq_any(ids)))
        .select((users::id, users::role, users::active))
        .load(c)
        .await?)
}

/// People by email (case-insensitive), for CRMs that name owners by email.
pub async fn people_by_email(
    c: &mut AsyncPgConnection,
    org: Uuid,
    emails: &[String],
) -> AppResult<Vec<(String, Uuid)>> {
    let lowered: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
    let rows: Vec<(String, Uuid)> = users::table
        .filter(users::org_id.eq(org))
        .filter(lower(users::email).eq_any(lowered))
        .select((users::email, users::id))
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(e, id)| (e.to_lowercase(), id))
        .collect())
}
