//! The webhooks' use cases.

pub mod fanout;
