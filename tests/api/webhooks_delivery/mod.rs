//! Webhook deliveries: a real receiver on 127.0.0.1, deliveries made by the
//! fan-out of events written through the API, and the worker sending them:
//! signed as Standard Webhooks says (checked by an implementation of our own),
//! tried again on failure, never sent twice at once, never to an internal
//! address unless allowed, and an endpoint failing for a day disabled.

mod bench;
mod disabling;
mod receiver;
mod retries;
mod safety;
mod signing;
pub(crate) mod workers;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, Bytea, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use onpace::webhooks::secret::generate;
use onpace::webhooks::worker::{Settings, Worker};
use onpace::Config;

pub use receiver::{Answer, Receiver, Seen};

use super::support::*;

/// The key secrets are sealed with, shared with `onpace worker` processes.
pub const KEY: [u8; 32] = [42; 32];

/// The application, its secrets sealed under [`KEY`], insecure destinations
/// allowed (the receivers are on 127.0.0.1 over http).
pub async fn app() -> TestApp {
    TestApp::with(|c| Config {
        secrets_key: Some(KEY),
        webhook_allow_insecure: true,
        ..c
    })
    .await
}

/// A worker of `app` with its settings changed by `f`.
pub fn worker(app: &TestApp, f: impl FnOnce(Settings) -> Settings) -> Worker {
    Worker::with_settings(&app.state, f(Settings::from_config(&app.state.config)))
}

/// An endpoint of `org` at `url` for `types`, written directly: its id and
/// its secret.
pub async fn webhook(app: &TestApp, org: Uuid, url: &str, types: &[&str]) -> (Uuid, String) {
    let id = Uuid::now_v7();
    let secret = generate();
    let sealed = app.state.sealer.seal(org, id, &secret);
    let types: Vec<String> = types.iter().map(|t| t.to_string()).collect();
    diesel::sql_query(
        "INSERT INTO webhooks (org_id, id, url, event_types, secret) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(url)
    .bind::<Array<Text>, _>(types)
    .bind::<Bytea, _>(sealed)
    .execute(&mut app.conn().await)
    .await
    .expect("webhook");
    (id, secret)
}

/// Runs `sql` on the app's database (`$1` bound to `id`).
pub async fn exec(app: &TestApp, sql: &str, id: Uuid) {
    diesel::sql_query(sql)
        .bind::<SqlUuid, _>(id)
        .execute(&mut app.conn().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A delivery as its row stands.
#[derive(Debug, QueryableByName)]
pub struct Delivery {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub event_type: String,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Int4)]
    pub attempts: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_attempt_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Int4>)]
    pub http_status: Option<i32>,
    #[diesel(sql_type = Nullable<Int4>)]
    pub duration_ms: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub response: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub error: Option<String>,
}

/// The deliveries of endpoint `webhook`, oldest first.
pub async fn deliveries(app: &TestApp, webhook: Uuid) -> Vec<Delivery> {
    diesel::sql_query(
        "SELECT id, event_id, event_type, body, status, attempts, next_attempt_at, last_attempt_at, \
                http_status, duration_ms, response, error \
           FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id",
    )
    .bind::<SqlUuid, _>(webhook)
    .load(&mut app.conn().await)
    .await
    .expect("deliveries")
}

/// Makes a `user.created` event of `org` through the API.
pub async fn user_created(app: &TestApp, org: &Org) -> Uuid {
    app.person(org, "viewer", None).await.id
}

/// Whether `signature` (one `v1,…` value) signs `{id}.{timestamp}.{body}`
/// with `secret`, worked out here with HMAC-SHA256 and no webhook library.
pub fn signs(secret: &str, id: &str, timestamp: &str, body: &str, signature: &str) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let want = STANDARD.encode(mac.finalize().into_bytes());
    signature.strip_prefix("v1,") == Some(want.as_str())
}

/// The `v1,…` values of a request's `webhook-signature`.
pub fn signatures(seen: &Seen) -> Vec<String> {
    seen.header("webhook-signature")
        .split(' ')
        .map(str::to_string)
        .collect()
}

/// The clock as the database keeps it (to the microsecond), `secs` from now.
pub fn clock(secs: i64) -> DateTime<Utc> {
    use chrono::SubsecRound;
    (Utc::now() + chrono::TimeDelta::seconds(secs)).trunc_subsecs(6)
}

/// The events of `types` that `token` reads in the feed, once there are at
/// least `want` (the feed waits for transactions still in flight anywhere on
/// the server).
pub async fn feed(app: &TestApp, token: &str, types: &str, want: usize) -> Vec<serde_json::Value> {
    for _ in 0..200 {
        let v = app
            .get(&format!("/v1/events?type={types}&limit=200"))
            .token(token)
            .send()
            .await
            .expect(200);
        let data = v["data"].as_array().unwrap().clone();
        if data.len() >= want {
            return data;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {want} {types} events in the feed after 10 s");
}
