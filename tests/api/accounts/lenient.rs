//! Accounts batches are lenient item by item: an item that is not well-formed
//! is rejected alone, with its field errors, and the others are stored; only a
//! body that is not a batch at all is refused whole.

use super::*;

#[actix_web::test]
async fn a_malformed_account_is_rejected_alone_and_the_others_are_stored() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let writer = client_token(&app, &org, &["accounts:write"]).await;
    let good = |ext: &str| {
        json!({"external_source": "crm", "external_id": ext, "name": format!("Company {ext}"),
               "kind": "customer", "owner_id": farmer.id, "owned_since": "2026-01-05"})
    };
    use Errors::Exactly;
    let cases = vec![
        Case::created("well-formed", good("c-0")),
        Case::rejected(
            "no external_id",
            with(good("c-1"), json!({"external_id": null})),
            Exactly(&[("external_id", "required")]),
        ),
        Case::rejected(
            "a number for the name",
            with(good("c-2"), json!({"name": 5})),
            Exactly(&[("name", "invalid_type")]),
        ),
        Case::rejected(
            "an unknown field",
            with(good("c-3"), json!({"colour": "blue"})),
            Exactly(&[("colour", "unknown_field")]),
        ),
        Case::rejected(
            "a day that does not exist",
            with(good("c-4"), json!({"owned_since": "2026-02-30"})),
            Exactly(&[("owned_since", "invalid_value")]),
        ),
        Case::created("well-formed between malformed ones", good("c-5")),
        Case::rejected(
            "not a kind",
            with(good("c-6"), json!({"kind": "partner"})),
            Exactly(&[("kind", "invalid_choice")]),
        ),
        Case::rejected(
            "not a status",
            with(good("c-7"), json!({"status": "sleeping"})),
            Exactly(&[("status", "invalid_choice")]),
        ),
        Case::rejected(
            "not a uuid",
            with(good("c-8"), json!({"owner_id": "farmer"})),
            Exactly(&[("owner_id", "invalid_value")]),
        ),
        Case::rejected(
            "not an object",
            json!(null),
            Exactly(&[("", "invalid_type")]),
        ),
        Case::created("well-formed, last", good("c-10")),
    ];
    let items: Vec<Value> = cases.iter().map(|c| c.item.clone()).collect();
    let v = batch(&app, &writer, &items).await.expect(200);
    let answers = v["items"].as_array().unwrap();
    assert_eq!(answers.len(), cases.len(), "an answer per item: {v}");
    for (i, a) in answers.iter().enumerate() {
        assert_eq!(a["index"], i, "in order, each once: {v}");
    }
    let wrong = misanswered(&cases, &v);
    assert!(
        wrong.is_empty(),
        "items answered otherwise:\n{}",
        wrong.join("\n")
    );
    assert_eq!(
        (&v["created"], &v["rejected"]),
        (&json!(3), &json!(8)),
        "{v}"
    );

    // The well-formed ones are stored as sent, under the ids answered; nothing
    // else is.
    let mut created = BTreeSet::new();
    for (i, c) in cases.iter().enumerate() {
        if c.status != "created" {
            assert!(answers[i]["id"].is_null(), "{}", answers[i]);
            continue;
        }
        let id = uuid(&answers[i]["id"]);
        created.insert(id);
        let a = get(&app, &org.admin, id).await.expect(200);
        assert_eq!(a["name"], c.item["name"], "{a}");
        assert_eq!(a["external_id"], c.item["external_id"], "{a}");
        assert_eq!(a["owner_id"], json!(farmer.id), "{a}");
        assert_eq!(
            owners(&app, &org.admin, id).await,
            vec![period(farmer.id, "2026-01-05", None)]
        );
    }
    assert_eq!(listed(&app, &org.admin, "").await, created);

    // Sent again: the stored ones unchanged, the malformed ones rejected alike.
    let again = batch(&app, &writer, &items).await.expect(200);
    let unchanged: Vec<Case> = cases
        .into_iter()
        .map(|c| match c.status {
            "created" => Case {
                status: "unchanged",
                ..c
            },
            _ => c,
        })
        .collect();
    assert!(misanswered(&unchanged, &again).is_empty(), "{again}");
    assert_eq!(listed(&app, &org.admin, "").await, created);
}

#[actix_web::test]
async fn an_accounts_body_that_is_not_a_batch_is_refused_whole() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let writer = client_token(&app, &org, &["accounts:write"]).await;
    let good = json!({"external_source": "crm", "external_id": "w-1", "name": "W",
                      "kind": "customer", "owner_id": farmer.id});
    let many =
        refuses_what_is_not_a_batch(&app, "/v1/accounts/batch", &writer, &good, "accounts").await;
    // Who may not sync is told so first, whatever the body holds.
    let viewer = app.person(&org, "viewer", None).await;
    for body in [many, json!({"items": [good, 5]})] {
        for (token, code) in [
            (&farmer.token, "integration_only"),
            (&viewer.token, "forbidden"),
        ] {
            app.post("/v1/accounts/batch")
                .token(token)
                .json(&body)
                .send()
                .await
                .problem(403, code);
        }
    }
    assert!(listed(&app, &org.admin, "").await.is_empty());
}
