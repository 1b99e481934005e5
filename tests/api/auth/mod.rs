//! The token endpoint, refresh rotation and reuse detection, revocation, and every
//! kind of bad token.

mod refresh_org;
pub(crate) mod sign_in;

use crate::support::*;
use base64::Engine;
use ed25519_dalek::SigningKey;
use onpace::auth::keys::{Claims, Keys};
use serde_json::{json, Value};
use uuid::Uuid;

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

pub(crate) async fn refresh(app: &TestApp, token: &str) -> Res {
    app.post("/v1/auth/token")
        .json(&json!({"grant_type": "refresh_token", "refresh_token": token}))
        .send()
        .await
}

#[actix_web::test]
async fn password_grant_with_json_and_form_bodies() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let r = app.login(&org.admin_email, PASSWORD).await;
    let v = r.expect(200);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 900);
    assert!(v["refresh_token"].as_str().unwrap().len() >= 43);
    let token = v["access_token"].as_str().unwrap();
    let me = app.get("/v1/me").token(token).send().await.expect(200);
    assert_eq!(me["id"], org.admin_id.to_string());
    assert_eq!(me["role"], "admin");

    // Form-encoded, with the email in another case.
    let form = format!(
        "grant_type=password&username={}&password={}",
        org.admin_email.to_uppercase().replace('@', "%40"),
        PASSWORD.replace(' ', "+")
    );
    let v = app
        .post("/v1/auth/token")
        .body("application/x-www-form-urlencoded", form)
        .send()
        .await
        .expect(200);
    assert!(v["access_token"].is_string());
}

#[actix_web::test]
async fn access_tokens_are_eddsa_jwts_verifiable_with_the_published_jwks() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let v = app.login(&org.admin_email, PASSWORD).await.expect(200);
    let token = v["access_token"].as_str().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "EdDSA");
    let jwks = app.get("/.well-known/jwks.json").send().await.expect(200);
    let key = &jwks["keys"][0];
    assert_eq!(key["kid"], header["kid"]);
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str()),
        (Some("OKP"), Some("Ed25519"))
    );
    let dk = jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().unwrap()).unwrap();
    let mut val = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    val.set_audience(&["onpace-api"]);
    val.set_issuer(&["onpace"]);
    let claims = jsonwebtoken::decode::<Claims>(token, &dk, &val)
        .unwrap()
        .claims;
    assert_eq!(claims.org, org.id);
    assert_eq!(claims.sub, org.admin_id.to_string());
    assert!(claims.exp - claims.iat == 900);
}

#[actix_web::test]
async fn wrong_credentials_and_bad_requests() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let wrong = app
        .login(&org.admin_email, "not the password")
        .await
        .problem(400, "invalid_grant");
    let unknown = app
        .login("nobody@example.com", PASSWORD)
        .await
        .problem(400, "invalid_grant");
    assert_eq!(
        wrong["detail"], unknown["detail"],
        "no hint which emails exist"
    );
    app.post("/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": org.admin_email}))
        .send()
        .await
        .problem(400, "invalid_request");
    app.post("/v1/auth/token")
        .json(&json!({"grant_type": "implicit"}))
        .send()
        .await
        .problem(400, "unsupported_grant_type");
    app.post("/v1/auth/token")
        .body("text/plain", "grant_type=password")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.post("/v1/auth/token")
        .body("application/json", "{")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/auth/token")
        .json(&json!({"grant_type": "refresh_token", "refresh_token": "made-up"}))
        .send()
        .await
        .problem(400, "invalid_grant");
}

#[actix_web::test]
async fn failed_sign_ins_are_throttled() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    for _ in 0..5 {
        app.login(&org.admin_email, "wrong password!")
            .await
            .problem(400, "invalid_grant");
    }
    let r = app.login(&org.admin_email, PASSWORD).await;
    r.problem(429, "too_many_attempts");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 900, "Retry-After {retry}");
    // Another person is not locked out by it.
    let p = app.person(&org, "manager", None).await;
    app.login(&p.email, PASSWORD).await.expect(200);
}

