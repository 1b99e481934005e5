//! Domain events: what a use case did that others react to. A use case appends
//! its events to an [`Outbox`] during its transaction and publishes them (see
//! [`dispatch`]) before the transaction commits: the consumers' work and the
//! event's row in the log (see [`store`], read by the feed in [`service`])
//! commit or roll back with the change that caused them.

pub mod api;
pub mod data;
pub mod dispatch;
pub mod dto;
pub mod rules;
pub mod schema;
pub mod service;
mod store;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::results::rules::Deltas;
use data::{
    AccountConvertedData, AccountCreatedData, AccountTransferredData, PaceChangedData,
    ResultChange, ResultsData, ReviewData, SaleVoidedData, TargetData, TargetEventData, UserData,
    WebhookDisabledData, WebhookTestData,
};
use rules::EventType;

/// Something that happened in an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `results.recorded`: these changes were added to the daily rollup by a
    /// write of `sales` sales and `activities` activities.
    ResultsRecorded {
        org: Uuid,
        deltas: Deltas,
        sales: u32,
        activities: u32,
    },
    /// `target.proposed`.
    TargetProposed { org: Uuid, data: TargetEventData },
    /// `target.agreed`.
    TargetAgreed { org: Uuid, data: TargetEventData },
    /// `target.revised`: `old` was superseded by the new version `new`.
    TargetRevised {
        org: Uuid,
        old: Uuid,
        new: Uuid,
        data: TargetEventData,
    },
    /// `target.cancelled`.
    TargetCancelled { org: Uuid, data: TargetEventData },
    /// `target.achieved`: an agreed target reached its value.
    TargetAchieved { org: Uuid, data: TargetEventData },
    /// `sale.voided`.
    SaleVoided { org: Uuid, data: SaleVoidedData },
    /// `account.created`.
    AccountCreated { org: Uuid, data: AccountCreatedData },
    /// `account.transferred`.
    AccountTransferred {
        org: Uuid,
        data: AccountTransferredData,
    },
    /// `account.converted`: a prospect was won.
    ProspectWon {
        org: Uuid,
        data: AccountConvertedData,
    },
    /// `review.scheduled`.
    ReviewScheduled { org: Uuid, data: ReviewData },
    /// `review.completed`.
    ReviewCompleted { org: Uuid, data: ReviewData },
    /// `user.created`.
    UserCreated { org: Uuid, data: UserData },
    /// `user.deactivated`.
    UserDeactivated { org: Uuid, data: UserData },
    /// `target.pace_changed`.
    TargetPaceChanged { org: Uuid, data: PaceChangedData },
    /// `webhook.test`: sent to one endpoint only, never to the feed.
    WebhookTest { org: Uuid, data: WebhookTestData },
    /// `webhook.disabled`.
    WebhookDisabled {
        org: Uuid,
        data: WebhookDisabledData,
    },
}

/// Whom an event is about, for deciding who may see it: the salespeople, the
/// teams named outright, and the days on which the people's teams count (none:
/// the organisation's today).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    pub people: Vec<Uuid>,
    pub teams: Vec<Uuid>,
    pub days: Option<(NaiveDate, NaiveDate)>,
}

impl Audience {
    fn person(p: Option<Uuid>) -> Self {
        Audience {
            people: p.into_iter().collect(),
            ..Default::default()
        }
    }

    fn of_target(t: &TargetData) -> Self {
        match t.subject_type.as_str() {
            "user" => Audience::person(t.subject_id),
            "team" => Audience {
                teams: t.subject_id.into_iter().collect(),
                ..Default::default()
            },
            _ => Audience::default(),
        }
    }
}

