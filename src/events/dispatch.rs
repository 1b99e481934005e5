//! Publishing: hands each event of an outbox to its consumers, on the
//! transaction's connection, before it commits.

use diesel_async::AsyncPgConnection;

use super::Outbox;
use crate::bonus;
use crate::error::AppResult;
use crate::progress::milestones;

/// Runs the consumers of every event in `outbox`, in the order appended. An
/// error from a consumer fails the transaction, as the caller's own would.
pub async fn publish(c: &mut AsyncPgConnection, outbox: &mut Outbox) -> AppResult<()> {
    for event in outbox.take() {
        milestones::consume(c, &event).await?;
        bonus::service::consume(c, &event).await?;
    }
    Ok(())
}
