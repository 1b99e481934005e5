//! The webhooks' pure rules.

pub mod backoff;