impl Event {
    /// The organisation it happened in.
    pub fn org(&self) -> Uuid {
        match self {
            Event::ResultsRecorded { org, .. }
            | Event::TargetProposed { org, .. }
            | Event::TargetAgreed { org, .. }
            | Event::TargetRevised { org, .. }
            | Event::TargetCancelled { org, .. }
            | Event::TargetAchieved { org, .. }
            | Event::SaleVoided { org, .. }
            | Event::AccountCreated { org, .. }
            | Event::AccountTransferred { org, .. }
            | Event::ProspectWon { org, .. }
            | Event::ReviewScheduled { org, .. }
            | Event::ReviewCompleted { org, .. }
            | Event::UserCreated { org, .. }
            | Event::UserDeactivated { org, .. }
            | Event::TargetPaceChanged { org, .. }
            | Event::WebhookTest { org, .. }
            | Event::WebhookDisabled { org, .. } => *org,
        }
    }

    /// Its type.
    pub fn kind(&self) -> EventType {
        match self {
            Event::ResultsRecorded { .. } => EventType::ResultsRecorded,
            Event::TargetProposed { .. } => EventType::TargetProposed,
            Event::TargetAgreed { .. } => EventType::TargetAgreed,
            Event::TargetRevised { .. } => EventType::TargetRevised,
            Event::TargetCancelled { .. } => EventType::TargetCancelled,
            Event::TargetAchieved { .. } => EventType::TargetAchieved,
            Event::SaleVoided { .. } => EventType::SaleVoided,
            Event::AccountCreated { .. } => EventType::AccountCreated,
            Event::AccountTransferred { .. } => EventType::AccountTransferred,
            Event::ProspectWon { .. } => EventType::AccountConverted,
            Event::ReviewScheduled { .. } => EventType::ReviewScheduled,
            Event::ReviewCompleted { .. } => EventType::ReviewCompleted,
            Event::UserCreated { .. } => EventType::UserCreated,
            Event::UserDeactivated { .. } => EventType::UserDeactivated,
            Event::TargetPaceChanged { .. } => EventType::TargetPaceChanged,
            Event::WebhookTest { .. } => EventType::WebhookTest,
            Event::WebhookDisabled { .. } => EventType::WebhookDisabled,
        }
    }

    /// Its `data`, as the log keeps it and the feed hands it out.
    pub fn data(&self) -> serde_json::Value {
        let value = match self {
            Event::ResultsRecorded {
                deltas,
                sales,
                activities,
                ..
            } => serde_json::to_value(results_data(deltas, *sales, *activities)),
            Event::TargetProposed { data, .. }
            | Event::TargetAgreed { data, .. }
            | Event::TargetRevised { data, .. }
            | Event::TargetCancelled { data, .. }
            | Event::TargetAchieved { data, .. } => serde_json::to_value(data),
            Event::SaleVoided { data, .. } => serde_json::to_value(data),
            Event::AccountCreated { data, .. } => serde_json::to_value(data),
            Event::AccountTransferred { data, .. } => serde_json::to_value(data),
            Event::ProspectWon { data, .. } => serde_json::to_value(data),
            Event::ReviewScheduled { data, .. } | Event::ReviewCompleted { data, .. } => {
                serde_json::to_value(data)
            }
            Event::UserCreated { data, .. } | Event::UserDeactivated { data, .. } => {
                serde_json::to_value(data)
            }
            Event::TargetPaceChanged { data, .. } => serde_json::to_value(data),
            Event::WebhookTest { data, .. } => serde_json::to_value(data),
            Event::WebhookDisabled { data, .. } => serde_json::to_value(data),
        };
        value.expect("event data serialises to JSON")
    }

