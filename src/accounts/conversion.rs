//! Winning a prospect, with the segregation of duties: a salesperson's own
//! conversion is recorded as pending and counts nowhere (not for `new_accounts`,
//! scorecards, series or milestones, and it hands nothing over) until their
//! manager or an admin confirms it with the same `POST /v1/accounts/{id}/convert`,
//! or refuses it with `POST /v1/accounts/{id}/reject-conversion`. Conversions by
//! managers, admins and integration clients count at once.
//!
//! Also the refusals that keep a salesperson from raising their own results:
//! no ownership or conversion dated before today (`no_backdating`), no external
//! ids (`integration_only`).

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};

use crate::values::IsoDate;
use diesel_async::AsyncPgConnection;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::api::{
    actor_id, check_owner, check_past_day, require_transfer, require_writer, Account,
};
use super::rules::{self, ConversionRefusal, ConversionStatus, ConvertOutcome, Decider, Kind};
use super::service;
use super::store::{self, AccountChanges, AccountRow};
use crate::auth::{Principal, Role};
use crate::db;
use crate::error::{AppError, AppResult, Validator};
use crate::extract::optional_json;
use crate::http::with_etag;
use crate::state::AppState;

/// Winning a prospect.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertRequest {
    /// The day it was won. It counts for `new_accounts` on this day. Default: today;
    /// when confirming a salesperson's pending conversion, the day they recorded.
    /// A salesperson cannot date it before today (403 `no_backdating`).
    pub converted_on: Option<IsoDate>,
    /// Hand the new customer over to this salesperson (typically a farmer) from
    /// `converted_on`. Not for a salesperson's own conversion (403): their manager
    /// names the new owner when confirming it.
    pub new_owner_id: Option<Uuid>,
    /// Why it is handed over (default "handover after conversion").
    #[schema(min_length = 1, max_length = 500)]
    pub reason: Option<String>,
}

/// Refusing a salesperson's pending conversion.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectConversion {
    /// Why, for the salesperson (shown as the account's `conversion_reason`).
    #[schema(min_length = 1, max_length = 500, example = "No signed order yet")]
    pub reason: Option<String>,
}

fn refused(code: &'static str, detail: impl Into<String>) -> AppError {
    AppError::new(StatusCode::FORBIDDEN, code, detail)
}

/// 403 `no_backdating` when a salesperson dates their own ownership or conversion
/// before today (in the organisation's time zone). Managers and admins may.
pub(super) fn refuse_backdating(
    p: &Principal,
    field: &str,
    day: NaiveDate,
    today: NaiveDate,
) -> AppResult<()> {
    if p.role() == Some(Role::Salesperson) && day < today {
        return Err(refused(
            "no_backdating",
            format!("{field}: a salesperson cannot date it before today ({today})"),
        ));
    }
    Ok(())
}

/// 403 `integration_only` when a salesperson sets or changes external ids.
pub(super) fn refuse_external_ids(p: &Principal, changes: bool) -> AppResult<()> {
    if changes && p.role() == Some(Role::Salesperson) {
        return Err(integration_only(
            "a salesperson cannot set external ids: they come from CRM integrations",
        ));
    }
    Ok(())
}

/// What only integration clients (and admins, managers where they may) do.
pub(super) fn integration_only(detail: &str) -> AppError {
    refused("integration_only", detail)
}

/// The changes that make a conversion count, decided by the caller now.
pub(super) fn confirmed_by(p: &Principal, changes: &mut AccountChanges) {
    changes.conversion_status = Some(Some(ConversionStatus::Confirmed.as_str().into()));
    changes.conversion_decided_by = Some(actor_id(p));
    changes.conversion_decided_at = Some(Some(Utc::now()));
    changes.conversion_reason = Some(None);
}

fn status_of(row: &AccountRow) -> Option<ConversionStatus> {
    row.conversion_status
        .as_deref()
        .and_then(ConversionStatus::parse)
}

/// The caller as the segregation of duties sees them, for this account.
async fn decider(c: &mut AsyncPgConnection, p: &Principal, row: &AccountRow) -> AppResult<Decider> {
    let recorder = row
        .conversion_requested_by
        .filter(|_| status_of(row) == Some(ConversionStatus::Pending));
    // Nobody decides a conversion they recorded themselves (say, since promoted).
    if recorder.is_some() && recorder == p.user_id() && p.role() != Some(Role::Salesperson) {
        return Ok(Decider::OtherManager);
    }
    Ok(match p.role() {
        Some(Role::Admin) => Decider::Approver,
        Some(Role::Salesperson) => Decider::Salesperson,
        Some(Role::Manager) => {
            match recorder {
                // The manager of a team the recorder belongs to, parents included.
                Some(who)
                    if !store::visible_owners(c, p)
                        .await?
                        .unwrap_or_default()
                        .contains(&who) =>
                {
                    Decider::OtherManager
                }
                _ => Decider::Approver,
            }
        }
        // Viewers never get here (they do not write).
        Some(Role::Viewer) | None => Decider::Client,
    })
}

fn refusal(r: ConversionRefusal) -> AppError {
    match r {
        ConversionRefusal::AlreadyPending => AppError::conflict(
            "invalid_transition",
            "this conversion already awaits confirmation by the salesperson's manager or an admin",
        ),
        ConversionRefusal::NothingPending => AppError::conflict(
            "invalid_transition",
            "no conversion of this account awaits a decision",
        ),
        ConversionRefusal::NotTheirs => AppError::forbidden(
            "a salesperson's conversion is decided by their manager or an admin",
        ),
    }
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
    on_account(p, req, id, payload, state, convert_in).await
}

