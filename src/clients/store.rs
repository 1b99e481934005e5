//! Queries for integration clients.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::rules::ClientError;
use crate::auth::rules::Scope;
use crate::db::lower;
use crate::db::schema::{api_clients, client_logins};
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

/// Adds a client and its row of the `client_logins` lookup. Call inside a
/// transaction: the two rows stand or fall together (the lookup has no foreign
/// key to `api_clients`, which a distributed schema could not keep).
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
    let id = Uuid::now_v7();
    diesel::insert_into(client_logins::table)
        .values((
            client_logins::client_id.eq(id),
            client_logins::org_id.eq(org),
        ))
        .execute(c)
        .await?;
    diesel::insert_into(api_clients::table)
        .values((
            api_clients::org_id.eq(org),
            api_clients::id.eq(id),
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

/// Deactivates a client and drops its row of the `client_logins` lookup (a
/// deactivated client signs in no more). Call inside a transaction.
pub async fn deactivate(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<ClientRow> {
    diesel::delete(
        client_logins::table.filter(
            client_logins::org_id
                .eq(org)
                .and(client_logins::client_id.eq(id)),
        ),
    )
    .execute(c)
    .await?;
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
    diesel::delete(client_logins::table.filter(client_logins::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(api_clients::table.filter(api_clients::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}

/// The organisation of the active client `id`, if there is one. The
/// client-credentials grant starts here, before the caller's organisation is
/// known, so this lookup cannot carry an `org_id`: it reads the
/// `client_logins` lookup by its own key, and the client's row is then read
/// with the organisation found.
pub async fn org_of_client(c: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(client_logins::table
        .find(id)
        .select(client_logins::org_id)
        .first::<Uuid>(c)
        .await
        .optional()?)
}
