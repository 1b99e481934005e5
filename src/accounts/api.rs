//! `/v1/accounts`: customers and prospects, dated ownership, conversion, CRM sync.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::conversion::{integration_only, refuse_backdating, refuse_external_ids};
use super::rules::{self, ConversionStatus, Kind, Status};
use super::service;
use super::store::{self, AccountChanges, AccountRow, NewAccount};
use crate::auth::{Principal, Role, Scope};
use crate::db;
use crate::error::{AppError, AppResult, FieldError, Validator};
use crate::extract::{BatchJson, Json};
use crate::http::{
    check_if_match, finish, if_match, with_etag, with_location, BatchResult, ItemResult,
    ItemStatus, List, PageParams,
};
use crate::state::AppState;
use crate::users::rules::double_option;
use crate::values::IsoDate;

/// Most items in one batch.
pub const MAX_BATCH: usize = 1000;

/// A customer or prospect, with its one owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: Uuid,
    pub name: String,
    pub kind: Kind,
    pub status: Status,
    /// The owner today; `GET /v1/accounts/{id}/owners` has the dated history.
    pub owner_id: Uuid,
    /// The CRM this account is synced with, and its id there.
    pub external_source: Option<String>,
    pub external_id: Option<String>,
    pub segment: Option<String>,
    /// The day the prospect was won and became a customer.
    pub converted_on: Option<NaiveDate>,
    /// Who owned the prospect when it was won.
    pub won_by: Option<Uuid>,
    /// Null when never converted; `pending` while a salesperson's own conversion
    /// awaits their manager's or an admin's confirmation (still a prospect, counted
    /// nowhere); `confirmed` once it counts; `rejected` when refused (still a prospect).
    pub conversion_status: Option<ConversionStatus>,
    /// The day the salesperson recorded it as won, and who did (null when a
    /// manager, an admin or a CRM converted it directly).
    pub conversion_requested_on: Option<NaiveDate>,
    pub conversion_requested_by: Option<Uuid>,
    /// Who confirmed, refused or made the conversion, and when.
    pub conversion_decided_by: Option<Uuid>,
    pub conversion_decided_at: Option<DateTime<Utc>>,
    /// Why it was refused.
    pub conversion_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AccountRow> for Account {
    fn from(r: AccountRow) -> Self {
        Account {
            id: r.id,
            name: r.name,
            kind: Kind::parse(&r.kind).unwrap_or(Kind::Customer),
            status: Status::parse(&r.status).unwrap_or(Status::Active),
            owner_id: r.owner_id,
            external_source: r.external_source,
            external_id: r.external_id,
            segment: r.segment,
            converted_on: r.converted_on,
            won_by: r.won_by,
            conversion_status: r
                .conversion_status
                .as_deref()
                .and_then(ConversionStatus::parse),
            conversion_requested_on: r.conversion_requested_on,
            conversion_requested_by: r.conversion_requested_by,
            conversion_decided_by: r.conversion_decided_by,
            conversion_decided_at: r.conversion_decided_at,
            conversion_reason: r.conversion_reason,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    #[schema(min_length = 1, max_length = 200, example = "Contoso Ltd")]
    pub name: String,
    pub kind: Kind,
    /// Default: `active` for customers, `open` for prospects.
    pub status: Option<Status>,
    /// An active salesperson. Salespeople create accounts for themselves and may
    /// leave it out; managers name one of their people; admins and clients anyone.
    pub owner_id: Option<Uuid>,
    #[schema(min_length = 1, max_length = 100)]
    pub segment: Option<String>,
    /// Set by integrations, admins and managers; a salesperson cannot (403
    /// `integration_only`).
    #[schema(min_length = 1, max_length = 100, example = "hubspot")]
    pub external_source: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub external_id: Option<String>,
    /// The first day of the owner's ownership (default: today; not in the future).
    /// A salesperson cannot date it before today (403 `no_backdating`).
    pub owned_since: Option<IsoDate>,
}

/// Changes to an account; the owner changes only by transfer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchAccount {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Within the account's kind; a prospect is won by conversion.
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true, min_length = 1, max_length = 100)]
    pub segment: Option<Option<String>>,
    /// A salesperson cannot change the external ids (403 `integration_only`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true, min_length = 1, max_length = 100)]
    pub external_source: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true, min_length = 1, max_length = 200)]
    pub external_id: Option<Option<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    pub owner_id: Option<Uuid>,
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    /// Part of the name, case-insensitive.
    pub q: Option<String>,
    /// `pending` finds the conversions that await the caller's confirmation.
    pub conversion_status: Option<ConversionStatus>,
    pub external_source: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A change of owner from a day on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// An active salesperson.
    pub new_owner_id: Uuid,
    /// The new owner's first day: not in the future, and not before the current
    /// owner's first day (on that day itself it corrects the current owner).
    /// Results from this day on are credited to the new owner.
    pub effective_on: IsoDate,
    #[schema(min_length = 1, max_length = 500, example = "Territory realignment")]
    pub reason: String,
}

