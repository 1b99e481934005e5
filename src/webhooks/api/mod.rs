//! `/v1/webhooks`: HTTP only. Endpoints (admins and clients with
//! `webhooks:manage`) and their deliveries.

mod deliveries;
mod endpoints;

pub use deliveries::{get_delivery, list_deliveries, redeliver, test};
pub use endpoints::{create, delete_one, get_one, list, patch_one, rotate_secret};
