//! Hands the events a transaction wrote to the endpoints that asked for them.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::error::AppResult;
use crate::webhooks::store::fanout;

/// Makes a delivery of each of the events `ids` of `org` (written to the log
/// in this transaction) for every enabled endpoint that asked for its type.
pub async fn enqueue(c: &mut AsyncPgConnection, org: Uuid, ids: &[Uuid]) -> AppResult<usize> {
    fanout::enqueue(c, org, ids).await
}
