//! TestApp: the real application, in-process, on a fresh database per test.
//!
//! A template database is migrated once per run (keyed by the migrations' contents)
//! and each test gets `CREATE DATABASE … TEMPLATE` of it, dropped when the test ends.

use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use actix_service::boxed::{self, RcService};
use actix_service::{Service, ServiceExt};
use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, Method, StatusCode};
use actix_web::test::TestRequest;
use diesel::{Connection, PgConnection, RunQueryDsl};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use uuid::Uuid;

use onpace::auth::keys::{Claims, Keys};
use onpace::{AppState, Config};

pub const PASSWORD: &str = "a long test password";

fn server_url() -> String {
    std::env::var("ONPACE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn url_for(db: &str) -> String {
    let mut u = url::Url::parse(&server_url()).expect("ONPACE_TEST_DATABASE_URL is a URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

fn admin_conn() -> PgConnection {
    PgConnection::establish(&server_url()).unwrap_or_else(|e| {
        panic!(
            "tests need PostgreSQL at {} (set ONPACE_TEST_DATABASE_URL): {e}",
            server_url()
        )
    })
}

/// The migrated template database, created once per run.
fn template() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<_> = walk(&dir);
        files.sort();
        for f in files {
            f.hash(&mut h);
            std::fs::read(&f).unwrap().hash(&mut h);
        }
        let name = format!("onpace_tmpl_{:016x}", h.finish());
        let mut c = admin_conn();
        diesel::sql_query("SELECT pg_advisory_lock(727274)")
            .execute(&mut c)
            .unwrap();
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let exists: N = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'"
        ))
        .get_result(&mut c)
        .unwrap();
        if exists.n == 0 {
            let building = format!("{name}_building");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut c)
                .unwrap();
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut c)
                .unwrap();
            onpace::db::migrate(&url_for(&building)).expect("migrations apply");
            diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut c)
                .unwrap();
        }
        diesel::sql_query("SELECT pg_advisory_unlock(727274)")
            .execute(&mut c)
            .unwrap();
        name
    })
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A fresh database copied from the template; dropped with this value.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub fn new() -> Self {
        let tmpl = template();
        let name = format!("onpace_t_{}", Uuid::new_v4().simple());
        let mut c = admin_conn();
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {tmpl}"))
            .execute(&mut c)
            .unwrap();
        TestDb {
            url: url_for(&name),
            name,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = PgConnection::establish(&server_url()) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut c);
        }
    }
}

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
    app: &'a TestApp,
    inner: TestRequest,
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

/// An organisation with a signed-in admin.
#[derive(Clone)]
pub struct Org {
    pub id: Uuid,
    pub admin_id: Uuid,
    pub admin_email: String,
    pub admin: String,
}

/// A person with a token.
#[derive(Clone)]
pub struct Person {
    pub id: Uuid,
    pub email: String,
    pub token: String,
}

pub struct TestApp {
    pub svc: RcService<actix_http::Request, ServiceResponse<BoxBody>, actix_web::Error>,
    pub state: AppState,
    pub db: TestDb,
}

pub fn config(url: &str) -> Config {
    Config {
        database_url: url.to_string(),
        db_pool_size: 4,
        db_timeout: std::time::Duration::from_millis(1500),
        ..Config::default()
    }
}

