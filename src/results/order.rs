//! The order in which pushes take their locks, the same for every push, so that
//! overlapping ones wait for each other rather than deadlock. A sales push locks
//! its keys first ([`lock_keys`]), then its ledger rows, then the rollup rows
//! (`Deltas` is sorted); an activities push stores its items key by key in key
//! order, then the rollup rows.

use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::KeepPrepared;
use crate::error::AppResult;

/// Takes, for the rest of the transaction, a lock on each of these
/// `(source, external_id)` keys of the organisation, in one order for every
/// transaction: pushes that share keys then run one after the other from their
/// first shared key on, rather than each locking some rows the other needs.
pub async fn lock_keys(
    c: &mut AsyncPgConnection,
    org: Uuid,
    keys: &[(String, String)],
) -> AppResult<()> {
    let keys: Vec<String> = keys
        .iter()
        .map(|(source, ext)| format!("{org}\u{1f}{source}\u{1f}{ext}"))
        .collect();
    // 727276: the class of these locks (teams' are 727275).
    diesel::sql_query(
        "SELECT pg_advisory_xact_lock(727276, h) FROM \
           (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS s",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(keys)
    .keep_prepared()
    .execute(c)
    .await?;
    Ok(())
}
