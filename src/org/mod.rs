//! The organisation: name, reporting currency, calendar settings.

pub mod api;
pub mod context;
pub mod dto;
pub mod rules;
pub mod service;
pub mod store;
