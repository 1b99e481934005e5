//! Sign-in under load and attack: bounded password hashing, throttling by account
//! and address (shared by every instance), and revocation that ends access tokens.

use std::sync::Arc;
use std::time::{Duration, Instant};

use onpace::auth::passwords::Hashing;
use onpace::{AppState, Config};
use serde_json::json;

use super::refresh;
use crate::support::*;

pub(crate) const ATTACKER: &str = "203.0.113.9";
pub(crate) const OWNER: &str = "198.51.100.7";

pub(crate) async fn login_from(app: &TestApp, peer: &str, email: &str, password: &str) -> Res {
    app.post("/v1/auth/token")
        .peer(&format!("{peer}:40000"))
        .json(&json!({"grant_type": "password", "username": email, "password": password}))
        .send()
        .await
}

pub(crate) fn retry_after(r: &Res) -> u64 {
    r.header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap()
}

fn access(v: &serde_json::Value) -> String {
    v["access_token"].as_str().unwrap().to_string()
}

/// `GET /v1/me` with each token answers `status` (401 `invalid_token` when refused).
async fn me_with(app: &TestApp, tokens: &[&str], status: u16) {
    for token in tokens {
        let r = app.get("/v1/me").token(token).send().await;
        if status == 401 {
            r.problem(401, "invalid_token");
        } else {
            r.expect(status);
        }
    }
}

/// The app on a fresh database, with its configuration changed by `f` and
/// `permits` password checks at once, each waiting up to `wait` to start.
async fn with_hashing(permits: usize, wait: Duration, f: impl FnOnce(Config) -> Config) -> TestApp {
    let db = TestDb::new().await;
    let mut state = AppState::new(f(config(&db.url)), keys());
    state.hashing = Arc::new(Hashing::new(permits, wait));
    TestApp::on(db, state).await
}

/// Takes the only hashing permit: password checks wait until it is dropped.
fn hold_the_permit(app: &TestApp) -> tokio::sync::OwnedSemaphorePermit {
    app.state
        .hashing
        .permits()
        .clone()
        .try_acquire_owned()
        .unwrap()
}

#[actix_web::test]
async fn hashing_is_bounded_and_waiting_sign_ins_hold_no_connection() {
    let app = with_hashing(1, Duration::from_millis(1500), |c| Config {
        db_pool_size: 1,
        ..c
    })
    .await;
    let org = app.org("Acme").await;

    // The only hashing permit is taken: sign-ins wait for it, then answer 503.
    let held = hold_the_permit(&app);
    let started = Instant::now();
    let me = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let r = app.get("/v1/me").token(&org.admin).send().await;
        (r, started.elapsed())
    };
    let sign_ins = (0..5).map(|_| app.login(&org.admin_email, PASSWORD));
    let (answers, (me, me_done)) = tokio::join!(futures_util::future::join_all(sign_ins), me);
    // Meanwhile, before the sign-ins gave up, the pool's only connection served a read.
    me.expect(200);
    assert!(
        me_done < Duration::from_millis(1200),
        "GET /v1/me took {me_done:?}"
    );
    for r in answers {
        r.problem(503, "busy");
        assert_eq!(retry_after(&r), 1);
    }
    // Answers of 503 are not counted as failures: the next sign-in goes through.
    drop(held);
    app.login(&org.admin_email, PASSWORD).await.expect(200);
}

#[actix_web::test]
async fn successful_sign_ins_are_limited_per_account_and_per_address() {
    // With a limit of 1 failure: 2 sign-ins a minute per account, 20 per address.
    let app = TestApp::with(|c| Config {
        login_max_failures: 1,
        ..c
    })
    .await;
    let org = app.org("Acme").await;
    let a = app.person(&org, "salesperson", Some("hunter")).await;
    for _ in 0..2 {
        login_from(&app, OWNER, &a.email, PASSWORD)
            .await
            .expect(200);
    }
    let r = login_from(&app, OWNER, &a.email, PASSWORD).await;
    r.problem(429, "too_many_attempts");
    assert!((1..=60).contains(&retry_after(&r)), "{}", retry_after(&r));
    // Per account: another address is refused too.
    login_from(&app, "192.0.2.30", &a.email, PASSWORD)
        .await
        .problem(429, "too_many_attempts");

    // Per address: 2 + 9 × 2 = 20 sign-ins from OWNER, then nobody more from there.
    for _ in 0..9 {
        let p = app.person(&org, "viewer", None).await;
        for _ in 0..2 {
            login_from(&app, OWNER, &p.email, PASSWORD)
                .await
                .expect(200);
        }
    }
    let p = app.person(&org, "viewer", None).await;
    let r = login_from(&app, OWNER, &p.email, PASSWORD).await;
    r.problem(429, "too_many_attempts");
    assert!((1..=60).contains(&retry_after(&r)));
    login_from(&app, "192.0.2.31", &p.email, PASSWORD)
        .await
        .expect(200);
}

