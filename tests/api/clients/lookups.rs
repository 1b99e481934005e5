//! The `client_logins` lookup: the row per active client that the
//! client-credentials grant reads to find the organisation, kept with the
//! client in the same transaction.

use super::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

#[derive(QueryableByName)]
struct ClientLogin {
    #[diesel(sql_type = SqlUuid)]
    client_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    org_id: Uuid,
}

/// Every `client_logins` row: (client id, organisation), sorted.
async fn client_logins(app: &TestApp) -> BTreeSet<(Uuid, Uuid)> {
    let rows: Vec<ClientLogin> = diesel::sql_query("SELECT client_id, org_id FROM client_logins")
        .load(&mut app.conn().await)
        .await
        .unwrap();
    rows.into_iter().map(|r| (r.client_id, r.org_id)).collect()
}

#[actix_web::test]
async fn a_clients_lookup_row_lives_as_long_as_the_client_is_active() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Globex").await;
    let (a, a_secret) = app.client(&org, &["read"]).await;
    let (b, b_secret) = app.client(&other, &["read"]).await;
    assert_eq!(
        client_logins(&app).await,
        BTreeSet::from([(a, org.id), (b, other.id)])
    );
    // The grant finds each client's organisation.
    for (id, secret, org_id) in [(a, &a_secret, org.id), (b, &b_secret, other.id)] {
        let t = grant_json(&app, id, secret, None).await.expect(200);
        let me = app
            .get("/v1/me")
            .token(t["access_token"].as_str().unwrap())
            .send()
            .await
            .expect(200);
        assert_eq!(uuid(&me["id"]), id);
        let org_of = app
            .get("/v1/org")
            .token(t["access_token"].as_str().unwrap())
            .send()
            .await
            .expect(200);
        assert_eq!(uuid(&org_of["id"]), org_id);
    }
    // One organisation's client id with another's admin: 404, nothing removed.
    app.delete(&format!("/v1/clients/{a}"))
        .token(&other.admin)
        .send()
        .await
        .problem(404, "not_found");
    assert_eq!(client_logins(&app).await.len(), 2);

    app.delete(&format!("/v1/clients/{a}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(client_logins(&app).await, BTreeSet::from([(b, other.id)]));
    grant_json(&app, a, &a_secret, None)
        .await
        .problem(401, "invalid_client");
    grant_json(&app, b, &b_secret, None).await.expect(200);
}
