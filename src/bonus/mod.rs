//! Bonus plans: tiers on a revenue or gross-profit target, with an optional gate.

pub mod api;
pub mod dto;
pub mod rules;
pub mod service;
pub mod store;
