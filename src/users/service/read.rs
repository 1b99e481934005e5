//! Reading people.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::rules;
pub use super::super::store::ListFilter;

use super::super::store::{self, UserRow};
use super::visibility::{get_visible, visible_ids};
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppError, AppResult};
use crate::http::PageParams;

/// People the caller may see, filtered; with the page's limit.
pub async fn list(
    pool: &PgPool,
    p: &Principal,
    filter: ListFilter,
    page: &PageParams,
) -> AppResult<(Vec<UserRow>, i64)> {
    p.require_reader()?;
    if filter.q.as_deref().is_some_and(|s| s.contains('\0')) {
        return Err(AppError::invalid_field(
            "q",
            "invalid_characters",
            "must not contain NUL characters",
        ));
    }
    let page = page.by_id()?;
    let rows = db::run(pool, async |c| {
        let visible = visible_ids(c, p).await?;
        store::list(c, p.org_id, visible, &filter, &page).await
    })
    .await?;
    Ok((rows, page.limit))
}

/// One active person the caller may see.
pub async fn get(pool: &PgPool, p: &Principal, id: Uuid) -> AppResult<UserRow> {
    p.require_reader()?;
    db::run(pool, async |c| {
        let row = get_visible(c, p, id).await?;
        rules::check_live(row.active)?;
        Ok(row)
    })
    .await
}

/// A person's role and whether they are active; `None` when there is no such
/// person in the organisation (for other resources' rules, no visibility check).
pub async fn person(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
) -> AppResult<Option<(crate::auth::rules::Role, bool)>> {
    store::role_and_active(c, org, id).await
}

/// The organisation of whoever signs in with this address, if anyone does.
pub async fn org_of_email(c: &mut AsyncPgConnection, email: &str) -> AppResult<Option<Uuid>> {
    Ok(store::login(c, email).await?.map(|(org, _)| org))
}

/// The organisation and the person who sign in with this address, if anyone
/// does: the one read of sign-in that cannot name an organisation (it is what
/// finds it).
pub async fn login(c: &mut AsyncPgConnection, email: &str) -> AppResult<Option<(Uuid, Uuid)>> {
    store::login(c, email).await
}

/// Whether someone, in any organisation, signs in with this address.
pub async fn email_in_use(c: &mut AsyncPgConnection, email: &str) -> AppResult<bool> {
    store::email_taken(c, email, None).await
}

/// People by id: (id, role, active); ids of nobody are left out.
pub async fn people(
    c: &mut AsyncPgConnection,
    org: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<(Uuid, crate::auth::rules::Role, bool)>> {
    store::people(c, org, ids).await
}

/// People by email, case-insensitive: (the email lower-cased, id).
pub async fn people_by_email(
    c: &mut AsyncPgConnection,
    org: Uuid,
    emails: &[String],
) -> AppResult<Vec<(String, Uuid)>> {
    store::people_by_email(c, org, emails).await
}

/// The salespeople of the organisation among `ids` (of any other role, or of
/// nobody, are left out).
pub async fn salespeople(
    c: &mut AsyncPgConnection,
    org: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    Ok(store::people(c, org, ids)
        .await?
        .into_iter()
        .filter(|(_, role, _)| *role == crate::auth::rules::Role::Salesperson)
        .map(|(id, _, _)| id)
        .collect())
}
