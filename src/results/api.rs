//! `/v1/sales` and `/v1/activities`: what CRMs push, credited to the right person.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::rules::{self, activity_metric, Deltas, SaleKind};
use super::store::{self, ActivityValues, SaleRow, SaleValues};
use crate::accounts::rules::owner_on;
use crate::auth::{Actor, Principal, Scope};
use crate::http::{BatchResult, ItemResult, ItemStatus};

use crate::error::{AppError, AppResult, FieldError, Validator};
use crate::extract::parse_json_lenient;
use crate::idempotency;
use crate::state::AppState;
use crate::values::{Amount, IsoDate};

/// Most items in one batch.
pub const MAX_BATCH: usize = 1000;

/// A sale as a CRM sends it. Upserted by `(source, external_id)`. Amounts,
/// lengths and references are checked item by item: an item that breaks a rule is
/// rejected alone, with its errors.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleItem {
    /// The sale's id in the CRM.
    #[schema(example = "inv-2026-0042")]
    pub external_id: String,
    /// The CRM; defaults to the integration client's name.
    pub source: Option<String>,
    /// The account, by id or by its id in the CRM.
    pub account_id: Option<Uuid>,
    pub account_external_id: Option<String>,
    /// The CRM that knows `account_external_id` (default: `source`).
    pub account_source: Option<String>,
    /// The salesperson to credit; default: the account's owner on `occurred_on`.
    pub salesperson_id: Option<Uuid>,
    pub occurred_on: IsoDate,
    /// A positive amount in `currency`; a credit note counts it negative.
    #[schema(example = "12500.00")]
    pub revenue: Amount,
    /// Gross profit in `currency`; or give `cost` and it is derived.
    #[schema(example = "3100.00")]
    pub gross_profit: Option<Amount>,
    pub cost: Option<Amount>,
    /// Default: the organisation's currency.
    #[schema(example = "EUR")]
    pub currency: Option<String>,
    /// Units of the reporting currency per unit of `currency`; required for another currency.
    #[schema(example = "0.92")]
    pub fx_rate: Option<Amount>,
    pub kind: Option<SaleKind>,
}

