//! Batch endpoints: what every one of them refuses whole.

use serde_json::{json, Value};

use super::*;

/// Asserts that `path` refuses whole a body that is not a batch: not JSON (400),
/// no `items` (the list under another name, `alias`), `items` not a list,
/// another field beside it, not an object, and more than 1,000 items even with
/// one malformed among them (422, naming the field). `good` is a well-formed
/// item. Answers the body of 1,001 items.
pub async fn refuses_what_is_not_a_batch(
    app: &TestApp,
    path: &str,
    token: &str,
    good: &Value,
    alias: &str,
) -> Value {
    let send = |body: String| async move {
        app.post(path)
            .token(token)
            .body("application/json", body)
            .send()
            .await
    };
    send("{\"items\": [".into())
        .await
        .problem(400, "malformed_json");
    send("items=1".into()).await.problem(400, "malformed_json");
    let mut many = vec![good.clone(); 1001];
    many[3] = with(good.clone(), json!({"external_id": null}));
    let many = json!({ "items": many });
    let mut renamed = serde_json::Map::new();
    renamed.insert(alias.to_string(), json!([good]));
    for (what, body, field, code) in [
        ("no items", json!({}), "items", "required"),
        (
            "items by another name",
            Value::Object(renamed),
            alias,
            "unknown_field",
        ),
        (
            "items not a list",
            json!({"items": good}),
            "items",
            "invalid_type",
        ),
        (
            "another field",
            json!({"items": [good], "dry_run": true}),
            "dry_run",
            "unknown_field",
        ),
        ("not an object", json!([good]), "", "invalid_type"),
        ("too many", many.clone(), "items", "too_many"),
    ] {
        let v = send(body.to_string())
            .await
            .problem(422, "validation_failed");
        assert_eq!(field_error(&v), pair(field, code), "{path}: {what}");
    }
    many
}
