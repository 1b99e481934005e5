//! Many instances: two `onpace serve` processes on one database behave as one
//! service. Each test runs two instances of the application (each with its own
//! state: its pool, its memory of callers and targets) on one database and one signing
//! key, as two replicas of one deployment, and asks one what it wrote through
//! the other.

mod background;
mod remembered;
mod shared;
mod tokens;

use std::time::{Duration, Instant};

use onpace::{AppState, Config};

use super::support::*;

/// Two instances of the service on one new database, each with its own state
/// and its configuration changed by `f`, both signing with one key.
pub async fn two(f: impl Fn(Config) -> Config) -> (TestApp, TestApp) {
    let db = TestDb::new().await;
    // Both hold the database; whichever is dropped first drops it, at the end.
    let twin = TestDb {
        name: db.name.clone(),
        url: db.url.clone(),
    };
    let one = TestApp::on(db, AppState::new(f(config(&twin.url)), keys())).await;
    let mut state = AppState::new(f(config(&twin.url)), keys());
    state.keys = one.state.keys.clone();
    let other = TestApp::on(twin, state).await;
    (one, other)
}

/// The status `GET /v1/me` answers `app` with `token` (a refusal must be 401
/// `invalid_token`).
async fn me(app: &TestApp, token: &str) -> u16 {
    let r = app.get("/v1/me").token(token).send().await;
    match r.status.as_u16() {
        401 => {
            r.problem(401, "invalid_token");
            401
        }
        s => s,
    }
}

/// Asks `app` for `/v1/me` with `token` every 100 ms until it is refused, and
/// answers how long after `since` that was; each answer before is 200. Gives
/// up after `give_up`.
async fn refused_after(app: &TestApp, token: &str, since: Instant, give_up: Duration) -> Duration {
    loop {
        match me(app, token).await {
            401 => return since.elapsed(),
            200 => {}
            s => panic!("GET /v1/me answered {s}"),
        }
        assert!(
            since.elapsed() < give_up,
            "still let through after {:?}",
            since.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
