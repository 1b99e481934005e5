//! Requests to the application in-process, and its answers read whole.

use actix_service::Service;
use actix_web::http::{header, StatusCode};
use actix_web::test::TestRequest;
use serde_json::Value;

use super::TestApp;

/// An answer, read whole.
pub struct Res {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: Vec<u8>,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "not JSON ({}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
    /// Asserts the status, and that errors are problem+json with this code.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        if self.body.is_empty() {
            return Value::Null;
        }
        let v = self.json();
        if status >= 400 {
            assert_eq!(
                self.header("content-type").as_deref(),
                Some("application/problem+json")
            );
            assert_eq!(v["status"], status);
            assert!(
                v["code"].is_string()
                    && v["type"].is_string()
                    && v["title"].is_string()
                    && v["detail"].is_string()
            );
        } else {
            let json = self.header("content-type");
            assert_eq!(json.as_deref(), Some("application/json"), "a JSON answer");
        }
        v
    }
    /// Asserts an error with this status and code.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> Value {
        let v = self.expect(status);
        assert_eq!(v["code"], code, "problem: {v}");
        v
    }
}

/// A request being built.
pub struct Req<'a> {
    pub(super) app: &'a TestApp,
    pub(super) inner: TestRequest,
}

impl Req<'_> {
    pub fn token(self, t: &str) -> Self {
        self.header("authorization", &format!("Bearer {t}"))
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.inner = self.inner.insert_header((k.to_string(), v.to_string()));
        self
    }
    pub fn json(mut self, v: &Value) -> Self {
        self.inner = self
            .inner
            .insert_header(("content-type", "application/json"))
            .set_payload(v.to_string());
        self
    }
    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.inner = self
            .inner
            .insert_header(("content-type", content_type))
            .set_payload(body.into());
        self
    }
    pub fn peer(mut self, addr: &str) -> Self {
        self.inner = self.inner.peer_addr(addr.parse().unwrap());
        self
    }
    pub async fn send(self) -> Res {
        let res = self
            .app
            .svc
            .call(self.inner.to_request())
            .await
            .unwrap_or_else(|e| {
                let r = e.error_response();
                panic!("service error {}: {e}", r.status())
            });
        let status = res.status();
        let headers = res.headers().clone();
        let body = actix_web::body::to_bytes(res.into_body())
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        Res {
            status,
            headers,
            body,
        }
    }
}
