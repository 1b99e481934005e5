//! Signing access tokens and the expiry of refresh tokens.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::super::keys::Claims;
use crate::state::AppState;

/// Tokens issued to a person or an integration client.
pub struct Tokens {
    /// A JWT signed with the current key.
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// For people: the refresh token of the sign-in.
    pub refresh_token: Option<String>,
    /// For integration clients: the scopes the token carries.
    pub scope: Option<String>,
}

/// Who an access token is for.
pub struct Subject<'a> {
    pub org: Uuid,
    /// `user` or `client`.
    pub kind: &'a str,
    pub id: Uuid,
    pub role: Option<&'a str>,
    pub scope: Option<String>,
    /// The sign-in (refresh token family) of a person.
    pub sid: Option<Uuid>,
}

/// A signed access token for `s`, valid for the configured time.
pub fn access_token(state: &AppState, s: Subject<'_>) -> String {
    let now = Utc::now().timestamp();
    state.keys.sign(&Claims {
        iss: state.keys.issuer.clone(),
        aud: state.keys.audience.clone(),
        sub: s.id.to_string(),
        exp: now + state.config.access_token_ttl.as_secs() as i64,
        iat: now,
        jti: Uuid::now_v7().to_string(),
        org: s.org,
        kind: s.kind.into(),
        role: s.role.map(str::to_string),
        scope: s.scope,
        sid: s.sid,
    })
}

/// When a refresh token issued now expires.
pub fn refresh_expiry(state: &AppState) -> DateTime<Utc> {
    Utc::now() + Duration::seconds(state.config.refresh_token_ttl.as_secs() as i64)
}

/// A person's access token for the sign-in `family`, with its refresh token.
pub fn for_user(
    state: &AppState,
    (org, user, role): (Uuid, Uuid, &str),
    family: Uuid,
    refresh: String,
) -> Tokens {
    Tokens {
        access_token: access_token(
            state,
            Subject {
                org,
                kind: "user",
                id: user,
                role: Some(role),
                scope: None,
                sid: Some(family),
            },
        ),
        expires_in: state.config.access_token_ttl.as_secs(),
        refresh_token: Some(refresh),
        scope: None,
    }
}

/// An integration client's access token carrying `scope`.
pub fn for_client(state: &AppState, org: Uuid, client: Uuid, scope: String) -> Tokens {
    Tokens {
        access_token: access_token(
            state,
            Subject {
                org,
                kind: "client",
                id: client,
                role: None,
                scope: Some(scope.clone()),
                sid: None,
            },
        ),
        expires_in: state.config.access_token_ttl.as_secs(),
        refresh_token: None,
        scope: Some(scope),
    }
}