/// One period of ownership.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerPeriod {
    pub owner_id: Uuid,
    pub owner_name: String,
    /// First day of ownership.
    pub from: NaiveDate,
    /// Last day; null for the current owner.
    pub to: Option<NaiveDate>,
    pub reason: Option<String>,
    /// The person or integration client who recorded it.
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
}

/// An account as a CRM knows it (`PUT /v1/accounts/external/{source}/{external_id}`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncAccount {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Turning a prospect into a customer converts it (today); the reverse is refused.
    pub kind: Kind,
    pub status: Option<Status>,
    /// The owner, by id or by email; required when the account is new. A different
    /// owner than today's is recorded as a transfer effective today.
    pub owner_id: Option<Uuid>,
    #[schema(format = "email")]
    pub owner_email: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true, min_length = 1, max_length = 100)]
    pub segment: Option<Option<String>>,
    /// For a new account: the owner's first day (default today).
    pub owned_since: Option<IsoDate>,
}

/// One item of `POST /v1/accounts/batch`. The fields are those of
/// [`SyncAccount`] plus the external id. Lengths and formats (a name of 1 to 200
/// characters, a segment of 1 to 100, an external source of 1 to 100 and id of 1
/// to 200, an owner email) are checked item by item: an item that breaks them is
/// rejected alone, with its errors, and the others are stored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchAccount {
    #[schema(example = "hubspot")]
    pub external_source: String,
    #[schema(example = "company-4711")]
    pub external_id: String,
    #[schema(example = "Contoso Ltd")]
    pub name: String,
    pub kind: Kind,
    pub status: Option<Status>,
    pub owner_id: Option<Uuid>,
    pub owner_email: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true)]
    pub segment: Option<Option<String>>,
    pub owned_since: Option<IsoDate>,
}

impl BatchAccount {
    fn split(self) -> (String, String, SyncAccount) {
        (
            self.external_source,
            self.external_id,
            SyncAccount {
                name: self.name,
                kind: self.kind,
                status: self.status,
                owner_id: self.owner_id,
                owner_email: self.owner_email,
                segment: self.segment,
                owned_since: self.owned_since,
            },
        )
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// Up to 1,000 upserts by `(external_source, external_id)`.
    #[schema(max_items = 1000)]
    pub items: Vec<BatchAccount>,
}

/// The answer of a single upsert.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncResult {
    pub status: ItemStatus,
    pub account: Account,
}

/// Creating and changing accounts: everyone but viewers and read-only clients.
pub(super) fn require_writer(p: &Principal) -> AppResult<()> {
    match p.role() {
        Some(Role::Admin | Role::Manager | Role::Salesperson) => Ok(()),
        Some(Role::Viewer) => Err(AppError::forbidden("viewers cannot change accounts")),
        None if p.has_scope(Scope::AccountsWrite) => Ok(()),
        None => Err(AppError::forbidden(
            "this client lacks the accounts:write scope",
        )),
    }
}

