//! A person's password hash, for signing in and changing passwords.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::store;
use crate::error::AppResult;

/// The person's password hash (none when no password is set).
pub async fn password_hash(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
) -> AppResult<Option<String>> {
    store::password_hash(c, org, user).await
}

/// The person's password hash, their row locked for the rest of the
/// transaction (404 `not_found` when there is no such person).
pub async fn lock_password_hash(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
) -> AppResult<Option<String>> {
    store::lock(c, org, user).await?;
    store::password_hash(c, org, user).await
}

/// Whether the person is still active with the password hash `checked`, their
/// row locked for the rest of the transaction (404 `not_found` when there is no
/// such person).
pub async fn lock_if_unchanged(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    checked: Option<&str>,
) -> AppResult<bool> {
    let row = store::lock(c, org, user).await?;
    Ok(row.active && store::password_hash(c, org, user).await?.as_deref() == checked)
}

/// Sets the person's password hash.
pub async fn set_password_hash(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    hash: &str,
) -> AppResult<()> {
    store::set_password_hash(c, org, user, hash).await
}

/// Access tokens issued before `at` are refused from now on.
pub async fn end_sessions(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    store::end_sessions(c, org, user, at).await
}
