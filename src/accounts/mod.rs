//! Accounts: customers (farmers) and prospects (hunters), each with one owner and a
//! dated ownership history; conversion; CRM sync.

pub mod api;
pub mod dto;
pub mod dto_splits;
pub mod rules;
pub mod service;
pub mod store;