pub fn keys() -> Keys {
    let mut seed = [0u8; 32];
    seed[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    Keys::new(
        SigningKey::from_bytes(&seed),
        None,
        "onpace",
        "onpace-api",
        true,
    )
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with(|c| c).await
    }

    /// With a configuration changed by `f` (its database is the test's own).
    pub async fn with(f: impl FnOnce(Config) -> Config) -> Self {
        let db = TestDb::new();
        let state = AppState::new(f(config(&db.url)), keys());
        Self::on(db, state).await
    }

    pub async fn on(db: TestDb, state: AppState) -> Self {
        let svc = actix_web::test::init_service(onpace::build_app(state.clone())).await;
        let svc = boxed::rc_service(svc.map(|r: ServiceResponse<_>| r.map_into_boxed_body()));
        TestApp { svc, state, db }
    }

    pub fn req(&self, method: Method, path: &str) -> Req<'_> {
        Req {
            app: self,
            inner: TestRequest::default().method(method).uri(path),
        }
    }
    pub fn get(&self, path: &str) -> Req<'_> {
        self.req(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> Req<'_> {
        self.req(Method::POST, path)
    }
    pub fn patch(&self, path: &str) -> Req<'_> {
        self.req(Method::PATCH, path)
    }
    pub fn put(&self, path: &str) -> Req<'_> {
        self.req(Method::PUT, path)
    }
    pub fn delete(&self, path: &str) -> Req<'_> {
        self.req(Method::DELETE, path)
    }

    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.db.url).unwrap()
    }

    /// Signs an access token directly (no password round trip).
    pub fn sign(&self, org: Uuid, kind: &str, sub: Uuid, scope: Option<&str>) -> String {
        let now = chrono::Utc::now().timestamp();
        self.state.keys.sign(&Claims {
            iss: "onpace".into(),
            aud: "onpace-api".into(),
            sub: sub.to_string(),
            exp: now + 900,
            iat: now,
            jti: Uuid::now_v7().to_string(),
            org,
            kind: kind.into(),
            role: None,
            scope: scope.map(str::to_string),
            sid: None,
        })
    }

    /// A new organisation (EUR) with an admin, as `onpace bootstrap` makes it.
    pub async fn org(&self, name: &str) -> Org {
        let email = format!(
            "admin-{}@{}.example.com",
            Uuid::new_v4().simple(),
            name.to_lowercase().replace(' ', "-")
        );
        let (id, admin_id) = onpace::cli::create_org_with_admin(
            &mut self.conn(),
            name,
            "EUR",
            &email,
            "Admin",
            PASSWORD,
        )
        .unwrap();
        Org {
            id,
            admin_id,
            admin: self.sign(id, "user", admin_id, None),
            admin_email: email,
        }
    }

    /// A new person, created through the API by the org's admin.
    pub async fn person(&self, org: &Org, role: &str, style: Option<&str>) -> Person {
        self.named(org, &format!("{role} person"), role, style)
            .await
    }

    /// A new person with a name, created through the API by the org's admin.
    pub async fn named(&self, org: &Org, name: &str, role: &str, style: Option<&str>) -> Person {
        let email = format!("{role}-{}@example.com", Uuid::new_v4().simple());
        let mut body = json!({"email": email, "name": name, "role": role, "password": PASSWORD});
        if let Some(s) = style {
            body["selling_style"] = json!(s);
        }
        let v = self
            .post("/v1/users")
            .token(&org.admin)
            .json(&body)
            .send()
            .await
            .expect(201);
        let id: Uuid = v["id"].as_str().unwrap().parse().unwrap();
        Person {
            id,
            token: self.sign(org.id, "user", id, None),
            email,
        }
    }

    pub async fn team(
        &self,
        org: &Org,
        name: &str,
        manager: Option<Uuid>,
        parent: Option<Uuid>,
    ) -> Uuid {
        let v = self
            .post("/v1/teams")
            .token(&org.admin)
            .json(&json!({"name": name, "manager_id": manager, "parent_team_id": parent}))
            .send()
            .await
            .expect(201);
        v["id"].as_str().unwrap().parse().unwrap()
    }

    pub async fn join(&self, org: &Org, team: Uuid, user: Uuid, from: &str) {
        self.put(&format!("/v1/teams/{team}/members/{user}"))
            .token(&org.admin)
            .json(&json!({"from": from}))
            .send()
            .await
            .expect(200);
    }

    /// An integration client with these scopes; returns (id, secret).
    pub async fn client(&self, org: &Org, scopes: &[&str]) -> (Uuid, String) {
        let v = self
            .post("/v1/clients")
            .token(&org.admin)
            .json(&json!({"name": format!("client {}", Uuid::new_v4().simple()), "scopes": scopes}))
            .send()
            .await
            .expect(201);
        (
            v["id"].as_str().unwrap().parse().unwrap(),
            v["client_secret"].as_str().unwrap().to_string(),
        )
    }

    /// Signs in with a password through the token endpoint.
    pub async fn login(&self, email: &str, password: &str) -> Res {
        self.post("/v1/auth/token")
            .json(&json!({"grant_type": "password", "username": email, "password": password}))
            .send()
            .await
    }
}
