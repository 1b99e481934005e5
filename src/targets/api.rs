//! `/v1/targets`: SMART targets, their workflow, history and allocation.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::dto::{
    AllocationChild, AllocationOut, CreateTarget, HistoryEntry, PatchTarget, ReviseTarget,
    StepNote, Target, TargetQuery,
};
use super::service::{self, Stepped};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::extract::Json;
use crate::http::{finish, if_match, with_etag, with_location, List, PageParams};
use crate::state::AppState;

fn location(res: HttpResponse, id: Uuid) -> HttpResponse {
    with_location(res, &format!("/v1/targets/{id}"))
}

/// A workflow step's answer: 201 for a new version, else 200; with its ETag and place.
fn stepped(s: Stepped) -> AppResult<HttpResponse> {
    let code = if s.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let t = Target::from(s.target);
    let id = t.id;
    Ok(location(with_etag(code, t.version, &t), id))
}

/// The optional body of a workflow step: none is no note.
async fn step_note(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> AppResult<Option<String>> {
    let body: StepNote =
        crate::extract::optional_json(req, payload, state.config.max_body_bytes).await?;
    Ok(body.note)
}

/// Targets the caller may see.
#[utoipa::path(tag = "targets", security(("bearer" = [])), params(TargetQuery),
    responses((status = 200, description = "A page of targets", body = List<Target>)))]
#[get("")]
pub async fn list(
    p: Principal,
    q: web::Query<TargetQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .by_id()?;
    let limit = page.limit;
    let rows = service::list(&state.pool, p, q, page).await?;
    let data: Vec<Target> = rows.into_iter().map(Target::from).collect();
    Ok(HttpResponse::Ok().json(finish(data, limit, |t: &Target| t.id.to_string())))
}

/// Set a target (a draft). Nobody sets a target they answer for: a person's is
/// set by the manager of their team or of a team above it, a team manager's own
/// and a team's by the manager of the team above, any of them by an admin who
/// does not answer for it; the organisation's by an admin.
///
/// Rules across fields that the schema cannot express: a `period` key or
/// `starts_on` with `ends_on`, not both; no `subject_id` for the organisation,
/// and for a person or a team one of the organisation (an active person);
/// `value` above 0, money with at most 2 decimals and counts whole; an
/// `account_id` owned by the target's person; a parent that is a live team or
/// organisation target of the same metric whose days hold this one's.
#[utoipa::path(tag = "targets", security(("bearer" = [])), request_body = CreateTarget,
    responses(
        (status = 201, description = "Created as a draft", body = Target, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "`own_target` / `own_team`: the caller answers for this target (it is theirs, or their team's); `forbidden`: not its setter", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("")]
pub async fn create(
    p: Principal,
    body: Json<CreateTarget>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let t = Target::from(service::create(&state.pool, p, body.0).await?);
    let id = t.id;
    Ok(location(with_etag(StatusCode::CREATED, t.version, &t), id))
}

/// One target.
#[utoipa::path(tag = "targets", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The target's id")),
    responses((status = 200, description = "The target", body = Target, headers(("ETag" = String)))))]
#[get("/{id}")]
pub async fn get_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let t = Target::from(service::get_one(&state.pool, p, id.into_inner()).await?);
    Ok(with_etag(StatusCode::OK, t.version, &t))
}