#[actix_web::test]
async fn an_attackers_wrong_passwords_do_not_lock_the_owner_out() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let p = app.person(&org, "salesperson", Some("farmer")).await;
    for _ in 0..5 {
        login_from(&app, ATTACKER, &p.email, "a wrong guess")
            .await
            .problem(400, "invalid_grant");
    }
    // The attacker's address backs off: 2 s after the fifth failure...
    let r = login_from(&app, ATTACKER, &p.email, PASSWORD).await;
    r.problem(429, "too_many_attempts");
    assert!((1..=2).contains(&retry_after(&r)), "{}", retry_after(&r));
    // ...while the owner, elsewhere, signs in.
    login_from(&app, OWNER, &p.email, PASSWORD)
        .await
        .expect(200);
}

#[actix_web::test]
async fn concurrent_guesses_are_each_counted_before_the_password_is_checked() {
    let app = with_hashing(8, Duration::from_secs(5), |c| c).await;
    let org = app.org("Acme").await;
    let p = app.person(&org, "viewer", None).await;
    // Eight guesses at once: only the first five (L) are checked; the rest wait.
    let guesses = (0..8).map(|_| login_from(&app, ATTACKER, &p.email, "a wrong guess"));
    let answers = futures_util::future::join_all(guesses).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [400, 400, 400, 400, 400, 429, 429, 429]);
    // The owner, elsewhere, is not affected.
    login_from(&app, OWNER, &p.email, PASSWORD)
        .await
        .expect(200);
}

#[actix_web::test]
async fn twenty_failures_from_one_address_do_not_lock_out_everyone_behind_it() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    for _ in 0..4 {
        let p = app.person(&org, "viewer", None).await;
        for _ in 0..5 {
            login_from(&app, ATTACKER, &p.email, "a wrong guess")
                .await
                .problem(400, "invalid_grant");
        }
        login_from(&app, ATTACKER, &p.email, PASSWORD)
            .await
            .problem(429, "too_many_attempts");
    }
    // A colleague behind the same address is not affected.
    let colleague = app.person(&org, "manager", None).await;
    login_from(&app, ATTACKER, &colleague.email, PASSWORD)
        .await
        .expect(200);
}

#[actix_web::test]
async fn the_account_ceiling_slows_other_addresses_only_briefly() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let p = app.person(&org, "salesperson", Some("hybrid")).await;
    // 19 failures from 19 addresses: under every ceiling.
    for i in 0..19 {
        login_from(&app, &format!("203.0.113.{}", 100 + i), &p.email, "guess")
            .await
            .problem(400, "invalid_grant");
    }
    login_from(&app, OWNER, &p.email, PASSWORD)
        .await
        .expect(200);
    // The 20th reaches the account's ceiling: every address waits 2 s, no more.
    login_from(&app, "203.0.113.200", &p.email, "guess")
        .await
        .problem(400, "invalid_grant");
    let r = login_from(&app, OWNER, &p.email, PASSWORD).await;
    r.problem(429, "too_many_attempts");
    let wait = retry_after(&r);
    assert!((1..=2).contains(&wait), "{wait}");
    tokio::time::sleep(Duration::from_secs(wait)).await;
    login_from(&app, OWNER, &p.email, PASSWORD)
        .await
        .expect(200);
}

#[actix_web::test]
async fn the_client_address_is_read_from_trusted_proxies_only() {
    let app = TestApp::with(|c| Config {
        trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
        ..c
    })
    .await;
    let org = app.org("Acme").await;
    let p = app.person(&org, "viewer", None).await;
    let via_proxy = |xff: &str, password: &str| {
        app.post("/v1/auth/token")
            .peer("10.1.2.3:443")
            .header("x-forwarded-for", xff)
            .json(&json!({"grant_type": "password", "username": p.email, "password": password}))
            .send()
    };
    for _ in 0..5 {
        via_proxy(ATTACKER, "a wrong guess")
            .await
            .problem(400, "invalid_grant");
    }
    via_proxy(ATTACKER, PASSWORD)
        .await
        .problem(429, "too_many_attempts");
    // A forged left-most entry does not help: the right-most untrusted address counts.
    via_proxy(&format!("{OWNER}, {ATTACKER}"), PASSWORD)
        .await
        .problem(429, "too_many_attempts");
    // The owner, through the same proxies (two hops), signs in.
    via_proxy(&format!("{OWNER}, 10.9.9.9"), PASSWORD)
        .await
        .expect(200);

    // Someone calling directly cannot pose as the owner with the header.
    for _ in 0..5 {
        app.post("/v1/auth/token")
            .peer("192.0.2.50:5000")
            .header("x-forwarded-for", OWNER)
            .json(&json!({"grant_type": "password", "username": p.email, "password": "guess"}))
            .send()
            .await
            .problem(400, "invalid_grant");
    }
    login_from(&app, "192.0.2.50", &p.email, PASSWORD)
        .await
        .problem(429, "too_many_attempts");
    via_proxy(OWNER, PASSWORD).await.expect(200);
}

