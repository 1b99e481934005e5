//! The feed's refusals as problems.

use super::AppError;
use crate::events::rules::UnknownTypes;

/// A `type` filter naming a type there is none of: 422 on the field.
impl From<UnknownTypes> for AppError {
    fn from(e: UnknownTypes) -> Self {
        AppError::invalid_field("type", "unknown_event_type", e.to_string())
    }
}
