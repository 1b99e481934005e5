//! Results: the ledger of sales and activities pushed by CRMs, credited to the
//! right person, with the daily rollup that dashboards read.

pub mod api;
pub mod dto;
pub mod dto_ledger;
pub mod order;
pub mod rules;
pub mod service;
pub mod store;
