//! Webhooks: endpoints an organisation registers to be told of its events,
//! signed as Standard Webhooks (standardwebhooks.com) says, and delivered by a
//! worker from rows (see `store`), never from memory. `/v1/webhooks` manages
//! them (admins, and clients with the `webhooks:manage` scope).

pub mod api;
pub mod dto;
pub mod guard;
pub mod rules;
pub mod secret;
pub mod service;
mod store;
pub mod worker;
