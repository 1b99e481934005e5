//! TestApp: the real application, in-process, on a database of its own.

use actix_service::boxed::{self, RcService};
use actix_service::ServiceExt;
use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use diesel_async::AsyncPgConnection;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use uuid::Uuid;

use onpace::auth::keys::{Claims, Keys};
use onpace::{AppState, Config};

use super::{connect, internals, Req, Res, TestDb};

pub const PASSWORD: &str = "a long test password";

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
        let db = TestDb::new().await;
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

    /// A connection of the test's own to the app's database.
    pub async fn conn(&self) -> AsyncPgConnection {
        connect(&self.db.url).await
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
        let (id, admin_id) =
            internals::create_org_with_admin(&self.db.url, name, "EUR", &email, "Admin", PASSWORD)
                .await;
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
        let r = self
            .post("/v1/users")
            .token(&org.admin)
            .json(&body)
            .send()
            .await;
        let v = r.expect(201);
        let location = format!("/v1/users/{}", v["id"].as_str().unwrap());
        assert_eq!(r.header("location"), Some(location), "where they are");
        assert_eq!(r.header("etag"), Some(format!("\"{}\"", v["version"])));
        assert_eq!(
            (&v["email"], &v["name"], &v["role"], &v["active"]),
            (&json!(email), &json!(name), &json!(role), &json!(true)),
            "{v}"
        );
        assert_eq!(v["selling_style"].as_str(), style, "{v}");
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
        assert_eq!(
            (&v["name"], &v["manager_id"], &v["parent_team_id"]),
            (&json!(name), &json!(manager), &json!(parent)),
            "{v}"
        );
        v["id"].as_str().unwrap().parse().unwrap()
    }

    pub async fn join(&self, org: &Org, team: Uuid, user: Uuid, from: &str) {
        let v = self
            .put(&format!("/v1/teams/{team}/members/{user}"))
            .token(&org.admin)
            .json(&json!({"from": from}))
            .send()
            .await
            .expect(200);
        assert_eq!(
            (&v["team_id"], &v["user_id"], &v["from"], &v["to"]),
            (&json!(team), &json!(user), &json!(from), &Value::Null),
            "{v}"
        );
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
        let mut given: Vec<&str> = v["scopes"]
            .as_array()
            .unwrap_or_else(|| panic!("scopes: {v}"))
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        given.sort_unstable();
        let mut asked = scopes.to_vec();
        asked.sort_unstable();
        assert_eq!(given, asked, "{v}");
        assert!(
            v["client_secret"].as_str().is_some_and(|s| s.len() >= 32),
            "a secret once: {v}"
        );
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
