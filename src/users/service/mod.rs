//! Users use cases: who may do it, the rules, one transaction, the events it emits.

pub mod caller;
pub mod credentials;
pub mod read;
pub mod visibility;
pub mod write;

/// Drops every row this resource keeps for organisation `org`, in the caller's
/// transaction: for dropping the whole organisation (`onpace demo --reset`).
pub async fn purge_org(
    c: &mut diesel_async::AsyncPgConnection,
    org: uuid::Uuid,
) -> crate::error::AppResult<()> {
    crate::users::store::purge_org(c, org).await
}
