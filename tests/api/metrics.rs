//! `GET /metrics`: the Prometheus text format, on the metrics listener
//! (`ONPACE_METRICS_LISTEN`) and never on the public API.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::test::{call_service, init_service, TestRequest};
use serde_json::json;
use uuid::Uuid;

use crate::support::*;
use onpace::Config;

/// The app with a metrics listener configured (not bound: the metrics app is
/// called in-process, like the API).
async fn measured() -> TestApp {
    TestApp::with(|c| Config {
        metrics_listen: Some("127.0.0.1:9100".into()),
        ..c
    })
    .await
}

/// What the metrics listener answers to `GET /metrics`.
async fn scrape(app: &TestApp) -> String {
    let svc = init_service(onpace::metrics::app(app.state.metrics.clone())).await;
    let res = call_service(&svc, TestRequest::get().uri("/metrics").to_request()).await;
    assert_eq!(res.status().as_u16(), 200);
    let content_type = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let body = actix_web::test::read_body(res).await;
    String::from_utf8(body.to_vec()).unwrap()
}

/// The value of one series (its name and labels exactly as written).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.trim().parse().unwrap())
}

#[actix_web::test]
async fn requests_are_counted_and_timed_by_route_pattern_and_status() {
    let app = measured().await;
    for _ in 0..2 {
        app.get("/healthz").send().await.expect(200);
    }
    let id = Uuid::new_v4();
    app.get(&format!("/v1/targets/{id}/progress"))
        .send()
        .await
        .problem(401, "missing_token");
    app.get("/nowhere")
        .send()
        .await
        .problem(404, "route_not_found");
    // Not on the public API, nor in its document.
    app.get("/metrics")
        .send()
        .await
        .problem(404, "route_not_found");
    let doc = app.get("/openapi.json").send().await.expect(200);
    assert!(doc["paths"].get("/metrics").is_none());

    let text = scrape(&app).await;
    let healthz = r#"{route="/healthz",method="GET"#;
    assert_eq!(
        value(
            &text,
            &format!(r#"onpace_http_requests_total{healthz}",status="200"}}"#)
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            &format!(r#"onpace_http_request_duration_seconds_count{healthz}"}}"#)
        ),
        Some(2.0),
        "{text}"
    );
    assert!(
        text.contains(r#"onpace_http_request_duration_seconds_bucket{le="+Inf",route="/healthz",method="GET"} 2"#)
            || text.contains(r#"onpace_http_request_duration_seconds_bucket{route="/healthz",method="GET",le="+Inf"} 2"#),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            r#"onpace_http_requests_total{route="/v1/targets/{id}/progress",method="GET",status="401"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert!(!text.contains(&id.to_string()), "no ids in labels: {text}");
    assert_eq!(
        value(
            &text,
            r#"onpace_http_requests_total{route="unmatched",method="GET",status="404"}"#
        ),
        Some(2.0),
        "{text}"
    );
    // The pool, as it is at the scrape (the test configuration's 4 connections).
    assert_eq!(value(&text, "onpace_db_pool_max_size"), Some(4.0), "{text}");
    for gauge in ["size", "available", "waiting"] {
        let v = value(&text, &format!("onpace_db_pool_{gauge}"));
        assert!(
            v.is_some_and(|v| (0.0..=4.0).contains(&v)),
            "{gauge}: {text}"
        );
    }
    assert!(
        text.contains("# TYPE onpace_db_pool_waiting gauge"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE onpace_http_request_duration_seconds histogram"),
        "{text}"
    );
}

#[actix_web::test]
async fn rows_stored_by_batches_are_counted_by_kind() {
    let app = measured().await;
    let w = Scenario::new("Metrics")
        .salesperson("sp", "farmer")
        .customer("Acme", "sp")
        .build(&app)
        .await;
    let acme = w.id("Acme");
    let items = json!((0..3)
        .map(|i| json!({
            "source": "crm", "external_id": format!("M-{i}"), "account_id": acme,
            "occurred_on": "2026-07-10", "revenue": "100", "gross_profit": "20"
        }))
        .collect::<Vec<_>>());
    let v = app.push_sales(w.token("admin"), &items).await;
    assert_eq!(v["created"], 3, "{v}");
    let sales = r#"onpace_rows_ingested_total{kind="sales"}"#;
    let text = scrape(&app).await;
    assert_eq!(value(&text, sales), Some(3.0), "{text}");
    assert_eq!(
        value(&text, r#"onpace_rows_ingested_total{kind="activities"}"#),
        Some(0.0),
        "{text}"
    );

    // The same batch again stores nothing; one changed item is one row.
    let v = app.push_sales(w.token("admin"), &items).await;
    assert_eq!(v["unchanged"], 3);
    let mut changed = items.clone();
    changed[1]["revenue"] = json!("150");
    let v = app.push_sales(w.token("admin"), &changed).await;
    assert_eq!(v["updated"], 1);
    assert_eq!(value(&scrape(&app).await, sales), Some(4.0));

    // One sale pushed on its own is a row too; the same again is none.
    let one = json!({"source": "crm", "external_id": "M-9", "account_id": acme,
                     "occurred_on": "2026-07-11", "revenue": "80", "gross_profit": "10"});
    let token = w.token("admin");
    app.post("/v1/sales")
        .token(token)
        .json(&one)
        .send()
        .await
        .expect(201);
    app.post("/v1/sales")
        .token(token)
        .json(&one)
        .send()
        .await
        .expect(200);
    assert_eq!(value(&scrape(&app).await, sales), Some(5.0));

    // Accounts pushed by a CRM.
    let (_, crm) = app.client_token(&w.org, &["accounts:write"]).await;
    let v = app
        .post("/v1/accounts/batch")
        .token(&crm)
        .json(&json!({ "items": [
            { "external_source": "crm", "external_id": "A-1", "name": "Beta", "kind": "prospect",
              "owner_id": w.id("sp") },
            { "external_source": "crm", "external_id": "A-2", "name": "Gamma", "kind": "prospect",
              "owner_id": w.id("sp") },
        ]}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["created"], 2, "{v}");
    let text = scrape(&app).await;
    assert_eq!(
        value(&text, r#"onpace_rows_ingested_total{kind="accounts"}"#),
        Some(2.0),
        "{text}"
    );
}

#[actix_web::test]
async fn without_a_metrics_listener_requests_are_not_measured() {
    let app = TestApp::new().await;
    app.get("/healthz").send().await.expect(200);
    let text = scrape(&app).await;
    assert!(!text.contains("onpace_http_requests_total{"), "{text}");
    assert!(value(&text, "onpace_db_pool_max_size").is_some(), "{text}");
}

/// A port free at the time of asking.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` over a connection of its own: the status line and the body.
fn http_get(port: u16, path: &str) -> std::io::Result<(String, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    let status = answer.lines().next().unwrap_or("").to_string();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// Stops the server when the test ends, passed or not.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[actix_web::test]
async fn serve_binds_the_metrics_listener_apart_from_the_api() {
    let db = TestDb::new().await;
    let (api, metrics) = (free_port(), free_port());
    let _server = Serving(
        Command::new(env!("CARGO_BIN_EXE_onpace"))
            .arg("serve")
            .env("DATABASE_URL", &db.url)
            .env("ONPACE_LOG", "warn")
            .env("ONPACE_LISTEN", format!("127.0.0.1:{api}"))
            .env("ONPACE_METRICS_LISTEN", format!("127.0.0.1:{metrics}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary runs"),
    );
    let started = Instant::now();
    let (status, body) = loop {
        match http_get(metrics, "/metrics") {
            Ok(answer) => break answer,
            Err(e) if started.elapsed() > Duration::from_secs(60) => {
                panic!("the metrics listener never answered: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    assert!(status.contains(" 200 "), "{status}");
    assert!(body.contains("onpace_db_pool_size"), "{body}");
    let (status, _) = http_get(api, "/healthz").unwrap();
    assert!(status.contains(" 200 "), "{status}");
    let (status, _) = http_get(api, "/metrics").unwrap();
    assert!(status.contains(" 404 "), "{status}");
    let (_, body) = http_get(metrics, "/metrics").unwrap();
    assert!(
        body.contains(
            r#"onpace_http_requests_total{route="/healthz",method="GET",status="200"} 1"#
        ),
        "{body}"
    );
    let (status, _) = http_get(metrics, "/healthz").unwrap();
    assert!(status.contains(" 404 "), "{status}");
}
