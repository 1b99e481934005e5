//! The webhooks' use cases.

pub mod access;
pub mod deliver;
pub mod deliveries_log;
pub mod fanout;
pub mod manage;

/// Drops every row this resource keeps for organisation `org` (deliveries,
/// then endpoints), in the caller's transaction: for dropping the whole
/// organisation (`onpace demo --reset`).
pub async fn purge_org(
    c: &mut diesel_async::AsyncPgConnection,
    org: uuid::Uuid,
) -> crate::error::AppResult<()> {
    crate::webhooks::store::endpoints::purge_org(c, org).await
}
