//! Org use cases: who may do it, the rules, one transaction, the events it emits.

pub mod bootstrap;
pub mod settings;
pub mod today;
