//! `/v1/accounts`: customers and prospects, dated ownership, conversion, CRM
//! sync. HTTP only: the use cases are in `service`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::dto::{
    Account, AccountQuery, BatchAccount, BatchRequest, ConvertRequest, CreateAccount, OwnerPeriod,
    PatchAccount, RejectConversion, SyncAccount, SyncResult, TransferRequest,
};
use super::dto_splits::{AccountSplitRule, NewSplitRule};
use super::service;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::extract::{optional_json, BatchJson, Json, RawBatch};
use crate::http::{finish, if_match, with_etag, with_location, BatchResult, ItemStatus, List};
use crate::state::AppState;

fn location(res: HttpResponse, id: Uuid) -> HttpResponse {
    with_location(res, &format!("/v1/accounts/{id}"))
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
    let (rows, limit) = service::list(&state.pool, &p, q.into_inner()).await?;
    Ok(HttpResponse::Ok().json(finish(
        rows.into_iter().map(Account::from).collect(),
        limit,
        |a: &Account| a.id.to_string(),
    )))
}

/// Create an account.
///
/// Rules across fields that the schema cannot express: a customer's `status` is
/// `active` or `dormant` and a prospect's `open` or `lost` (`won` is never set
/// directly: a prospect is won through `POST /v1/accounts/{id}/convert`);
/// `external_source` and `external_id` go together; the owner is an active
/// salesperson (a salesperson's own accounts are theirs; a manager's, one of the
/// people of their teams); a salesperson may not date `owned_since` before today.
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
    let row = service::create(&state.pool, &p, body.0).await?;
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
    let row = service::get(&state.pool, &p, id.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, row.version, &Account::from(row)))
}

