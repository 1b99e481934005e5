//! Targets: SMART, agreed, linked to the plan above them, with their history.

pub mod api;
pub mod dto;
pub mod rules;
pub mod service;
pub mod store;
