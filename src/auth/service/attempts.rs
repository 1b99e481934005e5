//! Guesses counted: the throttle of an attempt, and passwords checked off the
//! pool.

use super::super::throttle::Throttle;
use crate::error::AppResult;
use crate::state::AppState;

/// The throttle for an attempt on `account` from the client at `address`
/// (`auth::client_addr`); `sign_in` also limits how often the account signs in.
pub fn throttle(state: &AppState, address: &str, account: &str, sign_in: bool) -> Throttle {
    Throttle::new(&state.config, account, address, sign_in)
}

/// Checks a password with `f`, off the pool; when it cannot be checked now
/// (503 `busy`), the attempt is not counted against `throttle`.
pub async fn check_password<T, F>(state: &AppState, throttle: &Throttle, f: F) -> AppResult<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let checked = state.hashing.run(f).await;
    if checked.is_err() {
        let throttle = throttle.clone();
        crate::db::run(&state.pool, async move |c| throttle.abandoned(c).await).await?;
    }
    checked
}
