//! Health, readiness, request ids, unknown routes, CORS, and a database outage.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::*;
use onpace::AppState;
use tokio::net::{TcpListener, TcpStream};

#[actix_web::test]
async fn health_and_readiness() {
    let app = TestApp::new().await;
    let v = app.get("/healthz").send().await.expect(200);
    assert_eq!(v["status"], "ok");
    let r = app.get("/readyz").send().await;
    assert_eq!(r.expect(200)["status"], "ready");
    let id = r.header("x-request-id").expect("a request id");
    assert_eq!(id.len(), 36);
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let other = app
        .get("/readyz")
        .send()
        .await
        .header("x-request-id")
        .unwrap();
    assert_ne!(id, other, "each request has its own id");
}

#[actix_web::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = TestApp::new().await;
    app.get("/v1/nothing-here")
        .send()
        .await
        .problem(404, "route_not_found");
    app.get("/").send().await.problem(404, "route_not_found");
    // A malformed id in a path.
    let org = app.org("Acme").await;
    app.get("/v1/users/not-a-uuid")
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn openapi_and_docs_are_served() {
    let app = TestApp::new().await;
    let v = app.get("/openapi.json").send().await.expect(200);
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    assert!(v["paths"]["/v1/auth/token"]["post"].is_object());
    let r = app.get("/docs/").send().await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(
        String::from_utf8_lossy(&r.body).contains("swagger"),
        "the docs page is Swagger UI"
    );
    let r = app.get("/docs/swagger-ui.css").send().await;
    assert_eq!(
        r.status.as_u16(),
        200,
        "the UI's assets are served from the binary"
    );
}

#[actix_web::test]
async fn cors_answers_listed_origins_only() {
    let app = TestApp::with(|mut c| {
        c.cors_origins = vec!["https://dash.example.com".into()];
        c
    })
    .await;
    let r = app
        .req(actix_web::http::Method::OPTIONS, "/v1/org")
        .header("origin", "https://dash.example.com")
        .header("access-control-request-method", "PATCH")
        .header(
            "access-control-request-headers",
            "authorization, if-match, idempotency-key",
        )
        .send()
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("https://dash.example.com")
    );
    let allowed = r
        .header("access-control-allow-headers")
        .unwrap()
        .to_lowercase();
    for h in ["authorization", "if-match", "idempotency-key"] {
        assert!(allowed.contains(h), "{h} allowed: {allowed}");
    }
    let r = app
        .get("/healthz")
        .header("origin", "https://dash.example.com")
        .send()
        .await;
    assert!(r
        .header("access-control-expose-headers")
        .unwrap()
        .to_lowercase()
        .contains("etag"));
    // Another origin gets no CORS permission.
    let r = app
        .get("/healthz")
        .header("origin", "https://evil.example.com")
        .send()
        .await;
    assert!(r.header("access-control-allow-origin").is_none());
}

/// A TCP proxy in front of PostgreSQL that can be switched off and on.
struct Switch {
    port: u16,
    on: Arc<AtomicBool>,
}

async fn proxy() -> Switch {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let on = Arc::new(AtomicBool::new(true));
    let flag = on.clone();
    actix_web::rt::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            if !flag.load(Ordering::SeqCst) {
                continue; // dropped: connection refused by the "dead" server
            }
            let flag = flag.clone();
            actix_web::rt::spawn(async move {
                let Ok(mut server) = TcpStream::connect("127.0.0.1:5432").await else {
                    return;
                };
                let copy = tokio::io::copy_bidirectional(&mut client, &mut server);
                let watch = async {
                    while flag.load(Ordering::SeqCst) {
                        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
                    }
                };
                tokio::select! { _ = copy => {}, _ = watch => {} }
            });
        }
    });
    Switch { port, on }
}

#[actix_web::test]
async fn database_outage_is_503_and_recovers_by_itself() {
    let db = TestDb::new().await;
    let p = proxy().await;
    let mut url = url::Url::parse(&db.url).unwrap();
    url.set_port(Some(p.port)).unwrap();
    let state = AppState::new(config(url.as_str()), keys());
    let app = TestApp::on(db, state).await;

    app.get("/readyz").send().await.expect(200);

    p.on.store(false, Ordering::SeqCst);
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    app.get("/readyz")
        .send()
        .await
        .problem(503, "database_unavailable");
    let org = uuid::Uuid::now_v7();
    let token = app.sign(org, "user", uuid::Uuid::now_v7(), None);
    app.get("/v1/org")
        .token(&token)
        .send()
        .await
        .problem(503, "database_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "503 comes quickly: {:?}",
        started.elapsed()
    );

    p.on.store(true, Ordering::SeqCst);
    app.get("/readyz").send().await.expect(200);
}

