//! The caller's own view: who they are, their teams; their password.

use uuid::Uuid;

use super::super::store::{self, UserRow};
use crate::auth::rules::Role;
use crate::auth::{passwords, Actor, Principal, Scope};
use crate::db::{self, PgPool};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::teams::service::read::MyTeamRow;

/// Who is calling: a person with their teams of today, or an integration client.
pub enum Caller {
    User {
        row: UserRow,
        role: Role,
        teams: Vec<MyTeamRow>,
    },
    Client {
        id: Uuid,
        name: String,
        scopes: Vec<Scope>,
    },
}

pub async fn who(pool: &PgPool, p: &Principal) -> AppResult<Caller> {
    db::run(pool, async |c| match &p.actor {
        Actor::User { id, role } => {
            let row = store::get(c, p.org_id, *id).await?;
            let today = crate::org::service::today::today_for(c, p).await?;
            let teams = crate::teams::service::read::my_teams(c, p.org_id, *id, today).await?;
            Ok(Caller::User {
                row,
                role: *role,
                teams,
            })
        }
        Actor::Client { id, scopes } => {
            let client = crate::clients::service::manage::by_id(c, p.org_id, *id).await?;
            Ok(Caller::Client {
                id: *id,
                name: client.name,
                scopes: scopes.clone(),
            })
        }
    })
    .await
}

/// Sets a new password for the caller when `current` is theirs; signs them out
/// everywhere. Wrong guesses are counted for the client at `address`
/// (`auth::client_addr`).
pub async fn change_password(
    state: &AppState,
    address: &str,
    p: &Principal,
    current: String,
    new: String,
) -> AppResult<()> {
    let (caller, _) = p.require_user()?;
    if let Some((code, msg)) = passwords::check_policy(&new) {
        return Err(AppError::invalid_field("new_password", code, msg));
    }
    crate::auth::service::password::change(state, address, (p.org_id, caller), current, new).await
}
