//! `/v1/teams` and dated membership.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use uuid::Uuid;

use super::dto::{
    CreateTeam, EndQuery, JoinTeam, MembersQuery, Membership, PatchTeam, Team, TeamQuery,
};
use super::service::{membership, read, write};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::extract::Json;
use crate::http::{finish, if_match, with_etag, List, PageParams};
use crate::state::AppState;

/// Teams the caller may see.
#[utoipa::path(tag = "teams", security(("bearer" = [])), params(TeamQuery),
    responses((status = 200, description = "A page of teams", body = List<Team>)))]
#[get("")]
pub async fn list(
    p: Principal,
    q: web::Query<TeamQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    };
    let (rows, limit) = read::list(&state.pool, &p, q.parent_team_id, &page).await?;
    Ok(HttpResponse::Ok().json(finish(
        rows.into_iter().map(Team::from).collect(),
        limit,
        |t: &Team| t.id.to_string(),
    )))
}

/// Create a team (admin).
#[utoipa::path(tag = "teams", security(("bearer" = [])), request_body = CreateTeam,
    responses((status = 201, description = "Created", body = Team, headers(("ETag" = String)))))]
#[post("")]
pub async fn create(
    p: Principal,
    body: Json<CreateTeam>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let row = write::create(&state.pool, &p, body.0).await?;
    Ok(with_etag(
        StatusCode::CREATED,
        row.version,
        &Team::from(row),
    ))
}

/// One team.
#[utoipa::path(tag = "teams", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The team's id")),
    responses((status = 200, description = "The team", body = Team, headers(("ETag" = String)))))]
#[get("/{id}")]
pub async fn get_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let row = read::get(&state.pool, &p, id.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, row.version, &Team::from(row)))
}

/// Change a team (admin).
#[utoipa::path(tag = "teams", security(("bearer" = [])), request_body = PatchTeam,
    params(
        ("id" = Uuid, Path, description = "The team's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the team changed since")
    ),
    responses((status = 200, description = "Updated", body = Team, headers(("ETag" = String)))))]
#[patch("/{id}")]
pub async fn patch_one(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<PatchTeam>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = if_match(&req);
    let row = write::patch(&state.pool, &p, id.into_inner(), body.0, expected).await?;
    Ok(with_etag(StatusCode::OK, row.version, &Team::from(row)))
}

/// Delete a team without sub-teams (admin). Its membership history goes with it.
#[utoipa::path(tag = "teams", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The team's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "`team_has_subteams`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[delete("/{id}")]
pub async fn delete_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    write::delete(&state.pool, &p, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The team's memberships, past and present, by first day.
#[utoipa::path(tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The team's id"), MembersQuery),
    responses((status = 200, description = "A page of memberships", body = List<Membership>)))]
#[get("/{id}/members")]
pub async fn members(
    p: Principal,
    id: web::Path<Uuid>,
    q: web::Query<MembersQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    };
    let as_of = q.as_of.map(NaiveDate::from);
    let (rows, limit) = read::members(&state.pool, &p, id.into_inner(), as_of, &page).await?;
    let page_out = finish(
        rows.into_iter().map(Membership::from).collect(),
        limit,
        |m: &Membership| format!("{}_{}", m.from, m.user_id),
    );
    Ok(HttpResponse::Ok().json(page_out))
}

/// Add a person to the team from a day (admins, and managers of the team or of a
/// team above it). Nobody adds themselves to a team they manage or one below it
/// (403 `own_team`).
///
/// A person belongs to one team on any day: an open membership of another team
/// that began earlier ends the day before (a move). Joining this team again with
/// another first day re-dates the open membership.
#[utoipa::path(tag = "teams", security(("bearer" = [])), request_body = JoinTeam,
    params(("id" = Uuid, Path, description = "The team's id"), ("user_id" = Uuid, Path, description = "The person's id")),
    responses(
        (status = 200, description = "The membership", body = Membership),
        (status = 403, description = "`own_team`: the caller adds themselves to a team they manage or one below it; `forbidden`: not an admin or a manager of the team", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`membership_overlap`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[put("/{id}/members/{user_id}")]
pub async fn put_member(
    p: Principal,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<JoinTeam>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (team, user) = path.into_inner();
    let m = membership::join(&state.pool, &p, team, user, body.0.from.0).await?;
    Ok(HttpResponse::Ok().json(Membership::from(m)))
}

/// End a person's membership of the team on a day (admins, and managers of the team).
#[utoipa::path(tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The team's id"), ("user_id" = Uuid, Path, description = "The person's id"), EndQuery),
    responses((status = 200, description = "The ended membership", body = Membership)))]
#[delete("/{id}/members/{user_id}")]
pub async fn end_member(
    p: Principal,
    path: web::Path<(Uuid, Uuid)>,
    q: web::Query<EndQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (team, user) = path.into_inner();
    let to = q.into_inner().to.map(NaiveDate::from);
    let m = membership::end(&state.pool, &p, team, user, to).await?;
    Ok(HttpResponse::Ok().json(Membership::from(m)))
}