/// Reading accounts: every person; clients with `read` or `accounts:write`.
fn require_reader(p: &Principal) -> AppResult<()> {
    if p.has_scope(Scope::AccountsWrite) {
        return Ok(());
    }
    p.require_reader()
}

/// CRM sync: admins and clients with `accounts:write`. Salespeople and managers
/// are refused with `integration_only`.
fn require_sync(p: &Principal) -> AppResult<()> {
    match p.role() {
        _ if p.is_admin() || p.has_scope(Scope::AccountsWrite) => Ok(()),
        Some(Role::Salesperson | Role::Manager) => Err(integration_only(
            "CRM sync is for integration clients with accounts:write and admins",
        )),
        _ => Err(AppError::forbidden(
            "only admins and clients with accounts:write sync accounts",
        )),
    }
}

/// Transfers: admins, clients with `accounts:write`, and managers for whom both
/// owners are among their people.
pub(super) async fn require_transfer(
    c: &mut AsyncPgConnection,
    p: &Principal,
    from: Uuid,
    to: Uuid,
) -> AppResult<()> {
    if p.is_admin() || p.has_scope(Scope::AccountsWrite) {
        return Ok(());
    }
    if p.role() == Some(Role::Manager) {
        let people = store::visible_owners(c, p).await?.unwrap_or_default();
        if people.contains(&from) && people.contains(&to) {
            return Ok(());
        }
        return Err(AppError::forbidden(
            "a manager transfers only between people of the teams they manage",
        ));
    }
    Err(AppError::forbidden(
        "only managers and admins transfer accounts",
    ))
}

/// A day within years 1 to 9999 and not after `today`.
pub(super) fn check_past_day(v: &mut Validator, field: &str, day: NaiveDate, today: NaiveDate) {
    use chrono::Datelike;
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
    Ok(match store::people(c, org, &[owner]).await?.first() {
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
        Some((_, role, true)) if role != "salesperson" => Some(FieldError::new(
            field,
            "invalid_owner",
            "accounts are owned by salespeople",
        )),
        Some(_) => None,
    })
}

fn check_segment(v: &mut Validator, segment: Option<&str>) {
    if let Some(s) = segment {
        v.text("segment", s, 100);
    }
}

fn location(res: HttpResponse, id: Uuid) -> HttpResponse {
    with_location(res, &format!("/v1/accounts/{id}"))
}

pub(super) fn actor_id(p: &Principal) -> Option<Uuid> {
    match p.actor {
        crate::auth::Actor::User { id, .. } | crate::auth::Actor::Client { id, .. } => Some(id),
    }
}

/// Accounts the caller may see.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), params(AccountQuery),
    responses((status = 200, description = "A page of accounts", body = List<Account>)))]
