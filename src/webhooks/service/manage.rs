//! Webhook endpoints (admins and `webhooks:manage` clients): registered with a
//! secret shown once, listed, read, changed, deleted, and their secret rotated.
//!
//! A URL is checked by the guard (`https`, never an internal address, and its
//! name resolved now) before any transaction begins: a refused URL is 422
//! `webhook_url_refused`, whatever else the request names.

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::super::guard;
use super::super::rules::{self, WebhookError};
use super::super::store::endpoints::{self as store, NewWebhook, WebhookChanges, WebhookRow};
use super::access::require_manager;
use crate::auth::Principal;
use crate::db::{self, Changes};
use crate::error::{AppResult, Validator};
use crate::http::{check_if_match, PageParams};
use crate::state::AppState;

/// What a new endpoint is asked to be, as received.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
}

/// Changes asked of an endpoint, as received.
#[derive(Debug, Clone, Default)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// Asks the guard about `url` (trimmed): refused (422) when it is not one
/// webhooks may be sent to. Answers the URL as stored.
async fn checked_url(state: &AppState, url: &str) -> AppResult<String> {
    let url = url.trim();
    guard::check(url, state.config.webhook_allow_insecure)
        .await
        .map_err(WebhookError::UrlRefused)?;
    Ok(url.to_string())
}

/// Registers an endpoint: answers it and its secret (shown this once only),
/// which is stored sealed for this endpoint.
pub async fn create(
    state: &AppState,
    p: &Principal,
    new: NewEndpoint,
) -> AppResult<(WebhookRow, String)> {
    require_manager(p)?;
    let mut v = Validator::new();
    rules::check_url_text(&mut v, &new.url);
    let types = rules::event_types(&mut v, &new.event_types);
    let description = rules::description(&mut v, new.description.as_deref());
    v.finish()?;
    let url = checked_url(state, &new.url).await?;
    let id = Uuid::now_v7();
    let secret = super::super::secret::generate();
    let sealed = state.sealer.seal(p.org_id, id, &secret);
    let row = db::tx(&state.pool, async |c| {
        store::insert(
            c,
            p.org_id,
            &NewWebhook {
                id,
                url: &url,
                event_types: &types,
                description: description.as_deref(),
                sealed_secret: &sealed,
            },
        )
        .await
    })
    .await?;
    Ok((row, secret))
}

/// A page of the organisation's endpoints, oldest first, with the page's limit.
pub async fn list(
    state: &AppState,
    p: &Principal,
    page: &PageParams,
) -> AppResult<(Vec<WebhookRow>, i64)> {
    require_manager(p)?;
    let page = page.by_id()?;
    let rows = db::run(&state.pool, async |c| store::list(c, p.org_id, &page).await).await?;
    Ok((rows, page.limit))
}

/// One endpoint.
pub async fn get(state: &AppState, p: &Principal, id: Uuid) -> AppResult<WebhookRow> {
    require_manager(p)?;
    db::run(&state.pool, async |c| {
        store::get(c, p.org_id, id, false).await
    })
    .await
}

/// Changes an endpoint. An invalid change is refused as such (422) before its
/// `If-Match` is compared (412). Enabling it again clears why it was disabled
/// and since when it was failing; disabling it by hand leaves no reason; a new
/// URL starts with no failures.
pub async fn patch(
    state: &AppState,
    p: &Principal,
    id: Uuid,
    b: EndpointPatch,
    expected: Option<String>,
) -> AppResult<WebhookRow> {
    require_manager(p)?;
    let mut v = Validator::new();
    if let Some(url) = &b.url {
        rules::check_url_text(&mut v, url);
    }
    let types = b
        .event_types
        .as_deref()
        .map(|t| rules::event_types(&mut v, t));
    let description = b
        .description
        .as_ref()
        .map(|d| rules::description(&mut v, d.as_deref()));
    v.finish()?;
    let url = match &b.url {
        Some(url) => Some(checked_url(state, url).await?),
        None => None,
    };
    let mut changes = WebhookChanges {
        failing_since: url.as_ref().map(|_| None),
        url,
        event_types: types,
        description,
        enabled: b.enabled,
        disabled_reason: b.enabled.map(|_| None),
    };
    if b.enabled == Some(true) {
        changes.failing_since = Some(None);
    }
    db::tx(&state.pool, async |c| {
        let current = store::get(c, p.org_id, id, true).await?;
        check_if_match(expected.as_deref(), current.version)?;
        if changes.is_empty() {
            // The version moves only when something changed.
            return Ok(current);
        }
        store::update(c, p.org_id, id, &changes).await
    })
    .await
}

/// Deletes an endpoint and its deliveries.
pub async fn delete(state: &AppState, p: &Principal, id: Uuid) -> AppResult<()> {
    require_manager(p)?;
    db::tx(&state.pool, async |c| {
        if store::delete(c, p.org_id, id).await? {
            Ok(())
        } else {
            Err(crate::error::AppError::not_found("webhook"))
        }
    })
    .await
}

/// Gives an endpoint a new secret, answered this once only. The secret it
/// replaces keeps signing beside it for 24 hours; rotating again meanwhile
/// drops the oldest of the three.
pub async fn rotate_secret(
    state: &AppState,
    p: &Principal,
    id: Uuid,
) -> AppResult<(WebhookRow, String)> {
    require_manager(p)?;
    let secret = super::super::secret::generate();
    let sealed = state.sealer.seal(p.org_id, id, &secret);
    let until = Utc::now() + Duration::hours(rules::ROTATION_OVERLAP_HOURS);
    let row = db::tx(&state.pool, async |c| {
        store::get(c, p.org_id, id, true).await?;
        store::rotate(c, p.org_id, id, &sealed, until).await
    })
    .await?;
    Ok((row, secret))
}
