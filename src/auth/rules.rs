//! Pure rules of authentication: scopes, refresh token hashing.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a person may do.
/// Who acts: a person with a role, or an integration client with its scopes.
#[derive(Clone, Debug, PartialEq)]
pub enum Actor {
    User { id: uuid::Uuid, role: Role },
    Client { id: uuid::Uuid, scopes: Vec<Scope> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The whole organisation.
    Admin,
    /// The teams they manage and those teams' sub-teams.
    Manager,
    /// Their own targets, accounts, results and reviews, and their team's scorecard.
    Salesperson,
    /// Read-only scorecards and progress, for dashboards.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Salesperson, Role::Viewer];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Salesperson => "salesperson",
            Role::Viewer => "viewer",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "admin" => Role::Admin,
            "manager" => Role::Manager,
            "salesperson" => Role::Salesperson,
            "viewer" => Role::Viewer,
            _ => return None,
        })
    }
}

/// What an integration client may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "sales:write")]
    SalesWrite,
    #[serde(rename = "activities:write")]
    ActivitiesWrite,
    #[serde(rename = "accounts:write")]
    AccountsWrite,
    #[serde(rename = "read")]
    Read,
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::SalesWrite,
        Scope::ActivitiesWrite,
        Scope::AccountsWrite,
        Scope::Read,
        Scope::WebhooksManage,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::SalesWrite => "sales:write",
            Scope::ActivitiesWrite => "activities:write",
            Scope::AccountsWrite => "accounts:write",
            Scope::Read => "read",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The scopes a client receives: those asked for (space-separated, OAuth style),
/// which must all be granted to it, or all of its scopes when none are asked for.
pub fn narrow_scopes(granted: &[Scope], requested: Option<&str>) -> Result<Vec<Scope>, String> {
    let Some(req) = requested.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(granted.to_vec());
    };
    let mut out = Vec::new();
    for word in req.split_whitespace() {
        match Scope::parse(word) {
            Some(s) if granted.contains(&s) => {
                if !out.contains(&s) {
                    out.push(s)
                }
            }
            _ => return Err(format!("scope {word:?} is not granted to this client")),
        }
    }
    Ok(out)
}

pub fn scope_string(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// SHA-256 of a high-entropy secret (refresh tokens, client secrets); such secrets need
/// no slow hash, and an index can find them.
pub fn secret_digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A new refresh token of organisation `org`: `<org>.<secret>`, the
/// organisation's id as the URL-safe base64 of its 16 bytes (22 characters),
/// then a [`new_secret`]. The token names its organisation so that the refresh
/// grant reads its row with the `org_id` (its hash is unique within its
/// organisation only); the whole token is hashed, so a token whose
/// organisation was altered matches nothing.
pub fn new_refresh_token(org: uuid::Uuid) -> String {
    format!(
        "{}.{}",
        super::keys::base64_url(org.as_bytes()),
        new_secret()
    )
}

/// The organisation a refresh token names, if it has the form of
/// [`new_refresh_token`] (a token issued before tokens named their
/// organisation has none).
pub fn refresh_token_org(token: &str) -> Option<uuid::Uuid> {
    use base64::Engine;
    let (org, secret) = token.split_once('.')?;
    if org.len() != 22 || secret.is_empty() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(org)
        .ok()?;
    uuid::Uuid::from_slice(&bytes).ok()
}

/// A random 256-bit secret, URL-safe.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    super::keys::base64_url(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_narrow_to_what_was_granted() {
        let g = [Scope::SalesWrite, Scope::Read];
        assert_eq!(narrow_scopes(&g, None).unwrap(), g.to_vec());
        assert_eq!(
            narrow_scopes(&g, Some("read read")).unwrap(),
            vec![Scope::Read]
        );
        assert!(narrow_scopes(&g, Some("accounts:write")).is_err());
        assert!(narrow_scopes(&g, Some("bogus")).is_err());
        assert_eq!(scope_string(&g), "sales:write read");
    }

    #[test]
    fn secrets_are_random_and_digests_stable() {
        let a = new_secret();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_secret());
        assert_eq!(secret_digest("x"), secret_digest("x"));
        assert_ne!(secret_digest("x"), secret_digest("y"));
    }

    #[test]
    fn a_refresh_token_names_its_organisation() {
        // 0x00..0x0f: base64url of those 16 bytes, worked out by hand.
        let org = uuid::Uuid::from_bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
        let t = new_refresh_token(org);
        assert!(t.starts_with("AAECAwQFBgcICQoLDA0ODw."), "{t}");
        assert_eq!(t.len(), 22 + 1 + 43);
        assert_eq!(refresh_token_org(&t), Some(org));
        assert_ne!(t, new_refresh_token(org));
        // A token of the former form (a bare secret), or a mangled one, names none.
        assert_eq!(refresh_token_org(&new_secret()), None);
        assert_eq!(refresh_token_org("AAECAwQFBgcICQoLDA0ODw."), None);
        assert_eq!(refresh_token_org("AAECAwQFBgcICQoLDA0OD.x"), None);
        assert_eq!(refresh_token_org("AAECAwQFBgcICQoLDA0OD!.x"), None);
    }
}