#[get("")]
pub async fn list(
    p: Principal,
    q: web::Query<AccountQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_reader(&p)?;
    let q = q.into_inner();
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
    let limit = page.limit;
    let filter = store::ListFilter {
        owner_id: q.owner_id,
        kind: q.kind.map(|k| k.as_str().to_string()),
        status: q.status.map(|s| s.as_str().to_string()),
        q: q.q,
        external_source: q.external_source,
    };
    let conversion = q.conversion_status.map(ConversionStatus::as_str);
    let rows = db::run(&state.pool, async move |c| {
        let visible = store::visible_owners(c, &p).await?;
        store::list_by_conversion(c, p.org_id, visible, &filter, conversion, &page).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(finish(
        rows.into_iter().map(Account::from).collect(),
        limit,
        |a: &Account| a.id.to_string(),
    )))
}

/// Create an account.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = CreateAccount,
    responses(
        (status = 201, description = "Created", body = Account, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "`no_backdating`: a salesperson dated `owned_since` before today; `integration_only`: a salesperson set external ids; `forbidden`: a salesperson named another owner, or a viewer", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`external_id_taken`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("")]
pub async fn create(
    p: Principal,
    body: Json<CreateAccount>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_writer(&p)?;
    let b = body.0;
    let row = db::tx(&state.pool, async move |c| {
        let today = crate::org::store::today_for(c, &p).await?;
        let owner = match (p.role(), p.user_id(), b.owner_id) {
            (Some(Role::Salesperson), Some(me), None) => me,
            (Some(Role::Salesperson), Some(me), Some(o)) if o != me => {
                return Err(AppError::forbidden(
                    "salespeople create accounts for themselves",
                ))
            }
            (_, _, Some(o)) => o,
            (_, _, None) => {
                return Err(AppError::invalid_field(
                    "owner_id",
                    "required",
                    "name the account's owner",
                ))
            }
        };
        refuse_external_ids(&p, b.external_source.is_some() || b.external_id.is_some())?;
        let since = b.owned_since.map_or(today, NaiveDate::from);
        refuse_backdating(&p, "owned_since", since, today)?;
        let mut v = Validator::new();
        v.text("name", &b.name, 200);
        let status = b.status.unwrap_or(b.kind.default_status());
        rules::check_status(&mut v, b.kind, status);
        check_segment(&mut v, b.segment.as_deref());
        rules::check_external(
            &mut v,
            b.external_source.as_deref(),
            b.external_id.as_deref(),
        );
        check_past_day(&mut v, "owned_since", since, today);
        if let Some(e) = check_owner(c, p.org_id, "owner_id", owner).await? {
            v.push(e);
        } else if p.role() == Some(Role::Manager) {
            let people = store::visible_owners(c, &p).await?.unwrap_or_default();
            v.check(
                people.contains(&owner),
                "owner_id",
                "invalid_owner",
                "not one of the people of your teams",
            );
        }
        v.finish()?;
        let new = NewAccount {
            org_id: p.org_id,
            id: Uuid::now_v7(),
            name: b.name.trim().to_string(),
            kind: b.kind.as_str().into(),
            status: status.as_str().into(),
            owner_id: owner,
            external_source: b.external_source.map(|s| s.trim().to_string()),
            external_id: b.external_id.map(|s| s.trim().to_string()),
            segment: b.segment.map(|s| s.trim().to_string()),
        };
        store::insert(c, &new, since, "created", actor_id(&p))
            .await?
            .ok_or_else(store::external_conflict)
    })
    .await?;
    let id = row.id;
    Ok(location(
        with_etag(StatusCode::CREATED, row.version, &Account::from(row)),
        id,
    ))
}

/// One account.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The account's id")),
    responses((status = 200, description = "The account", body = Account, headers(("ETag" = String)))))]
#[get("/{id}")]
pub async fn get_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_reader(&p)?;
    let id = id.into_inner();
    let row = db::run(&state.pool, async move |c| {
        store::get_visible(c, &p, id, false).await
    })
    .await?;
    Ok(with_etag(StatusCode::OK, row.version, &Account::from(row)))
}

/// Change an account (not its owner: see transfer).
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = PatchAccount,
    params(
        ("id" = Uuid, Path, description = "The account's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the account changed since")
    ),
    responses(
        (status = 200, description = "Updated", body = Account, headers(("ETag" = String))),
        (status = 403, description = "`integration_only`: a salesperson changed the external ids; `forbidden`: a viewer", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`external_id_taken`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[patch("/{id}")]
pub async fn patch_one(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<PatchAccount>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_writer(&p)?;
    let id = id.into_inner();
    let b = body.0;
    let expected = if_match(&req);
    let row = db::tx(&state.pool, async move |c| {
        let current = store::get_visible(c, &p, id, true).await?;
        check_if_match(expected.as_deref(), current.version)?;
        let kind = Kind::parse(&current.kind).unwrap_or(Kind::Customer);
        let mut v = Validator::new();
        if let Some(n) = &b.name {
            v.text("name", n, 200);
        }
        if let Some(s) = b.status {
            rules::check_status(&mut v, kind, s);
        }
        check_segment(&mut v, b.segment.as_ref().and_then(|s| s.as_deref()));
        let source = b
            .external_source
            .clone()
            .unwrap_or(current.external_source.clone());
        let ext = b.external_id.clone().unwrap_or(current.external_id.clone());
        refuse_external_ids(
            &p,
            source.as_deref().map(str::trim) != current.external_source.as_deref()
                || ext.as_deref().map(str::trim) != current.external_id.as_deref(),
        )?;
        rules::check_external(&mut v, source.as_deref(), ext.as_deref());
        v.finish()?;
        if let (Some(s), Some(e)) = (&source, &ext) {
            if store::external_taken(c, p.org_id, s.trim(), e.trim(), id).await? {
                return Err(store::external_conflict());
            }
        }
        let trim = |o: Option<Option<String>>| o.map(|x| x.map(|s| s.trim().to_string()));
        let changes = AccountChanges {
            name: b.name.map(|n| n.trim().to_string()),
            status: b.status.map(|s| s.as_str().to_string()),
            segment: trim(b.segment),
            external_source: trim(b.external_source),
            external_id: trim(b.external_id),
            ..Default::default()
        };
        if changes.is_empty() {
            return Ok(current);
        }
        service::update(c, p.org_id, id, &changes).await
    })
    .await?;
    Ok(with_etag(StatusCode::OK, row.version, &Account::from(row)))
}

/// Hand an account to another salesperson from a day on (managers of both
/// people, admins, and clients with `accounts:write`).
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = TransferRequest,
    params(("id" = Uuid, Path, description = "The account's id")),
    responses((status = 200, description = "Transferred", body = Account, headers(("ETag" = String)))))]
