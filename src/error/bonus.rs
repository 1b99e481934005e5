//! Bonus plans' refusals as problems.

use actix_web::http::StatusCode;

use super::AppError;
use crate::bonus::rules::{BonusError, RULE_CODES};

impl From<BonusError> for AppError {
    fn from(e: BonusError) -> Self {
        match e {
            BonusError::AdminsOnly => {
                AppError::new(StatusCode::FORBIDDEN, "admins_only", e.to_string())
            }
            BonusError::Refused(invalid) => {
                let rule = invalid
                    .errors
                    .iter()
                    .find_map(|f| RULE_CODES.iter().find(|c| **c == f.code).copied());
                let mut e = AppError::validation(invalid.errors);
                if let Some(code) = rule {
                    e.code = code;
                    if let Some(first) = e.errors.iter().find(|f| f.code == code) {
                        e.detail = first.message.clone();
                    }
                }
                e
            }
        }
    }
}
