//! The document's `webhooks`: for every event type, the `POST` onpace sends to
//! a registered endpoint (Standard Webhooks), with that type's body and the
//! three signature headers, so that generated clients get the types.

use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, Paths,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, OpenApi, Ref, Required};

use crate::events::rules::EventType;
use crate::events::schema::{about, event_schema, event_schema_name};

/// The headers of every delivery: name, description, example.
const HEADERS: [(&str, &str, &str); 3] = [
    (
        "webhook-id",
        "The event's id (the body's `id`), the same at every attempt: deduplicate by it.",
        "01a23d4e-7a1c-7cc3-9a5e-3f2b8d6c1e40",
    ),
    (
        "webhook-timestamp",
        "When this attempt was signed, in Unix seconds; reject deliveries too far from the current time (Standard Webhooks libraries allow 5 minutes).",
        "1764770400",
    ),
    (
        "webhook-signature",
        "`v1,` and the base64 of HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded part of the endpoint's secret after `whsec_`. Several, separated by spaces, while a rotated secret's old one still signs (24 hours): accept the delivery when one of them matches.",
        "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
    ),
];

fn operation(t: EventType) -> utoipa::openapi::path::Operation {
    let mut op = OperationBuilder::new()
        .operation_id(Some(format!(
            "webhooks_{}",
            t.as_str().replace('.', "_")
        )))
        .tag("webhooks")
        .summary(Some(format!("`{}` delivered to an endpoint", t.as_str())))
        .description(Some(format!(
            "{} Sent to every enabled endpoint whose `event_types` include `{}` (or `*`), as a Standard Webhooks delivery: verify the signature with any Standard Webhooks library before trusting the body. At least once and in no guaranteed order.",
            about(t),
            t.as_str()
        )))
        .security(SecurityRequirement::default());
    for (name, description, example) in HEADERS {
        op = op.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .example(Some(serde_json::Value::from(example))),
        );
    }
    op.request_body(Some(
        RequestBodyBuilder::new()
            .description(Some("The event, exactly as `GET /v1/events` shows it."))
            .required(Some(Required::True))
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name(event_schema_name(t)))),
            )
            .build(),
    ))
    .response(
        "2XX",
        ResponseBuilder::new()
            .description("Any 2xx answer within 10 seconds acknowledges the delivery; its body is kept (the first KB) but not read.")
            .build(),
    )
    .response(
        "default",
        ResponseBuilder::new()
            .description("Anything else, or no answer within 10 seconds: the delivery is retried (about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), then failed.")
            .build(),
    )
    .build()
}

/// Adds a webhook per event type, named by the type, and the schemas of the
/// bodies (which the feed's answer also refers to).
pub fn add(doc: &mut OpenApi) {
    let mut webhooks = Paths::new();
    for t in EventType::ALL {
        webhooks.paths.insert(
            t.as_str().to_string(),
            PathItem::new(HttpMethod::Post, operation(t)),
        );
    }
    doc.webhooks = Some(webhooks);
    let components = doc.components.get_or_insert_with(Default::default);
    for t in EventType::ALL {
        components
            .schemas
            .entry(event_schema_name(t))
            .or_insert_with(|| event_schema(t));
    }
}
