//! Request and response types of authentication.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules::{Role, Scope};

crate::openapi::string_enum!(Role, "Role", "What a person may do.");
crate::openapi::string_enum!(Scope, "Scope", "What an integration client may do.");

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
