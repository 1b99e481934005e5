//! Transactions that PostgreSQL broke off to settle a deadlock or a
//! serialization failure, run again inside the service.
//!
//! Writes touch rows in one global order (see `results::order`), so concurrent
//! ones wait for each other rather than deadlock; a conflict that still happens
//! (with a write that locks in another order, or a key taken by a concurrent
//! request) is answered only after a few attempts, each after a short random
//! pause so that the two do not meet again.

use std::time::Duration;

use diesel_async::AsyncPgConnection;

use super::PgPool;
use crate::error::AppError;

/// Attempts in all, the first included.
const ATTEMPTS: u32 = 4;

/// Like [`super::tx`], running the whole transaction again (up to four times in
/// all) while it fails with `concurrent_update` (a deadlock, a serialization
/// failure, or a row a concurrent request took meanwhile).
pub async fn tx_retrying<T, F>(pool: &PgPool, f: F) -> Result<T, AppError>
where
    F: AsyncFn(&mut AsyncPgConnection) -> Result<T, AppError>,
{
    let mut attempt = 1;
    loop {
        match super::tx(pool, &f).await {
            Err(e) if e.code == "concurrent_update" && attempt < ATTEMPTS => {
                tracing::info!(
                    attempt,
                    "a transaction met a concurrent one; running it again"
                );
                tokio::time::sleep(pause(attempt)).await;
                attempt += 1;
            }
            done => return done,
        }
    }
}

/// 5 to 20 ms after the first attempt, then twice as long each time.
fn pause(attempt: u32) -> Duration {
    let jitter = uuid::Uuid::new_v4().as_u128() % 15_000;
    Duration::from_micros((5_000 + jitter as u64) << (attempt - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_are_short_and_grow() {
        for attempt in 1..ATTEMPTS {
            let p = pause(attempt);
            let unit = Duration::from_millis(1 << (attempt - 1));
            assert!(p >= unit * 5 && p < unit * 20, "{p:?}");
        }
    }
}
