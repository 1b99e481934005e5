//! Users use cases: who may do it, the rules, one transaction, the events it emits.

pub mod caller;
pub mod credentials;
pub mod read;
pub mod visibility;
pub mod write;
