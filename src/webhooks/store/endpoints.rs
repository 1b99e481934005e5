//! Queries for webhook endpoints. Their secrets are written here and never
//! read: an endpoint row read for an answer does not hold them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::webhooks;
use crate::db::Page;
use crate::error::{AppError, AppResult};

/// An endpoint as it is shown: everything but its secrets.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub previous_until: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new endpoint, its secret already sealed for it.
pub struct NewWebhook<'a> {
    pub id: Uuid,
    pub url: &'a str,
    pub event_types: &'a [String],
    pub description: Option<&'a str>,
    pub sealed_secret: &'a [u8],
}

/// What a change sets; `None` leaves a column as it is.
#[derive(Debug, Default, PartialEq, AsChangeset)]
#[diesel(table_name = webhooks)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub disabled_reason: Option<Option<String>>,
    pub failing_since: Option<Option<DateTime<Utc>>>,
}

impl crate::db::Changes for WebhookChanges {}

fn not_found() -> AppError {
    AppError::not_found("webhook")
}

pub async fn insert(
    c: &mut AsyncPgConnection,
    org: Uuid,
    w: &NewWebhook<'_>,
) -> AppResult<WebhookRow> {
    Ok(diesel::insert_into(webhooks::table)
        .values((
            webhooks::org_id.eq(org),
            webhooks::id.eq(w.id),
            webhooks::url.eq(w.url),
            webhooks::event_types.eq(w.event_types),
            webhooks::description.eq(w.description),
            webhooks::secret.eq(w.sealed_secret),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(c)
        .await?)
}

/// One endpoint of `org`; `lock` holds it for the rest of the transaction.
pub async fn get(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    lock: bool,
) -> AppResult<WebhookRow> {
    let q = webhooks::table
        .find((org, id))
        .select(WebhookRow::as_select());
    let row = if lock {
        q.for_update().first(c).await.optional()?
    } else {
        q.first(c).await.optional()?
    };
    row.ok_or_else(not_found)
}

/// A page of `org`'s endpoints, oldest first (one more than the limit).
pub async fn list(
    c: &mut AsyncPgConnection,
    org: Uuid,
    page: &Page<Uuid>,
) -> AppResult<Vec<WebhookRow>> {
    let mut q = webhooks::table
        .filter(webhooks::org_id.eq(org))
        .select(WebhookRow::as_select())
        .order(webhooks::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = page.after {
        q = q.filter(webhooks::id.gt(after));
    }
    Ok(q.load(c).await?)
}

/// Applies `changes` and moves the version on.
pub async fn update(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    changes: &WebhookChanges,
) -> AppResult<WebhookRow> {
    diesel::update(webhooks::table.find((org, id)))
        .set((
            changes,
            webhooks::version.eq(webhooks::version + 1),
            webhooks::updated_at.eq(diesel::dsl::now),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(c)
        .await
        .optional()?
        .ok_or_else(not_found)
}

/// Puts `sealed` in as the secret; the secret it replaces signs beside it
/// until `until` (any older previous secret is dropped).
pub async fn rotate(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    sealed: &[u8],
    until: DateTime<Utc>,
) -> AppResult<WebhookRow> {
    diesel::update(webhooks::table.find((org, id)))
        .set((
            webhooks::previous_secret.eq(webhooks::secret.nullable()),
            webhooks::previous_until.eq(until),
            webhooks::secret.eq(sealed),
            webhooks::version.eq(webhooks::version + 1),
            webhooks::updated_at.eq(diesel::dsl::now),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(c)
        .await
        .optional()?
        .ok_or_else(not_found)
}

/// Deletes an endpoint (its deliveries go with it); false when there was none.
pub async fn delete(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<bool> {
    let n = diesel::delete(webhooks::table.find((org, id)))
        .execute(c)
        .await?;
    Ok(n > 0)
}

/// Deletes every endpoint of organisation `org` (their deliveries first), for
/// dropping the whole organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    use crate::db::schema::webhook_deliveries;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(webhooks::table.filter(webhooks::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
