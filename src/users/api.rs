//! `/v1/users`, `/v1/me`, `/v1/me/password`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{self, SellingStyle};
use super::store::{self, NewUser, UserChanges, UserRow};
use crate::auth::{password_change, passwords, store as auth_store, Actor, Principal, Role, Scope};
use crate::db;
use crate::error::{AppError, AppResult, Validator};
use crate::extract::Json;
use crate::http::{check_if_match, finish, if_match, with_etag, with_location, List, PageParams};
use crate::state::AppState;
use crate::teams::store as teams;

/// A person of the organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    #[schema(example = "ada@example.com")]
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Salespeople only.
    pub selling_style: Option<SellingStyle>,
    /// A deactivated person keeps their history but can no longer sign in.
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            email: r.email,
            name: r.name,
            role: r.role,
            selling_style: r.selling_style,
            active: r.active,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A new person (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(format = "email", example = "ada@example.com", max_length = 254)]
    pub email: String,
    #[schema(min_length = 1, max_length = 200, example = "Ada Lovelace")]
    pub name: String,
    pub role: Role,
    /// Salespeople only.
    pub selling_style: Option<SellingStyle>,
    /// An initial password (10 to 128 characters); without one the person cannot
    /// sign in until one is set.
    #[schema(min_length = 10, max_length = 128)]
    pub password: Option<String>,
}

/// Changes to a person; absent fields stay as they are. Admins may change every
/// field; people may change their own `name`. (Deactivation is DELETE;
/// reactivation is POST /v1/users/{id}/reactivate.)
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    #[schema(format = "email", max_length = 254)]
    pub email: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub role: Option<Role>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "rules::double_option")]
    #[schema(nullable = true)]
    pub selling_style: Option<Option<SellingStyle>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only this role.
    pub role: Option<Role>,
    /// Only active (true) or deactivated (false) people.
    pub active: Option<bool>,
    /// Part of the name or email, case-insensitive.
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A team the caller belongs to or manages.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyTeam {
    pub id: Uuid,
    pub name: String,
    /// `member` or `manager`.
    #[schema(example = "member")]
    pub relation: String,
    /// First day of membership (members).
    pub from: Option<NaiveDate>,
    /// Last day of membership, if it ends.
    pub to: Option<NaiveDate>,
}

/// Who is calling.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `user` or `client`.
    #[schema(example = "user")]
    pub kind: String,
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    /// People only.
    pub email: Option<String>,
    /// People only.
    pub role: Option<Role>,
    pub selling_style: Option<SellingStyle>,
    /// Integration clients only.
    pub scopes: Vec<Scope>,
    /// The teams a person belongs to today, and those they manage.
    pub teams: Vec<MyTeam>,
}

/// The caller: person or integration client, role, teams.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses((status = 200, description = "The caller", body = Me)))]
#[get("/v1/me")]
pub async fn me(p: Principal, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let caller = db::run(&state.pool, async move |c| match &p.actor {
        Actor::User { id, role } => {
            let u = store::get(c, p.org_id, *id).await?;
            let today = crate::org::store::today_for(c, &p).await?;
            let teams = teams::my_teams(c, p.org_id, *id, today)
                .await?
                .into_iter()
                .map(|t| MyTeam {
                    id: t.id,
                    name: t.name,
                    relation: t.relation.into(),
                    from: t.from,
                    to: t.to,
                })
                .collect();
            Ok(Me {
                kind: "user".into(),
                id: *id,
                org_id: p.org_id,
                name: u.name,
                email: Some(u.email),
                role: Some(*role),
                selling_style: u.selling_style,
                scopes: Vec::new(),
                teams,
            })
        }
        Actor::Client { id, scopes } => {
            let client = crate::clients::store::get(c, p.org_id, *id).await?;
            Ok(Me {
                kind: "client".into(),
                id: *id,
                org_id: p.org_id,
                name: client.name,
                email: None,
                role: None,
                selling_style: None,
                scopes: scopes.clone(),
                teams: Vec::new(),
            })
        }
    })
    .await?;
    Ok(HttpResponse::Ok().json(caller))
}

/// A new password for oneself.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
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
    let (caller, _) = p.require_user()?;
    let b = body.0;
    if let Some((code, msg)) = passwords::check_policy(&b.new_password) {
        return Err(AppError::invalid_field("new_password", code, msg));
    }
    let who = (p.org_id, caller);
    password_change::change(&state, &req, who, b.current_password, b.new_password).await?;
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
    p.require_reader()?;
    let q = q.into_inner();
    if q.q.as_deref().is_some_and(|s| s.contains('\0')) {
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
    let filter = store::ListFilter {
        role: q.role,
        active: q.active,
        q: q.q,
    };
    let limit = page.limit;
    let rows = db::run(&state.pool, async move |c| {
        let visible = store::visible_ids(c, &p).await?;
        store::list(c, p.org_id, visible, &filter, &page).await
    })
    .await?;
    let list = finish(
        rows.into_iter().map(User::from).collect(),
        limit,
        |u: &User| u.id.to_string(),
    );
    Ok(HttpResponse::Ok().json(list))
}

