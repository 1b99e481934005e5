//! Domain events: what a use case did that others react to. A use case appends
//! its events to an [`Outbox`] during its transaction and publishes them (see
//! [`dispatch`]) before the transaction commits, so a consumer's work commits
//! or rolls back with the change that caused it.

pub mod dispatch;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::results::rules::Deltas;

/// Something that happened in an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `results.recorded`: these changes were added to the daily rollup.
    ResultsRecorded { org: Uuid, deltas: Deltas },
    /// `target.agreed`: the target was agreed.
    TargetAgreed { org: Uuid, target: Uuid },
    /// `target.revised`: `old` was superseded by the new version `new`.
    TargetRevised { org: Uuid, old: Uuid, new: Uuid },
    /// `prospect.won`: a prospect was converted, won by `won_by` on `on`.
    ProspectWon {
        org: Uuid,
        account: Uuid,
        name: String,
        won_by: Uuid,
        on: NaiveDate,
    },
}

/// The events a transaction has appended, in order.
#[derive(Debug, Default)]
pub struct Outbox(Vec<Event>);

impl Outbox {
    pub fn push(&mut self, event: Event) {
        self.0.push(event);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The events, oldest first, leaving the outbox empty.
    pub fn take(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outbox_hands_its_events_over_once_in_order() {
        let org = Uuid::from_u128(1);
        let mut outbox = Outbox::default();
        assert!(outbox.is_empty());
        outbox.push(Event::TargetAgreed {
            org,
            target: Uuid::from_u128(2),
        });
        outbox.push(Event::ResultsRecorded {
            org,
            deltas: Deltas::default(),
        });
        assert!(!outbox.is_empty());
        let events = outbox.take();
        assert_eq!(events.len(), 2);
        assert!(
            matches!(events[0], Event::TargetAgreed { target, .. } if target == Uuid::from_u128(2))
        );
        assert!(matches!(events[1], Event::ResultsRecorded { .. }));
        assert!(outbox.is_empty());
        assert!(outbox.take().is_empty());
    }
}
