//! The authenticated caller, taken from the bearer token and checked against the
//! database on every request (so a deactivated user's tokens stop working at once).

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use uuid::Uuid;

use super::rules::{Role, Scope};
use super::store;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub use super::rules::Actor;

/// Who is calling, and for which organisation.
#[derive(Clone, Debug)]
pub struct Principal {
    pub org_id: Uuid,
    pub actor: Actor,
    /// The organisation's row as read with the caller's at the start of the
    /// request (absent for callers built in-process, such as the demo).
    pub org: Option<std::sync::Arc<crate::org::rules::OrgRow>>,
}

impl Principal {
    /// The organisation's row as read with the caller, when it was.
    pub fn org_row(&self) -> Option<&crate::org::rules::OrgRow> {
        self.org.as_deref().filter(|org| org.id == self.org_id)
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match self.actor {
            Actor::User { id, .. } => Some(id),
            Actor::Client { .. } => None,
        }
    }
    pub fn role(&self) -> Option<Role> {
        match self.actor {
            Actor::User { role, .. } => Some(role),
            Actor::Client { .. } => None,
        }
    }
    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }
    pub fn has_scope(&self, s: Scope) -> bool {
        matches!(&self.actor, Actor::Client { scopes, .. } if scopes.contains(&s))
    }
    /// Sees everything in the organisation, read-only or not: admins, viewers and
    /// clients with the `read` scope.
    pub fn reads_org_wide(&self) -> bool {
        matches!(self.role(), Some(Role::Admin | Role::Viewer)) || self.has_scope(Scope::Read)
    }
    pub fn require_admin(&self) -> AppResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::forbidden("only an admin may do this"))
        }
    }
    /// A person (not an integration client), with their id and role.
    pub fn require_user(&self) -> AppResult<(Uuid, Role)> {
        match self.actor {
            Actor::User { id, role } => Ok((id, role)),
            Actor::Client { .. } => Err(AppError::forbidden(
                "integration clients cannot do this; sign in as a person",
            )),
        }
    }
    /// Any reader: clients need the `read` scope.
    pub fn require_reader(&self) -> AppResult<()> {
        match &self.actor {
            Actor::User { .. } => Ok(()),
            Actor::Client { .. } if self.has_scope(Scope::Read) => Ok(()),
            Actor::Client { .. } => Err(AppError::forbidden("this client lacks the read scope")),
        }
    }
}

fn bearer(req: &HttpRequest) -> AppResult<String> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        AppError::unauthorized("missing_token", "send Authorization: Bearer <access token>")
    })?;
    let value = value.to_str().map_err(|_| {
        AppError::unauthorized("invalid_token", "the Authorization header is not readable")
    })?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_string())
        }
        _ => Err(AppError::unauthorized(
            "invalid_token",
            "the Authorization header must be: Bearer <access token>",
        )),
    }
}

impl FromRequest for Principal {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let token = token?;
            let claims = state.keys.verify(&token).map_err(|_| {
                AppError::unauthorized("invalid_token", "the access token is invalid or expired")
            })?;
            let sub: Uuid = claims.sub.parse().map_err(|_| {
                AppError::unauthorized("invalid_token", "the access token is invalid")
            })?;
            let org_id = claims.org;
            let kind = claims.kind.clone();
            let scope = claims.scope.clone();
            let issued_at = claims.iat;
            let sid = claims.sid;
            if kind != "user" && kind != "client" {
                return Err(AppError::unauthorized(
                    "invalid_token",
                    "the access token is invalid",
                ));
            }
            let key = (org_id, kind == "client", sub, sid);
            let (actor, org, cut) = match state.callers.found.get_or_due(&key) {
                Some((hit, fresh)) => {
                    if fresh == cache::Freshness::Refresh {
                        refresh(state.clone(), key);
                    }
                    std::sync::Arc::unwrap_or_clone(hit)
                }
                None => load(&state, key, kind).await?,
            };
            // A token of a sign-in was checked against its family above, exactly.
            // One without (issue time in whole seconds) is void when it may have
            // been issued before the cut, even within the same second.
            if sid.is_none() && cut.is_some_and(|cut| issued_at.saturating_mul(1_000_000) < cut) {
                return Err(no_longer_active());
            }
            // A client's token carries the scopes it was issued with, never more than it holds now.
            let actor = match actor {
                Actor::Client { id, scopes } => {
                    let issued: Vec<Scope> = scope
                        .as_deref()
                        .unwrap_or("")
                        .split_whitespace()
                        .filter_map(Scope::parse)
                        .collect();
                    Actor::Client {
                        id,
                        scopes: scopes.into_iter().filter(|s| issued.contains(s)).collect(),
                    }
                }
                user => user,
            };
            Ok(Principal {
                org_id,
                actor,
                org: Some(org),
            })
        })
    }
}

/// Looks the caller up and remembers them.
async fn load(state: &AppState, key: cache::Key, kind: String) -> AppResult<cache::Entry> {
    let (org_id, _, sub, sid) = key;
    let generation = state.callers.found.generation();
    let found = crate::db::run(&state.pool, async move |c| {
        store::load_actor(c, org_id, &kind, sub, sid).await
    })
    .await?;
    let Some((actor, org, cut)) = found else {
        return Err(no_longer_active());
    };
    let hit = (actor, std::sync::Arc::new(org), cut);
    let remembered = std::sync::Arc::new(hit.clone());
    state.callers.found.put(generation, key, remembered);
    Ok(hit)
}

/// Looks the caller up again in the background, so that a caller who keeps
/// calling never waits for it: their requests go on with what was remembered,
/// which is never older than [`cache::TTL`]. The callers falling due are
/// gathered and looked up together (see [`super::callers`]); a caller who is
/// no longer active is forgotten at once.
fn refresh(state: web::Data<AppState>, key: cache::Key) {
    if !state.callers.queue(key) {
        return;
    }
    actix_web::rt::spawn(async move {
        loop {
            tokio::time::sleep(cache::GATHER).await;
            let Some(keys) = state.callers.take_due() else {
                break;
            };
            refresh_all(&state, keys).await;
        }
    });
}

/// Looks `keys` up again, per organisation in one go.
async fn refresh_all(state: &AppState, keys: Vec<cache::Key>) {
    let generation = state.callers.found.generation();
    let mut by_org: std::collections::BTreeMap<Uuid, Vec<store::CallerKey>> = Default::default();
    for (org, client, id, sid) in keys {
        by_org.entry(org).or_default().push((client, id, sid));
    }
    for (org, keys) in by_org {
        let wanted = &keys;
        let found = crate::db::run(&state.pool, async move |c| {
            store::load_actors(c, org, wanted).await
        })
        .await;
        let full = |(client, id, sid): store::CallerKey| (org, client, id, sid);
        match found {
            Ok(found) => {
                let mut found: std::collections::HashMap<_, _> = found.into_iter().collect();
                for key in keys {
                    match found.remove(&key) {
                        Some((actor, row, cut)) => state.callers.found.put(
                            generation,
                            full(key),
                            std::sync::Arc::new((actor, std::sync::Arc::new(row), cut)),
                        ),
                        None => state.callers.found.forget(&full(key)),
                    }
                }
            }
            Err(_) => keys
                .into_iter()
                .for_each(|key| state.callers.found.refresh_failed(&full(key))),
        }
    }
}

fn no_longer_active() -> AppError {
    AppError::unauthorized(
        "invalid_token",
        "the access token no longer stands: its sign-in was ended (signed out, a new password, or a refresh token used twice) or its user or client is no longer active",
    )
}

/// Who is behind a token, remembered for a moment: see [`super::callers`].
pub use super::callers as cache;
