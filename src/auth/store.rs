//! Queries behind sign-in: people and integration clients of a known
//! organisation, refresh token families. Every query names its `org_id`: the
//! organisation of an email or a client id is found first by the users and
//! clients services (their lookups), that of a refresh token is in the token.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::rules::{Actor, Role, Scope};
use crate::db::schema::{api_clients, refresh_tokens, users};
use crate::error::AppResult;
use crate::org::rules::OrgRow;

pub struct LoginRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub role: String,
    pub active: bool,
    pub password_hash: Option<String>,
}

/// The person `id` of organisation `org` signing in (found by their email's
/// login), active or not.
pub async fn user_for_login(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
) -> AppResult<Option<LoginRow>> {
    let row = users::table
        .find((org, id))
        .select((
            users::org_id,
            users::id,
            users::role,
            users::active,
            users::password_hash,
        ))
        .first::<(Uuid, Uuid, String, bool, Option<String>)>(c)
        .await
        .optional()?;
    Ok(
        row.map(|(org_id, id, role, active, password_hash)| LoginRow {
            org_id,
            id,
            role,
            active,
            password_hash,
        }),
    )
}

/// The active user or client behind a token, with its current role or scopes, its
/// organisation's row, and (for a person) when their sessions were last cut
/// (deactivation, password change; Unix microseconds): a token issued before is
/// void. A person's token of a revoked sign-in (`sid`) finds nobody.
pub async fn load_actor(
    c: &mut AsyncPgConnection,
    org: Uuid,
    kind: &str,
    id: Uuid,
    sid: Option<Uuid>,
) -> AppResult<Option<(Actor, OrgRow, Option<i64>)>> {
    use crate::db::schema::orgs;
    // The organisation's row comes with the caller's, in the same statement: reads
    // that need its calendar then need no query of their own.
    match kind {
        "user" => {
            // Revocation marks every refresh token of the family, so one marked
            // token means the sign-in is over. No sid: the nil family, never revoked.
            let revoked = diesel::dsl::exists(
                refresh_tokens::table.filter(
                    refresh_tokens::org_id
                        .eq(org)
                        .and(refresh_tokens::family_id.eq(sid.unwrap_or_default()))
                        .and(refresh_tokens::revoked_at.is_not_null()),
                ),
            );
            let row: Option<(String, Option<DateTime<Utc>>, OrgRow, bool)> = users::table
                .inner_join(orgs::table.on(orgs::id.eq(users::org_id)))
                .filter(
                    users::org_id
                        .eq(org)
                        .and(users::id.eq(id))
                        .and(users::active),
                )
                .select((
                    users::role,
                    users::sessions_valid_from,
                    OrgRow::as_select(),
                    revoked,
                ))
                .first(c)
                .await
                .optional()?;
            Ok(row
                .filter(|(.., revoked)| !revoked)
                .and_then(|(r, from, o, _)| {
                    Role::parse(&r).map(|role| {
                        let cut = from.map(|t| t.timestamp_micros());
                        (Actor::User { id, role }, o, cut)
                    })
                }))
        }
        "client" => {
            let row: Option<(Vec<Scope>, OrgRow)> = api_clients::table
                .inner_join(orgs::table.on(orgs::id.eq(api_clients::org_id)))
                .filter(
                    api_clients::org_id
                        .eq(org)
                        .and(api_clients::id.eq(id))
                        .and(api_clients::active),
                )
                .select((api_clients::scopes, OrgRow::as_select()))
                .first(c)
                .await
                .optional()?;
            Ok(row.map(|(s, o)| (Actor::Client { id, scopes: s }, o, None)))
        }
        _ => Ok(None),
    }
}

/// A caller as the cache of callers keys them: a client or not, its id, and
/// a person's sign-in.
pub type CallerKey = (bool, Uuid, Option<Uuid>);

