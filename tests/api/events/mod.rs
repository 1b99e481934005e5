//! The event log and its feed: every use case announces itself, in the
//! transaction of its change; the feed pages in commit order, never past a
//! transaction still in flight, and shows each caller what they may see.

mod feed;
mod in_flight;
mod use_cases;
mod visibility;

use std::time::Duration;

use diesel_async::RunQueryDsl;
use serde_json::{json, Value};
use uuid::Uuid;

use super::support::*;

/// Waits until no event of the test's database belongs to a transaction the
/// feed must still wait for: then every event committed so far can be read.
async fn settled(app: &TestApp) {
    let mut c = app.conn().await;
    for _ in 0..400 {
        let n: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM events WHERE txid >= pg_snapshot_xmin(pg_current_snapshot())",
        )
        .get_result(&mut c)
        .await
        .expect("count");
        if n.n == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("events still waiting for older transactions after 10 s");
}

/// One page of the feed as `token` reads it (`query`: `after=…&type=…`).
async fn page(app: &TestApp, token: &str, query: &str) -> Value {
    app.get(&format!("/v1/events?{query}"))
        .token(token)
        .send()
        .await
        .expect(200)
}

/// Every event `token` may see (with `query`'s filter), once the log has
/// settled, following `after` page by page.
pub(crate) async fn events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    settled(app).await;
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut q = format!("limit=200&{query}");
        if let Some(a) = &after {
            q.push_str(&format!("&after={a}"));
        }
        let v = page(app, token, &q).await;
        let data = v["data"].as_array().expect("data").clone();
        if let Some(last) = data.last() {
            after = Some(last["id"].as_str().unwrap().to_string());
        }
        all.extend(data);
        if v["has_more"] != json!(true) {
            return all;
        }
    }
}

/// The events of `all` of type `kind`.
fn of_type(all: &[Value], kind: &str) -> Vec<Value> {
    all.iter().filter(|e| e["type"] == kind).cloned().collect()
}

/// The only event of type `kind` in `all`.
#[track_caller]
fn only(all: &[Value], kind: &str) -> Value {
    let found = of_type(all, kind);
    assert_eq!(found.len(), 1, "one {kind} in {all:#?}");
    found[0].clone()
}

/// The types of `all`, in order.
fn types(all: &[Value]) -> Vec<String> {
    all.iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

fn ids(all: &[Value]) -> Vec<Uuid> {
    all.iter().map(|e| uuid(&e["id"])).collect()
}

/// A decimal of an event's data.
#[track_caller]
pub(crate) fn amount(v: &Value) -> rust_decimal::Decimal {
    dec(v
        .as_str()
        .unwrap_or_else(|| panic!("{v} is a decimal string")))
}

/// North (mgr: sp, mate), South (mgr2: other), a viewer, a `read` client and a
/// CRM that pushes sales; Contoso is sp's, Fabrikam other's.
async fn world(app: &TestApp) -> Built {
    Scenario::north_and_south("Acme")
        .client("crm", &["sales:write"])
        .customer("Contoso", "sp")
        .customer("Fabrikam", "other")
        .build(app)
        .await
}

/// A sale of `account` on `on` pushed by the CRM.
fn sale(ext: &str, account: Uuid, on: &str, revenue: &str, gross_profit: &str) -> Value {
    json!({
        "external_id": ext, "account_id": account, "occurred_on": on,
        "revenue": revenue, "gross_profit": gross_profit
    })
}
