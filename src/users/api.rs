//! `/v1/users`, `/v1/me`, `/v1/me/password`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::dto::{ChangePassword, CreateUser, Me, MyTeam, PatchUser, User, UserQuery};
use super::service::caller::{self, Caller};
use super::service::read::{self, ListFilter};
use super::service::write;
use crate::auth::{client_addr, Principal};
use crate::error::AppResult;
use crate::extract::Json;
use crate::http::{finish, if_match, with_etag, with_location, List, PageParams};
use crate::state::AppState;

/// The caller: person or integration client, role, teams.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses((status = 200, description = "The caller", body = Me)))]
#[get("/v1/me")]
pub async fn me(p: Principal, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let caller = match caller::who(&state.pool, &p).await? {
        Caller::User { row, role, teams } => Me {
            kind: "user".into(),
            id: row.id,
            org_id: p.org_id,
            name: row.name,
            email: Some(row.email),
            role: Some(role),
            selling_style: row.selling_style,
            scopes: Vec::new(),
            teams: teams
                .into_iter()
                .map(|t| MyTeam {
                    id: t.id,
                    name: t.name,
                    relation: t.relation.into(),
                    from: t.from,
                    to: t.to,
                })
                .collect(),
        },
        Caller::Client { id, name, scopes } => Me {
            kind: "client".into(),
            id,
            org_id: p.org_id,
            name,
            email: None,
            role: None,
            selling_style: None,
            scopes,
            teams: Vec::new(),
        },
    };
    Ok(HttpResponse::Ok().json(caller))
}

/// Change one's own password. Signs out every session, this one included: every
/// refresh token is revoked and access tokens issued before now are refused.
/// Wrong guesses of the current password are throttled (429) like sign-ins; when
/// too many passwords are being checked at once the answer is 503 `busy`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed"),
        (status = 429, description = "Too many wrong guesses (`too_many_attempts`); see `Retry-After`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being checked at once (`busy`); see `Retry-After`", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/me/password")]
pub async fn change_password(
    req: HttpRequest,
    p: Principal,
    body: Json<ChangePassword>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    let address = client_addr::of(&req, &state.config.trusted_proxies);
    caller::change_password(&state, &address, &p, b.current_password, b.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// People the caller may see.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(UserQuery),
    responses((status = 200, description = "A page of people", body = List<User>))
)]
#[get("")]
pub async fn list(
    p: Principal,
    q: web::Query<UserQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let filter = ListFilter {
        role: q.role,
        active: q.active,
        q: q.q,
    };
    let (rows, limit) = read::list(&state.pool, &p, filter, &page).await?;
    let list = finish(
        rows.into_iter().map(User::from).collect(),
        limit,
        |u: &User| u.id.to_string(),
    );
    Ok(HttpResponse::Ok().json(list))
}

/// Add a person (admin).
///
/// Rules across fields that the schema cannot express: `selling_style` (farmer,
/// hunter or hybrid) belongs to salespeople only (422 `not_applicable` for any
/// other role); the email is unique in the organisation (409).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = User, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "`email_taken`", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("")]
pub async fn create(
    p: Principal,
    body: Json<CreateUser>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let row = write::create(&state, &p, body.0).await?;
    let path = format!("/v1/users/{}", row.id);
    Ok(with_location(
        with_etag(StatusCode::CREATED, row.version, &User::from(row)),
        &path,
    ))
}

/// One person.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The person's id")),
    responses(
        (status = 200, description = "The person", body = User, headers(("ETag" = String))),
        (status = 410, description = "Deactivated (`user_deactivated`)", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[get("/{id}")]
pub async fn get_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let row = read::get(&state.pool, &p, id.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, row.version, &User::from(row)))
}

/// Change a person.
///
/// People may change their own name; everything else is an admin's. A
/// `selling_style` belongs to salespeople only: a person who stops being a
/// salesperson loses theirs, and setting one on another role is 422
/// `not_applicable`. An admin cannot demote themselves (409).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = PatchUser,
    params(
        ("id" = Uuid, Path, description = "The person's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the person changed since")
    ),
    responses(
        (status = 200, description = "Updated", body = User, headers(("ETag" = String))),
        (status = 409, description = "`email_taken`, `cannot_change_own_admin`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "Deactivated (`user_deactivated`)", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[patch("/{id}")]
pub async fn patch_one(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<PatchUser>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = if_match(&req);
    let row = write::patch(&state.pool, &p, id.into_inner(), body.0, expected).await?;
    Ok(with_etag(StatusCode::OK, row.version, &User::from(row)))
}

/// Deactivate a person (admin). Their history stays; their tokens stop working at once.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The person's id")),
    responses(
        (status = 200, description = "Deactivated", body = User, headers(("ETag" = String))),
        (status = 409, description = "`cannot_change_own_admin`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "Already deactivated (`user_deactivated`)", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[delete("/{id}")]
pub async fn deactivate(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let row = write::deactivate(&state.pool, &p, id.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, row.version, &User::from(row)))
}

/// Reactivate a deactivated person (admin). Answers the person as they are when
/// already active.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The person's id")),
    responses((status = 200, description = "Active again", body = User, headers(("ETag" = String))))
)]
#[post("/{id}/reactivate")]
pub async fn reactivate(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let row = write::reactivate(&state.pool, &p, id.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, row.version, &User::from(row)))
}
