//! Integration clients: CRM connectors and dashboards with scopes.

pub mod api;
pub mod dto;
pub mod rules;
pub mod service;
pub mod store;
