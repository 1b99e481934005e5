//! Target rule errors as problems.

use actix_web::http::StatusCode;

use super::AppError;
use crate::targets::rules::{AllocationError, DutyError, TargetInvalid, TransitionError};

impl From<TransitionError> for AppError {
    fn from(e: TransitionError) -> Self {
        AppError::conflict("invalid_transition", e.to_string())
    }
}

impl From<DutyError> for AppError {
    fn from(e: DutyError) -> Self {
        let code = match e {
            DutyError::OwnTarget | DutyError::ShapedIt { team: false } => "own_target",
            DutyError::ManagesTeam | DutyError::InTeam | DutyError::ShapedIt { team: true } => {
                "own_team"
            }
            DutyError::NotSetter | DutyError::NotAgreer(_) => "forbidden",
        };
        AppError::new(StatusCode::FORBIDDEN, code, e.to_string())
    }
}

/// 422 with every invalid field; the problem's `code` names the broken rule
/// when there is one, and its detail is that rule's first message.
impl From<TargetInvalid> for AppError {
    fn from(e: TargetInvalid) -> Self {
        let rule = e.rule().map(|(code, message)| (code, message.to_string()));
        let mut out = AppError::validation(e.0.errors);
        if let Some((code, detail)) = rule {
            out.code = code;
            out.detail = detail;
        }
        out
    }
}

impl From<AllocationError> for AppError {
    fn from(e: AllocationError) -> Self {
        match e {
            AllocationError::PersonsTarget => AppError::conflict("not_allocatable", e.to_string()),
        }
    }
}