/// A sale in the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sale {
    pub id: Uuid,
    pub source: String,
    pub external_id: String,
    pub account_id: Uuid,
    /// Who it is credited to.
    pub salesperson_id: Uuid,
    pub occurred_on: NaiveDate,
    pub kind: SaleKind,
    pub currency: String,
    #[schema(value_type = String)]
    pub fx_rate: Decimal,
    /// As sent, in `currency`.
    #[schema(value_type = String)]
    pub revenue: Decimal,
    #[schema(value_type = String)]
    pub gross_profit: Decimal,
    /// What it counts for, in the organisation's currency (negative for a credit note).
    #[schema(value_type = String)]
    pub counted_revenue: Decimal,
    #[schema(value_type = String)]
    pub counted_gross_profit: Decimal,
    pub voided_at: Option<DateTime<Utc>>,
    pub void_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SaleRow> for Sale {
    fn from(r: SaleRow) -> Self {
        Sale {
            id: r.id,
            source: r.source,
            external_id: r.external_id,
            account_id: r.account_id,
            salesperson_id: r.salesperson_id,
            occurred_on: r.occurred_on,
            kind: SaleKind::parse(&r.kind),
            currency: r.currency,
            fx_rate: r.fx_rate.normalize(),
            revenue: r.amount_revenue,
            gross_profit: r.amount_gross_profit,
            counted_revenue: r.revenue,
            counted_gross_profit: r.gross_profit,
            voided_at: r.voided_at,
            void_reason: r.void_reason,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleBatch {
    #[schema(max_items = 1000)]
    pub items: Vec<SaleItem>,
}

/// The answer to a single push.
#[derive(Debug, Serialize, ToSchema)]
pub struct SaleResult {
    pub status: ItemStatus,
    pub sale: Sale,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// An activity as a CRM sends it. Upserted by `(source, external_id)`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityItem {
    pub external_id: String,
    /// Default: the integration client's name.
    pub source: Option<String>,
    /// `call`, `meeting`, `demo`, `proposal`, or the organisation's own kind.
    #[schema(example = "meeting")]
    pub kind: String,
    /// Default: the owner of `account_id` on the day.
    pub salesperson_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    /// 1 to 100000 (default 1); checked item by item.
    pub count: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityBatch {
    #[schema(max_items = 1000)]
    pub items: Vec<ActivityItem>,
}

fn require_scope(p: &Principal, scope: Scope) -> AppResult<()> {
    if p.is_admin() || p.has_scope(scope) {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "only integration clients with {} and admins push results",
            scope.as_str()
        )))
    }
}

/// The default `source`: the integration client's name.
async fn default_source(c: &mut AsyncPgConnection, p: &Principal) -> AppResult<Option<String>> {
    match &p.actor {
        Actor::Client { id, .. } => Ok(Some(
            crate::clients::store::get(c, p.org_id, *id).await?.name,
        )),
        Actor::User { .. } => Ok(None),
    }
}

fn check_day(v: &mut Validator, field: &str, day: NaiveDate) {
    v.check(
        (1000..=9998).contains(&day.year()),
        field,
        "out_of_range",
        "a date between the years 1000 and 9998",
    );
}

fn source_of(v: &mut Validator, given: Option<&str>, default: Option<&str>) -> String {
    match given.or(default) {
        Some(s) => {
            v.text("source", s, 100);
            s.trim().to_string()
        }
        None => {
            v.push(FieldError::new(
                "source",
                "required",
                "name the CRM this comes from",
            ));
            String::new()
        }
    }
}

/// A checked sale item, ready to resolve against the database.
struct Checked {
    index: usize,
    key: (String, String),
    account: AccountRef,
    salesperson: Option<Uuid>,
    occurred_on: NaiveDate,
    kind: SaleKind,
    amounts: rules::Amounts,
}

enum AccountRef {
    Id(Uuid),
    External(String, String),
}

fn check_sale(
    index: usize,
    item: &SaleItem,
    reporting: &str,
    default_source: Option<&str>,
) -> Result<Checked, Vec<FieldError>> {
    let mut v = Validator::new();
    v.text("external_id", &item.external_id, 200);
    let source = source_of(&mut v, item.source.as_deref(), default_source);
    check_day(&mut v, "occurred_on", item.occurred_on.0);
    let account = match (item.account_id, item.account_external_id.as_deref()) {
        (Some(id), None) => Some(AccountRef::Id(id)),
        (None, Some(ext)) => {
            v.text("account_external_id", ext, 200);
            let src = item
                .account_source
                .as_deref()
                .map(str::trim)
                .unwrap_or(source.as_str())
                .to_string();
            Some(AccountRef::External(src, ext.trim().to_string()))
        }
        (Some(_), Some(_)) => {
            v.push(FieldError::new(
                "account_id",
                "conflict",
                "give account_id or account_external_id, not both",
            ));
            None
        }
        (None, None) => {
            v.push(FieldError::new(
                "account_id",
                "required",
                "give account_id or account_external_id",
            ));
            None
        }
    };
    let kind = item.kind.unwrap_or_default();
    let amounts = rules::amounts(
        &mut v,
        reporting,
        kind,
        item.revenue.0,
        item.gross_profit.map(Decimal::from),
        item.cost.map(Decimal::from),
        item.currency.as_deref().map(str::trim),
        item.fx_rate.map(Decimal::from),
    );
    match (v.finish(), account, amounts) {
        (Ok(()), Some(account), Some(amounts)) => Ok(Checked {
            index,
            key: (source, item.external_id.trim().to_string()),
            account,
            salesperson: item.salesperson_id,
            occurred_on: item.occurred_on.0,
            kind,
            amounts,
        }),
        (Err(e), _, _) => Err(e.errors),
        _ => Err(vec![FieldError::new("", "invalid", "the item is invalid")]),
    }
}

/// Stores a batch of sales: resolves accounts and credit, upserts the ledger and
/// moves the rollup, all in the caller's transaction.
pub(crate) async fn push_sales(
    c: &mut AsyncPgConnection,
    p: &Principal,
    items: &[SaleItem],
) -> AppResult<Vec<ItemResult>> {
    let org = crate::org::store::get(c, p.org_id).await?;
    let default = default_source(c, p).await?;
    let mut results: Vec<Option<ItemResult>> = (0..items.len()).map(|_| None).collect();
    let reject = |results: &mut Vec<Option<ItemResult>>, index: usize, errors: Vec<FieldError>| {
        results[index] = Some(ItemResult {
            index,
            status: ItemStatus::Rejected,
            id: None,
            errors,
        });
    };
    let mut checked = Vec::new();
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        match check_sale(i, item, &org.currency, default.as_deref()) {
            Ok(ch) if !seen.insert(ch.key.clone()) => reject(
                &mut results,
                i,
                vec![FieldError::new(
                    "external_id",
                    "duplicate_in_batch",
                    "this sale appears earlier in the batch",
                )],
            ),
            Ok(ch) => checked.push(ch),
            Err(errors) => reject(&mut results, i, errors),
        }
    }
    // Resolve accounts and credit with a few queries for the whole batch.
    let ids: Vec<Uuid> = checked
        .iter()
        .filter_map(|ch| match ch.account {
            AccountRef::Id(id) => Some(id),
            _ => None,
        })
        .collect();
    let ext: Vec<(String, String)> = checked
        .iter()
        .filter_map(|ch| match &ch.account {
            AccountRef::External(s, e) => Some((s.clone(), e.clone())),
            _ => None,
        })
        .collect();
    let index = store::account_index(c, p.org_id, &ids, &ext).await?;
    let named: Vec<Uuid> = checked.iter().filter_map(|ch| ch.salesperson).collect();
    let sellers: HashSet<Uuid> = store::salespeople(c, p.org_id, &named)
        .await?
        .into_iter()
        .collect();
    let mut ready = Vec::new();
    for ch in checked {
        let account = match &ch.account {
            AccountRef::Id(id) if index.ids.contains(id) => Some(*id),
            AccountRef::External(s, e) => index.by_external.get(&(s.clone(), e.clone())).copied(),
            _ => None,
        };
        let Some(account) = account else {
            let field = if matches!(ch.account, AccountRef::Id(_)) {
                "account_id"
            } else {
                "account_external_id"
            };
            reject(
                &mut results,
                ch.index,
                vec![FieldError::new(
                    field,
                    "not_found",
                    "no such account in this organisation",
                )],
            );
            continue;
        };
        let (salesperson, given) = match ch.salesperson {
            Some(s) if sellers.contains(&s) => (s, true),
            Some(_) => {
                reject(
                    &mut results,
                    ch.index,
                    vec![FieldError::new(
                        "salesperson_id",
                        "not_found",
                        "no such salesperson in this organisation",
                    )],
                );
                continue;
            }
            None => match index
                .owners
                .get(&account)
                .and_then(|h| owner_on(h, ch.occurred_on))
            {
                Some(o) => (o, false),
                None => {
                    reject(
                        &mut results,
                        ch.index,
                        vec![FieldError::new(
                            "occurred_on",
                            "no_owner_on_day",
                            "the account had no owner on this day; name salesperson_id",
                        )],
                    );
                    continue;
                }
            },
        };
        let values = SaleValues {
            account_id: account,
            salesperson_id: salesperson,
            salesperson_given: given,
            occurred_on: ch.occurred_on,
            kind: ch.kind.as_str().into(),
            currency: ch.amounts.currency.clone(),
            fx_rate: ch.amounts.fx_rate,
            amount_revenue: ch.amounts.amount_revenue,
            amount_gross_profit: ch.amounts.amount_gross_profit,
            revenue: ch.amounts.revenue,
            gross_profit: ch.amounts.gross_profit,
        };
        ready.push((ch.index, ch.key, values));
    }
    // Upsert: update what exists, insert the rest. The keys are locked first, in
    // one order for every push, then the rollup rows in theirs (`Deltas` is
    // sorted), so overlapping pushes wait for each other instead of each holding
    // rows the other needs. (Locking the rows that exist and then inserting the
    // others did not: a row inserted meanwhile by a third push was locked out of
    // order.) A key taken meanwhile all the same is updated in a second round.
    ready.sort_by(|a, b| a.1.cmp(&b.1));
    let keys: Vec<(String, String)> = ready.iter().map(|r| r.1.clone()).collect();
    super::order::lock_keys(c, p.org_id, &keys).await?;
    let mut deltas = Deltas::default();
    let mut pending = ready;
    for _round in 0..2 {
        let keys: Vec<(String, String)> = pending.iter().map(|r| r.1.clone()).collect();
        let existing = store::sales_by_keys(c, p.org_id, &keys).await?;
        let mut inserts = Vec::new();
        let mut fresh = Vec::new();
        for (index, key, values) in pending {
            match existing.get(&key) {
                Some(row) if row.voided_at.is_some() => reject(
                    &mut results,
                    index,
                    vec![FieldError::new(
                        "external_id",
                        "sale_voided",
                        "this sale was voided and no longer changes",
                    )],
                ),
                Some(row) if values.same_as(row) => {
                    results[index] = Some(ItemResult {
                        index,
                        status: ItemStatus::Unchanged,
                        id: Some(row.id),
                        errors: vec![],
                    });
                }
                Some(row) => {
                    store::update_sale(c, p.org_id, row.id, &values).await?;
                    deltas.sale(
                        row.salesperson_id,
                        row.occurred_on,
                        row.revenue,
                        row.gross_profit,
                        Decimal::NEGATIVE_ONE,
                    );
                    deltas.sale(
                        values.salesperson_id,
                        values.occurred_on,
                        values.revenue,
                        values.gross_profit,
                        Decimal::ONE,
                    );
                    results[index] = Some(ItemResult {
                        index,
                        status: ItemStatus::Updated,
                        id: Some(row.id),
                        errors: vec![],
                    });
                }
                None => {
                    let id = Uuid::now_v7();
                    inserts.push((id, key.0.clone(), key.1.clone(), values.clone()));
                    fresh.push((index, key, values, id));
                }
            }
        }
        let taken: HashSet<(String, String)> = store::insert_sales(c, p.org_id, &inserts)
            .await?
            .into_iter()
            .collect();
        pending = Vec::new();
        for (index, key, values, id) in fresh {
            if taken.contains(&key) {
                pending.push((index, key, values));
            } else {
                deltas.sale(
                    values.salesperson_id,
                    values.occurred_on,
                    values.revenue,
                    values.gross_profit,
                    Decimal::ONE,
                );
                results[index] = Some(ItemResult {
                    index,
                    status: ItemStatus::Created,
                    id: Some(id),
                    errors: vec![],
                });
            }
        }
        if pending.is_empty() {
            break;
        }
    }
    if let Some((index, _, _)) = pending.first() {
        return Err(AppError::conflict(
            "concurrent_update",
            format!("item {index} was changed by another request at the same time; retry"),
        ));
    }
    store::apply(c, p.org_id, &deltas).await?;
    Ok(results.into_iter().flatten().collect())
}