/// [`load_actor`] for many callers of organisation `org` at once, in at most
/// three statements whatever their number: those found active, with what
/// [`load_actor`] gives for each. A caller not in the answer is no longer
/// active (or its sign-in was revoked).
pub async fn load_actors(
    c: &mut AsyncPgConnection,
    org: Uuid,
    keys: &[CallerKey],
) -> AppResult<Vec<(CallerKey, (Actor, OrgRow, Option<i64>))>> {
    use crate::db::schema::orgs;
    use std::collections::{HashMap, HashSet};
    let people: Vec<Uuid> = keys.iter().filter(|k| !k.0).map(|k| k.1).collect();
    let clients: Vec<Uuid> = keys.iter().filter(|k| k.0).map(|k| k.1).collect();
    let mut found = Vec::new();
    if !people.is_empty() {
        let rows: Vec<(Uuid, String, Option<DateTime<Utc>>, OrgRow)> = users::table
            .inner_join(orgs::table.on(orgs::id.eq(users::org_id)))
            .filter(
                users::org_id
                    .eq(org)
                    .and(users::id.eq_any(&people))
                    .and(users::active),
            )
            .select((
                users::id,
                users::role,
                users::sessions_valid_from,
                OrgRow::as_select(),
            ))
            .load(c)
            .await?;
        let rows: HashMap<Uuid, _> = rows.into_iter().map(|r| (r.0, r)).collect();
        // No sid: the nil family, never revoked.
        let families: Vec<Uuid> = keys.iter().filter_map(|k| k.2).collect();
        let revoked: HashSet<Uuid> = if families.is_empty() {
            HashSet::new()
        } else {
            refresh_tokens::table
                .filter(
                    refresh_tokens::org_id
                        .eq(org)
                        .and(refresh_tokens::family_id.eq_any(&families))
                        .and(refresh_tokens::revoked_at.is_not_null()),
                )
                .select(refresh_tokens::family_id)
                .distinct()
                .load::<Uuid>(c)
                .await?
                .into_iter()
                .collect()
        };
        for key in keys.iter().filter(|k| !k.0) {
            if key.2.is_some_and(|sid| revoked.contains(&sid)) {
                continue;
            }
            let Some((id, role, from, o)) = rows.get(&key.1) else {
                continue;
            };
            if let Some(role) = Role::parse(role) {
                let cut = from.map(|t| t.timestamp_micros());
                found.push((*key, (Actor::User { id: *id, role }, o.clone(), cut)));
            }
        }
    }
    if !clients.is_empty() {
        let rows: Vec<(Uuid, Vec<Scope>, OrgRow)> = api_clients::table
            .inner_join(orgs::table.on(orgs::id.eq(api_clients::org_id)))
            .filter(
                api_clients::org_id
                    .eq(org)
                    .and(api_clients::id.eq_any(&clients))
                    .and(api_clients::active),
            )
            .select((api_clients::id, api_clients::scopes, OrgRow::as_select()))
            .load(c)
            .await?;
        let rows: HashMap<Uuid, _> = rows.into_iter().map(|r| (r.0, r)).collect();
        for key in keys.iter().filter(|k| k.0) {
            if let Some((id, scopes, o)) = rows.get(&key.1) {
                let actor = Actor::Client {
                    id: *id,
                    scopes: scopes.clone(),
                };
                found.push((*key, (actor, o.clone(), None)));
            }
        }
    }
    Ok(found)
}

pub struct ClientRow {
    pub org_id: Uuid,
    pub secret_hash: Vec<u8>,
    pub scopes: Vec<Scope>,
}

/// The active client `id` of organisation `org` (found by its client id's lookup).
pub async fn active_client(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
) -> AppResult<Option<ClientRow>> {
    let row: Option<(Uuid, Vec<u8>, Vec<Scope>)> = api_clients::table
        .filter(
            api_clients::org_id
                .eq(org)
                .and(api_clients::id.eq(id))
                .and(api_clients::active),
        )
        .select((
            api_clients::org_id,
            api_clients::secret_hash,
            api_clients::scopes,
        ))
        .first(c)
        .await
        .optional()?;
    Ok(row.map(|(org_id, secret_hash, scopes)| ClientRow {
        org_id,
        secret_hash,
        scopes,
    }))
}

