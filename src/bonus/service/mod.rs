//! Bonus use cases: who may do it, the rules, one transaction, the events it emits.

pub mod earnings;
pub mod plans;

use diesel_async::AsyncPgConnection;

use crate::error::AppResult;
use crate::events::Event;

/// Follows what other resources did: a revised target's bonus plans (those it
/// pays on, and those it gates) follow its new version.
pub async fn consume(c: &mut AsyncPgConnection, event: &Event) -> AppResult<()> {
    match event {
        Event::TargetRevised { org, old, new, .. } => {
            super::store::follow_revision(c, *org, *old, *new).await
        }
        _ => Ok(()),
    }
}

/// Drops every row this resource keeps for organisation `org`, in the caller's
/// transaction: for dropping the whole organisation (`onpace demo --reset`).
pub async fn purge_org(
    c: &mut diesel_async::AsyncPgConnection,
    org: uuid::Uuid,
) -> crate::error::AppResult<()> {
    crate::bonus::store::purge_org(c, org).await
}
