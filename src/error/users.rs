//! People's refusals as problems.

use actix_web::http::StatusCode;

use super::AppError;
use crate::users::rules::UserError;

impl From<UserError> for AppError {
    fn from(e: UserError) -> Self {
        let detail = e.to_string();
        match e {
            UserError::Deactivated => AppError::new(StatusCode::GONE, "user_deactivated", detail),
            UserError::OwnAdmin => AppError::conflict("cannot_change_own_admin", detail),
            UserError::NotAllowed => AppError::forbidden(detail),
            UserError::EmailTaken => AppError::conflict("email_taken", detail),
            UserError::Invalid(invalid) => invalid.into(),
        }
    }
}
