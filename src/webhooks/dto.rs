//! Request and response types of `/v1/webhooks`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{self, DeliveryStatus};
use super::store::endpoints::WebhookRow;
use super::store::log::DeliveryRow;
use crate::users::rules::double_option;

crate::openapi::string_enum!(
    DeliveryStatus,
    "DeliveryStatus",
    "Where a delivery stands: `pending` (due, being sent, or waiting to be tried again), `delivered` (answered 2xx) or `failed` (every attempt failed)."
);

/// The event types of a subscription: known event types (`webhook.test` is not
/// subscribed to: it is sent on request to one endpoint, whatever it
/// subscribed to), or `*` alone for every type. Repeats count once.
pub struct SubscribedTypes;

impl utoipa::PartialSchema for SubscribedTypes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
        let names = |only_all: bool| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(
                    rules::subscribable_names()
                        .filter(move |n| (*n == rules::ALL_TYPES) == only_all),
                ))
        };
        let list = |only_all: bool| {
            ArrayBuilder::new()
                .items(names(only_all))
                .min_items(Some(1))
                .max_items(Some(rules::MAX_EVENT_TYPES))
        };
        OneOfBuilder::new()
            .item(list(false).description(Some("These event types.")))
            .item(list(true).description(Some("Every event type: `[\"*\"]`.")))
            .description(Some(
                "Known event types, or `[\"*\"]` alone for every type (`webhook.test` is sent on request only).",
            ))
            .examples([serde_json::json!(["target.agreed", "results.recorded"]), serde_json::json!(["*"])])
            .into()
    }
}

impl ToSchema for SubscribedTypes {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("SubscribedTypes")
    }
}

/// A webhook endpoint. Its signing secret is never shown again after it was
/// made (on creation and on rotation).
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: Uuid,
    /// Where events are sent (`https`, never an internal address).
    #[schema(example = "https://crm.example.com/onpace/events")]
    pub url: String,
    /// The event types sent to it, or `["*"]` for all.
    #[schema(value_type = SubscribedTypes)]
    pub event_types: Vec<String>,
    pub description: Option<String>,
    /// A disabled endpoint is sent nothing.
    pub enabled: bool,
    /// Why the service disabled it: `failing` (all its deliveries failed for
    /// 24 hours). Null when enabled, or disabled by hand.
    #[schema(example = "failing")]
    pub disabled_reason: Option<String>,
    /// The first failed attempt since the last delivered one.
    pub failing_since: Option<DateTime<Utc>>,
    /// While a rotation is in progress: when the previous secret stops
    /// signing beside the current one. Null otherwise.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookRow> for Webhook {
    fn from(r: WebhookRow) -> Self {
        let now = Utc::now();
        Webhook {
            id: r.id,
            url: r.url,
            event_types: r.event_types,
            description: r.description,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            failing_since: r.failing_since,
            previous_secret_expires_at: r.previous_until.filter(|t| *t > now),
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// An endpoint with its signing secret: shown this once only.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_` and the base64 of 32 random bytes: verify signatures with it
    /// (any Standard Webhooks library takes it as it is). Store it now: it
    /// cannot be shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAAECAwQFBgc=")]
    pub secret: String,
}

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// `https`; its host must not be or resolve to a loopback, private,
    /// link-local, multicast or reserved address (422 `webhook_url_refused`).
    #[schema(
        format = "uri",
        min_length = 1,
        max_length = 2000,
        example = "https://crm.example.com/onpace/events"
    )]
    pub url: String,
    /// At least one; each a known event type, or `["*"]` for all. Repeats
    /// count once.
    #[schema(value_type = SubscribedTypes)]
    pub event_types: Vec<String>,
    /// Blank means none.
    #[schema(max_length = 500, example = "CRM sync")]
    pub description: Option<String>,
}

/// Changes to an endpoint; absent fields stay as they are. Enabling it again
/// clears `disabled_reason` and `failing_since`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchWebhook {
    #[schema(format = "uri", min_length = 1, max_length = 2000)]
    pub url: Option<String>,
    #[schema(value_type = Option<SubscribedTypes>)]
    pub event_types: Option<Vec<String>>,
    /// `null` (or blank) removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true, max_length = 500)]
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// `GET /v1/webhooks/{id}/deliveries?status=&limit=&cursor=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// Only deliveries in this state.
    pub status: Option<DeliveryStatus>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One delivery of an event to an endpoint, as its last attempt left it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The event's id: the `webhook-id` header of every attempt.
    pub event_id: Uuid,
    #[schema(example = "target.agreed")]
    pub event_type: String,
    pub status: DeliveryStatus,
    /// Attempts made so far (the one under way included).
    pub attempts: i32,
    /// When it is due next (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The last answer's HTTP status.
    pub http_status: Option<i32>,
    /// How long the last attempt took.
    pub duration_ms: Option<i32>,
    /// The first KB of the last answer.
    pub response: Option<String>,
    /// What went wrong when there was no answer (a refused address, a
    /// timeout, a refused connection).
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        Delivery {
            id: r.id,
            webhook_id: r.webhook_id,
            event_id: r.event_id,
            event_type: r.event_type,
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_attempt_at: r.last_attempt_at,
            http_status: r.http_status,
            duration_ms: r.duration_ms,
            response: r.response,
            error: r.error,
            created_at: r.created_at,
        }
    }
}
