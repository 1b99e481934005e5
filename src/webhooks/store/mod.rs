//! The webhooks' tables: `webhooks` and `webhook_deliveries`.

pub mod fanout;
