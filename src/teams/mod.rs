//! Teams: a tree with managers, and dated membership.

pub mod api;
pub mod dto;
pub mod rules;
pub mod service;
pub mod store;
