//! Authentication: signed tokens, passwords, the caller extractor, the token endpoint.

pub mod api;
pub mod callers;
pub mod client_addr;
pub mod dto;
pub mod keys;
pub mod passwords;
pub mod principal;
pub mod rules;
pub mod store;
pub mod throttle;

pub use principal::{Actor, Principal};
pub use rules::{Role, Scope};
pub mod service;
