//! The organisation's refusals as problems.

use super::AppError;
use crate::org::rules::{OrgError, UnknownTimezone};

impl From<OrgError> for AppError {
    fn from(e: OrgError) -> Self {
        let detail = e.to_string();
        match e {
            OrgError::CurrencyLocked => AppError::conflict("currency_locked", detail),
        }
    }
}

/// A stored time zone that does not read is the service's fault: a 500.
impl From<UnknownTimezone> for AppError {
    fn from(e: UnknownTimezone) -> Self {
        AppError::internal(e)
    }
}
