//! A `PATCH` with nothing in it changes nothing: the object comes back as it
//! is, its version and `ETag` unchanged, so that other clients' `If-Match`
//! stays good. A stale `If-Match` is still 412.

use crate::support::*;
use serde_json::{json, Value};

#[tokio::test]
async fn an_empty_patch_keeps_every_version() {
    let app = TestApp::new().await;
    let s = Scenario::north_and_south("Acme")
        .customer("Contoso", "sp")
        .agreed_target("target", "mgr", "sp", |s| {
            q4_target("Q4 revenue", "user", s.id("sp"), "revenue", "20000")
        })
        .build(&app)
        .await;
    let admin = &s.org.admin;
    let created = |r: Res| r.expect(201)["id"].as_str().unwrap().to_string();
    let post = |path: &str, body: Value| app.post(path).token(admin).json(&body).send();
    let draft = created(
        post(
            "/v1/targets",
            q4_target(
                "Q4 gross profit",
                "user",
                s.id("sp"),
                "gross_profit",
                "5000",
            ),
        )
        .await,
    );
    let plan = created(
        post(
            "/v1/bonus-plans",
            json!({"name": "Q4 bonus", "target_id": s.id("target"),
                   "tiers": [{"attainment_pct": "100", "payout": "1000.00"}]}),
        )
        .await,
    );
    let review = created(
        post(
            "/v1/reviews",
            json!({"kind": "one_to_one", "salesperson_id": s.id("sp"),
                   "scheduled_for": "2026-11-27", "period": "2026-Q4"}),
        )
        .await,
    );
    let item = created(
        post(
            &format!("/v1/reviews/{review}/items"),
            json!({"type": "action", "text": "Call Contoso", "due_on": "2026-12-01"}),
        )
        .await,
    );
    // Each path, read back where it is read (an item in its review's agenda).
    let paths = [
        "/v1/org".to_string(),
        format!("/v1/teams/{}", s.id("North")),
        format!("/v1/users/{}", s.id("sp")),
        format!("/v1/accounts/{}", s.id("Contoso")),
        format!("/v1/targets/{draft}"),
        format!("/v1/bonus-plans/{plan}"),
        format!("/v1/reviews/{review}"),
        format!("/v1/reviews/{review}/items/{item}"),
    ];
    let mut moved = Vec::new();
    for path in &paths {
        let read = match path.contains("/items/") {
            true => format!("/v1/reviews/{review}/agenda"),
            false => path.clone(),
        };
        let before = app.get(&read).token(admin).send().await.expect(200);
        let r = app
            .patch(path)
            .token(admin)
            .header("if-match", "*")
            .json(&json!({}))
            .send()
            .await;
        let answered = r.expect(200);
        let etag = format!("\"{}\"", answered["version"]);
        let after = app.get(&read).token(admin).send().await.expect(200);
        let version_before = match path.contains("/items/") {
            true => before["items"][0]["version"].clone(),
            false => before["version"].clone(),
        };
        if answered["version"] != version_before
            || r.header("etag").as_deref() != Some(etag.as_str())
            || after != before
        {
            moved.push(format!(
                "{path}: {version_before} -> {}",
                answered["version"]
            ));
        }
        app.patch(path)
            .token(admin)
            .header("if-match", "\"99\"")
            .json(&json!({}))
            .send()
            .await
            .problem(412, "version_mismatch");
    }
    assert!(moved.is_empty(), "an empty PATCH moved: {moved:?}");
}
