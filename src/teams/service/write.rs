//! Creating, changing and deleting teams (admins).

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::dto::{CreateTeam, PatchTeam};
use super::super::rules::{self, Links, TeamError};
use super::super::store::{self, TeamChanges, TeamRow};
use crate::auth::Principal;
use crate::db::{self, Changes, PgPool};
use crate::error::{AppError, AppResult, Validator};
use crate::http::check_if_match;

/// Checks a manager and a parent team for a team (`team` when it exists already).
async fn check_links(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Option<Uuid>,
    manager: Option<Uuid>,
    parent: Option<Uuid>,
) -> AppResult<()> {
    let manager = match manager {
        Some(m) => Some(crate::users::service::read::person(c, org, m).await?),
        None => None,
    };
    let mut subtree = None;
    let parent = match parent {
        Some(parent) => match store::get(c, org, parent).await {
            Ok(_) => {
                if let Some(team) = team {
                    subtree = Some(store::subtree_ids(c, org, team).await?);
                }
                Some((parent, true))
            }
            Err(e) if e.status == actix_web::http::StatusCode::NOT_FOUND => Some((parent, false)),
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok(rules::check_links(&Links {
        manager,
        parent,
        subtree: subtree.as_deref(),
    })?)
}

/// A new team.
pub async fn create(pool: &PgPool, p: &Principal, b: CreateTeam) -> AppResult<TeamRow> {
    check_new(p, &b)?;
    db::tx(pool, async move |c| insert_checked(c, p, &b).await).await
}

/// [`create`] in the caller's transaction.
pub async fn create_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    b: &CreateTeam,
) -> AppResult<TeamRow> {
    check_new(p, b)?;
    insert_checked(c, p, b).await
}

fn check_new(p: &Principal, b: &CreateTeam) -> AppResult<()> {
    p.require_admin()?;
    let mut v = Validator::new();
    v.text("name", &b.name, 200);
    Ok(v.finish()?)
}

async fn insert_checked(
    c: &mut AsyncPgConnection,
    p: &Principal,
    b: &CreateTeam,
) -> AppResult<TeamRow> {
    if b.parent_team_id.is_some() {
        store::lock_tree(c, p.org_id).await?;
    }
    check_links(c, p.org_id, None, b.manager_id, b.parent_team_id).await?;
    store::insert(c, p.org_id, b.name.trim(), b.manager_id, b.parent_team_id).await
}

/// Changes to a team, if it is still at the version `expected` (an If-Match).
pub async fn patch(
    pool: &PgPool,
    p: &Principal,
    id: Uuid,
    b: PatchTeam,
    expected: Option<String>,
) -> AppResult<TeamRow> {
    p.require_admin()?;
    let mut v = Validator::new();
    if let Some(n) = &b.name {
        v.text("name", n, 200);
    }
    v.finish()?;
    db::tx(pool, async move |c| {
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
        if changes.is_empty() {
            // The version moves only when something changed.
            return Ok(current);
        }
        store::update(c, p.org_id, id, &changes).await
    })
    .await
}

/// Deletes a team without targets and sub-teams; its membership history goes with it.
pub async fn delete(pool: &PgPool, p: &Principal, id: Uuid) -> AppResult<()> {
    p.require_admin()?;
    db::tx(pool, async move |c| {
        store::lock_tree(c, p.org_id).await?;
        store::lock(c, p.org_id, id).await?;
        if store::has_targets(c, p.org_id, id).await? {
            return Err(AppError::from(TeamError::HasTargets));
        }
        if store::has_children(c, p.org_id, id).await? {
            return Err(TeamError::HasSubteams.into());
        }
        store::delete(c, p.org_id, id).await
    })
    .await
}
