//! Webhooks: endpoints an organisation registers to be told of its events,
//! signed as Standard Webhooks (standardwebhooks.com) says, and delivered by a
//! worker from rows (see `store`), never from memory.

pub mod guard;
pub mod rules;
pub mod secret;
pub mod service;
mod store;
pub mod worker;
