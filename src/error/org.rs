//! The organisation's refusals as problems.

use super::AppError;
use crate::org::rules::OrgError;

impl From<OrgError> for AppError {
    fn from(e: OrgError) -> Self {
        let detail = e.to_string();
        match e {
            OrgError::CurrencyLocked => AppError::conflict("currency_locked", detail),
        }
    }
}
