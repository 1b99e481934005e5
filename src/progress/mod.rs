//! Progress: where a target stands and what it takes from here; scorecards,
//! series for charts, and the milestones noticed on the way.

pub mod api;
pub mod dto;
pub mod milestones;
pub mod rules;
pub mod service;
pub mod store;
