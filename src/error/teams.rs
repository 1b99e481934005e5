//! Teams' refusals as problems.

use actix_web::http::StatusCode;

use super::AppError;
use crate::teams::rules::TeamError;

impl From<TeamError> for AppError {
    fn from(e: TeamError) -> Self {
        let detail = e.to_string();
        match e {
            TeamError::HasTargets => AppError::conflict("team_has_targets", detail),
            TeamError::HasSubteams => AppError::conflict("team_has_subteams", detail),
            TeamError::NotItsManager | TeamError::MoveFromUnmanaged => AppError::forbidden(detail),
            TeamError::OwnTeam => AppError::new(StatusCode::FORBIDDEN, "own_team", detail),
            TeamError::UserInactive => AppError::unprocessable("user_inactive", detail),
            TeamError::Overlap => AppError::conflict("membership_overlap", detail),
            TeamError::NoSuchUser => AppError::not_found("user"),
            TeamError::NoOpenMembership => AppError::not_found("open membership"),
            TeamError::NoSuchMembership => AppError::not_found("membership"),
            TeamError::Invalid(invalid) => invalid.into(),
        }
    }
}
