//! Webhook endpoints and their deliveries, as an admin or an integration
//! client with `webhooks:manage` manages them.

use crate::support::*;
use diesel::sql_types::{Bytea, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};
use uuid::Uuid;

mod access;
mod crud;
mod deliveries;
mod fanout;
mod input;
mod purge;
mod rotate;

/// A public address written as its host: the guard resolves nothing and
/// refuses nothing (nothing is sent in these tests).
pub const HOOK: &str = "https://93.184.215.14/onpace";

async fn create(app: &TestApp, token: &str, body: Value) -> Res {
    app.post("/v1/webhooks")
        .token(token)
        .json(&body)
        .send()
        .await
}

/// A new endpoint at [`HOOK`] for these event types: its answer (with the secret).
async fn hook(app: &TestApp, token: &str, types: Value) -> Value {
    create(app, token, json!({"url": HOOK, "event_types": types}))
        .await
        .expect(201)
}

#[derive(QueryableByName)]
struct Secrets {
    #[diesel(sql_type = Bytea)]
    secret: Vec<u8>,
    #[diesel(sql_type = Nullable<Bytea>)]
    previous_secret: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    previous_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// An endpoint's sealed secrets as stored.
async fn secrets(app: &TestApp, org: Uuid, id: Uuid) -> Secrets {
    diesel::sql_query(
        "SELECT secret, previous_secret, previous_until FROM webhooks WHERE org_id = $1 AND id = $2",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<SqlUuid, _>(id)
    .get_result(&mut app.conn().await)
    .await
    .expect("the endpoint's row")
}

#[derive(QueryableByName, Debug)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    webhook_id: Uuid,
    #[diesel(sql_type = Text)]
    event_type: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Int4)]
    attempts: i32,
}

/// Every delivery of the organisation, oldest first.
async fn delivery_rows(app: &TestApp, org: Uuid) -> Vec<Row> {
    diesel::sql_query(
        "SELECT id, webhook_id, event_type, status, body, attempts FROM webhook_deliveries \
         WHERE org_id = $1 ORDER BY id",
    )
    .bind::<SqlUuid, _>(org)
    .load(&mut app.conn().await)
    .await
    .expect("deliveries")
}

/// Sets a delivery as a worker would have left it after `attempts` attempts.
async fn settle(app: &TestApp, id: Uuid, status: &str, attempts: i32) {
    diesel::sql_query(
        "UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = NULL, \
         last_attempt_at = now(), http_status = 500, duration_ms = 12, response = 'oops' \
         WHERE id = $1",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(status)
    .bind::<Int4, _>(attempts)
    .execute(&mut app.conn().await)
    .await
    .expect("settled");
}
