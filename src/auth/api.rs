//! The token endpoint (password, refresh_token and client_credentials grants),
//! revocation and the published signing keys.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{Duration as ChronoDuration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::keys::Claims;
use super::rules;
use super::throttle::Throttle;
use super::{client_addr, passwords, store};
use crate::error::{AppError, AppResult};
use crate::extract::{
    content_type, is_json, parse_json_lenient, read_body, unsupported_media_type,
};
use crate::state::AppState;

/// The grant being asked for.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    Password,
    RefreshToken,
    ClientCredentials,
}

/// OAuth 2.0 token request; JSON or form-encoded. Which fields are needed depends on
/// `grant_type`: `username` and `password`; `refresh_token`; or `client_id` and
/// `client_secret` (also accepted as HTTP Basic credentials).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    #[schema(value_type = GrantType)]
    pub grant_type: String,
    /// The person's email (password grant).
    #[schema(example = "ada@example.com")]
    pub username: Option<String>,
    pub password: Option<String>,
    pub refresh_token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Space-separated scopes to narrow a client's token to (client_credentials).
    pub scope: Option<String>,
}

/// An issued token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT signed with EdDSA; its `kid` is published at `/.well-known/jwks.json`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Present for people: use once with `grant_type=refresh_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Present for integration clients: the scopes the token carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A refresh token to revoke (RFC 7009 names it `token`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeRequest {
    #[serde(alias = "refresh_token")]
    pub token: String,
    /// Accepted for RFC 7009 compatibility; only refresh tokens are revocable.
    pub token_type_hint: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Revoked {
    /// Always true: an unknown token is not revealed as such (RFC 7009).
    pub revoked: bool,
}

/// Parses a JSON or form-encoded body.
async fn form_or_json<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    payload: &mut actix_web::dev::Payload,
    limit: usize,
) -> AppResult<T> {
    let ct = content_type(req);
    let is_form = ct.split(';').next().is_some_and(|m| {
        m.trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    });
    if !is_form && !is_json(&ct) {
        return Err(unsupported_media_type(
            "application/json or application/x-www-form-urlencoded",
        ));
    }
    let body = read_body(payload, None, limit).await?;
    if is_form {
        serde_urlencoded::from_bytes(&body).map_err(|e| {
            AppError::bad_request("invalid_request", format!("the form body is invalid: {e}"))
        })
    } else {
        parse_json_lenient(&body)
    }
}

fn no_store(mut res: HttpResponse) -> HttpResponse {
    let h = res.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    h.insert(header::PRAGMA, header::HeaderValue::from_static("no-cache"));
    res
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

fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    use base64::Engine;
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    // RFC 6749 §2.3.1: both are form-urlencoded before they are joined.
    let decode = |v: &str| -> Option<String> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("v={v}")).ok()?;
        pairs.into_iter().next().map(|(_, v)| v)
    };
    Some((decode(id)?, decode(secret)?))
}

impl AppState {
    fn access_token(
        &self,
        org: Uuid,
        kind: &str,
        sub: Uuid,
        role: Option<&str>,
        scope: Option<String>,
        sid: Option<Uuid>,
    ) -> String {
        let now = Utc::now().timestamp();
        self.keys.sign(&Claims {
            iss: self.keys.issuer.clone(),
            aud: self.keys.audience.clone(),
            sub: sub.to_string(),
            exp: now + self.config.access_token_ttl.as_secs() as i64,
            iat: now,
            jti: Uuid::now_v7().to_string(),
            org,
            kind: kind.into(),
            role: role.map(str::to_string),
            scope,
            sid,
        })
    }

    fn refresh_expiry(&self) -> chrono::DateTime<Utc> {
        Utc::now() + ChronoDuration::seconds(self.config.refresh_token_ttl.as_secs() as i64)
    }

