//! Auth use cases: who may do it, the rules, one transaction, the events it emits.
pub mod sessions;
