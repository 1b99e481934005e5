//! Credit splits through the accounts' endpoints: an account's split rules
//! (`POST`/`GET /v1/accounts/{id}/splits`, `DELETE .../splits/{rule_id}`), the
//! hunter's share of `convert`, and `splits` on sale items: who may, what is
//! refused and how, and what each answers.

use super::*;

fn share(who: Uuid, pct: &str, kind: &str) -> Value {
    json!({"salesperson_id": who, "share_pct": pct, "type": kind})
}

fn rule(from: &str, to: Option<&str>, splits: &[Value]) -> Value {
    let mut b = json!({"from": from, "splits": splits});
    if let Some(to) = to {
        b["to"] = json!(to);
    }
    b
}

fn splits_path(account: Uuid) -> String {
    format!("/v1/accounts/{account}/splits")
}

async fn add_rule(app: &TestApp, token: &str, account: Uuid, body: &Value) -> Res {
    app.post(&splits_path(account))
        .token(token)
        .json(body)
        .send()
        .await
}

/// A new rule (asserted 201, with its Location): its id.
async fn added(app: &TestApp, token: &str, account: Uuid, body: &Value) -> Uuid {
    let r = add_rule(app, token, account, body).await;
    let v = r.expect(201);
    let id = uuid(&v["id"]);
    assert_eq!(
        r.header("location"),
        Some(format!("/v1/accounts/{account}/splits/{id}"))
    );
    id
}

async fn remove_rule(app: &TestApp, token: &str, account: Uuid, rule: Uuid) -> Res {
    app.delete(&format!("/v1/accounts/{account}/splits/{rule}"))
        .token(token)
        .send()
        .await
}

/// The account's rules as listed (one page, whole).
async fn rules(app: &TestApp, token: &str, account: Uuid) -> Vec<Value> {
    let v = app
        .get(&splits_path(account))
        .token(token)
        .send()
        .await
        .expect(200);
    assert!(v["next_cursor"].is_null(), "{v}");
    v["data"].as_array().unwrap().clone()
}

/// A rule's shares as (person, share, type), in the order listed.
fn shares(rule: &Value) -> Vec<(Uuid, String, String)> {
    rule["splits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                uuid(&s["salesperson_id"]),
                s["share_pct"].as_str().unwrap().to_string(),
                s["type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

type Credited = (Uuid, String, String, String, String);

/// (person, type, share, revenue, gross profit) as the answer reads them.
fn credited(who: Uuid, kind: &str, pct: &str, revenue: &str, gp: &str) -> Credited {
    (who, kind.into(), pct.into(), revenue.into(), gp.into())
}

/// A sale's credits, sorted (the order among people follows their ids).
async fn credits_of(app: &TestApp, token: &str, sale: Uuid) -> Vec<Credited> {
    let v = app
        .get(&format!("/v1/sales/{sale}"))
        .token(token)
        .send()
        .await
        .expect(200);
    let mut out: Vec<Credited> = v["credits"]
        .as_array()
        .unwrap_or_else(|| panic!("no credits in {v}"))
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap().to_string();
            (
                uuid(&c["salesperson_id"]),
                s("type"),
                s("share_pct"),
                s("revenue"),
                s("gross_profit"),
            )
        })
        .collect();
    out.sort();
    out
}

fn sorted(mut v: Vec<Credited>) -> Vec<Credited> {
    v.sort();
    v
}

fn sale(ext: &str, account: Uuid, on: &str, revenue: &str, gp: &str) -> Value {
    json!({"external_id": ext, "account_id": account, "occurred_on": on,
           "revenue": revenue, "gross_profit": gp})
}

/// One sale pushed and created: its id.
async fn pushed_sale(app: &TestApp, token: &str, item: Value) -> Uuid {
    let v = app.push_sales(token, &json!([item])).await;
    assert_eq!(v["items"][0]["status"], "created", "{v}");
    uuid(&v["items"][0]["id"])
}

mod hunter_share;
mod refusals;
mod rules;
mod sale_items;
