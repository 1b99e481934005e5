//! Targets: SMART, agreed, linked to the plan above them, with their history.

pub mod agreement;
pub mod api;
pub mod duties;
pub mod rules;
pub mod store;

crate::openapi::string_enum!(
    rules::Status,
    "TargetStatus",
    "Where a target is in its life."
);
pub mod service;
