//! The `logins` lookup: the one row per person that sign-in by email reads
//! to find the organisation, kept with the person in the same transaction.

use super::*;
use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

#[derive(QueryableByName, Debug, PartialEq)]
struct Login {
    #[diesel(sql_type = Text)]
    email_key: String,
    #[diesel(sql_type = SqlUuid)]
    org_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
}

/// The `logins` rows whose email key is one of `keys`, by key.
async fn logins(app: &TestApp, keys: &[&str]) -> Vec<(String, Uuid, Uuid)> {
    let list: Vec<String> = keys.iter().map(|k| format!("'{k}'")).collect();
    let rows: Vec<Login> = diesel::sql_query(format!(
        "SELECT email_key, org_id, user_id FROM logins WHERE email_key IN ({}) \
         ORDER BY email_key",
        list.join(", ")
    ))
    .load(&mut app.conn().await)
    .await
    .unwrap();
    rows.into_iter()
        .map(|r| (r.email_key, r.org_id, r.user_id))
        .collect()
}

#[actix_web::test]
async fn a_login_is_written_with_its_person_and_follows_a_change_of_email() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Globex").await;
    let ada = id_of(
        &create(
            &app,
            &org,
            json!({"email": " Ada@Example.com ", "name": "Ada", "role": "viewer",
                   "password": PASSWORD}),
        )
        .await,
    );
    // Stored trimmed and lower-cased, naming the organisation and the person.
    assert_eq!(
        logins(&app, &["ada@example.com"]).await,
        vec![("ada@example.com".to_string(), org.id, ada)]
    );

    app.patch(&format!("/v1/users/{ada}"))
        .token(&org.admin)
        .json(&json!({"email": "Ada.Lovelace@Example.com"}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        logins(&app, &["ada@example.com", "ada.lovelace@example.com"]).await,
        vec![("ada.lovelace@example.com".to_string(), org.id, ada)]
    );
    me_after_sign_in(&app, "ada.lovelace@example.com", PASSWORD).await;
    app.login("ada@example.com", PASSWORD)
        .await
        .problem(400, "invalid_grant");

    // The former address is free again, in any organisation.
    let again = id_of(
        &create(
            &app,
            &other,
            json!({"email": "ada@example.com", "name": "Another Ada", "role": "viewer"}),
        )
        .await,
    );
    assert_eq!(
        logins(&app, &["ada@example.com", "ada.lovelace@example.com"]).await,
        vec![
            ("ada.lovelace@example.com".to_string(), org.id, ada),
            ("ada@example.com".to_string(), other.id, again),
        ]
    );

    // A deactivated person keeps their address reserved.
    app.delete(&format!("/v1/users/{ada}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(logins(&app, &["ada.lovelace@example.com"]).await.len(), 1);
    app.post("/v1/users")
        .token(&other.admin)
        .json(&json!({"email": "ada.lovelace@example.com", "name": "X", "role": "viewer"}))
        .send()
        .await
        .problem(409, "email_taken");
}

#[actix_web::test]
async fn a_person_created_in_a_transaction_that_rolls_back_leaves_no_login() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Globex").await;
    internals::create_user_rolled_back(
        &app.db.url,
        org.id,
        org.admin_id,
        json!({"email": "ghost@example.com", "name": "Ghost", "role": "viewer"}),
    )
    .await;
    assert_eq!(logins(&app, &["ghost@example.com"]).await, vec![]);
    // So the address was never taken.
    let ghost = id_of(
        &create(
            &app,
            &other,
            json!({"email": "Ghost@example.com", "name": "Ghost", "role": "viewer"}),
        )
        .await,
    );
    assert_eq!(
        logins(&app, &["ghost@example.com"]).await,
        vec![("ghost@example.com".to_string(), other.id, ghost)]
    );
}

#[actix_web::test]
async fn an_address_of_another_organisation_is_refused_and_its_login_stays() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Globex").await;
    let theirs = id_of(
        &create(
            &app,
            &other,
            json!({"email": "bea@example.com", "name": "Bea", "role": "viewer"}),
        )
        .await,
    );
    let ours = app.person(&org, "viewer", None).await;
    app.post("/v1/users")
        .token(&org.admin)
        .json(&json!({"email": "BEA@example.com", "name": "Bea", "role": "viewer"}))
        .send()
        .await
        .problem(409, "email_taken");
    app.patch(&format!("/v1/users/{}", ours.id))
        .token(&org.admin)
        .json(&json!({"email": "bea@EXAMPLE.com"}))
        .send()
        .await
        .problem(409, "email_taken");
    assert_eq!(
        logins(&app, &["bea@example.com"]).await,
        vec![("bea@example.com".to_string(), other.id, theirs)]
    );
    // The person refused the address keeps their own.
    me_after_sign_in(&app, &ours.email, PASSWORD).await;
}