/// Two instances of the service on one database, sharing a signing key.
async fn twins() -> (TestApp, TestApp) {
    crate::instances::two(|c| c).await
}

#[actix_web::test]
async fn the_throttle_is_shared_between_instances() {
    let (one, two) = twins().await;
    let org = one.org("Acme").await;
    for _ in 0..5 {
        login_from(&one, ATTACKER, &org.admin_email, "a wrong guess")
            .await
            .problem(400, "invalid_grant");
    }
    login_from(&two, ATTACKER, &org.admin_email, PASSWORD)
        .await
        .problem(429, "too_many_attempts");
    login_from(&two, OWNER, &org.admin_email, PASSWORD)
        .await
        .expect(200);
}

#[actix_web::test]
async fn revoking_a_sign_in_ends_its_access_tokens() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let first = app.login(&org.admin_email, PASSWORD).await.expect(200);
    let other = app.login(&org.admin_email, PASSWORD).await.expect(200);
    let rotated = refresh(&app, first["refresh_token"].as_str().unwrap())
        .await
        .expect(200);
    let tokens = [&first, &rotated, &other].map(access);
    me_with(&app, &[&tokens[0], &tokens[1], &tokens[2]], 200).await;
    app.post("/v1/auth/revoke")
        .json(&json!({"token": rotated["refresh_token"]}))
        .send()
        .await
        .expect(200);
    me_with(&app, &[&tokens[0], &tokens[1]], 401).await;
    // Another sign-in of the same person lives on.
    me_with(&app, &[&tokens[2]], 200).await;
}

#[actix_web::test]
async fn refresh_token_reuse_ends_the_familys_access_tokens() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let first = app.login(&org.admin_email, PASSWORD).await.expect(200);
    let r1 = first["refresh_token"].as_str().unwrap();
    let rotated = refresh(&app, r1).await.expect(200);
    me_with(&app, &[&access(&rotated)], 200).await;
    refresh(&app, r1).await.problem(400, "invalid_grant");
    me_with(&app, &[&access(&first), &access(&rotated)], 401).await;
}

#[actix_web::test]
async fn another_instance_sees_a_revocation_within_a_second() {
    let (one, two) = twins().await;
    let org = one.org("Acme").await;
    let v = one.login(&org.admin_email, PASSWORD).await.expect(200);
    // The second instance has verified and remembered this caller.
    me_with(&two, &[&access(&v)], 200).await;
    one.post("/v1/auth/revoke")
        .json(&json!({"token": v["refresh_token"]}))
        .send()
        .await
        .expect(200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    me_with(&two, &[&access(&v)], 401).await;
}

/// Sign-ins, right and wrong, on one account from one address at once: each is
/// answered 200, 400, 429 or 503 `busy`, never a conflict (the throttle's
/// counters are always locked in one order).
#[actix_web::test]
async fn concurrent_sign_ins_on_one_account_never_conflict() {
    let app = with_hashing(2, Duration::from_secs(10), |c| Config {
        db_pool_size: 16,
        login_max_failures: 1000,
        ..c
    })
    .await;
    let org = app.org("Acme").await;
    let mut seen = std::collections::BTreeMap::new();
    for round in 0..8 {
        // A new account each round: the order of its counters' keys varies.
        let p = app.person(&org, "viewer", None).await;
        let attempts = (0..16).map(|i| {
            let password = if (i + round) % 3 == 0 {
                "a wrong guess"
            } else {
                PASSWORD
            };
            login_from(&app, OWNER, &p.email, password)
        });
        for r in futures_util::future::join_all(attempts).await {
            let code = r.status.as_u16();
            if code >= 400 {
                let v = r.json();
                *seen.entry(format!("{code} {}", v["code"])).or_insert(0) += 1;
            } else {
                *seen.entry(code.to_string()).or_insert(0) += 1;
            }
        }
    }
    assert!(
        seen.keys().all(|k| k == "200"
            || k == "400 \"invalid_grant\""
            || k == "429 \"too_many_attempts\""
            || k == "503 \"busy\""),
        "{seen:?}"
    );
    assert!(seen.contains_key("200"), "{seen:?}");
}

/// A person deactivated while their sign-in waits to have its password checked
/// gets no tokens: the sign-in is opened only if they are still active, with the
/// password that was checked.
#[actix_web::test]
async fn a_sign_in_in_flight_when_its_person_is_deactivated_opens_nothing() {
    let app = with_hashing(1, Duration::from_secs(10), |c| c).await;
    let org = app.org("Acme").await;
    let p = app.person(&org, "viewer", None).await;
    let held = hold_the_permit(&app);
    let deactivate = async {
        // The sign-in has read the person and waits for the permit meanwhile.
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.delete(&format!("/v1/users/{}", p.id))
            .token(&org.admin)
            .send()
            .await
            .expect(200);
        drop(held);
    };
    let (signed_in, ()) = tokio::join!(login_from(&app, OWNER, &p.email, PASSWORD), deactivate);
    signed_in.problem(400, "invalid_grant");
}