#[post("/{id}/transfer")]
pub async fn transfer(
    p: Principal,
    id: web::Path<Uuid>,
    body: Json<TransferRequest>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_writer(&p)?;
    let id = id.into_inner();
    let b = body.0;
    let row = db::tx(&state.pool, async move |c| {
        let current = store::get_visible(c, &p, id, true).await?;
        require_transfer(c, &p, current.owner_id, b.new_owner_id).await?;
        let today = crate::org::store::today_for(c, &p).await?;
        let mut v = Validator::new();
        v.text("reason", &b.reason, 500);
        check_past_day(&mut v, "effective_on", b.effective_on.0, today);
        if let Some(e) = check_owner(c, p.org_id, "new_owner_id", b.new_owner_id).await? {
            v.push(e);
        }
        v.finish()?;
        let history = store::history(c, p.org_id, id).await?;
        let from = rules::plan_transfer(&history, b.new_owner_id, b.effective_on.0, today)
            .map_err(|r| AppError::validation(vec![r.field_error()]))?;
        service::transfer(
            c,
            p.org_id,
            id,
            from,
            b.new_owner_id,
            b.effective_on.0,
            b.reason.trim(),
            actor_id(&p),
        )
        .await
    })
    .await?;
    Ok(with_etag(StatusCode::OK, row.version, &Account::from(row)))
}

/// The dated ownership history, oldest first (returned whole).
#[utoipa::path(tag = "accounts", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The account's id")),
    responses((status = 200, description = "Every owner with their days", body = List<OwnerPeriod>)))]