/// The raw statements a read runs are prepared once per connection and then
/// reused (PostgreSQL does not parse and plan them again), as diesel does for its
/// query builder's statements; a plain `sql_query` is not kept.
#[actix_web::test]
async fn raw_reads_are_prepared_once_per_connection() {
    let app = TestApp::new().await;
    let org = app.org("Prepared").await;
    let mut c = internals::StoreConn::open(&app.db.url).await;
    // The counting statement is prepared (under a name) while it runs, so it
    // counts itself once; it is not kept.
    assert_eq!(c.prepared_statements().await, 1);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    for _ in 0..3 {
        let found = c
            .target_with_own_actual_found(org.id, uuid::Uuid::nil(), day)
            .await;
        assert!(!found, "no such target");
        assert!(c.subtree_ids(org.id, uuid::Uuid::nil()).await.is_empty());
    }
    // Two statements, each prepared once.
    assert_eq!(c.prepared_statements().await, 1 + 2);
    assert_eq!(c.kept_prepared_select(7).await, 7);
    assert_eq!(c.prepared_statements().await, 1 + 3);
}

#[actix_web::test]
async fn shared_reads_use_one_connection_and_one_that_hangs_is_cancelled_and_replaced() {
    use internals::backend_after;
    use onpace::db::Reader;
    let app = TestApp::new().await;
    // Reads give up after five times the timeout: 0.5 s.
    let reader = Reader::new(&app.state.connector, Duration::from_millis(100));
    let read = |secs: f64| reader.read(async move |c| backend_after(c, secs).await);
    // A burst opens one connection, and concurrent reads share it.
    let (first, meanwhile) = futures_util::future::join(read(0.0), read(0.0)).await;
    let pid = first.expect("opened");
    assert_eq!(meanwhile.expect("shared"), pid);
    let (a, b) = futures_util::future::join(read(0.1), read(0.1)).await;
    assert_eq!((a.unwrap(), b.unwrap()), (pid, pid));
    // A read that hangs is given up with 503, its statement cancelled and the
    // connection dropped; the next read opens another.
    let started = Instant::now();
    let e = read(3.0).await.expect_err("gave up");
    assert_eq!(e.code, "database_unavailable");
    assert!(started.elapsed() < Duration::from_secs(2));
    use diesel_async::RunQueryDsl;
    let app_ref = &app;
    let busy = |pid: i32| async move {
        let n: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1 AND state = 'active'",
        )
        .bind::<diesel::sql_types::Integer, _>(pid)
        .get_result(&mut app_ref.conn().await)
        .await
        .unwrap();
        n.n
    };
    let mut still = busy(pid).await;
    for _ in 0..40 {
        if still == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
        still = busy(pid).await;
    }
    assert_eq!(still, 0, "the hung statement was cancelled");
    assert!(started.elapsed() < Duration::from_secs(3));
    let again = read(0.0).await.unwrap();
    assert_ne!(again, pid);
    // A statement's own error is the answer, and keeps the connection.
    let e = reader
        .read(async |mut c| {
            diesel_async::RunQueryDsl::execute(diesel::sql_query("SELECT 1/0"), &mut c).await
        })
        .await
        .expect_err("division by zero");
    assert_ne!(e.code, "database_unavailable");
    assert_eq!(read(0.0).await.unwrap(), again);
    // With an address nothing answers on: 503 within the timeout.
    let nowhere =
        onpace::db::Connector::new("postgres://postgres@127.0.0.1:1/none?sslmode=disable").unwrap();
    let down = Reader::new(&nowhere, Duration::from_millis(100));
    let started = Instant::now();
    let e = down
        .read(async |c| backend_after(c, 0.0).await)
        .await
        .expect_err("nothing answers");
    assert_eq!(e.code, "database_unavailable");
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Ends every backend of the app's database but the caller's, and waits until
/// they are gone; returns how many there were.
async fn terminate_backends(app: &TestApp) -> i64 {
    use diesel_async::RunQueryDsl;
    let n: Count = diesel::sql_query(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) AS n \
         FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind::<diesel::sql_types::Text, _>(&app.db.name)
    .get_result(&mut app.conn().await)
    .await
    .unwrap();
    n.n
}