async fn convert_in(
    c: &mut AsyncPgConnection,
    p: Principal,
    current: AccountRow,
    b: ConvertRequest,
) -> AppResult<AccountRow> {
    let id = current.id;
    if current.kind != Kind::Prospect.as_str() {
        return Err(AppError::conflict(
            "not_a_prospect",
            "only a prospect can be converted; this is a customer",
        ));
    }
    let status = status_of(&current);
    let outcome = rules::on_convert(decider(c, &p, &current).await?, status).map_err(refusal)?;
    let today = crate::org::store::today_for(c, &p).await?;
    let recorded = current
        .conversion_requested_on
        .filter(|_| status == Some(ConversionStatus::Pending));
    let on = b
        .converted_on
        .map(NaiveDate::from)
        .or(recorded)
        .unwrap_or(today);
    if outcome == ConvertOutcome::Record {
        if b.new_owner_id.is_some_and(|o| o != current.owner_id) {
            return Err(AppError::forbidden(
                "a salesperson's conversion hands nothing over; their manager names \
                 the new owner when confirming it",
            ));
        }
        refuse_backdating(&p, "converted_on", on, today)?;
    }
    let mut v = Validator::new();
    check_past_day(&mut v, "converted_on", on, today);
    if let Some(r) = &b.reason {
        v.text("reason", r, 500);
    }
    if let Some(new_owner) = b.new_owner_id {
        if let Some(e) = check_owner(c, p.org_id, "new_owner_id", new_owner).await? {
            v.push(e);
        }
    }
    v.finish()?;
    if outcome == ConvertOutcome::Record {
        return service::update(
            c,
            p.org_id,
            id,
            &AccountChanges {
                conversion_status: Some(Some(ConversionStatus::Pending.as_str().into())),
                conversion_requested_on: Some(Some(on)),
                conversion_requested_by: Some(p.user_id()),
                conversion_decided_by: Some(None),
                conversion_decided_at: Some(None),
                conversion_reason: Some(None),
                ..Default::default()
            },
        )
        .await;
    }
    let history = store::history(c, p.org_id, id).await?;
    let Some(won_by) = rules::owner_on(&history, on) else {
        return Err(AppError::invalid_field(
            "converted_on",
            "before_account_existed",
            format!(
                "the account exists from {}",
                history.first().map(|o| o.from).unwrap_or(today)
            ),
        ));
    };
    let mut changes = AccountChanges {
        kind: Some(Kind::Customer.as_str().into()),
        status: Some(rules::Status::Active.as_str().into()),
        converted_on: Some(Some(on)),
        won_by: Some(Some(won_by)),
        ..Default::default()
    };
    confirmed_by(&p, &mut changes);
    let mut row = service::update(c, p.org_id, id, &changes).await?;
    if let Some(new_owner) = b.new_owner_id.filter(|o| *o != row.owner_id) {
        require_transfer(c, &p, row.owner_id, new_owner).await?;
        let from = rules::plan_transfer(&history, new_owner, on, today).map_err(|r| {
            AppError::validation(vec![r.field_error_as("new_owner_id", "converted_on")])
        })?;
        let reason = b
            .reason
            .as_deref()
            .map(str::trim)
            .unwrap_or("handover after conversion");
        row = service::transfer(c, p.org_id, id, from, new_owner, on, reason, actor_id(&p)).await?;
    }
    Ok(row)
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
    on_account(p, req, id, payload, state, reject_in).await
}

async fn reject_in(
    c: &mut AsyncPgConnection,
    p: Principal,
    current: AccountRow,
    b: RejectConversion,
) -> AppResult<AccountRow> {
    rules::on_reject(decider(c, &p, &current).await?, status_of(&current)).map_err(refusal)?;
    let mut v = Validator::new();
    if let Some(r) = &b.reason {
        v.text("reason", r, 500);
    }
    v.finish()?;
    service::update(
        c,
        p.org_id,
        current.id,
        &AccountChanges {
            conversion_status: Some(Some(ConversionStatus::Rejected.as_str().into())),
            conversion_decided_by: Some(actor_id(&p)),
            conversion_decided_at: Some(Some(Utc::now())),
            conversion_reason: Some(b.reason.map(|r| r.trim().to_string())),
            ..Default::default()
        },
    )
    .await
}

/// The frame of both calls: a writer, an optional JSON body, the account (404
/// unless visible) locked for the change in one transaction, and the account
/// answered with its ETag.
async fn on_account<B, F>(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
    state: web::Data<AppState>,
    act: F,
) -> AppResult<HttpResponse>
where
    B: DeserializeOwned + Default + Send + 'static,
    F: AsyncFnOnce(&mut AsyncPgConnection, Principal, AccountRow, B) -> AppResult<AccountRow>,
{
    require_writer(&p)?;
    let id = id.into_inner();
    let b: B = optional_json(&req, payload, state.config.max_body_bytes).await?;
    let row = db::tx(&state.pool, async move |c| {
        let current = store::get_visible(c, &p, id, true).await?;
        act(c, p, current, b).await
    })
    .await?;
    Ok(with_etag(StatusCode::OK, row.version, &Account::from(row)))
}
