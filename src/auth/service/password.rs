//! Changing one's password: the current one checked and the new one hashed off
//! the pool (`passwords::Hashing`), guesses throttled like sign-ins.

use chrono::Utc;
use uuid::Uuid;

use super::super::passwords;
use super::attempts::{check_password, throttle};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::users::service::credentials;

/// Sets `new` as the password of `user` when `current` is theirs, and signs
/// them out everywhere. A wrong `current` is counted as a failed attempt of the
/// client at `address` (`auth::client_addr`).
pub async fn change(
    state: &AppState,
    address: &str,
    (org, user): (Uuid, Uuid),
    current: String,
    new: String,
) -> AppResult<()> {
    let throttle = throttle(state, address, &format!("password:{user}"), false);
    let (throttle, stored) = crate::db::run(&state.pool, async move |c| {
        throttle.begin(c, Utc::now()).await?;
        let stored = credentials::password_hash(c, org, user)
            .await?
            .unwrap_or_default();
        Ok((throttle.clone(), stored))
    })
    .await?;
    let checked = stored.clone();
    let new_hash = check_password(state, &throttle, move || {
        passwords::verify(&current, &checked).then(|| passwords::hash(&new))
    })
    .await?;
    // A failure was counted when the attempt began.
    let Some(new_hash) = new_hash else {
        return Err(incorrect());
    };
    crate::db::tx(&state.pool, async move |c| {
        // Unless it changed meanwhile, the password checked is still the current one.
        if credentials::lock_password_hash(c, org, user)
            .await?
            .unwrap_or_default()
            != stored
        {
            return Err(incorrect());
        }
        credentials::set_password_hash(c, org, user, &new_hash).await?;
        super::sessions::revoke_user(c, org, user, Utc::now()).await?;
        throttle.succeeded(c, Utc::now()).await
    })
    .await
}

fn incorrect() -> AppError {
    AppError::invalid_field(
        "current_password",
        "incorrect",
        "is not your current password",
    )
}
