//! Accounts' refusals as statuses and problem codes.

use actix_web::http::StatusCode;

use super::AppError;
use crate::accounts::rules::{AccountRefusal, ConversionRefusal, TransferRefusal};

impl From<AccountRefusal> for AppError {
    fn from(e: AccountRefusal) -> Self {
        use AccountRefusal as R;
        let (status, code) = match e {
            R::SyncIsForIntegrations | R::ExternalIdsAreForIntegrations => {
                (StatusCode::FORBIDDEN, "integration_only")
            }
            R::Backdated { .. } => (StatusCode::FORBIDDEN, "no_backdating"),
            R::NotAProspect => (StatusCode::CONFLICT, "not_a_prospect"),
            R::ExternalIdTaken => (StatusCode::CONFLICT, "external_id_taken"),
            R::ViewerCannotChange
            | R::ClientCannotChange
            | R::SyncNotAllowed
            | R::TransferOutsideTeams
            | R::TransferNotAllowed
            | R::OthersAccount
            | R::RecordedConversionHandsOver => (StatusCode::FORBIDDEN, "forbidden"),
        };
        AppError::new(status, code, e.to_string())
    }
}

impl From<ConversionRefusal> for AppError {
    fn from(e: ConversionRefusal) -> Self {
        match e {
            ConversionRefusal::AlreadyPending | ConversionRefusal::NothingPending => {
                AppError::conflict("invalid_transition", e.to_string())
            }
            ConversionRefusal::NotTheirs => AppError::forbidden(e.to_string()),
        }
    }
}

/// A transfer request's own refusal (`new_owner_id`, `effective_on`); other
/// requests name their fields with [`TransferRefusal::field_error_as`].
impl From<TransferRefusal> for AppError {
    fn from(e: TransferRefusal) -> Self {
        AppError::validation(vec![e.field_error()])
    }
}