#[actix_web::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let r1 = app.login(&org.admin_email, PASSWORD).await.expect(200)["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let v = refresh(&app, &r1).await.expect(200);
    let r2 = v["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    app.get("/v1/me")
        .token(v["access_token"].as_str().unwrap())
        .send()
        .await
        .expect(200);

    // r1 presented again: reuse. The whole family, r2 included, is revoked.
    refresh(&app, &r1).await.problem(400, "invalid_grant");
    refresh(&app, &r2).await.problem(400, "invalid_grant");

    // Another sign-in is a separate family and unaffected.
    let other = app.login(&org.admin_email, PASSWORD).await.expect(200)["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    refresh(&app, &other).await.expect(200);
}

#[actix_web::test]
async fn revoke_signs_out() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let r1 = app.login(&org.admin_email, PASSWORD).await.expect(200)["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .post("/v1/auth/revoke")
        .json(&json!({"token": r1}))
        .send()
        .await;
    assert_eq!(r.expect(200)["revoked"], true);
    refresh(&app, &r1).await.problem(400, "invalid_grant");
    // Form body, and an unknown token: still 200 (RFC 7009).
    app.post("/v1/auth/revoke")
        .body("application/x-www-form-urlencoded", "token=unknown")
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn deactivated_people_cannot_refresh() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let p = app.person(&org, "salesperson", Some("hunter")).await;
    let v = app.login(&p.email, PASSWORD).await.expect(200);
    let access = v["access_token"].as_str().unwrap().to_string();
    app.delete(&format!("/v1/users/{}", p.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    app.get("/v1/me")
        .token(&access)
        .send()
        .await
        .problem(401, "invalid_token");
    refresh(&app, v["refresh_token"].as_str().unwrap())
        .await
        .problem(400, "invalid_grant");
    app.login(&p.email, PASSWORD)
        .await
        .problem(400, "invalid_grant");
}

fn claims(org: Uuid, sub: Uuid) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        iss: "onpace".into(),
        aud: "onpace-api".into(),
        sub: sub.to_string(),
        exp: now + 600,
        iat: now,
        jti: "t".into(),
        org,
        kind: "user".into(),
        role: None,
        scope: None,
        sid: None,
    }
}

#[actix_web::test]
async fn every_bad_token_is_refused() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let sp = app.person(&org, "salesperson", Some("farmer")).await;
    let good = app.state.keys.sign(&claims(org.id, sp.id));
    app.get("/v1/me").token(&good).send().await.expect(200);

    let mut bad: Vec<(&str, String)> = Vec::new();
    // alg none, with the right kid.
    let header = json!({"alg": "none", "typ": "JWT", "kid": app.state.keys.kid});
    let body = serde_json::to_value(claims(org.id, sp.id)).unwrap();
    bad.push(("alg none", format!("{}.{}.", b64(&header), b64(&body))));
    // Claims altered after signing: someone else's id.
    let parts: Vec<&str> = good.split('.').collect();
    let altered = serde_json::to_value(claims(org.id, org.admin_id)).unwrap();
    bad.push((
        "altered claims",
        format!("{}.{}.{}", parts[0], b64(&altered), parts[2]),
    ));
    // HS256 signed with the public key (algorithm confusion).
    let x = app.get("/.well-known/jwks.json").send().await.json()["keys"][0]["x"]
        .as_str()
        .unwrap()
        .to_string();
    let mut hs = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs.kid = Some(app.state.keys.kid.clone());
    bad.push((
        "HS256 with the public key",
        jsonwebtoken::encode(
            &hs,
            &claims(org.id, sp.id),
            &jsonwebtoken::EncodingKey::from_secret(x.as_bytes()),
        )
        .unwrap(),
    ));
    // Expired, long ago and a moment ago (there is no grace past `exp`).
    let mut c = claims(org.id, sp.id);
    c.exp = chrono::Utc::now().timestamp() - 120;
    bad.push(("expired", app.state.keys.sign(&c)));
    let mut c = claims(org.id, sp.id);
    c.exp = chrono::Utc::now().timestamp() - 2;
    bad.push(("expired two seconds ago", app.state.keys.sign(&c)));
    // Wrong audience and issuer.
    let mut c = claims(org.id, sp.id);
    c.aud = "another-api".into();
    bad.push(("wrong audience", app.state.keys.sign(&c)));
    let mut c = claims(org.id, sp.id);
    c.iss = "someone-else".into();
    bad.push(("wrong issuer", app.state.keys.sign(&c)));
    // Another key presenting the same kid.
    let other = Keys::new(
        SigningKey::from_bytes(&[9u8; 32]),
        Some(app.state.keys.kid.clone()),
        "onpace",
        "onpace-api",
        true,
    );
    bad.push(("wrong key", other.sign(&claims(org.id, sp.id))));
    // A valid signature for a person of another organisation id.
    bad.push((
        "unknown org",
        app.state.keys.sign(&claims(Uuid::now_v7(), sp.id)),
    ));
    bad.push(("garbage", "not.a.jwt".into()));

    for (what, token) in bad {
        let r = app.get("/v1/me").token(&token).send().await;
        assert_eq!(r.status.as_u16(), 401, "{what}");
        r.problem(401, "invalid_token");
        assert!(
            r.header("www-authenticate").unwrap().starts_with("Bearer"),
            "{what}"
        );
    }
    app.get("/v1/me").send().await.problem(401, "missing_token");
    app.get("/v1/me")
        .header("authorization", "Basic abc")
        .send()
        .await
        .problem(401, "invalid_token");
}