fn read_batch<T: serde::de::DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> AppResult<T> {
    if !crate::extract::is_json(&crate::extract::content_type(req)) {
        return Err(crate::extract::unsupported_media_type("application/json"));
    }
    parse_json_lenient(body)
}

fn too_many(n: usize) -> AppError {
    AppError::invalid_field(
        "items",
        "too_many",
        format!("at most {MAX_BATCH} items per batch; this one has {n}"),
    )
}

/// Push up to 1,000 sales (integration clients with `sales:write`, and admins).
/// Each item is answered by its index; valid items are stored even when others
/// are rejected, and a rejected item stores nothing. Send `Idempotency-Key` to
/// make a retry safe.
#[utoipa::path(tag = "results", security(("bearer" = [])), request_body = SaleBatch,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "Retries with the same key and body answer the first response again (1 to 255 characters)")),
    responses(
        (status = 200, description = "Each item's outcome", body = BatchResult),
        (status = 409, description = "`idempotency_in_progress`, `concurrent_update`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/batch")]
pub async fn sales_batch(
    p: Principal,
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_scope(&p, Scope::SalesWrite)?;
    let batch: SaleBatch = read_batch(&req, &body)?;
    push_batch(state, p, req, body, batch.items, push_sales).await
}

/// Stores a batch of results item by item, in one transaction, under the
/// request's `Idempotency-Key`, and answers every item by its index.
async fn push_batch<I: Send + 'static>(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    body: web::Bytes,
    items: Vec<I>,
    push: impl AsyncFn(&mut AsyncPgConnection, &Principal, &[I]) -> AppResult<Vec<ItemResult>>,
) -> AppResult<HttpResponse> {
    if items.len() > MAX_BATCH {
        return Err(too_many(items.len()));
    }
    let who = p.clone();
    idempotency::once(&state, &p, &req, &body, async move |c| {
        let results = push(c, &who, &items).await?;
        Ok((
            StatusCode::OK,
            serde_json::to_value(BatchResult::of(results)).map_err(AppError::internal)?,
        ))
    })
    .await
}

