//! Teams use cases: who may do it, the rules, one transaction, the events it emits.

pub mod membership;
pub mod read;
pub mod visibility;
pub mod write;
