//! Teams (a tree with managers) and dated membership, as a client uses them.

use std::collections::BTreeSet;

use crate::support::*;
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

/// Every team the token lists (one page of 200, asserted to be the last).
async fn listed(app: &TestApp, token: &str, query: &str) -> BTreeSet<Uuid> {
    let v = app
        .get(&format!("/v1/teams?limit=200{query}"))
        .token(token)
        .send()
        .await
        .expect(200);
    assert!(v["next_cursor"].is_null());
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| uuid(&t["id"]))
        .collect()
}

/// (user_id, from, to) of each membership listed, in the order given.
async fn members(
    app: &TestApp,
    token: &str,
    team: Uuid,
    query: &str,
) -> Vec<(Uuid, String, Option<String>)> {
    let v = app
        .get(&format!("/v1/teams/{team}/members{query}"))
        .token(token)
        .send()
        .await
        .expect(200);
    assert!(v["next_cursor"].is_null(), "one page: {v}");
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(uuid(&m["team_id"]), team);
            (
                uuid(&m["user_id"]),
                m["from"].as_str().unwrap().to_string(),
                m["to"].as_str().map(str::to_string),
            )
        })
        .collect()
}

async fn put_member(app: &TestApp, token: &str, team: Uuid, user: Uuid, from: &str) -> Res {
    app.put(&format!("/v1/teams/{team}/members/{user}"))
        .token(token)
        .json(&json!({ "from": from }))
        .send()
        .await
}

async fn end_member(app: &TestApp, token: &str, team: Uuid, user: Uuid, query: &str) -> Res {
    app.delete(&format!("/v1/teams/{team}/members/{user}{query}"))
        .token(token)
        .send()
        .await
}

fn m(user: Uuid, from: &str, to: Option<&str>) -> (Uuid, String, Option<String>) {
    (user, from.to_string(), to.map(str::to_string))
}

mod changes;
mod concurrency;
mod crud;
mod leaving;
mod membership;