/// Add a person (admin).
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
    p.require_admin()?;
    let b = body.0;
    let mut v = Validator::new();
    rules::check_email(&mut v, "email", b.email.trim());
    v.text("name", &b.name, 200);
    rules::check_style(&mut v, b.role, b.selling_style);
    if let Some((code, msg)) = b.password.as_deref().and_then(passwords::check_policy) {
        v.push(crate::error::FieldError::new("password", code, msg));
    }
    v.finish()?;
    let new = NewUser {
        org_id: p.org_id,
        id: Uuid::now_v7(),
        email: b.email.trim().to_string(),
        name: b.name.trim().to_string(),
        role: b.role,
        selling_style: b.selling_style,
        password_hash: None,
    };
    let password_hash = match b.password {
        Some(pw) => Some(state.hashing.run(move || passwords::hash(&pw)).await?),
        None => None,
    };
    let new = NewUser {
        password_hash,
        ..new
    };
    let row = db::run(&state.pool, async move |c| store::insert(c, &new).await).await?;
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
    p.require_reader()?;
    let id = id.into_inner();
    let row = db::run(&state.pool, async move |c| {
        live(store::get_visible(c, &p, id).await?)
    })
    .await?;
    Ok(with_etag(StatusCode::OK, row.version, &User::from(row)))
}

/// A deactivated person is gone (410) for reads and changes; their history stays.
fn live(row: UserRow) -> AppResult<UserRow> {
    if row.active {
        Ok(row)
    } else {
        Err(AppError::new(
            StatusCode::GONE,
            "user_deactivated",
            "this person was deactivated; their history stays (list them with ?active=false; an admin may POST /v1/users/{id}/reactivate)",
        ))
    }
}

/// What a PATCH changes, checked against the person as they are.
fn plan_patch(p: &Principal, current: &UserRow, b: &PatchUser) -> AppResult<UserChanges> {
    let (caller, _) = p.require_user()?;
    let is_self = caller == current.id;
    if !p.is_admin() {
        let only_name = b.email.is_none() && b.role.is_none() && b.selling_style.is_none();
        if !is_self || !only_name {
            return Err(AppError::forbidden(
                "only an admin may change this; people may change their own name",
            ));
        }
    }
    let role = b.role.unwrap_or(current.role);
    let mut style = match b.selling_style {
        Some(s) => s,
        None => current.selling_style,
    };
    // Leaving the salesperson role drops the style unless one is set explicitly.
    if role != Role::Salesperson && b.selling_style.is_none() {
        style = None;
    }
    let mut v = Validator::new();
    if let Some(e) = &b.email {
        rules::check_email(&mut v, "email", e.trim());
    }
    if let Some(n) = &b.name {
        v.text("name", n, 200);
    }
    rules::check_style(&mut v, role, style);
    v.finish()?;
    if is_self && b.role.is_some() && role != Role::Admin {
        return Err(own_admin());
    }
    let style_changes = style != current.selling_style;
    Ok(UserChanges {
        email: b.email.as_ref().map(|e| e.trim().to_string()),
        name: b.name.as_ref().map(|n| n.trim().to_string()),
        role: b.role,
        selling_style: style_changes.then_some(style),
        active: None,
    })
}

fn own_admin() -> AppError {
    AppError::conflict(
        "cannot_change_own_admin",
        "an admin cannot deactivate or demote themselves; ask another admin",
    )
}

/// Change a person.
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
    let id = id.into_inner();
    let expected = if_match(&req);
    let row = db::tx(&state.pool, async move |c| {
        store::get_visible(c, &p, id).await?;
        let current = live(store::lock(c, p.org_id, id).await?)?;
        let changes = plan_patch(&p, &current, &body.0)?;
        check_if_match(expected.as_deref(), current.version)?;
        if let Some(e) = &changes.email {
            if store::email_taken(c, e, Some(id)).await? {
                return Err(store::email_conflict());
            }
        }
        store::update(c, p.org_id, id, &changes).await
    })
    .await?;
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
    p.require_admin()?;
    let id = id.into_inner();
    let row = db::tx(&state.pool, async move |c| {
        let current = live(store::lock(c, p.org_id, id).await?)?;
        if p.user_id() == Some(current.id) {
            return Err(own_admin());
        }
        let changes = UserChanges {
            active: Some(false),
            ..Default::default()
        };
        let updated = store::update(c, p.org_id, id, &changes).await?;
        auth_store::revoke_user(c, p.org_id, id, Utc::now()).await?;
        Ok(updated)
    })
    .await?;
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
    p.require_admin()?;
    let id = id.into_inner();
    let row = db::tx(&state.pool, async move |c| {
        let current = store::lock(c, p.org_id, id).await?;
        if current.active {
            return Ok(current);
        }
        let changes = UserChanges {
            active: Some(true),
            ..Default::default()
        };
        store::update(c, p.org_id, id, &changes).await
    })
    .await?;
    Ok(with_etag(StatusCode::OK, row.version, &User::from(row)))
}
