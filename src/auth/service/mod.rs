//! Auth use cases: who may do it, the rules, one transaction, the events it emits.

pub mod attempts;
pub mod grants;
pub mod password;
pub mod sessions;
pub mod tokens;
