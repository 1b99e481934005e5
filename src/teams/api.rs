//! `/v1/teams` and dated membership.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{self, Join};
use super::store::{self, MemberRow, TeamChanges, TeamRow};
use crate::auth::Principal;
use crate::db;
use crate::error::{AppError, AppResult, FieldError, Validator};
use crate::extract::Json;
use crate::http::{check_if_match, finish, if_match, with_etag, List, PageParams};
use crate::state::AppState;
use crate::users::rules::double_option;
use crate::values::IsoDate;

/// A team; teams nest (a region of teams, the company).
#[derive(Debug, Serialize, ToSchema)]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub manager_id: Option<Uuid>,
    pub parent_team_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TeamRow> for Team {
    fn from(r: TeamRow) -> Self {
        Team {
            id: r.id,
            name: r.name,
            manager_id: r.manager_id,
            parent_team_id: r.parent_team_id,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A new team (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    #[schema(min_length = 1, max_length = 200, example = "North")]
    pub name: String,
    /// An active manager or admin.
    pub manager_id: Option<Uuid>,
    pub parent_team_id: Option<Uuid>,
}

/// Changes to a team (admin); `null` clears the manager or the parent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTeam {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true)]
    pub manager_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true)]
    pub parent_team_id: Option<Option<Uuid>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamQuery {
    /// Only the direct sub-teams of this team.
    pub parent_team_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One dated membership.
#[derive(Debug, Serialize, ToSchema)]
pub struct Membership {
    pub team_id: Uuid,
    pub user_id: Uuid,
    /// The person's name.
    pub name: String,
    /// First day of membership.
    pub from: NaiveDate,
    /// Last day of membership; null while it lasts.
    pub to: Option<NaiveDate>,
}

impl From<MemberRow> for Membership {
    fn from(r: MemberRow) -> Self {
        Membership {
            team_id: r.team_id,
            user_id: r.user_id,
            name: r.name,
            from: r.from_on,
            to: r.to_on,
        }
    }
}

/// Join a team from a day.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinTeam {
    /// First day of membership. An open membership of another team that began
    /// earlier ends the day before (a move).
    pub from: IsoDate,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// Only memberships that cover this day.
    pub as_of: Option<IsoDate>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EndQuery {
    /// The last day of membership (default: today in the organisation's time zone).
    pub to: Option<IsoDate>,
}

/// Checks a manager and a parent team for a team (`team` when it exists already).
async fn check_links(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Option<Uuid>,
    manager: Option<Uuid>,
    parent: Option<Uuid>,
) -> AppResult<()> {
    let mut v = Validator::new();
    if let Some(m) = manager {
        let ok = matches!(store::user_role(c, org, m).await?, Some((role, true)) if role == "manager" || role == "admin");
        v.check(
            ok,
            "manager_id",
            "invalid_manager",
            "must be an active manager or admin of this organisation",
        );
    }
    if let Some(parent) = parent {
        match store::get(c, org, parent).await {
            Ok(_) => {
                if let Some(team) = team {
                    let subtree = store::subtree_ids(c, org, team).await?;
                    v.check(
                        !rules::creates_cycle(&subtree, parent),
                        "parent_team_id",
                        "team_cycle",
                        "a team cannot sit under itself or one of its sub-teams",
                    );
                }
            }
            Err(e) if e.status == StatusCode::NOT_FOUND => {
                v.push(FieldError::new(
                    "parent_team_id",
                    "not_found",
                    "no such team",
                ));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(v.finish()?)
}

/// Teams the caller may see.
#[utoipa::path(tag = "teams", security(("bearer" = [])), params(TeamQuery),
    responses((status = 200, description = "A page of teams", body = List<Team>)))]
#[get("")]
pub async fn list(
    p: Principal,
    q: web::Query<TeamQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .by_id()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, async move |c| {
        let visible = store::visible_ids(c, &p).await?;
        store::list(c, p.org_id, visible, q.parent_team_id, &page).await
    })
    .await?;
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
    p.require_admin()?;
    let b = body.0;
    let mut v = Validator::new();
    v.text("name", &b.name, 200);
    v.finish()?;
    let row = db::tx(&state.pool, async move |c| {
        if b.parent_team_id.is_some() {
            store::lock_tree(c, p.org_id).await?;
        }
        check_links(c, p.org_id, None, b.manager_id, b.parent_team_id).await?;
        store::insert(c, p.org_id, b.name.trim(), b.manager_id, b.parent_team_id).await
    })
    .await?;
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
    p.require_reader()?;
    let id = id.into_inner();
    let row = db::run(&state.pool, async move |c| {
        store::get_visible(c, &p, id).await
    })
    .await?;
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
    p.require_admin()?;
    let id = id.into_inner();
    let b = body.0;
    let mut v = Validator::new();
    if let Some(n) = &b.name {
        v.text("name", n, 200);
    }
    v.finish()?;
    let expected = if_match(&req);
    let row = db::tx(&state.pool, async move |c| {
        if matches!(b.parent_team_id, Some(Some(_))) {
            store::lock_tree(c, p.org_id).await?;
        }
        let current = store::lock(c, p.org_id, id).await?;
        check_if_match(expected.as_deref(), current.version)?;
        check_links(
            c,
            p.org_id,
            Some(id),
            b.manager_id.flatten(),
            b.parent_team_id.flatten(),
        )
        .await?;
        let changes = TeamChanges {
            name: b.name.map(|n| n.trim().to_string()),
            manager_id: b.manager_id,
            parent_team_id: b.parent_team_id,
        };
        store::update(c, p.org_id, id, &changes).await
    })
    .await?;
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
    p.require_admin()?;
    let id = id.into_inner();
    db::tx(&state.pool, async move |c| {
        store::lock_tree(c, p.org_id).await?;
        store::lock(c, p.org_id, id).await?;
        if store::has_targets(c, p.org_id, id).await? {
            return Err(AppError::conflict(
                "team_has_targets",
                "the team has targets; cancel or keep them, and the team with them",
            ));
        }
        if store::has_children(c, p.org_id, id).await? {
            return Err(AppError::conflict(
                "team_has_subteams",
                "move or delete its sub-teams first",
            ));
        }
        store::delete(c, p.org_id, id).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 422 unless `day` is one a membership can hold.
fn check_day(field: &str, day: NaiveDate) -> AppResult<()> {
    if rules::day_in_range(day) {
        Ok(())
    } else {
        Err(AppError::invalid_field(
            field,
            "out_of_range",
            "must be a day between 0001-01-01 and 9999-12-31",
        ))
    }
}

fn member_cursor(s: &str) -> Option<(NaiveDate, Uuid)> {
    let (d, u) = s.split_once('_')?;
    Some((d.parse().ok()?, u.parse().ok()?))
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
    p.require_reader()?;
    let id = id.into_inner();
    let q = q.into_inner();
    if let Some(day) = q.as_of {
        check_day("as_of", day.0)?;
    }
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page(member_cursor)?;
    let limit = page.limit;
    let rows = db::run(&state.pool, async move |c| {
        store::get_visible(c, &p, id).await?;
        store::members(c, p.org_id, id, q.as_of.map(NaiveDate::from), &page).await
    })
    .await?;
    let page_out = finish(
        rows.into_iter().map(Membership::from).collect(),
        limit,
        |m: &Membership| format!("{}_{}", m.from, m.user_id),
    );
    Ok(HttpResponse::Ok().json(page_out))
}

async fn membership_of(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Uuid,
    user: Uuid,
    from: NaiveDate,
) -> AppResult<Membership> {
    store::membership(c, org, team, user, from)
        .await?
        .map(Membership::from)
        .ok_or_else(|| AppError::not_found("membership"))
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
    let from = body.0.from.0;
    check_day("from", from)?;
    let m = db::tx(&state.pool, async move |c| {
        store::get_visible(c, &p, team).await?;
        if !store::can_manage(c, &p, team).await? {
            return Err(AppError::forbidden("only an admin or the team's manager may change its members"));
        }
        if p.user_id() == Some(user) && store::managed_team_ids(c, p.org_id, user).await?.contains(&team) {
            return Err(AppError::new(
                StatusCode::FORBIDDEN,
                "own_team",
                "nobody adds themselves to a team they manage, or to a team below it: ask the manager above or an admin",
            ));
        }
        store::share(c, p.org_id, team).await?;
        match store::user_role(c, p.org_id, user).await? {
            None => return Err(AppError::not_found("user")),
            Some((_, false)) => {
                return Err(AppError::unprocessable("user_inactive", "a deactivated person cannot join a team"))
            }
            Some(_) => {}
        }
        let spans = store::spans(c, p.org_id, user).await?;
        match rules::plan_join(&spans, team, from) {
            Join::Unchanged => {}
            Join::Overlap(_) => return Err(store::overlap()),
            Join::Insert { close, replace } => {
                if let Some((old_team, old_from, last_day)) = close {
                    if !store::can_manage(c, &p, old_team).await? {
                        return Err(AppError::forbidden(
                            "the person belongs to a team you do not manage; ask an admin to move them",
                        ));
                    }
                    store::end_membership(c, p.org_id, old_team, user, old_from, last_day).await?;
                }
                if let Some(old_from) = replace {
                    store::delete_membership(c, p.org_id, team, user, old_from).await?;
                }
                store::insert_membership(c, p.org_id, team, user, from).await?;
            }
        }
        membership_of(c, p.org_id, team, user, from).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(m))
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
    if let Some(day) = to {
        check_day("to", day)?;
    }
    let m = db::tx(&state.pool, async move |c| {
        store::get_visible(c, &p, team).await?;
        if !store::can_manage(c, &p, team).await? {
            return Err(AppError::forbidden(
                "only an admin or the team's manager may change its members",
            ));
        }
        let to = match to {
            Some(d) => d,
            None => crate::org::store::today_for(c, &p).await?,
        };
        let open = store::spans(c, p.org_id, user)
            .await?
            .into_iter()
            .find(|s| s.team_id == team && s.to.is_none())
            .ok_or_else(|| AppError::not_found("open membership"))?;
        if to < open.from {
            return Err(AppError::invalid_field(
                "to",
                "before_start",
                format!(
                    "must be on or after the first day of membership, {}",
                    open.from
                ),
            ));
        }
        store::end_membership(c, p.org_id, team, user, open.from, to).await?;
        membership_of(c, p.org_id, team, user, open.from).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(m))
}