    /// Whom it is about.
    pub fn audience(&self) -> Audience {
        match self {
            Event::ResultsRecorded { deltas, .. } => {
                let d = results_data(deltas, 0, 0);
                Audience {
                    days: d.days.first().zip(d.days.last()).map(|(a, b)| (*a, *b)),
                    people: d.people,
                    teams: Vec::new(),
                }
            }
            Event::TargetProposed { data, .. }
            | Event::TargetAgreed { data, .. }
            | Event::TargetRevised { data, .. }
            | Event::TargetCancelled { data, .. }
            | Event::TargetAchieved { data, .. } => Audience::of_target(&data.target),
            Event::SaleVoided { data, .. } => Audience {
                people: data.credits.iter().map(|c| c.salesperson_id).collect(),
                teams: Vec::new(),
                days: Some((data.occurred_on, data.occurred_on)),
            },
            Event::AccountCreated { data, .. } => Audience::person(Some(data.owner_id)),
            Event::AccountTransferred { data, .. } => Audience {
                people: vec![data.previous_owner_id, data.new_owner_id],
                teams: Vec::new(),
                days: Some((data.effective_on, data.effective_on)),
            },
            Event::ProspectWon { data, .. } => Audience {
                people: vec![data.won_by],
                teams: Vec::new(),
                days: Some((data.converted_on, data.converted_on)),
            },
            Event::ReviewScheduled { data, .. } | Event::ReviewCompleted { data, .. } => Audience {
                people: data.salesperson_id.into_iter().collect(),
                teams: data.team_id.into_iter().collect(),
                days: None,
            },
            Event::UserCreated { data, .. } | Event::UserDeactivated { data, .. } => {
                Audience::person(Some(data.user_id))
            }
            Event::TargetPaceChanged { data, .. } => Audience {
                days: Some((data.progress.as_of, data.progress.as_of)),
                ..Audience::of_target(&data.target)
            },
            // About the organisation's set-up: those who see everything.
            Event::WebhookTest { .. } | Event::WebhookDisabled { .. } => Audience::default(),
        }
    }
}

/// The data of `results.recorded` for these changes.
fn results_data(deltas: &Deltas, sales: u32, activities: u32) -> ResultsData {
    let mut d = ResultsData {
        sales,
        activities,
        people: Vec::new(),
        days: Vec::new(),
        totals: Default::default(),
        changes: Vec::new(),
    };
    for ((who, metric, day), amount) in deltas.changes() {
        if !d.people.contains(who) {
            d.people.push(*who);
        }
        if !d.days.contains(day) {
            d.days.push(*day);
        }
        *d.totals.entry(metric.clone()).or_default() += *amount;
        d.changes.push(ResultChange {
            salesperson_id: *who,
            metric: metric.clone(),
            day: *day,
            amount: *amount,
        });
    }
    d.people.sort();
    d.days.sort();
    d
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
    use rust_decimal::Decimal;

    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn an_outbox_hands_its_events_over_once_in_order() {
        let org = Uuid::from_u128(1);
        let mut outbox = Outbox::default();
        assert!(outbox.is_empty());
        outbox.push(Event::UserDeactivated {
            org,
            data: UserData {
                user_id: Uuid::from_u128(2),
                name: "Ana".into(),
                role: "salesperson".into(),
                active: false,
            },
        });
        outbox.push(Event::ResultsRecorded {
            org,
            deltas: Deltas::default(),
            sales: 0,
            activities: 0,
        });
        assert!(!outbox.is_empty());
        let events = outbox.take();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].kind(), EventType::UserDeactivated);
        assert_eq!(events[1].kind(), EventType::ResultsRecorded);
        assert!(outbox.is_empty());
        assert!(outbox.take().is_empty());
    }

    #[test]
    fn results_recorded_sums_its_changes_per_metric() {
        let (a, b) = (Uuid::from_u128(7), Uuid::from_u128(8));
        let mut deltas = Deltas::default();
        deltas.add(a, "revenue", day(3), Decimal::new(10000, 2));
        deltas.add(b, "revenue", day(2), Decimal::new(2550, 2));
        deltas.add(a, "gross_profit", day(3), Decimal::new(4000, 2));
        let event = Event::ResultsRecorded {
            org: Uuid::from_u128(1),
            deltas,
            sales: 2,
            activities: 0,
        };
        let data = event.data();
        // revenue 100.00 + 25.50 = 125.50; gross profit 40.00
        assert_eq!(data["totals"]["revenue"], serde_json::json!("125.50"));
        assert_eq!(data["totals"]["gross_profit"], serde_json::json!("40.00"));
        assert_eq!(data["sales"], serde_json::json!(2));
        assert_eq!(data["changes"].as_array().unwrap().len(), 3);
        let who = event.audience();
        assert_eq!(who.people, vec![a, b]);
        assert_eq!(who.days, Some((day(2), day(3))));
    }
}
