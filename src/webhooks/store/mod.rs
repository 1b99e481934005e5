//! The webhooks' tables: `webhooks` and `webhook_deliveries`.

pub mod deliveries;
pub mod endpoints;
pub mod fanout;
pub mod log;
