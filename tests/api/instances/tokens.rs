//! Tokens across instances: a token one instance issued works on the other; a
//! deactivation, a sign-out or a refresh token presented twice through one is
//! refused by the other, at once where it is a row (refresh tokens) and within
//! the one second an instance remembers a caller otherwise.

use serde_json::json;

use onpace::auth::principal::cache;

use super::*;
use crate::auth::refresh;

/// How long an instance may still let through a caller another instance ended:
/// the one second it remembers a caller, plus the 100 ms between two asks and
/// the time of one answer on a busy machine (up to 400 ms). Alone, it is about
/// 0.7 s: past half a second a caller is looked up again in the background.
const BOUND: Duration = Duration::from_millis(1_000 + 100 + 400);

#[test]
fn an_instance_remembers_a_caller_for_one_second() {
    // What README says ("within one second") and what the bound above assumes.
    assert_eq!(cache::TTL, Duration::from_secs(1));
}

fn access(v: &serde_json::Value) -> String {
    v["access_token"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn a_token_from_one_instance_works_on_the_other_and_a_deactivation_reaches_it_within_a_second(
) {
    let (a, b) = two(|c| c).await;
    let org = a.org("Acme").await;
    let p = a.person(&org, "salesperson", Some("farmer")).await;
    let login = a.login(&p.email, PASSWORD).await.expect(200);
    let signed_in = access(&login);
    // Issued by A (a sign-in, and a token without one): B takes both, and
    // remembers who is behind them.
    assert_eq!(me(&b, &signed_in).await, 200);
    assert_eq!(me(&b, &p.token).await, 200);
    let remembered = b.state.callers.found.generation();

    a.delete(&format!("/v1/users/{}", p.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let deactivated = Instant::now();
    // A answered the write: it refuses at once.
    assert_eq!(me(&a, &signed_in).await, 401);
    assert_eq!(me(&a, &p.token).await, 401);
    // B's memory is its own: A's write did not reach it...
    assert_eq!(b.state.callers.found.generation(), remembered);
    // ...and B refuses within the bound all the same.
    for token in [&signed_in, &p.token] {
        let after = refused_after(&b, token, deactivated, BOUND + BOUND).await;
        assert!(after <= BOUND, "B refused after {after:?}");
    }
    // No new tokens on either.
    for app in [&a, &b] {
        app.login(&p.email, PASSWORD)
            .await
            .problem(400, "invalid_grant");
        refresh(app, login["refresh_token"].as_str().unwrap())
            .await
            .problem(400, "invalid_grant");
    }
}

#[actix_web::test]
async fn a_sign_out_through_one_instance_ends_the_refresh_token_on_the_other_at_once_and_its_access_tokens_within_a_second(
) {
    let (a, b) = two(|c| c).await;
    let org = a.org("Acme").await;
    let out = a.login(&org.admin_email, PASSWORD).await.expect(200);
    let kept = a.login(&org.admin_email, PASSWORD).await.expect(200);
    let token = access(&out);
    assert_eq!(me(&b, &token).await, 200, "B remembers the caller");

    a.post("/v1/auth/revoke")
        .json(&json!({"token": out["refresh_token"]}))
        .send()
        .await
        .expect(200);
    let revoked = Instant::now();
    assert_eq!(me(&a, &token).await, 401, "A refuses at once");
    // The refresh token is a row: B refuses it at once.
    refresh(&b, out["refresh_token"].as_str().unwrap())
        .await
        .problem(400, "invalid_grant");
    // Its access token: B refuses it within the bound.
    let after = refused_after(&b, &token, revoked, BOUND + BOUND).await;
    assert!(after <= BOUND, "B refused after {after:?}");
    // The person's other sign-in lives on, on both.
    assert_eq!(me(&a, &access(&kept)).await, 200);
    assert_eq!(me(&b, &access(&kept)).await, 200);
    refresh(&b, kept["refresh_token"].as_str().unwrap())
        .await
        .expect(200);
}

#[actix_web::test]
async fn a_refresh_token_rotated_through_one_instance_and_presented_again_to_the_other_ends_the_sign_in_on_both(
) {
    let (a, b) = two(|c| c).await;
    let org = a.org("Acme").await;
    let first = a.login(&org.admin_email, PASSWORD).await.expect(200);
    let r1 = first["refresh_token"].as_str().unwrap();
    let rotated = refresh(&a, r1).await.expect(200);
    let token = access(&rotated);
    assert_eq!(me(&a, &token).await, 200, "A remembers the caller");
    assert_eq!(me(&b, &token).await, 200);

    // The rotated-away token, presented to B: refused, and the whole sign-in ends.
    refresh(&b, r1).await.problem(400, "invalid_grant");
    let reused = Instant::now();
    assert_eq!(me(&b, &token).await, 401, "B answered the write: at once");
    // A, which remembered the caller, refuses within the bound (asked with
    // reads only, so that nothing A answers makes it forget sooner).
    let after = refused_after(&a, &token, reused, BOUND + BOUND).await;
    assert!(after <= BOUND, "A refused after {after:?}");
    assert_eq!(me(&a, &access(&first)).await, 401);
    // The rotated refresh token is a row of the ended sign-in: refused too.
    refresh(&a, rotated["refresh_token"].as_str().unwrap())
        .await
        .problem(400, "invalid_grant");
}

#[actix_web::test]
async fn callers_looked_up_again_together_each_get_their_own_answer() {
    // Two clients and two people first seen together by B fall due together,
    // and B looks them up again in one go: the one client deactivated through
    // A is refused within the bound, the others are let through all along.
    let (a, b) = two(|c| c).await;
    let org = a.org("Acme").await;
    let (gone, gone_token) = a.client_token(&org, &["read"]).await;
    let (_, kept_client) = a.client_token(&org, &["read"]).await;
    let p = a.person(&org, "salesperson", Some("farmer")).await;
    let q = a.person(&org, "manager", None).await;
    let kept = [&kept_client, &p.token, &q.token];
    for token in kept.iter().copied().chain([&gone_token]) {
        assert_eq!(me(&b, token).await, 200);
    }
    a.delete(&format!("/v1/clients/{gone}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let deactivated = Instant::now();
    loop {
        for token in kept {
            assert_eq!(me(&b, token).await, 200, "a caller kept is let through");
        }
        if me(&b, &gone_token).await == 401 {
            break;
        }
        assert!(
            deactivated.elapsed() <= BOUND,
            "the deactivated client still let through after {:?}",
            deactivated.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Past the life of every entry B had: the others still go on.
    tokio::time::sleep(cache::TTL).await;
    for token in kept {
        assert_eq!(me(&b, token).await, 200);
    }
}
