//! The webhooks' use cases.

pub mod deliver;
pub mod fanout;
