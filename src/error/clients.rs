//! Integration clients' refusals as problems.

use actix_web::http::StatusCode;

use super::AppError;
use crate::clients::rules::ClientError;

impl From<ClientError> for AppError {
    fn from(e: ClientError) -> Self {
        let detail = e.to_string();
        match e {
            ClientError::Deactivated => {
                AppError::new(StatusCode::GONE, "client_deactivated", detail)
            }
            ClientError::NameTaken => AppError::conflict("client_name_taken", detail),
        }
    }
}
