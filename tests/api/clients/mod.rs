//! Integration clients and the client_credentials grant, as an admin and a CRM use them.

use std::collections::BTreeSet;

use crate::support::*;
use base64::Engine;
use serde_json::{json, Value};
use uuid::Uuid;

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn words(s: &str) -> BTreeSet<String> {
    s.split_whitespace().map(str::to_string).collect()
}

async fn create(app: &TestApp, token: &str, body: Value) -> Res {
    app.post("/v1/clients")
        .token(token)
        .json(&body)
        .send()
        .await
}

async fn grant_json(app: &TestApp, id: impl ToString, secret: &str, scope: Option<&str>) -> Res {
    let mut body = json!({"grant_type": "client_credentials", "client_id": id.to_string(), "client_secret": secret});
    if let Some(s) = scope {
        body["scope"] = json!(s);
    }
    app.post("/v1/auth/token").json(&body).send().await
}

mod grant;
mod lookups;
mod manage;
