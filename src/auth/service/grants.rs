//! The token grants: a person signs in with their password, a sign-in is
//! renewed with its refresh token, an integration client signs in with its
//! secret.

use chrono::Utc;
use uuid::Uuid;

use super::super::dto::TokenRequest;
use super::super::{passwords, rules, store};
use super::attempts::{check_password, throttle};
use super::tokens::{self, Tokens};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::users::service::credentials;

/// Issues tokens for the grant `body` asks for, from the client at `address`;
/// `basic` holds the HTTP Basic credentials sent, if any (a client's, before
/// those in the body).
pub async fn issue(
    state: &AppState,
    address: &str,
    basic: Option<(String, String)>,
    body: &TokenRequest,
) -> AppResult<Tokens> {
    match body.grant_type.as_str() {
        "password" => password(state, address, body).await,
        "refresh_token" => refresh(state, body).await,
        "client_credentials" => client(state, address, basic, body).await,
        other => Err(AppError::bad_request(
            "unsupported_grant_type",
            format!(
                "grant_type {other:?} is not one of password, refresh_token, client_credentials"
            ),
        )),
    }
}

fn required<'a>(v: &'a Option<String>, name: &str) -> AppResult<&'a str> {
    v.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| {
        AppError::bad_request(
            "invalid_request",
            format!("{name} is required for this grant"),
        )
    })
}

fn invalid_grant(detail: &str) -> AppError {
    AppError::bad_request("invalid_grant", detail)
}

fn invalid_client() -> AppError {
    AppError::unauthorized("invalid_client", "unknown client or wrong client secret")
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn password(state: &AppState, address: &str, body: &TokenRequest) -> AppResult<Tokens> {
    let email = crate::users::rules::email_key(required(&body.username, "username")?);
    if email.contains('\0') {
        return Err(invalid_grant("wrong email or password"));
    }
    let password = required(&body.password, "password")?.to_string();
    let throttle = throttle(state, address, &format!("user:{email}"), true);
    // The throttle and the person are read first; the password is checked after,
    // with no connection held.
    let (throttle, row) = crate::db::run(&state.pool, async move |c| {
        throttle.begin(c, Utc::now()).await?;
        // The email's login names the organisation; the person is then read
        // with it.
        let row = match crate::users::service::read::login(c, &email).await? {
            Some((org, user)) => store::user_for_login(c, org, user).await?,
            None => None,
        };
        Ok((throttle.clone(), row))
    })
    .await?;
    let found = check_password(state, &throttle, move || match row {
        Some(u) => {
            // Deactivated, or no password set: same answer, same time.
            let ok = match u.password_hash.as_deref() {
                Some(stored) => passwords::verify(&password, stored),
                None => {
                    passwords::verify_dummy(&password);
                    false
                }
            };
            (ok && u.active).then_some((u.org_id, u.id, u.role, u.password_hash))
        }
        None => {
            passwords::verify_dummy(&password);
            None
        }
    })
    .await?;
    // A failure was counted when the attempt began.
    let Some(found) = found else {
        return Err(invalid_grant("wrong email or password"));
    };
    sign_in(state, found, throttle).await
}

/// Opens a new sign-in (refresh token family) and counts it under `throttle`,
/// unless the person was deactivated or their password changed since it was
/// checked against `checked` (the revocation that came with it would miss a
/// family opened after it).
async fn sign_in(
    state: &AppState,
    (org, user, role, checked): (Uuid, Uuid, String, Option<String>),
    throttle: super::super::throttle::Throttle,
) -> AppResult<Tokens> {
    let family = Uuid::now_v7();
    let refresh = rules::new_refresh_token(org);
    let hash = rules::secret_digest(&refresh);
    let expires = tokens::refresh_expiry(state);
    crate::db::tx(&state.pool, async move |c| {
        if !credentials::lock_if_unchanged(c, org, user, checked.as_deref()).await? {
            return Err(invalid_grant("wrong email or password"));
        }
        throttle.succeeded(c, Utc::now()).await?;
        store::insert_refresh(c, org, user, family, &hash, expires).await
    })
    .await?;
    Ok(tokens::for_user(state, (org, user, &role), family, refresh))
}

async fn refresh(state: &AppState, body: &TokenRequest) -> AppResult<Tokens> {
    let token = required(&body.refresh_token, "refresh_token")?;
    // The token names its organisation; one that names none (issued before
    // tokens did) is refused as an unknown token is.
    let Some(org) = rules::refresh_token_org(token) else {
        return Err(invalid_refresh());
    };
    let hash = rules::secret_digest(token);
    let next = rules::new_refresh_token(org);
    let next_hash = rules::secret_digest(&next);
    let expires = tokens::refresh_expiry(state);
    // Spending the token and storing its successor commit together, so a failure
    // never leaves a spent token without a successor (which a retry would take
    // for reuse).
    let presented = crate::db::tx(&state.pool, async move |c| {
        let presented = store::spend_refresh(c, org, &hash, Utc::now()).await?;
        if let store::Presented::Fresh {
            org_id,
            user_id,
            family_id,
            ..
        } = &presented
        {
            store::insert_refresh(c, *org_id, *user_id, *family_id, &next_hash, expires).await?;
        }
        Ok(presented)
    })
    .await?;
    match presented {
        store::Presented::Fresh {
            org_id,
            user_id,
            role,
            family_id,
        } => Ok(tokens::for_user(
            state,
            (org_id, user_id, &role),
            family_id,
            next,
        )),
        store::Presented::Reused => Err(invalid_grant(
            "this refresh token was already used; every token of this sign-in is now revoked",
        )),
        store::Presented::Invalid => Err(invalid_refresh()),
    }
}

fn invalid_refresh() -> AppError {
    invalid_grant("the refresh token is invalid or expired")
}

async fn client(
    state: &AppState,
    address: &str,
    basic: Option<(String, String)>,
    body: &TokenRequest,
) -> AppResult<Tokens> {
    let (id, secret) = match basic {
        Some(pair) => pair,
        None => (
            required(&body.client_id, "client_id")?.to_string(),
            required(&body.client_secret, "client_secret")?.to_string(),
        ),
    };
    let throttle = throttle(state, address, &format!("client:{id}"), false);
    let client_id = id.parse::<Uuid>().ok();
    let digest = rules::secret_digest(&secret);
    // A client secret needs no slow hash: the check runs with the throttle's.
    let row = crate::db::run(&state.pool, async move |c| {
        throttle.begin(c, Utc::now()).await?;
        let Some(client_id) = client_id else {
            return Ok(None);
        };
        // The client id's lookup names the organisation; the client is then
        // read with it.
        let Some(org) = crate::clients::service::manage::org_of_client(c, client_id).await? else {
            return Ok(None);
        };
        let row = store::active_client(c, org, client_id)
            .await?
            .filter(|r| constant_time_eq(&r.secret_hash, &digest))
            .map(|r| (client_id, r));
        if row.is_some() {
            throttle.succeeded(c, Utc::now()).await?;
        }
        Ok(row)
    })
    .await?;
    let Some((client_id, row)) = row else {
        return Err(invalid_client());
    };
    let scopes = rules::narrow_scopes(&row.scopes, body.scope.as_deref())
        .map_err(|m| AppError::bad_request("invalid_scope", m))?;
    let scope = rules::scope_string(&scopes);
    Ok(tokens::for_client(state, row.org_id, client_id, scope))
}
