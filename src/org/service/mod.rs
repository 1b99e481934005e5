//! Org use cases: who may do it, the rules, one transaction, the events it emits.

pub mod bootstrap;
pub mod context;
pub mod settings;
pub mod today;
