//! Every failure a client can see, as RFC 9457 `application/problem+json` with a stable `code`.
//! The one place where a domain error (a rules error type) becomes an HTTP status
//! and a problem code: `From` for each, in a file per resource.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::validation::{FieldError, Invalid, Validator};

mod bonus;
mod clients;
mod events;
mod org;
mod targets;
mod teams;
mod users;
mod webhooks;

// Each resource's typed rule errors become a status and a problem code here,
// one file per resource, and nowhere else.
mod accounts;
mod reviews;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation_failed")]
    pub kind: String,
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// Present on validation errors: each invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<FieldError>,
}

/// The error type of every handler.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u64>,
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl std::error::Error for AppError {}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        AppError {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }
    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }
    /// Not found, or not visible to the caller: the two are never told apart.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }
    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }
    /// 422 with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            detail,
        );
        e.errors = errors;
        e
    }
    /// One invalid field.
    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }
    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "version_mismatch",
            "the object changed since it was read: fetch it again and retry with its new ETag",
        )
    }
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database cannot be reached; retry shortly",
        )
    }
    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed attempts; retry in {retry_after} seconds"),
        );
        e.retry_after = Some(retry_after);
        e
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "an unexpected error occurred; it has been logged",
        )
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("/problems/{}", self.code),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            errors: self.errors.clone(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type(PROBLEM_JSON);
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((
                header::WWW_AUTHENTICATE,
                format!(
                    "Bearer realm=\"onpace\", error=\"{}\"",
                    if self.code == "missing_token" {
                        "invalid_request"
                    } else {
                        "invalid_token"
                    }
                ),
            ));
        }
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match &e {
            E::NotFound => AppError::not_found("object"),
            E::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _) => {
                AppError::unavailable()
            }
            E::DatabaseError(K::UniqueViolation, _) => {
                AppError::conflict("conflict", "an object with the same unique values exists")
            }
            E::DatabaseError(K::SerializationFailure, _) => AppError::conflict(
                "concurrent_update",
                "another request changed the same data at the same time; retry",
            ),
            E::DatabaseError(_, info) if crate::db::pool::is_connection_message(info.message()) => {
                AppError::unavailable()
            }
            E::DatabaseError(_, info) if info.message().contains("deadlock detected") => {
                AppError::conflict(
                    "concurrent_update",
                    "another request changed the same data at the same time; retry",
                )
            }
            // Rules in handlers refuse these first; the database is the last line.
            E::DatabaseError(K::ForeignKeyViolation, _) => AppError::unprocessable(
                "invalid_reference",
                "the request refers to something that does not exist in this organisation",
            ),
            E::DatabaseError(K::CheckViolation | K::NotNullViolation, _) => {
                AppError::unprocessable(
                    "invalid_value",
                    "a value is outside what the service can store",
                )
            }
            E::DatabaseError(K::ExclusionViolation, _) => AppError::conflict(
                "conflict",
                "this would overlap a dated period that exists already",
            ),
            E::DatabaseError(_, info)
                if info.message().contains("out of range")
                    || info.message().contains("numeric field overflow") =>
            {
                AppError::unprocessable(
                    "value_out_of_range",
                    "a value (a date or a number) is outside the range the service can store",
                )
            }
            _ => AppError::internal(e),
        }
    }
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::validation(e.errors)
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_body_has_the_rfc_9457_members() {
        let p = AppError::conflict("email_taken", "taken").problem();
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["type"], "/problems/email_taken");
        assert_eq!(v["title"], "Conflict");
        assert_eq!(v["status"], 409);
        assert_eq!(v["code"], "email_taken");
        assert!(v.get("errors").is_none());
    }
}