/// Push one sale: 201 when created, 200 when updated or unchanged, 422 when rejected.
#[utoipa::path(tag = "results", security(("bearer" = [])), request_body = SaleItem,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "Retries with the same key and body answer the first response again (1 to 255 characters)")),
    responses(
        (status = 200, description = "Updated or unchanged", body = SaleResult),
        (status = 201, description = "Created", body = SaleResult),
        (status = 409, description = "`idempotency_in_progress`, `concurrent_update`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("")]
pub async fn sale(
    p: Principal,
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_scope(&p, Scope::SalesWrite)?;
    if !crate::extract::is_json(&crate::extract::content_type(&req)) {
        return Err(crate::extract::unsupported_media_type("application/json"));
    }
    let item: SaleItem = crate::extract::parse_json(&body)?;
    let who = p.clone();
    idempotency::once(&state, &p, &req, &body, async move |c| {
        let (result, row) = {
            let mut results = push_sales(c, &who, std::slice::from_ref(&item)).await?;
            let r = results
                .pop()
                .ok_or_else(|| AppError::internal("no result for one item"))?;
            if r.status == ItemStatus::Rejected {
                return Err(AppError::validation(r.errors));
            }
            let row = store::get_sale(c, who.org_id, r.id.expect("stored"), false).await?;
            (r, row)
        };
        let code = if result.status == ItemStatus::Created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        let out = SaleResult {
            status: result.status,
            sale: Sale::from(row),
        };
        Ok((code, serde_json::to_value(out).map_err(AppError::internal)?))
    })
    .await
}

/// Void a sale that should never have counted; it stays in the ledger.
#[utoipa::path(tag = "results", security(("bearer" = [])), request_body(content = Option<VoidRequest>),
    params(
        ("id" = Uuid, Path, description = "The sale's id"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "Retries with the same key and body answer the first response again (1 to 255 characters)")
    ),
    responses(
        (status = 200, description = "Voided", body = Sale),
        (status = 409, description = "`already_voided`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/void")]
pub async fn void(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_scope(&p, Scope::SalesWrite)?;
    let id = id.into_inner();
    let request: VoidRequest = crate::extract::parse_optional_json(&req, &body)?;
    let mut v = Validator::new();
    if let Some(r) = &request.reason {
        v.text("reason", r, 500);
    }
    v.finish()?;
    let org = p.org_id;
    idempotency::once(&state, &p, &req, &body, async move |c| {
        let row = {
            let current = store::get_sale(c, org, id, true).await?;
            if current.voided_at.is_some() {
                return Err(AppError::conflict(
                    "already_voided",
                    "this sale was voided already",
                ));
            }
            let mut deltas = Deltas::default();
            deltas.sale(
                current.salesperson_id,
                current.occurred_on,
                current.revenue,
                current.gross_profit,
                Decimal::NEGATIVE_ONE,
            );
            store::apply(c, org, &deltas).await?;
            store::void_sale(c, org, id, request.reason.as_deref().map(str::trim)).await?
        };
        Ok((
            StatusCode::OK,
            serde_json::to_value(Sale::from(row)).map_err(AppError::internal)?,
        ))
    })
    .await
}

/// Push up to 1,000 activities (integration clients with `activities:write`, and
/// admins), answered item by item like sales.
#[utoipa::path(tag = "results", security(("bearer" = [])), request_body = ActivityBatch,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "Retries with the same key and body answer the first response again (1 to 255 characters)")),
    responses(
        (status = 200, description = "Each item's outcome", body = BatchResult),
        (status = 409, description = "`idempotency_in_progress`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/v1/activities/batch")]
pub async fn activities_batch(
    p: Principal,
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_scope(&p, Scope::ActivitiesWrite)?;
    let batch: ActivityBatch = read_batch(&req, &body)?;
    push_batch(state, p, req, body, batch.items, push_activities).await
}

pub(crate) async fn push_activities(
    c: &mut AsyncPgConnection,
    p: &Principal,
    items: &[ActivityItem],
) -> AppResult<Vec<ItemResult>> {
    let org = crate::org::store::get(c, p.org_id).await?;
    let tz: chrono_tz::Tz = org.timezone.parse().unwrap_or(chrono_tz::UTC);
    let default = default_source(c, p).await?;
    let account_ids: Vec<Uuid> = items.iter().filter_map(|i| i.account_id).collect();
    let index = store::account_index(c, p.org_id, &account_ids, &[]).await?;
    let named: Vec<Uuid> = items.iter().filter_map(|i| i.salesperson_id).collect();
    let sellers: HashSet<Uuid> = store::salespeople(c, p.org_id, &named)
        .await?
        .into_iter()
        .collect();
    let mut deltas = Deltas::default();
    let mut seen = HashSet::new();
    let mut results = Vec::with_capacity(items.len());
    // Items are stored in key order (each key in the order given), and the rollup
    // rows in theirs, so that concurrent overlapping batches lock rows in the same
    // order and wait for each other rather than deadlock.
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_cached_key(|&i| {
        let item = &items[i];
        let source = item.source.as_deref().or(default.as_deref()).unwrap_or("");
        (
            source.trim().to_string(),
            item.external_id.trim().to_string(),
        )
    });
    for index_no in order {
        let item = &items[index_no];
        let mut v = Validator::new();
        v.text("external_id", &item.external_id, 200);
        let source = source_of(&mut v, item.source.as_deref(), default.as_deref());
        v.check(
            crate::targets::rules::is_activity_kind(&item.kind),
            "kind",
            "invalid_kind",
            "lower case letters, digits and _, e.g. call, meeting, demo, proposal",
        );
        let count = item.count.unwrap_or(1);
        v.check(
            (1..=100_000).contains(&count),
            "count",
            "out_of_range",
            "1 to 100000",
        );
        let day = item.occurred_at.with_timezone(&tz).date_naive();
        check_day(&mut v, "occurred_at", day);
        let key = (source, item.external_id.trim().to_string());
        if v.is_empty() && !seen.insert(key.clone()) {
            v.push(FieldError::new(
                "external_id",
                "duplicate_in_batch",
                "this activity appears earlier in the batch",
            ));
        }
        if let Some(a) = item.account_id {
            v.check(
                index.ids.contains(&a),
                "account_id",
                "not_found",
                "no such account in this organisation",
            );
        }
        let salesperson = match (item.salesperson_id, item.account_id) {
            (Some(s), _) if sellers.contains(&s) => Some((s, true)),
            (Some(_), _) => {
                v.push(FieldError::new(
                    "salesperson_id",
                    "not_found",
                    "no such salesperson in this organisation",
                ));
                None
            }
            (None, Some(a)) => match index.owners.get(&a).and_then(|h| owner_on(h, day)) {
                Some(o) => Some((o, false)),
                None => {
                    v.push(FieldError::new(
                        "occurred_at",
                        "no_owner_on_day",
                        "the account had no owner on this day; name salesperson_id",
                    ));
                    None
                }
            },
            (None, None) => {
                v.push(FieldError::new(
                    "salesperson_id",
                    "required",
                    "name salesperson_id or account_id",
                ));
                None
            }
        };
        let (Some((salesperson, given)), true) = (salesperson, v.is_empty()) else {
            let errors = v.finish().err().map(|e| e.errors).unwrap_or_default();
            results.push(ItemResult {
                index: index_no,
                status: ItemStatus::Rejected,
                id: None,
                errors,
            });
            continue;
        };
        let values = ActivityValues {
            kind: item.kind.clone(),
            salesperson_id: salesperson,
            salesperson_given: given,
            account_id: item.account_id,
            occurred_at: item.occurred_at,
            occurred_on: day,
            count,
        };
        let mut existing = store::activity_by_key(c, p.org_id, &key.0, &key.1).await?;
        if existing.is_none() {
            match store::insert_activity(c, p.org_id, &key.0, &key.1, &values).await? {
                Some(id) => {
                    deltas.add(
                        salesperson,
                        &activity_metric(&values.kind),
                        day,
                        Decimal::from(count),
                    );
                    results.push(ItemResult {
                        index: index_no,
                        status: ItemStatus::Created,
                        id: Some(id),
                        errors: vec![],
                    });
                    continue;
                }
                None => existing = store::activity_by_key(c, p.org_id, &key.0, &key.1).await?,
            }
        }
        let row =
            existing.ok_or_else(|| AppError::internal("an activity vanished during an upsert"))?;
        if values.same_as(&row) {
            results.push(ItemResult {
                index: index_no,
                status: ItemStatus::Unchanged,
                id: Some(row.id),
                errors: vec![],
            });
            continue;
        }
        store::update_activity(c, p.org_id, row.id, &values).await?;
        deltas.add(
            row.salesperson_id,
            &activity_metric(&row.kind),
            row.occurred_on,
            -Decimal::from(row.count),
        );
        deltas.add(
            salesperson,
            &activity_metric(&values.kind),
            day,
            Decimal::from(count),
        );
        results.push(ItemResult {
            index: index_no,
            status: ItemStatus::Updated,
            id: Some(row.id),
            errors: vec![],
        });
    }
    store::apply(c, p.org_id, &deltas).await?;
    results.sort_by_key(|r| r.index);
    Ok(results)
}
