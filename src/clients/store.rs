//! Queries for integration clients.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::rules::ClientError;
use crate::auth::rules::Scope;
use crate::db::lower;
use crate::db::schema::api_clients;
use crate::db::Page;
use crate::error::{AppError, AppResult};

crate::db::text_enum!(Scope);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_clients)]
pub struct ClientRow {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub active: bool,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

pub async fn get(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<ClientRow> {
    api_clients::table
        .find((org, id))
        .select(ClientRow::as_select())
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("client"))
}

pub async fn list(
    c: &mut AsyncPgConnection,
    org: Uuid,
    page: &Page<Uuid>,
) -> AppResult<Vec<ClientRow>> {
    let mut q = api_clients::table
        .filter(api_clients::org_id.eq(org))
        .select(ClientRow::as_select())
        .order(api_clients::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = page.after {
        q = q.filter(api_clients::id.gt(after));
    }
    Ok(q.load(c).await?)
}

pub async fn insert(
    c: &mut AsyncPgConnection,
    org: Uuid,
    name: &str,
    scopes: &[Scope],
    secret_hash: &[u8],
    created_by: Uuid,
) -> AppResult<ClientRow> {
    let taken: bool = diesel::select(diesel::dsl::exists(
        api_clients::table
            .filter(api_clients::org_id.eq(org))
            .filter(api_clients::active)
            .filter(lower(api_clients::name).eq(name.to_lowercase())),
    ))
    .get_result(c)
    .await?;
    if taken {
        return Err(name_taken());
    }
    diesel::insert_into(api_clients::table)
        .values((
            api_clients::org_id.eq(org),
            api_clients::id.eq(Uuid::now_v7()),
            api_clients::name.eq(name),
            api_clients::scopes.eq(scopes),
            api_clients::secret_hash.eq(secret_hash),
            api_clients::created_by.eq(created_by),
        ))
        .returning(ClientRow::as_returning())
        .get_result(c)
        .await
        .map_err(|e| match e {
            // Another request took the name between the check above and this insert.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                ref info,
            ) if info.constraint_name() == Some("api_clients_name_key") => name_taken(),
            e => e.into(),
        })
}

fn name_taken() -> AppError {
    ClientError::NameTaken.into()
}

pub async fn deactivate(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<ClientRow> {
    diesel::update(api_clients::table.find((org, id)))
        .set(api_clients::active.eq(false))
        .returning(ClientRow::as_returning())
        .get_result(c)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("client"))
}

/// Deletes every row of organisation `org` from `api_clients`, for dropping the
/// whole organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(api_clients::table.filter(api_clients::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