#[get("/{id}/owners")]
pub async fn owner_history(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_reader(&p)?;
    let id = id.into_inner();
    let rows = db::run(&state.pool, async move |c| {
        store::get_visible(c, &p, id, false).await?;
        store::owner_periods(c, p.org_id, id).await
    })
    .await?;
    let data = rows
        .into_iter()
        .map(|r| OwnerPeriod {
            owner_id: r.owner_id,
            owner_name: r.owner_name,
            from: r.from_on,
            to: r.to_on,
            reason: r.reason,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(List {
        data,
        next_cursor: None,
    }))
}

/// Owners named by id or email, looked up once for a whole batch.
struct Owners {
    by_id: HashMap<Uuid, (String, bool)>,
    by_email: HashMap<String, Uuid>,
}

impl Owners {
    async fn load(
        c: &mut AsyncPgConnection,
        org: Uuid,
        items: &[&SyncAccount],
    ) -> AppResult<Owners> {
        // An email with a NUL cannot name anyone (and no query can carry it).
        let emails: Vec<String> = items
            .iter()
            .filter_map(|i| i.owner_email.clone())
            .filter(|e| !e.contains('\0'))
            .collect();
        let by_email: HashMap<String, Uuid> = store::people_by_email(c, org, &emails)
            .await?
            .into_iter()
            .collect();
        let mut ids: Vec<Uuid> = items.iter().filter_map(|i| i.owner_id).collect();
        ids.extend(by_email.values().copied());
        let by_id = store::people(c, org, &ids)
            .await?
            .into_iter()
            .map(|(id, role, active)| (id, (role, active)))
            .collect();
        Ok(Owners { by_id, by_email })
    }

    /// The owner an item names, checked; `Ok(None)` when it names none.
    fn resolve(&self, item: &SyncAccount) -> Result<Option<Uuid>, FieldError> {
        let (field, id) = match (item.owner_id, item.owner_email.as_deref()) {
            (Some(id), _) => ("owner_id", Some(id)),
            (None, Some(email)) if email.contains('\0') => {
                return Err(FieldError::new(
                    "owner_email",
                    "invalid_characters",
                    "must not contain NUL characters",
                ))
            }
            (None, Some(email)) => (
                "owner_email",
                Some(
                    *self
                        .by_email
                        .get(&email.trim().to_lowercase())
                        .ok_or_else(|| {
                            FieldError::new(
                                "owner_email",
                                "not_found",
                                "no person with this email in this organisation",
                            )
                        })?,
                ),
            ),
            (None, None) => return Ok(None),
        };
        let id = id.expect("set above");
        match self.by_id.get(&id) {
            None => Err(FieldError::new(
                field,
                "not_found",
                "no such person in this organisation",
            )),
            Some((_, false)) => Err(FieldError::new(
                field,
                "owner_inactive",
                "this person is deactivated",
            )),
            Some((role, true)) if role != "salesperson" => Err(FieldError::new(
                field,
                "invalid_owner",
                "accounts are owned by salespeople",
            )),
            Some(_) => Ok(Some(id)),
        }
    }
}

/// Checks an item on its own (no database).
fn check_sync(
    source: &str,
    external_id: &str,
    item: &SyncAccount,
    today: NaiveDate,
) -> Vec<FieldError> {
    let mut v = Validator::new();
    rules::check_external(&mut v, Some(source), Some(external_id));
    v.text("name", &item.name, 200);
    if let Some(s) = item.status {
        rules::check_status(&mut v, item.kind, s);
    }
    check_segment(&mut v, item.segment.as_ref().and_then(|s| s.as_deref()));
    if let Some(d) = item.owned_since {
        check_past_day(&mut v, "owned_since", d.0, today);
    }
    v.finish().err().map(|e| e.errors).unwrap_or_default()
}

/// Creates or updates one account by its external id. Errors that concern the
/// item come back as `Err(errors)`; nothing is stored for them.
async fn upsert(
    c: &mut AsyncPgConnection,
    p: &Principal,
    today: NaiveDate,
    owners: &Owners,
    source: &str,
    external_id: &str,
    item: &SyncAccount,
) -> AppResult<Result<(ItemStatus, AccountRow), Vec<FieldError>>> {
    let mut errors = check_sync(source, external_id, item, today);
    let owner = match owners.resolve(item) {
        Ok(o) => o,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let (source, external_id) = (source.trim(), external_id.trim());
    let mut existing = store::by_external(c, p.org_id, source, external_id).await?;
    if existing.is_none() {
        let Some(owner) = owner else {
            return Ok(Err(vec![FieldError::new(
                "owner_id",
                "required",
                "a new account needs an owner",
            )]));
        };
        let new = NewAccount {
            org_id: p.org_id,
            id: Uuid::now_v7(),
            name: item.name.trim().to_string(),
            kind: item.kind.as_str().into(),
            status: item
                .status
                .unwrap_or(item.kind.default_status())
                .as_str()
                .into(),
            owner_id: owner,
            external_source: Some(source.to_string()),
            external_id: Some(external_id.to_string()),
            segment: item.segment.clone().flatten().map(|s| s.trim().to_string()),
        };
        let reason = format!("created by sync from {source}");
        match store::insert(
            c,
            &new,
            item.owned_since.map_or(today, NaiveDate::from),
            &reason,
            actor_id(p),
        )
        .await?
        {
            Some(row) => return Ok(Ok((ItemStatus::Created, row))),
            // Created by a concurrent request meanwhile: update it instead.
            None => existing = store::by_external(c, p.org_id, source, external_id).await?,
        }
    }
    let current =
        existing.ok_or_else(|| AppError::internal("an account vanished during an upsert"))?;
    let current_kind = Kind::parse(&current.kind).unwrap_or(Kind::Customer);
    if current_kind == Kind::Customer && item.kind == Kind::Prospect {
        return Ok(Err(vec![FieldError::new(
            "kind",
            "cannot_unconvert",
            "a customer cannot become a prospect again",
        )]));
    }
    let mut changes = AccountChanges::default();
    if item.name.trim() != current.name {
        changes.name = Some(item.name.trim().to_string());
    }
    if let Some(seg) = &item.segment {
        let seg = seg.as_ref().map(|s| s.trim().to_string());
        if seg != current.segment {
            changes.segment = Some(seg);
        }
    }
    let converting = current_kind == Kind::Prospect && item.kind == Kind::Customer;
    let status = match (converting, item.status) {
        (true, s) => Some(s.unwrap_or(Status::Active)),
        (false, s) => s,
    };
    if let Some(s) = status
        .map(|s| s.as_str().to_string())
        .filter(|s| *s != current.status)
    {
        changes.status = Some(s);
    }
    let history = if converting || owner.is_some_and(|o| o != current.owner_id) {
        store::history(c, p.org_id, current.id).await?
    } else {
        Vec::new()
    };
    if converting {
        changes.kind = Some(Kind::Customer.as_str().into());
        changes.converted_on = Some(Some(today));
        changes.won_by = Some(rules::owner_on(&history, today).or(Some(current.owner_id)));
        super::conversion::confirmed_by(p, &mut changes);
    }
    let transfer_to = owner.filter(|o| *o != current.owner_id);
    let from = match transfer_to {
        Some(o) => match rules::plan_transfer(&history, o, today, today) {
            Ok(from) => Some(from),
            Err(r) => {
                // The request names the owner, not a date: the refusal is about it.
                let field = if item.owner_id.is_some() {
                    "owner_id"
                } else {
                    "owner_email"
                };
                return Ok(Err(vec![r.field_error_as(field, field)]));
            }
        },
        None => None,
    };
    if changes.is_empty() && transfer_to.is_none() {
        return Ok(Ok((ItemStatus::Unchanged, current)));
    }
    let mut row = if changes.is_empty() {
        current.clone()
    } else {
        service::update(c, p.org_id, current.id, &changes).await?
    };
    if let (Some(o), Some(from)) = (transfer_to, from) {
        let reason = format!("reassigned by sync from {source}");
        row = service::transfer(
            c,
            p.org_id,
            current.id,
            from,
            o,
            today,
            &reason,
            actor_id(p),
        )
        .await?;
    }
    Ok(Ok((ItemStatus::Updated, row)))
}

/// Create or update an account by the CRM's own id (admins, clients with
/// `accounts:write`). 201 when created, 200 when updated or unchanged.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = SyncAccount,
    params(
        ("source" = String, Path, description = "The CRM, e.g. `hubspot`"),
        ("external_id" = String, Path, description = "The account's id in that CRM")
    ),
    responses(
        (status = 200, description = "Updated or unchanged", body = SyncResult),
        (status = 201, description = "Created", body = SyncResult),
        (status = 403, description = "`integration_only`: salespeople and managers do not sync; `forbidden`: viewers and clients without accounts:write", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[put("/external/{source}/{external_id}")]
pub async fn put_external(
    p: Principal,
    path: web::Path<(String, String)>,
    body: Json<SyncAccount>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_sync(&p)?;
    let (source, external_id) = path.into_inner();
    if source.contains('\0') || external_id.contains('\0') {
        return Err(AppError::bad_request(
            "invalid_path",
            "the path must not contain NUL characters",
        ));
    }
    let item = body.0;
    let (status, row) = db::tx(&state.pool, async move |c| {
        let today = crate::org::store::today_for(c, &p).await?;
        let owners = Owners::load(c, p.org_id, &[&item]).await?;
        upsert(c, &p, today, &owners, &source, &external_id, &item)
            .await?
            .map_err(AppError::validation)
    })
    .await?;
    let code = if status == ItemStatus::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let id = row.id;
    let version = row.version;
    let res = with_etag(
        code,
        version,
        &SyncResult {
            status,
            account: Account::from(row),
        },
    );
    Ok(location(res, id))
}

/// Upsert up to 1,000 accounts by `(external_source, external_id)` (admins,
/// clients with `accounts:write`). Each item is answered by its index; valid items
/// are stored even when others are rejected, and a rejected item stores nothing.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = BatchRequest,
    responses(
        (status = 200, description = "Each item's outcome", body = BatchResult),
        (status = 403, description = "`integration_only`: salespeople and managers do not sync; `forbidden`: viewers and clients without accounts:write", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/batch")]
pub async fn batch(
    p: Principal,
    body: BatchJson<BatchRequest>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_sync(&p)?;
    let items = body.0.items;
    if items.len() > MAX_BATCH {
        return Err(AppError::invalid_field(
            "items",
            "too_many",
            format!(
                "at most {MAX_BATCH} items per batch; this one has {}",
                items.len()
            ),
        ));
    }
    let results = db::tx(&state.pool, async move |c| {
        let today = crate::org::store::today_for(c, &p).await?;
        let parsed: Vec<(String, String, SyncAccount)> =
            items.into_iter().map(BatchAccount::split).collect();
        let syncs: Vec<&SyncAccount> = parsed.iter().map(|(_, _, s)| s).collect();
        let owners = Owners::load(c, p.org_id, &syncs).await?;
        let mut results = Vec::with_capacity(parsed.len());
        // Rows are taken in key order, so overlapping batches cannot deadlock;
        // answers keep the request's order. (Duplicates keep their order too: a
        // stable sort.)
        let mut ordered: Vec<(usize, (String, String, SyncAccount))> =
            parsed.into_iter().enumerate().collect();
        ordered.sort_by(|a, b| {
            (&a.1 .0.trim(), &a.1 .1.trim()).cmp(&(&b.1 .0.trim(), &b.1 .1.trim()))
        });
        for (index, (source, ext, sync)) in ordered {
            // Each item in its own savepoint: a failure rolls back that item only.
            let outcome = db::transaction_on(c, async |c| {
                match upsert(c, &p, today, &owners, &source, &ext, &sync).await? {
                    Ok(done) => Ok(Ok(done)),
                    Err(errors) => Err(ItemError::Rejected(errors)),
                }
            })
            .await
            .or_else(|e| match e {
                ItemError::Rejected(errors) => Ok(Err(errors)),
                ItemError::App(e) if e.status.is_client_error() => {
                    Ok(Err(vec![FieldError::new("", e.code, e.detail)]))
                }
                ItemError::App(e) => Err(e),
            })?;
            results.push(match outcome {
                Ok((status, row)) => ItemResult {
                    index,
                    status,
                    id: Some(row.id),
                    errors: Vec::new(),
                },
                Err(errors) => ItemResult {
                    index,
                    status: ItemStatus::Rejected,
                    id: None,
                    errors,
                },
            });
        }
        results.sort_by_key(|r: &ItemResult| r.index);
        Ok(results)
    })
    .await?;
    Ok(HttpResponse::Ok().json(BatchResult::of(results)))
}

/// Why an item's savepoint was rolled back.
enum ItemError {
    Rejected(Vec<FieldError>),
    App(AppError),
}

impl From<diesel::result::Error> for ItemError {
    fn from(e: diesel::result::Error) -> Self {
        ItemError::App(e.into())
    }
}

impl From<AppError> for ItemError {
    fn from(e: AppError) -> Self {
        ItemError::App(e)
    }
}
