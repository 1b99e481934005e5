//! Progress: where a target stands and what it takes from here.

pub mod api;
pub mod rules;
