//! The webhooks' pure rules: what an endpoint may subscribe to and how its
//! fields are read (`endpoint`), and when a delivery is tried again (`backoff`).

pub mod backoff;
pub mod endpoint;

pub use endpoint::*;
