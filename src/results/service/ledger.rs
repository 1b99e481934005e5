//! Reading the ledger: the sales and activities behind every progress figure,
//! filtered, a page at a time (or every page, for an export), seen as progress
//! is seen.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::{Principal, Role};
use crate::db::{self, Page, PgPool};
use crate::error::{AppError, AppResult, FieldError};
use crate::results::dto_ledger::{ActivitiesQuery, SalesQuery};
use crate::results::rules::credit::Credit;
use crate::results::store::{self, ActivityEntry, SaleRow};
use crate::teams::service::lookups as teams;

pub use crate::results::store::{LedgerFilter, LedgerKey};

/// Rows an export reads at a time.
pub const EXPORT_PAGE: i64 = 500;

/// Whose results the caller sees, the rule of progress: admins, viewers and
/// `read` clients everything (`None`); a person the results credited to
/// themselves, and a manager also those credited to the members, on the day,
/// of the teams they manage and of their sub-teams.
pub async fn credited_seen(
    c: &mut AsyncPgConnection,
    p: &Principal,
) -> AppResult<Option<store::Credited>> {
    p.require_reader()?;
    if p.reads_org_wide() {
        return Ok(None);
    }
    let Some(me) = p.user_id() else {
        return Ok(Some(store::Credited::default()));
    };
    let teams = if p.role() == Some(Role::Manager) {
        teams::managed_team_ids(c, p.org_id, me).await?
    } else {
        Vec::new()
    };
    Ok(Some(store::Credited {
        people: vec![me],
        teams,
    }))
}

/// The filters common to both lists, checked (malformed values were refused
/// by the query extractor): `from` not after `to`, and texts without NUL.
struct Common {
    salesperson_id: Option<Uuid>,
    account_id: Option<Uuid>,
    team_id: Option<Uuid>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    source: Option<String>,
    include_voided: bool,
}

fn check(common: &Common, kind: Option<&str>) -> AppResult<()> {
    let mut errors = Vec::new();
    if let (Some(from), Some(to)) = (common.from, common.to) {
        if from > to {
            errors.push(FieldError::new(
                "to",
                "before_from",
                "`to` must not be before `from`",
            ));
        }
    }
    if common.source.as_deref().is_some_and(|s| s.contains('\0')) {
        errors.push(FieldError::new(
            "source",
            "invalid_characters",
            "must not contain NUL characters",
        ));
    }
    if let Some(kind) = kind {
        if !crate::targets::rules::is_activity_kind(kind) {
            errors.push(FieldError::new(
                "kind",
                "invalid_kind",
                "lowercase letters, digits and underscores, starting with a letter (at most 40)",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

/// The filter of a checked query, with the caller's view worked out.
async fn filter(
    c: &mut AsyncPgConnection,
    p: &Principal,
    common: &Common,
) -> AppResult<LedgerFilter> {
    let seen = credited_seen(c, p).await?;
    let team = match common.team_id {
        Some(t) => Some(teams::subtree_ids(c, p.org_id, t).await?),
        None => None,
    };
    Ok(LedgerFilter {
        seen,
        salesperson_id: common.salesperson_id,
        account_id: common.account_id,
        team,
        from: common.from,
        to: common.to,
        source: common.source.clone(),
        include_voided: common.include_voided,
        ..Default::default()
    })
}

/// The checked filter of `GET /v1/sales` for this caller. A filter naming a
/// person or team the caller does not see lists nothing (like every list).
pub async fn sales_filter(pool: &PgPool, p: &Principal, q: &SalesQuery) -> AppResult<LedgerFilter> {
    p.require_reader()?;
    let common = Common {
        salesperson_id: q.salesperson_id,
        account_id: q.account_id,
        team_id: q.team_id,
        from: q.from.map(Into::into),
        to: q.to.map(Into::into),
        source: q.source.clone(),
        include_voided: q.include_voided.unwrap_or(false),
    };
    check(&common, None)?;
    let mut f = db::run(pool, async |c| filter(c, p, &common).await).await?;
    f.sale_kind = q.kind;
    Ok(f)
}

/// The checked filter of `GET /v1/activities` for this caller.
pub async fn activities_filter(
    pool: &PgPool,
    p: &Principal,
    q: &ActivitiesQuery,
) -> AppResult<LedgerFilter> {
    p.require_reader()?;
    let common = Common {
        salesperson_id: q.salesperson_id,
        account_id: q.account_id,
        team_id: q.team_id,
        from: q.from.map(Into::into),
        to: q.to.map(Into::into),
        source: q.source.clone(),
        include_voided: q.include_voided.unwrap_or(false),
    };
    check(&common, q.kind.as_deref())?;
    let mut f = db::run(pool, async |c| filter(c, p, &common).await).await?;
    f.activity_kind = q.kind.clone();
    Ok(f)
}

/// A sale with its credits.
pub type SaleWithCredits = (SaleRow, Vec<Credit>);

/// The credits of each of `rows`, in one statement.
async fn with_credits(
    c: &mut AsyncPgConnection,
    org: Uuid,
    rows: Vec<SaleRow>,
) -> AppResult<Vec<SaleWithCredits>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut credits = store::credits_of(c, org, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let cr = credits.remove(&r.id).unwrap_or_default();
            (r, cr)
        })
        .collect())
}

/// A page of sales with their credits (one more row than the limit when more
/// follow).
pub async fn sales_page(
    pool: &PgPool,
    org: Uuid,
    f: &LedgerFilter,
    page: &Page<LedgerKey>,
) -> AppResult<Vec<SaleWithCredits>> {
    db::run(pool, async |c| {
        let rows = store::sales_page(c, org, f, page.after, page.limit + 1).await?;
        with_credits(c, org, rows).await
    })
    .await
}

/// A page of activities (one more row than the limit when more follow).
pub async fn activities_page(
    pool: &PgPool,
    org: Uuid,
    f: &LedgerFilter,
    page: &Page<LedgerKey>,
) -> AppResult<Vec<ActivityEntry>> {
    db::run(pool, async |c| {
        store::activities_page(c, org, f, page.after, page.limit + 1).await
    })
    .await
}

/// One sale the caller sees, voided or not, else 404: read through the same
/// query as the list, so that the list and the single read never disagree.
pub async fn sale(pool: &PgPool, p: &Principal, id: Uuid) -> AppResult<SaleWithCredits> {
    p.require_reader()?;
    db::run(pool, async |c| {
        let f = LedgerFilter {
            seen: credited_seen(c, p).await?,
            id: Some(id),
            include_voided: true,
            ..Default::default()
        };
        let row = store::sales_page(c, p.org_id, &f, None, 1)
            .await?
            .pop()
            .ok_or_else(|| AppError::not_found("sale"))?;
        Ok(with_credits(c, p.org_id, vec![row]).await?.remove(0))
    })
    .await
}
