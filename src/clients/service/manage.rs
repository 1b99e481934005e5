//! Integration clients (admins): list, create with a secret shown once, read,
//! deactivate.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::rules;
use super::super::store::{self, ClientRow};
use crate::auth::rules::{new_secret, secret_digest, Scope};
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppResult, Validator};
use crate::http::PageParams;

/// A page of the organisation's clients, with the page's limit.
pub async fn list(
    pool: &PgPool,
    p: &Principal,
    page: &PageParams,
) -> AppResult<(Vec<ClientRow>, i64)> {
    p.require_admin()?;
    let page = page.by_id()?;
    let rows = db::run(pool, async |c| store::list(c, p.org_id, &page).await).await?;
    Ok((rows, page.limit))
}

/// A new client and its secret (shown this once only).
pub async fn create(
    pool: &PgPool,
    p: &Principal,
    name: &str,
    scopes: &[Scope],
) -> AppResult<(ClientRow, String)> {
    db::tx(pool, async move |c| create_on(c, p, name, scopes).await).await
}

/// [`create`] in the caller's transaction.
pub async fn create_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    name: &str,
    scopes: &[Scope],
) -> AppResult<(ClientRow, String)> {
    let (me, scopes) = check_new(p, name, scopes)?;
    let secret = new_secret();
    let row = store::insert(
        c,
        p.org_id,
        name.trim(),
        &scopes,
        &secret_digest(&secret),
        me,
    )
    .await?;
    Ok((row, secret))
}

/// Who may add a client (admins, as themselves), and its scopes normalised.
fn check_new(p: &Principal, name: &str, scopes: &[Scope]) -> AppResult<(Uuid, Vec<Scope>)> {
    p.require_admin()?;
    let (me, _) = p.require_user()?;
    let mut v = Validator::new();
    v.text("name", name, 200);
    let scopes = rules::normalise_scopes(&mut v, scopes);
    v.finish()?;
    Ok((me, scopes))
}

/// One active client.
pub async fn get(pool: &PgPool, p: &Principal, id: Uuid) -> AppResult<ClientRow> {
    p.require_admin()?;
    db::run(pool, async |c| {
        let row = store::get(c, p.org_id, id).await?;
        rules::check_live(row.active)?;
        Ok(row)
    })
    .await
}

/// Deactivates a client; its tokens stop working at once.
pub async fn deactivate(pool: &PgPool, p: &Principal, id: Uuid) -> AppResult<ClientRow> {
    p.require_admin()?;
    db::tx(pool, async move |c| {
        rules::check_live(store::get(c, p.org_id, id).await?.active)?;
        store::deactivate(c, p.org_id, id).await
    })
    .await
}

/// A client by id, active or not (for the caller's own view, and other use cases).
pub async fn by_id(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<ClientRow> {
    store::get(c, org, id).await
}

/// The organisation of the active client `id`, if there is one: the one read
/// of the client-credentials grant that cannot name an organisation (it is
/// what finds it).
pub async fn org_of_client(c: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Uuid>> {
    store::org_of_client(c, id).await
}
