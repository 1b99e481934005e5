//! The integration tests: the real application, in-process, each test on a
//! database of its own. One module per resource; `support` holds what they share.

mod support;

mod accounts;
mod auth;
mod bonus_plans;
mod cli;
mod clients;
mod demo;
mod empty_patches;
mod events;
mod harness;
mod instances;
mod metrics;
mod openapi;
mod operations;
mod org;
mod pace;
mod periods;
mod progress;
mod progress_months;
mod replica;
mod results;
mod reviews;
mod scorecards;
mod strict_input;
mod targets;
mod teams;
mod tenancy;
mod users;
mod walkthrough;
mod webhooks;
mod webhooks_delivery;
