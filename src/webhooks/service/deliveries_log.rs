//! An endpoint's deliveries (admins and `webhooks:manage` clients): the log,
//! one delivery, a test ping, and a delivery sent again.

use chrono::{SubsecRound, Utc};
use uuid::Uuid;

use super::super::rules::{self, DeliveryStatus};
use super::super::store::endpoints;
use super::super::store::log::{self as store, DeliveryRow};
use super::access::require_manager;
use crate::auth::Principal;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::events::data::WebhookTestData;
use crate::events::dto::EventBody;
use crate::events::rules::EventType;
use crate::http::PageParams;
use crate::state::AppState;

/// A page of an endpoint's deliveries, newest first, of one status or all,
/// with the page's limit.
pub async fn list(
    state: &AppState,
    p: &Principal,
    webhook: Uuid,
    status: Option<DeliveryStatus>,
    page: &PageParams,
) -> AppResult<(Vec<DeliveryRow>, i64)> {
    require_manager(p)?;
    let page = page.by_id()?;
    let rows = db::run(&state.pool, async |c| {
        endpoints::get(c, p.org_id, webhook, false).await?;
        store::list(c, p.org_id, webhook, status, &page).await
    })
    .await?;
    Ok((rows, page.limit))
}

/// One delivery of an endpoint.
pub async fn get(
    state: &AppState,
    p: &Principal,
    webhook: Uuid,
    id: Uuid,
) -> AppResult<DeliveryRow> {
    require_manager(p)?;
    db::run(&state.pool, async |c| {
        endpoints::get(c, p.org_id, webhook, false).await?;
        store::get(c, p.org_id, webhook, id, false).await
    })
    .await
}

/// The body of a `webhook.test` event, as every event is sent: `{"id",
/// "type", "timestamp", "data"}` in that order.
fn test_body(event_id: Uuid, webhook: Uuid, requested_by: Option<Uuid>) -> AppResult<String> {
    let data = serde_json::to_value(WebhookTestData {
        webhook_id: webhook,
        requested_by,
    })
    .map_err(AppError::internal)?;
    serde_json::to_string(&EventBody {
        id: event_id,
        kind: EventType::WebhookTest.as_str().to_string(),
        timestamp: Utc::now().trunc_subsecs(6),
        data,
    })
    .map_err(AppError::internal)
}

/// Sends an endpoint a `webhook.test` event: a delivery for it alone, due
/// now. It is in no feed and goes to no other endpoint. A disabled endpoint is
/// sent nothing (409 `webhook_disabled`).
pub async fn test(state: &AppState, p: &Principal, webhook: Uuid) -> AppResult<DeliveryRow> {
    require_manager(p)?;
    let event_id = Uuid::now_v7();
    let body = test_body(event_id, webhook, p.user_id())?;
    db::tx(&state.pool, async |c| {
        let endpoint = endpoints::get(c, p.org_id, webhook, true).await?;
        rules::check_enabled(endpoint.enabled)?;
        store::insert_one(
            c,
            p.org_id,
            webhook,
            event_id,
            EventType::WebhookTest.as_str(),
            &body,
        )
        .await
    })
    .await
}

/// Sends a delivered or failed delivery again: pending, due now, with the same
/// event and body (the same `webhook-id`, so that receivers deduplicate); its
/// attempts keep counting. A pending one is already on its way (409
/// `delivery_pending`); a disabled endpoint is sent nothing (409
/// `webhook_disabled`).
pub async fn redeliver(
    state: &AppState,
    p: &Principal,
    webhook: Uuid,
    id: Uuid,
) -> AppResult<DeliveryRow> {
    require_manager(p)?;
    db::tx(&state.pool, async |c| {
        let endpoint = endpoints::get(c, p.org_id, webhook, false).await?;
        let delivery = store::get(c, p.org_id, webhook, id, true).await?;
        rules::check_enabled(endpoint.enabled)?;
        rules::check_redeliverable(delivery.status)?;
        store::redeliver(c, p.org_id, webhook, id).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_ping_is_an_event_body_in_the_order_of_every_event() {
        let (event, hook, who) = (Uuid::now_v7(), Uuid::from_u128(2), Uuid::from_u128(3));
        let body = test_body(event, hook, Some(who)).unwrap();
        let keys: Vec<usize> = ["\"id\"", "\"type\"", "\"timestamp\"", "\"data\""]
            .iter()
            .map(|k| body.find(k).unwrap())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["id"], event.to_string());
        assert_eq!(v["type"], "webhook.test");
        assert_eq!(v["data"]["webhook_id"], hook.to_string());
        assert_eq!(v["data"]["requested_by"], who.to_string());
        let no_one = test_body(event, hook, None).unwrap();
        assert!(no_one.contains("\"requested_by\":null"), "{no_one}");
    }
}
