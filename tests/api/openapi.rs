//! The committed OpenAPI document is the generated one.

#[test]
fn committed_document_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let generated = onpace::server::openapi_pretty();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test --test api openapi` (or `cargo run -- openapi > openapi/openapi.json`) and commit it"
    );
}

#[test]
fn every_operation_is_documented_with_its_errors() {
    let doc: serde_json::Value = serde_json::from_str(&onpace::server::openapi_pretty()).unwrap();
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            count += 1;
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.contains_key("503"),
                "{method} {path} documents 503"
            );
            assert!(
                op["operationId"].is_string(),
                "{method} {path} has an operationId"
            );
            let secured = op["security"].as_array().is_some_and(|reqs| {
                reqs.iter()
                    .any(|r| r.as_object().is_some_and(|m| !m.is_empty()))
            });
            if secured {
                assert!(
                    responses.contains_key("401") && responses.contains_key("403"),
                    "{method} {path}"
                );
            }
        }
    }
    assert!(count >= 25, "{count} operations");
}

/// The schema a `$ref` of the document points at.
fn resolve<'a>(doc: &'a serde_json::Value, r: &serde_json::Value) -> &'a serde_json::Value {
    let name = r
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .unwrap_or_else(|| panic!("a component schema reference: {r}"));
    let schema = &doc["components"]["schemas"][name];
    assert!(schema.is_object(), "{name} is in the components");
    schema
}

#[test]
fn every_event_type_is_a_webhook_with_its_own_body() {
    use onpace::events::rules::EventType;
    let doc: serde_json::Value = serde_json::from_str(&onpace::server::openapi_pretty()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let webhooks = doc["webhooks"].as_object().expect("a webhooks section");
    assert_eq!(webhooks.len(), EventType::ALL.len());
    let mut data_schemas = std::collections::BTreeSet::new();
    for t in EventType::ALL {
        let name = t.as_str();
        let post = &webhooks[name]["post"];
        let body = &post["requestBody"];
        assert_eq!(body["required"], true, "{name}");
        let schema = resolve(&doc, &body["content"]["application/json"]["schema"]["$ref"]);
        assert_eq!(
            schema["properties"]["type"]["enum"],
            serde_json::json!([name]),
            "{name}'s body has that type and no other"
        );
        for field in ["id", "type", "timestamp", "data"] {
            assert!(
                schema["required"]
                    .as_array()
                    .unwrap()
                    .contains(&field.into()),
                "{name} requires {field}"
            );
        }
        let data = resolve(&doc, &schema["properties"]["data"]["$ref"]);
        assert!(data["properties"].is_object(), "{name}'s data is an object");
        data_schemas.insert(schema["properties"]["data"]["$ref"].to_string());
        let headers: Vec<(&str, bool)> = post["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "header")
            .map(|p| (p["name"].as_str().unwrap(), p["required"] == true))
            .collect();
        assert_eq!(
            headers,
            [
                ("webhook-id", true),
                ("webhook-timestamp", true),
                ("webhook-signature", true)
            ],
            "{name}"
        );
        assert!(post["responses"]["2XX"].is_object(), "{name}");
        assert!(post["operationId"].is_string(), "{name}");
    }
    // target.* share one data struct, reviews one, users one: 11 in all.
    assert_eq!(data_schemas.len(), 11, "{data_schemas:?}");
}

#[test]
fn the_feed_answers_events_told_apart_by_their_type() {
    use onpace::events::rules::EventType;
    let doc: serde_json::Value = serde_json::from_str(&onpace::server::openapi_pretty()).unwrap();
    let page = resolve(
        &doc,
        &doc["paths"]["/v1/events"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"],
    );
    let body = resolve(&doc, &page["properties"]["data"]["items"]["$ref"]);
    let choices = body["oneOf"].as_array().expect("one schema per type");
    assert_eq!(choices.len(), EventType::ALL.len());
    let mapping = body["discriminator"]["mapping"].as_object().unwrap();
    assert_eq!(body["discriminator"]["propertyName"], "type");
    for t in EventType::ALL {
        let target = &mapping[t.as_str()];
        assert!(choices.iter().any(|c| &c["$ref"] == target), "{t:?}");
        assert_eq!(
            resolve(&doc, target)["properties"]["type"]["enum"],
            serde_json::json!([t.as_str()])
        );
    }
}
