//! Typed request helpers: the calls that set-up and checks make again and again,
//! each asserting the status it needs.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use uuid::Uuid;

use super::{set, uuid, Org, TestApp};

/// A target body for 2026-Q4.
pub fn q4_target(
    title: &str,
    subject_type: &str,
    subject: Uuid,
    metric: &str,
    value: &str,
) -> Value {
    json!({
        "title": title, "subject_type": subject_type, "subject_id": subject,
        "metric": metric, "value": value, "period": "2026-Q4"
    })
}

/// An account body: `owner` owns it from `since`.
pub fn account_body(name: &str, kind: &str, owner: Uuid, since: &str) -> Value {
    json!({"name": name, "kind": kind, "owner_id": owner, "owned_since": since})
}

impl TestApp {
    /// A new target (asserted 201).
    pub async fn new_target(&self, token: &str, body: &Value) -> Uuid {
        let r = self
            .post("/v1/targets")
            .token(token)
            .json(body)
            .send()
            .await;
        let v = r.expect(201);
        let location = format!("/v1/targets/{}", v["id"].as_str().unwrap());
        assert_eq!(r.header("location"), Some(location), "where it is");
        assert_eq!(v["status"], "draft", "{v}");
        assert_eq!(
            (&v["subject_type"], &v["subject_id"], &v["metric"]),
            (&body["subject_type"], &body["subject_id"], &body["metric"]),
            "{v}"
        );
        uuid(&v["id"])
    }

    /// A target set and proposed by `setter` and agreed by `agreer`.
    pub async fn agreed_target(&self, setter: &str, agreer: &str, body: &Value) -> Uuid {
        let id = self.new_target(setter, body).await;
        let v = self
            .post(&format!("/v1/targets/{id}/propose"))
            .token(setter)
            .send()
            .await
            .expect(200);
        assert_eq!(v["status"], "proposed", "{v}");
        let v = self
            .post(&format!("/v1/targets/{id}/agree"))
            .token(agreer)
            .send()
            .await
            .expect(200);
        assert_eq!(v["status"], "agreed", "{v}");
        id
    }

    /// A new account (asserted 201).
    pub async fn new_account(&self, token: &str, body: &Value) -> Uuid {
        let r = self
            .post("/v1/accounts")
            .token(token)
            .json(body)
            .send()
            .await;
        let v = r.expect(201);
        let location = format!("/v1/accounts/{}", v["id"].as_str().unwrap());
        assert_eq!(r.header("location"), Some(location), "where it is");
        assert_eq!(
            (&v["name"], &v["kind"], &v["owner_id"]),
            (&body["name"], &body["kind"], &body["owner_id"]),
            "{v}"
        );
        uuid(&v["id"])
    }

    /// A batch of sales, answered 200 item by item.
    pub async fn push_sales(&self, token: &str, items: &Value) -> Value {
        self.post("/v1/sales/batch")
            .token(token)
            .json(&json!({ "items": items }))
            .send()
            .await
            .expect(200)
    }

    /// A new integration client with these scopes: its id and a token it could
    /// have been granted.
    pub async fn client_token(&self, org: &Org, scopes: &[&str]) -> (Uuid, String) {
        let (id, _) = self.client(org, scopes).await;
        (id, self.sign(org.id, "client", id, Some(&scopes.join(" "))))
    }

    /// Every row `path` lists with `query` (`&name=value…`), following cursors
    /// with pages of `limit`; also the number of pages.
    pub async fn pages(
        &self,
        token: &str,
        path: &str,
        query: &str,
        limit: usize,
    ) -> (Vec<Value>, usize) {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        let mut n = 0;
        loop {
            let mut url = format!("{path}?limit={limit}{query}");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let v = self.get(&url).token(token).send().await.expect(200);
            n += 1;
            let data = v["data"].as_array().unwrap();
            assert!(data.len() <= limit, "{url}: {} rows", data.len());
            out.extend(data.iter().cloned());
            match v["next_cursor"].as_str() {
                Some(c) => {
                    assert_eq!(data.len(), limit, "a full page before a cursor");
                    cursor = Some(c.to_string());
                }
                None => break,
            }
            assert!(n < 100, "runaway pagination");
        }
        (out, n)
    }

    /// The ids of every row `path` lists with `query`, each listed once.
    pub async fn listed(&self, token: &str, path: &str, query: &str) -> BTreeSet<Uuid> {
        let (rows, _) = self.pages(token, path, query, 200).await;
        let ids: Vec<Uuid> = rows.iter().map(|r| uuid(&r["id"])).collect();
        let unique = set(&ids);
        assert_eq!(unique.len(), ids.len(), "{path}: nothing listed twice");
        unique
    }
}