pub async fn insert_refresh(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    family: Uuid,
    hash: &[u8],
    expires_at: DateTime<Utc>,
) -> AppResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::org_id.eq(org),
            refresh_tokens::id.eq(Uuid::now_v7()),
            refresh_tokens::user_id.eq(user),
            refresh_tokens::family_id.eq(family),
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(c)
        .await?;
    Ok(())
}

/// What presenting a refresh token found.
pub enum Presented {
    /// Valid: it is now spent, and its family may receive a successor.
    Fresh {
        org_id: Uuid,
        user_id: Uuid,
        family_id: Uuid,
        role: String,
    },
    /// Already spent or revoked: its whole family has just been revoked.
    Reused,
    /// Unknown, expired, or its user is no longer active.
    Invalid,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
struct RefreshRow {
    org_id: Uuid,
    id: Uuid,
    user_id: Uuid,
    family_id: Uuid,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

/// Spends the refresh token of organisation `org` (the one the token names)
/// with this hash. Call inside a transaction: the row is locked.
pub async fn spend_refresh(
    c: &mut AsyncPgConnection,
    org: Uuid,
    hash: &[u8],
    now: DateTime<Utc>,
) -> AppResult<Presented> {
    let row: Option<RefreshRow> = refresh_tokens::table
        .filter(
            refresh_tokens::org_id
                .eq(org)
                .and(refresh_tokens::token_hash.eq(hash)),
        )
        .select(RefreshRow::as_select())
        .for_update()
        .first(c)
        .await
        .optional()?;
    let Some(RefreshRow {
        org_id,
        id,
        user_id,
        family_id,
        expires_at,
        used_at,
        revoked_at,
    }) = row
    else {
        return Ok(Presented::Invalid);
    };
    if used_at.is_some() || revoked_at.is_some() {
        revoke_family(c, org_id, family_id, now).await?;
        return Ok(Presented::Reused);
    }
    if expires_at <= now {
        return Ok(Presented::Invalid);
    }
    let role: Option<String> = users::table
        .filter(
            users::org_id
                .eq(org_id)
                .and(users::id.eq(user_id))
                .and(users::active),
        )
        .select(users::role)
        .first(c)
        .await
        .optional()?;
    let Some(role) = role else {
        return Ok(Presented::Invalid);
    };
    diesel::update(refresh_tokens::table.find((org_id, id)))
        .set(refresh_tokens::used_at.eq(now))
        .execute(c)
        .await?;
    Ok(Presented::Fresh {
        org_id,
        user_id,
        family_id,
        role,
    })
}

pub async fn revoke_family(
    c: &mut AsyncPgConnection,
    org: Uuid,
    family: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::update(
        refresh_tokens::table.filter(
            refresh_tokens::org_id
                .eq(org)
                .and(refresh_tokens::family_id.eq(family))
                .and(refresh_tokens::revoked_at.is_null()),
        ),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(c)
    .await?;
    Ok(())
}

/// Revokes the family of the token of organisation `org` with this hash, if
/// there is one.
pub async fn revoke_by_hash(
    c: &mut AsyncPgConnection,
    org: Uuid,
    hash: &[u8],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let row: Option<(Uuid, Uuid)> = refresh_tokens::table
        .filter(
            refresh_tokens::org_id
                .eq(org)
                .and(refresh_tokens::token_hash.eq(hash)),
        )
        .select((refresh_tokens::org_id, refresh_tokens::family_id))
        .first(c)
        .await
        .optional()?;
    if let Some((org, family)) = row {
        revoke_family(c, org, family, now).await?;
    }
    Ok(())
}

/// Revokes every refresh token of a person.
pub async fn revoke_user(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::update(
        refresh_tokens::table.filter(
            refresh_tokens::org_id
                .eq(org)
                .and(refresh_tokens::user_id.eq(user))
                .and(refresh_tokens::revoked_at.is_null()),
        ),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(c)
    .await?;
    Ok(())
}

/// Deletes every row of organisation `org` from `refresh_tokens`, for dropping the
/// whole organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