    /// Checks a password with `f`, off the pool; when it cannot be checked now
    /// (503 `busy`), the attempt is not counted against `throttle`.
    pub async fn check_password<T, F>(&self, throttle: &Throttle, f: F) -> AppResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let checked = self.hashing.run(f).await;
        if checked.is_err() {
            let throttle = throttle.clone();
            crate::db::run(&self.pool, async move |c| throttle.abandoned(c).await).await?;
        }
        checked
    }

    /// The sign-in throttle for an attempt on `account` from this request's client.
    pub fn throttle_for(&self, req: &HttpRequest, account: &str, sign_in: bool) -> Throttle {
        let address = client_addr::of(req, &self.config.trusted_proxies);
        Throttle::new(&self.config, account, &address, sign_in)
    }
}

/// Obtain an access token.
///
/// `password` signs a person in and also returns a refresh token; `refresh_token`
/// rotates it (a refresh token presented twice revokes every token of that sign-in);
/// `client_credentials` signs an integration client in with its scopes. Repeated
/// failures from one address, many on one account, and frequent sign-ins answer
/// 429 with `Retry-After`; when too many passwords are being checked at once the
/// answer is 503 `busy` with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body(content(
        (TokenRequest = "application/json"),
        (TokenRequest = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "Token issued", body = TokenResponse),
        (status = 400, description = "`invalid_request`, `invalid_grant` (wrong email or password, reused or expired refresh token)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_client`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts (`too_many_attempts`); see `Retry-After`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being checked at once (`busy`); see `Retry-After`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/token")]
pub async fn token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let body: TokenRequest = form_or_json(&req, &mut payload.into_inner(), 64 * 1024).await?;
    let res = match body.grant_type.as_str() {
        "password" => password_grant(&req, &state, &body).await?,
        "refresh_token" => refresh_grant(&state, &body).await?,
        "client_credentials" => client_grant(&req, &state, &body).await?,
        other => {
            return Err(AppError::bad_request(
                "unsupported_grant_type",
                format!(
                "grant_type {other:?} is not one of password, refresh_token, client_credentials"
            ),
            ))
        }
    };
    Ok(no_store(HttpResponse::Ok().json(res)))
}

/// Opens a new sign-in (refresh token family) and counts it under `throttle`,
/// unless the person was deactivated or their password changed since it was
/// checked against `checked` (the revocation that came with it would miss a
/// family opened after it).
async fn issue_for_user(
    state: &AppState,
    (org, user, role, checked): (Uuid, Uuid, String, Option<String>),
    throttle: Throttle,
) -> AppResult<TokenResponse> {
    let family = Uuid::now_v7();
    let refresh = rules::new_secret();
    let hash = rules::secret_digest(&refresh);
    let expires = state.refresh_expiry();
    crate::db::tx(&state.pool, async move |c| {
        let now = crate::users::store::lock(c, org, user).await?;
        if !now.active || crate::users::store::password_hash(c, org, user).await? != checked {
            return Err(invalid_grant("wrong email or password"));
        }
        throttle.succeeded(c, Utc::now()).await?;
        store::insert_refresh(c, org, user, family, &hash, expires).await
    })
    .await?;
    Ok(state.user_tokens(org, user, &role, family, refresh))
}

impl AppState {
    fn user_tokens(
        &self,
        org: Uuid,
        user: Uuid,
        role: &str,
        family: Uuid,
        refresh: String,
    ) -> TokenResponse {
        TokenResponse {
            access_token: self.access_token(org, "user", user, Some(role), None, Some(family)),
            token_type: "Bearer".into(),
            expires_in: self.config.access_token_ttl.as_secs(),
            refresh_token: Some(refresh),
            scope: None,
        }
    }
}