/// Change a draft or proposed target (a proposed one returns to draft): its
/// setter only, never the one who answers for it.
#[utoipa::path(tag = "targets", security(("bearer" = [])), request_body = PatchTarget,
    params(
        ("id" = Uuid, Path, description = "The target's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the target changed since")
    ),
    responses(
        (status = 200, description = "Updated", body = Target, headers(("ETag" = String))),
        (status = 403, description = "`own_target` / `own_team`: the caller answers for this target (it is theirs, or their team's); `forbidden`: not its setter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`: agreed, superseded and cancelled targets are not edited", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[patch("/{id}")]
pub async fn patch_one(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<PatchTarget>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = if_match(&req);
    let t = service::change(&state.pool, p, id.into_inner(), expected, body.0).await?;
    let t = Target::from(t);
    Ok(with_etag(StatusCode::OK, t.version, &t))
}

/// Propose a draft for agreement: its setter, never the one who answers for it.
#[utoipa::path(tag = "targets", security(("bearer" = [])), request_body(content = Option<StepNote>),
    params(("id" = Uuid, Path, description = "The target's id")),
    responses(
        (status = 200, description = "Proposed", body = Target),
        (status = 403, description = "`own_target` / `own_team`: the caller answers for this target (it is theirs, or their team's); `forbidden`: not its setter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/propose")]
pub async fn propose(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let note = step_note(&req, payload, &state).await?;
    stepped(service::propose(&state.pool, p, id.into_inner(), note).await?)
}

/// Agree a proposed target: accountability starts here. The one accountable
/// agrees: the person their own, a team's manager the team's (for a sub-team
/// without one, the manager above who answers for it; an admin when there is
/// none), an admin the organisation's; never whoever set, changed or proposed
/// this version (an organisation's only admin excepted where an admin agrees).
#[utoipa::path(tag = "targets", security(("bearer" = [])), request_body(content = Option<StepNote>),
    params(("id" = Uuid, Path, description = "The target's id")),
    responses(
        (status = 200, description = "Agreed", body = Target),
        (status = 403, description = "`own_team` (a team's target) / `own_target` (a person's or the organisation's): the caller set, changed or proposed this version; `forbidden`: not the one who agrees it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/agree")]
pub async fn agree(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let note = step_note(&req, payload, &state).await?;
    stepped(service::agree(&state.pool, p, id.into_inner(), note).await?)
}

/// Revise a proposed or agreed target: a new version with a new value, which
/// needs agreement again; the old one is superseded, and its children and bonus
/// plans follow the new one. Its setter only, never the one who answers for it.
#[utoipa::path(tag = "targets", security(("bearer" = [])), request_body = ReviseTarget,
    params(("id" = Uuid, Path, description = "The target's id")),
    responses(
        (status = 201, description = "The new version, proposed", body = Target, headers(("Location" = String))),
        (status = 403, description = "`own_target` / `own_team`: the caller answers for this target (it is theirs, or their team's); `forbidden`: not its setter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/revise")]
pub async fn revise(
    p: Principal,
    id: web::Path<Uuid>,
    body: Json<ReviseTarget>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    stepped(service::revise(&state.pool, p, id.into_inner(), body.0).await?)
}

/// Cancel a target that is not superseded or cancelled already: its setter
/// only, never the one who answers for it.
#[utoipa::path(tag = "targets", security(("bearer" = [])), request_body(content = Option<StepNote>),
    params(("id" = Uuid, Path, description = "The target's id")),
    responses(
        (status = 200, description = "Cancelled", body = Target),
        (status = 403, description = "`own_target` / `own_team`: the caller answers for this target (it is theirs, or their team's); `forbidden`: not its setter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/cancel")]
pub async fn cancel(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let note = step_note(&req, payload, &state).await?;
    stepped(service::cancel(&state.pool, p, id.into_inner(), note).await?)
}

/// Every version and state change of the target, with who and when, oldest first.
#[utoipa::path(tag = "targets", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The target's id")),
    responses((status = 200, description = "The history, whole", body = List<HistoryEntry>)))]
#[get("/{id}/history")]
pub async fn history(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let rows = service::history(&state.pool, p, id.into_inner()).await?;
    let data = rows
        .into_iter()
        .map(|h| HistoryEntry {
            target_id: h.event.target_id,
            revision: h.event.revision,
            event: h.event.event,
            status: h.status,
            value: h.event.value,
            actor_id: h.event.actor_id,
            at: h.event.at,
            note: h.event.note,
        })
        .collect();
    Ok(HttpResponse::Ok().json(List {
        data,
        next_cursor: None,
    }))
}

/// A team or organisation target against the targets that contribute to it.
#[utoipa::path(tag = "targets", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The target's id")),
    responses(
        (status = 200, description = "The allocation", body = AllocationOut),
        (status = 409, description = "`not_allocatable`: a person's target has no children", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[get("/{id}/allocation")]
pub async fn allocation(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let a = service::allocation(&state.pool, p, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(AllocationOut {
        target_id: a.parent.id,
        value: a.parent.value,
        allocated: a.sums.allocated,
        unallocated: a.sums.unallocated,
        over_allocated: a.sums.over_allocated,
        children: a
            .children
            .into_iter()
            .map(|ch| AllocationChild {
                share_pct: ch.share_pct,
                id: ch.row.id,
                title: ch.row.title,
                subject_type: ch.subject_type,
                subject_id: ch.row.subject_id,
                status: ch.status,
                value: ch.row.value,
            })
            .collect(),
    }))
}
