//! Reading accounts and their owners.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access::{get_visible, require_reader, visible_owners};
use crate::accounts::dto::AccountQuery;
use crate::accounts::rules::ConversionStatus;
use crate::accounts::store::{self, AccountRow, ListFilter, OwnerPeriodRow};
use crate::auth::Principal;
use crate::db::{self, Page, PgPool};
use crate::error::{AppError, AppResult};
use crate::http::PageParams;

/// The accounts the caller may see, a page of them: the rows (one more than
/// the limit when more follow) and the limit.
pub async fn list(
    pool: &PgPool,
    p: &Principal,
    q: AccountQuery,
) -> AppResult<(Vec<AccountRow>, i64)> {
    let (filter, conversion, page) = query(p, q)?;
    let rows = db::run(pool, async |c| rows(c, p, &filter, conversion, &page).await).await?;
    Ok((rows, page.limit))
}

/// [`list`] on the caller's connection.
pub async fn list_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    q: AccountQuery,
) -> AppResult<(Vec<AccountRow>, i64)> {
    let (filter, conversion, page) = query(p, q)?;
    let rows = rows(c, p, &filter, conversion, &page).await?;
    Ok((rows, page.limit))
}

/// Who may list, and the query checked: its filter, conversion status and page.
fn query(
    p: &Principal,
    q: AccountQuery,
) -> AppResult<(ListFilter, Option<ConversionStatus>, Page<Uuid>)> {
    require_reader(p)?;
    if q.q.as_deref().is_some_and(|s| s.contains('\0'))
        || q.external_source
            .as_deref()
            .is_some_and(|s| s.contains('\0'))
    {
        return Err(AppError::invalid_field(
            "q",
            "invalid_characters",
            "must not contain NUL characters",
        ));
    }
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .by_id()?;
    let filter = ListFilter {
        owner_id: q.owner_id,
        kind: q.kind,
        status: q.status,
        q: q.q,
        external_source: q.external_source,
    };
    Ok((filter, q.conversion_status, page))
}

async fn rows(
    c: &mut AsyncPgConnection,
    p: &Principal,
    filter: &ListFilter,
    conversion: Option<ConversionStatus>,
    page: &Page<Uuid>,
) -> AppResult<Vec<AccountRow>> {
    let visible = visible_owners(c, p).await?;
    store::list_by_conversion(c, p.org_id, visible, filter, conversion, page).await
}

/// One account the caller may see.
pub async fn get(pool: &PgPool, p: &Principal, id: Uuid) -> AppResult<AccountRow> {
    require_reader(p)?;
    db::run(pool, async |c| get_visible(c, p, id, false).await).await
}

/// An account by id, for other resources' services (no visibility check:
/// theirs decide who may); 404 when there is none.
pub async fn by_id(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<AccountRow> {
    store::get(c, org, id).await
}

/// An account's dated owners, oldest first.
pub async fn owner_history(
    pool: &PgPool,
    p: &Principal,
    id: Uuid,
) -> AppResult<Vec<OwnerPeriodRow>> {
    require_reader(p)?;
    db::run(pool, async |c| {
        get_visible(c, p, id, false).await?;
        store::owner_periods(c, p.org_id, id).await
    })
    .await
}
