//! The event types the log holds, by their names in the contract.

/// The type of an event, `target.agreed` and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    TargetProposed,
    TargetAgreed,
    TargetRevised,
    TargetCancelled,
    TargetAchieved,
    ResultsRecorded,
    SaleVoided,
    AccountCreated,
    AccountTransferred,
    AccountConverted,
    ReviewScheduled,
    ReviewCompleted,
    UserCreated,
    UserDeactivated,
}

impl EventType {
    /// Every type, in the contract's order.
    pub const ALL: [EventType; 14] = [
        Self::TargetProposed,
        Self::TargetAgreed,
        Self::TargetRevised,
        Self::TargetCancelled,
        Self::TargetAchieved,
        Self::ResultsRecorded,
        Self::SaleVoided,
        Self::AccountCreated,
        Self::AccountTransferred,
        Self::AccountConverted,
        Self::ReviewScheduled,
        Self::ReviewCompleted,
        Self::UserCreated,
        Self::UserDeactivated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TargetProposed => "target.proposed",
            Self::TargetAgreed => "target.agreed",
            Self::TargetRevised => "target.revised",
            Self::TargetCancelled => "target.cancelled",
            Self::TargetAchieved => "target.achieved",
            Self::ResultsRecorded => "results.recorded",
            Self::SaleVoided => "sale.voided",
            Self::AccountCreated => "account.created",
            Self::AccountTransferred => "account.transferred",
            Self::AccountConverted => "account.converted",
            Self::ReviewScheduled => "review.scheduled",
            Self::ReviewCompleted => "review.completed",
            Self::UserCreated => "user.created",
            Self::UserDeactivated => "user.deactivated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Why a `type` filter was refused: the names it did not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type(s): {}", .0.join(", "))]
pub struct UnknownTypes(pub Vec<String>);

/// The types of a `type` filter: a comma-separated list of names (blanks
/// around names ignored, repeats once). Empty means every type.
pub fn parse_types(list: &str) -> Result<Vec<EventType>, UnknownTypes> {
    let mut types = Vec::new();
    let mut unknown = Vec::new();
    for name in list.split(',').map(str::trim) {
        match EventType::parse(name) {
            Some(t) if !types.contains(&t) => types.push(t),
            Some(_) => {}
            None => unknown.push(name.chars().take(60).collect()),
        }
    }
    if unknown.is_empty() {
        Ok(types)
    } else {
        Err(UnknownTypes(unknown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_reads_back_from_its_name() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("target.pace_changed"), None);
    }

    #[test]
    fn a_type_filter_is_a_comma_list_of_known_names() {
        assert_eq!(
            parse_types("target.agreed, sale.voided,target.agreed"),
            Ok(vec![EventType::TargetAgreed, EventType::SaleVoided])
        );
        assert_eq!(
            parse_types("target.agreed,nope,"),
            Err(UnknownTypes(vec!["nope".into(), String::new()]))
        );
    }
}
