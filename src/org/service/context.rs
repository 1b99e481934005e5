//! The caller's organisation with its calendar, for reads.

use super::super::context::OrgContext;
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::AppResult;

/// The caller's organisation with its calendar, working week and today: as read
/// with the caller when it was (no connection taken then).
pub async fn for_caller(pool: &PgPool, p: &Principal) -> AppResult<OrgContext> {
    match OrgContext::with_caller(p) {
        Some(ctx) => ctx,
        None => db::run(pool, async |c| OrgContext::load(c, p.org_id).await).await,
    }
}