fn token_issued_secs_ago(app: &TestApp, org: Uuid, sub: Uuid, secs: i64) -> String {
    let mut c = claims(org, sub);
    c.iat -= secs;
    app.state.keys.sign(&c)
}

/// Tokens issued before: 5 s, and just now (signed directly, and by a sign-in),
/// in the same second as what follows.
async fn tokens_before(app: &TestApp, org: Uuid, p: &Person) -> Vec<String> {
    let signed_in = app.login(&p.email, PASSWORD).await.expect(200)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    vec![
        token_issued_secs_ago(app, org, p.id, 5),
        token_issued_secs_ago(app, org, p.id, 0),
        signed_in,
    ]
}

async fn all_refused(app: &TestApp, tokens: &[String]) {
    for (i, t) in tokens.iter().enumerate() {
        let r = app.get("/v1/me").token(t).send().await;
        assert_eq!(r.status.as_u16(), 401, "token {i}");
        r.problem(401, "invalid_token");
    }
}

#[actix_web::test]
async fn access_tokens_issued_before_a_password_change_or_deactivation_stop_working() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let p = app.person(&org, "salesperson", Some("farmer")).await;
    let old = tokens_before(&app, org.id, &p).await;
    app.get("/v1/me").token(&old[2]).send().await.expect(200);
    app.post("/v1/me/password")
        .token(&old[2])
        .json(&json!({"current_password": PASSWORD, "new_password": "another long password"}))
        .send()
        .await
        .expect(204);
    all_refused(&app, &old).await;
    let fresh = app
        .login(&p.email, "another long password")
        .await
        .expect(200);
    let fresh = fresh["access_token"].as_str().unwrap().to_string();
    app.get("/v1/me").token(&fresh).send().await.expect(200);

    // Deactivation then reactivation does not revive tokens from before.
    let q = app.person(&org, "salesperson", Some("hunter")).await;
    let before = tokens_before(&app, org.id, &q).await;
    app.delete(&format!("/v1/users/{}", q.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    app.post(&format!("/v1/users/{}/reactivate", q.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    all_refused(&app, &before).await;
    let fresh = app.login(&q.email, PASSWORD).await.expect(200);
    app.get("/v1/me")
        .token(fresh["access_token"].as_str().unwrap())
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn guessing_the_current_password_is_throttled() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let p = app.person(&org, "manager", None).await;
    let guess =
        |current: &str| json!({"current_password": current, "new_password": "a new long password"});
    for i in 0..5 {
        app.post("/v1/me/password")
            .token(&p.token)
            .json(&guess(&format!("guess number {i}")))
            .send()
            .await
            .problem(422, "validation_failed");
    }
    let r = app
        .post("/v1/me/password")
        .token(&p.token)
        .json(&guess(PASSWORD))
        .send()
        .await;
    r.problem(429, "too_many_attempts");
    assert!(r.header("retry-after").is_some());
}

#[actix_web::test]
async fn basic_client_credentials_are_form_decoded() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let (id, secret) = app.client(&org, &["read"]).await;
    // Every character percent-encoded, as RFC 6749 §2.3.1 allows.
    let enc = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        enc(&id.to_string()),
        enc(&secret)
    ));
    let v = app
        .post("/v1/auth/token")
        .header("authorization", &format!("Basic {basic}"))
        .body(
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials",
        )
        .send()
        .await
        .expect(200);
    assert_eq!(v["scope"], "read");
}
