//! Teams use cases: who may do it, the rules, one transaction, the events it emits.
pub mod lookups;

pub mod for_reviews;

pub mod membership;
pub mod read;
pub mod visibility;
pub mod write;
