//! People: roles, selling styles, activation, and the caller's own view.

pub mod api;
pub mod dto;
pub mod rules;
pub mod service;
pub mod store;