/// After PostgreSQL ended the pool's connections (as a restart does), the next
/// requests are answered at once: a read that meets a dead connection runs again
/// on a fresh one, a write's transaction starts on a live one, and no broken
/// connection is handed out again.
#[actix_web::test]
async fn reads_and_writes_succeed_right_after_the_pools_connections_were_ended() {
    let app = TestApp::new().await;
    let org = app.org("Restart").await;
    let owner = app.person(&org, "salesperson", None).await;
    let list = || app.get("/v1/accounts").token(&org.admin).send();
    let burst = |n: usize| futures_util::future::join_all((0..n).map(|_| list()));
    for _ in 0..3 {
        for r in burst(8).await {
            r.expect(200);
        }
    }
    for round in 0..2 {
        // However many connections the bursts used (on a busy machine one may
        // serve them all), each of them is ended.
        assert!(terminate_backends(&app).await >= 1, "the pool was warm");
        let answers = burst(8).await;
        let codes: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
        assert!(codes.iter().all(|c| *c == 200), "round {round}: {codes:?}");
        terminate_backends(&app).await;
        let body = serde_json::json!({
            "name": format!("Account {round}"), "kind": "customer", "owner_id": owner.id
        });
        let r = app
            .post("/v1/accounts")
            .token(&org.admin)
            .json(&body)
            .send()
            .await;
        r.expect(201);
        for r in burst(8).await {
            r.expect(200);
        }
    }
}

/// A worker's shared connection that the server ended is dropped like a pool
/// connection: the read that meets it runs again on a new one.
#[actix_web::test]
async fn a_shared_connection_the_server_ended_is_replaced() {
    use internals::backend_after;
    let app = TestApp::new().await;
    let reader = onpace::db::Reader::new(&app.state.connector, Duration::from_millis(500));
    let read = || reader.read(async |c| backend_after(c, 0.0).await);
    for _ in 0..3 {
        let pid = read().await.unwrap();
        assert_eq!(terminate_backends(&app).await, 1);
        let again = read().await.expect("a read on a new connection");
        assert_ne!(again, pid);
        assert_eq!(read().await.unwrap(), again);
    }
}

#[actix_web::test]
async fn answers_are_compressed_when_the_client_asks() {
    use std::io::Read;
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    for n in 0..30 {
        app.post("/v1/accounts")
            .token(&org.admin)
            .json(&serde_json::json!({
                "name": format!("Customer {n:02}"),
                "kind": "customer",
                "owner_id": farmer.id,
            }))
            .send()
            .await
            .expect(201);
    }
    let plain = app
        .get("/v1/accounts?limit=50")
        .token(&org.admin)
        .send()
        .await;
    assert_eq!(
        plain.header("content-encoding"),
        None,
        "not asked, not compressed"
    );
    let plain_json = plain.expect(200);
    assert_eq!(plain_json["data"].as_array().unwrap().len(), 30);

    let gz = app
        .get("/v1/accounts?limit=50")
        .token(&org.admin)
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert_eq!(gz.status.as_u16(), 200);
    assert_eq!(gz.header("content-encoding").as_deref(), Some("gzip"));
    assert!(
        gz.body.len() * 3 < plain.body.len(),
        "{} of {} bytes",
        gz.body.len(),
        plain.body.len()
    );
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(gz.body.as_slice())
        .read_to_end(&mut text)
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&text).unwrap(),
        plain_json
    );

    let br = app
        .get("/v1/accounts?limit=50")
        .token(&org.admin)
        .header("accept-encoding", "gzip, br")
        .send()
        .await;
    assert_eq!(br.header("content-encoding").as_deref(), Some("br"));
    assert!(br.body.len() * 3 < plain.body.len());
    assert!(
        br.header("vary")
            .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
        "caches are told the answer depends on Accept-Encoding"
    );
}
