//! A refresh token names its organisation (`<org>.<secret>`, the org as the
//! URL-safe base64 of its 16 bytes), so the refresh grant reads its row with
//! the organisation. Tokens of the former form (a bare secret) are refused.

use super::*;
use diesel_async::RunQueryDsl;
use sha2::{Digest, Sha256};

fn org_part(org: Uuid) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(org.as_bytes())
}

async fn signed_in_refresh(app: &TestApp, email: &str) -> String {
    app.login(email, PASSWORD).await.expect(200)["refresh_token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[actix_web::test]
async fn a_refresh_token_names_its_organisation_and_an_altered_one_is_refused() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Globex").await;
    let token = signed_in_refresh(&app, &org.admin_email).await;
    // 16 bytes are 22 base64 characters; the secret 32 bytes, 43.
    let (head, secret) = token.split_once('.').unwrap();
    assert_eq!(head, org_part(org.id));
    assert_eq!((head.len(), secret.len()), (22, 43));

    // The same secret under another organisation, or a made-up one, finds nothing.
    let elsewhere = format!("{}.{secret}", org_part(other.id));
    let unknown = format!("{}.{secret}", org_part(Uuid::nil()));
    let invalid = refresh(&app, "made-up").await.problem(400, "invalid_grant");
    for t in [&elsewhere, &unknown] {
        let r = refresh(&app, t).await.problem(400, "invalid_grant");
        assert_eq!(r["detail"], invalid["detail"]);
    }
    // Revoking an altered token revokes nothing.
    app.post("/v1/auth/revoke")
        .json(&json!({"token": elsewhere}))
        .send()
        .await
        .expect(200);

    // The token itself still works, and its successor names the organisation too.
    let next = refresh(&app, &token).await.expect(200);
    let next = next["refresh_token"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}.", org_part(org.id))),
        "{next}"
    );
    assert_ne!(next, token);
}

#[actix_web::test]
async fn a_refresh_token_of_the_former_form_is_refused_as_an_unknown_one() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let invalid = refresh(&app, "made-up").await.problem(400, "invalid_grant");
    // A token issued before tokens named their organisation: a bare secret of
    // 43 characters, stored by its SHA-256, unused and unexpired.
    let old = "A".repeat(43);
    let hash: String = Sha256::digest(old.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    diesel::sql_query(format!(
        "INSERT INTO refresh_tokens (org_id, id, user_id, family_id, token_hash, expires_at) \
         VALUES ('{}', gen_random_uuid(), '{}', gen_random_uuid(), '\\x{hash}', \
         now() + interval '1 day')",
        org.id, org.admin_id
    ))
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    let r = refresh(&app, &old).await.problem(400, "invalid_grant");
    assert_eq!(r["detail"], invalid["detail"]);
    // Signing in again gives a token of the new form, which works.
    let token = signed_in_refresh(&app, &org.admin_email).await;
    assert!(token.starts_with(&format!("{}.", org_part(org.id))));
    refresh(&app, &token).await.expect(200);
}
