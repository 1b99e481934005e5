//! Webhooks' refusals as problems.

use super::{AppError, FieldError};
use crate::webhooks::rules::WebhookError;

impl From<WebhookError> for AppError {
    fn from(e: WebhookError) -> Self {
        let detail = e.to_string();
        match e {
            WebhookError::UrlRefused(r) => {
                let mut e = AppError::unprocessable("webhook_url_refused", detail);
                e.errors = vec![FieldError::new(
                    "url",
                    WebhookError::url_code(&r),
                    r.to_string(),
                )];
                e
            }
            WebhookError::Disabled => AppError::conflict("webhook_disabled", detail),
            WebhookError::DeliveryPending => AppError::conflict("delivery_pending", detail),
        }
    }
}
