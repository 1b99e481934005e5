//! Accounts use cases: who may do it (through the pure rules), the checks, one
//! transaction, and the events they publish before it commits.

mod access;
mod conversion;
mod create;
mod reads;
mod splits;
mod sync;
mod transfer;
mod update;

pub use access::{get_visible, require_reader, require_sync, require_writer};
pub use conversion::{convert, convert_on, reject_conversion};
pub use create::{create, create_on};
pub use reads::{by_id, get, list, list_on, owner_history};
pub use splits::{
    add as add_split_rule, add_rule_on as add_split_rule_on, get as split_rule,
    list as split_rules, remove as remove_split_rule,
};
pub use sync::{batch, check_batch, put_external, ItemError, MAX_BATCH};
pub use transfer::{request_transfer, request_transfer_on, transfer};
pub use update::{patch, patch_on, update};

/// Drops every row this resource keeps for organisation `org`, in the caller's
/// transaction: for dropping the whole organisation (`onpace demo --reset`).
pub async fn purge_org(
    c: &mut diesel_async::AsyncPgConnection,
    org: uuid::Uuid,
) -> crate::error::AppResult<()> {
    crate::accounts::store::purge_org(c, org).await
}
