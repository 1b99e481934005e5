//! The token endpoint (password, refresh_token and client_credentials grants),
//! revocation and the published signing keys.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::client_addr;
use super::dto::{JwkSetDoc, RevokeRequest, Revoked, TokenRequest, TokenResponse};
use super::service::{grants, sessions, tokens::Tokens};
use crate::error::{AppError, AppResult};
use crate::extract::{
    content_type, is_json, parse_json_lenient, read_body, unsupported_media_type,
};
use crate::state::AppState;

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
    let address = client_addr::of(&req, &state.config.trusted_proxies);
    let issued = grants::issue(&state, &address, basic_credentials(&req), &body).await?;
    Ok(no_store(HttpResponse::Ok().json(token_response(issued))))
}

fn token_response(t: Tokens) -> TokenResponse {
    TokenResponse {
        access_token: t.access_token,
        token_type: "Bearer".into(),
        expires_in: t.expires_in,
        refresh_token: t.refresh_token,
        scope: t.scope,
    }
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
    sessions::revoke_token(&state.pool, &body.token).await?;
    Ok(no_store(HttpResponse::Ok().json(Revoked { revoked: true })))
}

/// The public keys that verify access tokens, for gateways and dashboards.
#[utoipa::path(tag = "auth", security(()), responses((status = 200, description = "JSON Web Key Set", body = JwkSetDoc)))]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.keys.jwks())
}
