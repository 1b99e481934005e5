//! Reviews: one-to-ones and team reviews that inspect results against target,
//! record successes, hurdles, strategies, actions and updates, freeze what was
//! reviewed, and carry open actions and hurdles into the next review.

pub mod api;
pub mod dto;
pub mod rules;
pub mod service;
pub mod store;
