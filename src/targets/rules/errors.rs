//! What the target rules refuse, by family; `crate::error::targets` gives each
//! its status and problem code.

use super::{Action, Status, SubjectType};
use crate::validation::{FieldError, Invalid};

/// A workflow step the target's status does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {} target cannot be {}{}", from.as_str(), action.verb(), self.hint())]
pub struct TransitionError {
    pub from: Status,
    pub action: Action,
}

impl TransitionError {
    fn hint(&self) -> &'static str {
        match (self.from, self.action) {
            (Status::Agreed, Action::Edit) => "; revise it instead",
            (Status::Draft, Action::Agree) => "; propose it first",
            (Status::Draft, Action::Revise) => "; edit the draft instead",
            _ => "",
        }
    }
}

/// Segregation of duties: who may not set, change or agree a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DutyError {
    /// The caller is the target's subject.
    #[error(
        "nobody sets, changes, proposes or cancels their own target: that is for their manager or \
         an admin; you agree it"
    )]
    OwnTarget,
    /// The caller manages the team.
    #[error(
        "nobody sets, changes, proposes or cancels the target of a team they manage: that is for \
         the manager of the team above or an admin; the team's manager agrees it"
    )]
    ManagesTeam,
    /// The caller belongs to the team or a team below it.
    #[error(
        "nobody sets, changes, proposes or cancels the target of a team they belong to, or of a \
         team above theirs where their results count: that is for the manager of the team above \
         or an admin"
    )]
    InTeam,
    /// The caller does not set targets on this subject.
    #[error(
        "targets are set by an admin, or by the manager of the person's team or of the team above"
    )]
    NotSetter,
    /// The caller set, changed or proposed the version to agree (on a team's
    /// target when `team`).
    #[error(
        "nobody agrees a target they set, changed or proposed: the one accountable for it agrees \
         it (another admin where an admin agrees)"
    )]
    ShapedIt { team: bool },
    /// The caller is not the one who agrees a target on this kind of subject.
    #[error("{}", not_agreer(*.0))]
    NotAgreer(SubjectType),
}

fn not_agreer(subject: SubjectType) -> &'static str {
    match subject {
        SubjectType::User => "only the person whose target it is agrees it",
        SubjectType::Team => {
            "the team's manager agrees a team target (for a sub-team without one, the manager \
             above it; an admin when there is none)"
        }
        SubjectType::Org => "an admin agrees an organisation target",
    }
}

/// A target (or something linked to one) that breaks the rules: every invalid
/// field, and the problem's code names the first broken rule there is.
#[derive(Debug, thiserror::Error)]
#[error("{} fields are invalid", .0.errors.len())]
pub struct TargetInvalid(pub Invalid);

impl From<Invalid> for TargetInvalid {
    fn from(e: Invalid) -> Self {
        TargetInvalid(e)
    }
}

impl TargetInvalid {
    /// Codes that name the rule a target broke; the first one found becomes
    /// the problem's `code`.
    pub const RULE_CODES: [&'static str; 10] = [
        "bonus_not_financial",
        "unknown_metric",
        "metric_not_in_remit",
        "value_not_positive",
        "unknown_period",
        "period_ends_before_start",
        "currency_mismatch",
        "account_not_owned",
        "invalid_parent",
        "subject_not_found",
    ];

    pub fn field(e: FieldError) -> Self {
        TargetInvalid(Invalid { errors: vec![e] })
    }

    /// The first rule broken, if any: its code and the first message under it.
    pub fn rule(&self) -> Option<(&'static str, &str)> {
        let errors = &self.0.errors;
        let code = errors
            .iter()
            .find_map(|f| Self::RULE_CODES.iter().find(|c| **c == f.code).copied())?;
        let first = errors.iter().find(|f| f.code == code)?;
        Some((code, &first.message))
    }
}

/// Allocation is asked of a target that has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    #[error("only team and organisation targets are allocated to the targets below them")]
    PersonsTarget,
}