async fn password_grant(
    req: &HttpRequest,
    state: &AppState,
    body: &TokenRequest,
) -> AppResult<TokenResponse> {
    let email = crate::users::rules::email_key(required(&body.username, "username")?);
    if email.contains('\0') {
        return Err(invalid_grant("wrong email or password"));
    }
    let password = required(&body.password, "password")?.to_string();
    let throttle = state.throttle_for(req, &format!("user:{email}"), true);
    // The throttle and the person are read first; the password is checked after,
    // with no connection held.
    let (throttle, row) = crate::db::run(&state.pool, async move |c| {
        throttle.begin(c, Utc::now()).await?;
        let row = store::user_by_email(c, &email).await?;
        Ok((throttle.clone(), row))
    })
    .await?;
    let found = state
        .check_password(&throttle, move || match row {
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
    issue_for_user(state, found, throttle).await
}

async fn refresh_grant(state: &AppState, body: &TokenRequest) -> AppResult<TokenResponse> {
    let hash = rules::secret_digest(required(&body.refresh_token, "refresh_token")?);
    let next = rules::new_secret();
    let next_hash = rules::secret_digest(&next);
    let expires = state.refresh_expiry();
    // Spending the token and storing its successor commit together, so a failure
    // never leaves a spent token without a successor (which a retry would take
    // for reuse).
    let presented = crate::db::tx(&state.pool, async move |c| {
        let presented = store::spend_refresh(c, &hash, Utc::now()).await?;
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
        } => Ok(state.user_tokens(org_id, user_id, &role, family_id, next)),
        store::Presented::Reused => Err(invalid_grant(
            "this refresh token was already used; every token of this sign-in is now revoked",
        )),
        store::Presented::Invalid => Err(invalid_grant("the refresh token is invalid or expired")),
    }
}

async fn client_grant(
    req: &HttpRequest,
    state: &AppState,
    body: &TokenRequest,
) -> AppResult<TokenResponse> {
    let (id, secret) = match basic_credentials(req) {
        Some(pair) => pair,
        None => (
            required(&body.client_id, "client_id")?.to_string(),
            required(&body.client_secret, "client_secret")?.to_string(),
        ),
    };
    let throttle = state.throttle_for(req, &format!("client:{id}"), false);
    let client_id = id.parse::<Uuid>().ok();
    let digest = rules::secret_digest(&secret);
    // A client secret needs no slow hash: the check runs with the throttle's.
    let row = crate::db::run(&state.pool, async move |c| {
        throttle.begin(c, Utc::now()).await?;
        let Some(client_id) = client_id else {
            return Ok(None);
        };
        let row = store::active_client(c, client_id)
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
    Ok(TokenResponse {
        access_token: state.access_token(
            row.org_id,
            "client",
            client_id,
            None,
            Some(scope.clone()),
            None,
        ),
        token_type: "Bearer".into(),
        expires_in: state.config.access_token_ttl.as_secs(),
        refresh_token: None,
        scope: Some(scope),
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Revoke a refresh token (sign out).
///
/// Revokes the token and every token rotated from the same sign-in, and ends the
/// access tokens issued to that sign-in (within a second on every instance).
/// Answers 200 whether or not the token was known (RFC 7009).
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body(content(
        (RevokeRequest = "application/json"),
        (RevokeRequest = "application/x-www-form-urlencoded"),
    )),
    responses((status = 200, description = "Revoked", body = Revoked))
)]
#[post("/v1/auth/revoke")]
pub async fn revoke(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let body: RevokeRequest = form_or_json(&req, &mut payload.into_inner(), 64 * 1024).await?;
    let hash = rules::secret_digest(&body.token);
    crate::db::run(&state.pool, async move |c| {
        store::revoke_by_hash(c, &hash, Utc::now()).await
    })
    .await?;
    Ok(no_store(HttpResponse::Ok().json(Revoked { revoked: true })))
}

/// A JSON Web Key (RFC 7517), here an Ed25519 public key.
#[derive(Serialize, ToSchema)]
pub struct JwkDoc {
    #[schema(example = "OKP")]
    pub kty: String,
    #[schema(example = "Ed25519")]
    pub crv: String,
    pub x: String,
    pub kid: String,
    #[schema(example = "EdDSA")]
    pub alg: String,
    #[serde(rename = "use")]
    #[schema(example = "sig")]
    pub use_: String,
}

/// The JSON Web Key Set that verifies access tokens.
#[derive(Serialize, ToSchema)]
pub struct JwkSetDoc {
    pub keys: Vec<JwkDoc>,
}

/// The public keys that verify access tokens, for gateways and dashboards.
#[utoipa::path(tag = "auth", security(()), responses((status = 200, description = "JSON Web Key Set", body = JwkSetDoc)))]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.keys.jwks())
}
