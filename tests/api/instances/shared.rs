//! What lives in the database is shared: the sign-in throttle's counts, every
//! write (read back at once through the other instance, its `ETag` honoured
//! there), and the answers kept for an `Idempotency-Key`.

use serde_json::json;

use super::*;
use crate::auth::sign_in::{login_from, retry_after, ATTACKER, OWNER};
use crate::events::amount;
use crate::pace::sale;
use crate::pace::sweep::world;

/// `L` (`ONPACE_LOGIN_MAX_FAILURES`) in a test's configuration.
#[test]
fn the_login_limit_is_five() {
    assert_eq!(onpace::Config::default().login_max_failures, 5);
}

#[actix_web::test]
async fn five_failures_split_between_instances_slow_the_pair_on_both() {
    let (a, b) = two(|c| c).await;
    let org = a.org("Acme").await;
    let p = a.person(&org, "salesperson", Some("farmer")).await;
    // L = 5 failures of one account from one address: three on A, two on B.
    for app in [&a, &a, &a, &b, &b] {
        login_from(app, ATTACKER, &p.email, "a wrong guess")
            .await
            .problem(400, "invalid_grant");
    }
    // The next attempt is slowed on either, as on one instance: 2 s after the
    // fifth failure (so 1 or 2 in whole seconds), even with the right password.
    for app in [&a, &b] {
        let r = login_from(app, ATTACKER, &p.email, PASSWORD).await;
        r.problem(429, "too_many_attempts");
        assert!((1..=2).contains(&retry_after(&r)), "{}", retry_after(&r));
    }
    // The owner, from another address, signs in through either.
    login_from(&a, OWNER, &p.email, PASSWORD).await.expect(200);
    login_from(&b, OWNER, &p.email, PASSWORD).await.expect(200);
}

/// The target's actual as of Thursday 7 February 2036, read through `app`.
async fn actual(app: &TestApp, token: &str, target: uuid::Uuid) -> rust_decimal::Decimal {
    let p = app
        .get(&format!("/v1/targets/{target}/progress?as_of=2036-02-07"))
        .token(token)
        .send()
        .await
        .expect(200);
    amount(&p["actual"])
}

#[actix_web::test]
async fn a_write_through_one_instance_is_read_through_the_other_at_once() {
    let (a, b) = two(|c| c).await;
    // The target of 3000 with 1200 + 1000 sold in its first week (built through A).
    let w = world(&a, "Acme").await;
    let (admin, target) = (&w.org.admin, w.id("pace"));
    assert_eq!(actual(&b, admin, target).await, dec("2200"));

    // 300 more through A: B reads 2500 at once.
    a.push_sales(
        admin,
        &json!([sale("s3", w.id("Contoso"), "2036-01-10", "300", "invoice")]),
    )
    .await;
    assert_eq!(actual(&b, admin, target).await, dec("2500"));

    // An ETag A answered is honoured by B; the one it replaces is then stale on A.
    let team = format!("/v1/teams/{}", w.id("North"));
    let r = a.get(&team).token(admin).send().await;
    r.expect(200);
    let etag = r.header("etag").expect("an ETag");
    let r = b
        .patch(&team)
        .token(admin)
        .header("if-match", &etag)
        .json(&json!({"name": "North-East"}))
        .send()
        .await;
    assert_eq!(r.expect(200)["name"], "North-East");
    let renamed = r.header("etag").expect("an ETag");
    assert_ne!(renamed, etag);
    a.patch(&team)
        .token(admin)
        .header("if-match", &etag)
        .json(&json!({"name": "Stale"}))
        .send()
        .await
        .problem(412, "version_mismatch");
    let r = a.get(&team).token(admin).send().await;
    assert_eq!(r.expect(200)["name"], "North-East");
    assert_eq!(r.header("etag"), Some(renamed));
}

/// `body` to the sales batch through `app` with the key `push-1`.
async fn send(app: &TestApp, token: &str, body: &serde_json::Value) -> Res {
    app.post("/v1/sales/batch")
        .token(token)
        .header("idempotency-key", "push-1")
        .json(body)
        .send()
        .await
}

#[actix_web::test]
async fn a_batch_sent_with_a_key_through_one_instance_is_replayed_by_the_other() {
    let (a, b) = two(|c| c).await;
    let w = world(&a, "Acme").await;
    let (admin, target) = (&w.org.admin, w.id("pace"));
    let body = json!({"items": [sale("s3", w.id("Contoso"), "2036-01-10", "300", "invoice")]});
    let first = send(&a, admin, &body).await;
    first.expect(200);
    assert!(first.header("idempotent-replayed").is_none());
    assert_eq!(actual(&b, admin, target).await, dec("2500"));

    // Meanwhile s3 is corrected to 400 through B, without a key.
    b.push_sales(
        admin,
        &json!([sale("s3", w.id("Contoso"), "2036-01-10", "400", "invoice")]),
    )
    .await;
    assert_eq!(actual(&a, admin, target).await, dec("2600"));

    // The retry through B: A's answer, byte for byte, and nothing stored again.
    let replay = send(&b, admin, &body).await;
    assert_eq!(replay.status.as_u16(), 200);
    assert_eq!(replay.body, first.body);
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(actual(&a, admin, target).await, dec("2600"));
}
