//! Who manages webhooks: admins, and integration clients with the
//! `webhooks:manage` scope. Nobody else sees them (their URLs and deliveries
//! say where the organisation's data goes).

use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult};

/// Refuses (403) anyone but an admin or a client with `webhooks:manage`.
pub fn require_manager(p: &Principal) -> AppResult<()> {
    if p.is_admin() || p.has_scope(Scope::WebhooksManage) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only admins and clients with the webhooks:manage scope manage webhooks",
        ))
    }
}
