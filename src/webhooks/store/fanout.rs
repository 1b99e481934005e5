//! The fan-out: each event just written to the log becomes a delivery for
//! every enabled endpoint of its organisation that asked for its type, in the
//! same transaction.

use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::KeepPrepared;
use crate::error::AppResult;

/// The channel told (at commit) that deliveries are due.
pub const CHANNEL: &str = "onpace_webhook_deliveries";

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = sql_types::BigInt)]
    n: i64,
}

/// Makes the deliveries of the events `ids` of `org` (already in the log):
/// their body is the event as the feed hands it out, `{"id", "type",
/// "timestamp", "data"}`. Returns how many; when there are any, the workers
/// listening on [`CHANNEL`] are told when the transaction commits.
pub async fn enqueue(c: &mut AsyncPgConnection, org: Uuid, ids: &[Uuid]) -> AppResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let rows: Vec<Count> = diesel::sql_query(
        "WITH made AS ( \
           INSERT INTO webhook_deliveries (org_id, id, webhook_id, event_id, event_type, body) \
           SELECT w.org_id, onpace_uuid_v7(), w.id, e.id, e.type, \
                  json_build_object( \
                    'id', e.id, \
                    'type', e.type, \
                    'timestamp', to_char(e.occurred_at AT TIME ZONE 'UTC', \
                                         'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), \
                    'data', e.data)::text \
             FROM events e \
             JOIN webhooks w \
               ON w.org_id = e.org_id AND w.enabled \
              AND (e.type = ANY (w.event_types) OR '*' = ANY (w.event_types)) \
            WHERE e.org_id = $1 AND e.id = ANY ($2) \
            ORDER BY e.seq, w.id \
           RETURNING 1 \
         ) \
         SELECT count(*) AS n, \
                CASE WHEN count(*) > 0 THEN pg_notify($3, '') END AS told \
           FROM made",
    )
    .bind::<sql_types::Uuid, _>(org)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(ids)
    .bind::<sql_types::Text, _>(CHANNEL)
    .keep_prepared()
    .load(c)
    .await?;
    Ok(rows.iter().map(|r| r.n as usize).sum())
}
