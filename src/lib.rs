//! onpace: sales targets that people are accountable for.
//!
//! The library builds the whole application; `main.rs` is a thin command line on top.

pub mod accounts;
pub mod auth;
pub mod bonus;
pub mod calendar;
pub mod cli;
pub mod clients;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod extract;
pub mod health;
pub mod http;
pub mod idempotency;
#[cfg(test)]
mod layers;
pub mod memory;
pub mod metrics;
pub mod openapi;
pub mod org;
pub mod progress;
pub mod remembered;
pub mod results;
pub mod reviews;
pub mod server;
pub mod state;
pub mod targets;
pub mod teams;
pub mod users;
pub mod validation;
pub mod values;
pub mod webhooks;

pub use config::Config;
pub use server::build_app;
pub use state::AppState;
pub use values::{Amount, IsoDate};

/// Structured logs: JSON lines when not on a terminal, readable lines on one.
pub fn init_logging() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ONPACE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
        let _ = builder.compact().try_init();
    } else {
        let _ = builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init();
    }
}
