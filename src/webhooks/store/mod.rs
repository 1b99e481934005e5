//! The webhooks' tables: `webhooks` and `webhook_deliveries`.

pub mod deliveries;
pub mod fanout;