/// Change an account (not its owner: see transfer).
///
/// A customer's `status` is `active` or `dormant`, a prospect's `open` or `lost`
/// (`won` only through convert); `external_source` and `external_id` go together.
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
    let row = service::patch(&state.pool, &p, id.into_inner(), if_match(&req), body.0).await?;
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
    let row = service::request_transfer(&state.pool, &p, id.into_inner(), body.0).await?;
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
    let rows = service::owner_history(&state.pool, &p, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(List {
        data: rows.into_iter().map(OwnerPeriod::from).collect::<Vec<_>>(),
        next_cursor: None,
    }))
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
    let (source, external_id) = path.into_inner();
    let (status, row) = service::put_external(&state.pool, &p, source, external_id, body.0).await?;
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
/// An item that is not well-formed (a missing field, a wrong type, an unknown
/// field, a bad date or id) is rejected alone with its field errors, like one
/// that breaks a rule; only a body that is not a batch is refused whole.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = BatchRequest,
    responses(
        (status = 200, description = "Each item's outcome", body = BatchResult),
        (status = 403, description = "`integration_only`: salespeople and managers do not sync; `forbidden`: viewers and clients without accounts:write", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/batch")]
pub async fn batch(
    p: Principal,
    body: BatchJson<RawBatch>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    // Who may is answered before how many.
    service::require_sync(&p)?;
    let batch = body.0.read::<BatchAccount>(service::check_batch)?;
    let results = service::batch(&state, &p, batch.items).await?;
    Ok(HttpResponse::Ok().json(BatchResult::of(batch.answers.merge(results))))
}

/// Convert a won prospect into a customer, optionally handing it over. A
/// salesperson's own conversion is recorded as pending (`conversion_status:
/// "pending"`, still a prospect, counted nowhere) until their manager (of a team
/// they belong to, parent teams included) or an admin confirms it by calling this
/// again; it then counts on the day the salesperson recorded, unless the confirmer
/// names `converted_on`; nobody else decides it (not an integration client, not
/// whoever recorded it), and a transfer withdraws it. Conversions by managers,
/// admins and clients with
/// `accounts:write` count at once.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body(content = Option<ConvertRequest>),
    params(("id" = Uuid, Path, description = "The account's id")),
    responses(
        (status = 200, description = "Now a customer (`conversion_status: confirmed`), or, for a salesperson's own conversion, still a prospect with `conversion_status: pending`", body = Account, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`no_backdating`: a salesperson dated it before today; `forbidden`: a salesperson named another owner, a manager confirmed what another team's salesperson recorded, anyone confirmed a conversion they recorded themselves, an integration client confirmed a salesperson's conversion, or a viewer", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account, or not visible to the caller", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_a_prospect`; `invalid_transition`: the salesperson's conversion already awaits confirmation", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/convert")]
pub async fn convert(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    service::require_writer(&p)?;
    let b: ConvertRequest = optional_json(&req, payload, state.config.max_body_bytes).await?;
    let row = service::convert(&state.pool, &p, id.into_inner(), b).await?;
    Ok(with_etag(StatusCode::OK, row.version, &Account::from(row)))
}

/// Refuse a salesperson's pending conversion (their manager, of a team they
/// belong to or its parents, or an admin). The account stays a prospect, as it
/// was, with `conversion_status: "rejected"` and the reason given; it never
/// counted and does not. The salesperson may record it again later.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body(content = Option<RejectConversion>),
    params(("id" = Uuid, Path, description = "The account's id")),
    responses(
        (status = 200, description = "Refused: still a prospect, `conversion_status: rejected`", body = Account, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: a salesperson, a viewer, an integration client, or a manager of another team than the salesperson's who recorded it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account, or not visible to the caller", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`: no conversion of this account awaits a decision", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (`reason` of 1 to 500 characters)", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/reject-conversion")]
pub async fn reject_conversion(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    service::require_writer(&p)?;
    let b: RejectConversion = optional_json(&req, payload, state.config.max_body_bytes).await?;
    let row = service::reject_conversion(&state.pool, &p, id.into_inner(), b).await?;
    Ok(with_etag(StatusCode::OK, row.version, &Account::from(row)))
}

/// The account's split rules, in day order: who shares its sales besides its
/// owner, from when to when.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The account's id")),
    responses((status = 200, description = "Every split rule of the account", body = List<AccountSplitRule>)))]
#[get("/{id}/splits")]
pub async fn split_rules(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let rows = service::split_rules(&state.pool, &p, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(List {
        data: rows
            .into_iter()
            .map(AccountSplitRule::from)
            .collect::<Vec<_>>(),
        next_cursor: None,
    }))
}

/// Add a split rule: people who share the account's sales besides its owner.
///
/// From `from` to `to` (open-ended without it), each sale of the account that
/// follows it (no `salesperson_id` or `splits` of its own) credits the rule's
/// shares, and the owner on the sale's day the revenue share that is left.
/// Revenue shares total at most 100; overlay shares count for the person's own
/// targets only. The sales already in its dates are re-credited at once. Rules
/// of one account never overlap (409 `split_rules_overlap`). Admins, clients
/// with `accounts:write`, and managers of the owner and of everyone named.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The account's id")),
    request_body = NewSplitRule,
    responses(
        (status = 201, description = "Added; the sales in its dates are re-credited", body = AccountSplitRule, headers(("Location" = String))),
        (status = 403, description = "A salesperson or viewer, or a manager who does not manage the owner and everyone named", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`split_rules_overlap`: another rule of the account covers some of these days", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/splits")]
pub async fn add_split_rule(
    p: Principal,
    id: web::Path<Uuid>,
    body: Json<NewSplitRule>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let rule = service::add_split_rule(&state.pool, &p, id, body.0).await?;
    let at = format!("/v1/accounts/{id}/splits/{}", rule.rule.id);
    Ok(with_location(
        HttpResponse::Created().json(AccountSplitRule::from(rule)),
        &at,
    ))
}

/// One split rule of the account.
#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account's id"), ("rule_id" = Uuid, Path, description = "The rule's id")),
    responses((status = 200, description = "The rule", body = AccountSplitRule)))]
#[get("/{id}/splits/{rule_id}")]
pub async fn split_rule(
    p: Principal,
    path: web::Path<(Uuid, Uuid)>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (id, rule) = path.into_inner();
    let found = service::split_rule(&state.pool, &p, id, rule).await?;
    Ok(HttpResponse::Ok().json(AccountSplitRule::from(found)))
}

/// Remove a split rule; the sales in its dates go back to the owner of their day.
#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account's id"), ("rule_id" = Uuid, Path, description = "The rule's id")),
    responses(
        (status = 204, description = "Removed; the sales in its dates are re-credited"),
        (status = 403, description = "A salesperson or viewer, or a manager who does not manage the owner and everyone named", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[delete("/{id}/splits/{rule_id}")]
pub async fn remove_split_rule(
    p: Principal,
    path: web::Path<(Uuid, Uuid)>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (id, rule) = path.into_inner();
    service::remove_split_rule(&state.pool, &p, id, rule).await?;
    Ok(HttpResponse::NoContent().finish())
}
