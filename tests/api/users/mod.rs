//! `/v1/users`, `/v1/me` and `/v1/me/password`: creating people, who sees whom,
//! filters and pages, changes and their limits, deactivation, the caller's own view.

use std::collections::BTreeSet;

use crate::support::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// The `(field, code)` pairs of a validation problem's `errors`, sorted.
fn field_codes(v: &Value) -> Vec<(String, String)> {
    let mut out = field_errors(v);
    out.sort();
    out
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = p
        .iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect();
    out.sort();
    out
}

fn set(ids: &[Uuid]) -> BTreeSet<String> {
    ids.iter().map(Uuid::to_string).collect()
}

fn page_ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data[] in {v}"))
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every id of a list, walking its pages.
async fn all_ids(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut url = format!("/v1/users?{query}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let v = app.get(&url).token(token).send().await.expect(200);
        out.extend(page_ids(&v));
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
    panic!("more than 100 pages");
}

async fn visible(app: &TestApp, token: &str) -> BTreeSet<String> {
    let ids = all_ids(app, token, "limit=200").await;
    let s: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(s.len(), ids.len(), "no duplicates");
    s
}

/// Creates a person with exactly these details; returns the answer's body.
async fn create(app: &TestApp, org: &Org, body: Value) -> Value {
    app.post("/v1/users")
        .token(&org.admin)
        .json(&body)
        .send()
        .await
        .expect(201)
}

/// Signs in with `email` and the password, and reads `/v1/me` with the token.
async fn me_after_sign_in(app: &TestApp, email: &str, password: &str) -> Value {
    let t = app.login(email, password).await.expect(200);
    app.get("/v1/me")
        .token(t["access_token"].as_str().unwrap())
        .send()
        .await
        .expect(200)
}

fn id_of(v: &Value) -> Uuid {
    v["id"].as_str().unwrap().parse().unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> Res {
    app.post("/v1/auth/token")
        .json(&json!({"grant_type": "refresh_token", "refresh_token": token}))
        .send()
        .await
}

mod changing;
mod creating;
mod deactivation;
mod filters;
mod logins;
mod own_view;
mod who_sees;
