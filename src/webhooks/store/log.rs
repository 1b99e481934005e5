//! The deliveries log of an endpoint, as its managers read it: each delivery
//! and its last attempt; a test ping made for one endpoint; a delivery made
//! due again.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::fanout::CHANNEL;
use crate::db::schema::webhook_deliveries as d;
use crate::db::Page;
use crate::error::{AppError, AppResult};
use crate::webhooks::rules::DeliveryStatus;

crate::db::text_enum!(DeliveryStatus);

/// One delivery as the log shows it (its body is not read).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = d)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub http_status: Option<i32>,
    pub duration_ms: Option<i32>,
    pub response: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn not_found() -> AppError {
    AppError::not_found("delivery")
}

/// Tells the workers, at commit, that a delivery is due.
async fn notify(c: &mut AsyncPgConnection) -> AppResult<()> {
    diesel::sql_query("SELECT pg_notify($1, '')")
        .bind::<diesel::sql_types::Text, _>(CHANNEL)
        .execute(c)
        .await?;
    Ok(())
}

/// A delivery of one event to one endpoint only, due now (the test ping,
/// which is in no feed and goes to no other endpoint).
pub async fn insert_one(
    c: &mut AsyncPgConnection,
    org: Uuid,
    webhook: Uuid,
    event_id: Uuid,
    event_type: &str,
    body: &str,
) -> AppResult<DeliveryRow> {
    let row = diesel::insert_into(d::table)
        .values((
            d::org_id.eq(org),
            d::id.eq(Uuid::now_v7()),
            d::webhook_id.eq(webhook),
            d::event_id.eq(event_id),
            d::event_type.eq(event_type),
            d::body.eq(body),
        ))
        .returning(DeliveryRow::as_returning())
        .get_result(c)
        .await?;
    notify(c).await?;
    Ok(row)
}

/// A page of an endpoint's deliveries, newest first (one more than the
/// limit), of one status or all.
pub async fn list(
    c: &mut AsyncPgConnection,
    org: Uuid,
    webhook: Uuid,
    status: Option<DeliveryStatus>,
    page: &Page<Uuid>,
) -> AppResult<Vec<DeliveryRow>> {
    let mut q = d::table
        .filter(d::org_id.eq(org))
        .filter(d::webhook_id.eq(webhook))
        .select(DeliveryRow::as_select())
        .order(d::id.desc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(d::status.eq(s.as_str()));
    }
    if let Some(before) = page.after {
        q = q.filter(d::id.lt(before));
    }
    Ok(q.load(c).await?)
}

/// One delivery of an endpoint; `lock` holds it for the rest of the transaction.
pub async fn get(
    c: &mut AsyncPgConnection,
    org: Uuid,
    webhook: Uuid,
    id: Uuid,
    lock: bool,
) -> AppResult<DeliveryRow> {
    let q = d::table
        .find((org, id))
        .filter(d::webhook_id.eq(webhook))
        .select(DeliveryRow::as_select());
    let row = if lock {
        q.for_update().first(c).await.optional()?
    } else {
        q.first(c).await.optional()?
    };
    row.ok_or_else(not_found)
}

/// Makes a delivery pending again and due now, with its event and body as
/// they were, and its attempts counted from none: a redelivery is tried on the
/// whole retry schedule again.
pub async fn redeliver(
    c: &mut AsyncPgConnection,
    org: Uuid,
    webhook: Uuid,
    id: Uuid,
) -> AppResult<DeliveryRow> {
    let row = diesel::update(d::table.find((org, id)).filter(d::webhook_id.eq(webhook)))
        .set((
            d::status.eq(DeliveryStatus::Pending.as_str()),
            d::attempts.eq(0),
            d::next_attempt_at.eq(diesel::dsl::sql::<Nullable<Timestamptz>>("now()")),
        ))
        .returning(DeliveryRow::as_returning())
        .get_result(c)
        .await
        .optional()?
        .ok_or_else(not_found)?;
    notify(c).await?;
    Ok(row)
}
