//! Ending sessions.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::store;
use crate::error::AppResult;

/// Signs a person out everywhere: their refresh tokens are revoked and access
/// tokens issued before `at` are refused.
pub async fn revoke_user(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    at: DateTime<Utc>,
) -> AppResult<()> {
    crate::users::service::credentials::end_sessions(c, org, user, at).await?;
    store::revoke_user(c, org, user, at).await
}

/// Signs out of the sign-in a refresh token belongs to (its whole family is
/// revoked); an unknown token, or one that names no organisation, changes
/// nothing.
pub async fn revoke_token(pool: &crate::db::PgPool, token: &str) -> AppResult<()> {
    let Some(org) = super::super::rules::refresh_token_org(token) else {
        return Ok(());
    };
    let hash = super::super::rules::secret_digest(token);
    crate::db::run(pool, async move |c| {
        store::revoke_by_hash(c, org, &hash, Utc::now()).await
    })
    .await
}
