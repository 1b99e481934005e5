//! The feed never runs ahead of a transaction still in flight: an event whose
//! transaction commits after a later one was written is never skipped.

use super::*;

#[actix_web::test]
async fn an_event_committed_late_is_not_jumped_over() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let admin = &org.admin;
    let seen = events(&app, admin, "").await;
    let last = seen.last().unwrap()["id"].as_str().unwrap().to_string();
    let after = format!("after={last}");

    // A use case held open on a connection of its own: its event is written
    // (its transaction holds the earlier position) but not committed.
    let held = internals::HeldOpen::create_user(
        &app.db.url,
        org.id,
        org.admin_id,
        json!({"email": "slow@example.com", "name": "Slow", "role": "viewer"}),
    )
    .await;
    // Another use case commits after it.
    let quick = app.named(&org, "Quick", "viewer", None).await;

    // While the first is open, neither comes out: handing out the later one
    // would move a client's `after` past the earlier one for good.
    for _ in 0..5 {
        let v = page(&app, admin, &after).await;
        assert_eq!(
            v["data"],
            json!([]),
            "nothing ahead of a transaction in flight"
        );
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    }

    held.commit().await;
    settled(&app).await;
    let v = page(&app, admin, &after).await;
    let got = v["data"].as_array().unwrap();
    let names: Vec<&str> = got
        .iter()
        .map(|e| e["data"]["name"].as_str().unwrap())
        .collect();
    // Both, the held one first (its transaction wrote first), nothing skipped.
    assert_eq!(names, ["Slow", "Quick"], "{got:#?}");
    assert_eq!(uuid(&got[1]["data"]["user_id"]), quick.id);
    assert_eq!(v["has_more"], false);
}
