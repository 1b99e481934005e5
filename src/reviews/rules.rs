//! Review rules: who a review is about, what each kind of item carries, who may
//! do what, the review's state, and which items an agenda carries forward.
//! Pure: no HTTP, no SQL. Who may do what, and the state a review must be
//! in, are in `access`.

mod access;
mod when;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use access::{
    capacity, closed_status, may_add, may_change, may_change_items, may_edit_fields, may_schedule,
    may_step, require_scheduled, Capacity, ItemConflict, Refused, ReviewClosed,
};
pub use when::{local_day, start_of_day, When, WHEN_EXPECTED};

use crate::validation::{FieldError, Validator};

/// The longest text of an item.
pub const MAX_TEXT: usize = 2000;

macro_rules! words {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s)
            }
        }
    };
}

words!(
    /// A one-to-one with a salesperson, or a review of a whole team.
    Kind { OneToOne = "one_to_one", Team = "team" }
);
words!(
    /// Where a review stands.
    Status { Scheduled = "scheduled", Completed = "completed", Cancelled = "cancelled" }
);
words!(
    /// What an item records.
    ItemType {
        Success = "success",
        Hurdle = "hurdle",
        Strategy = "strategy",
        Action = "action",
        Update = "update",
    }
);
words!(
    /// How big a success is.
    Size { Small = "small", Big = "big" }
);
words!(
    /// Hurdles are open or resolved; actions open or done.
    ItemStatus { Open = "open", Resolved = "resolved", Done = "done" }
);

impl ItemType {
    /// Hurdles and actions are open until closed, and carry into the next review.
    pub fn is_closable(self) -> bool {
        matches!(self, ItemType::Hurdle | ItemType::Action)
    }
    /// The status that closes an item of this type.
    pub fn closed_status(self) -> Option<ItemStatus> {
        match self {
            ItemType::Hurdle => Some(ItemStatus::Resolved),
            ItemType::Action => Some(ItemStatus::Done),
            _ => None,
        }
    }
    /// Whether `s` is a status this type can have.
    pub fn allows(self, s: ItemStatus) -> bool {
        s == ItemStatus::Open && self.is_closable() || self.closed_status() == Some(s)
    }
}

words!(
    /// One subject a review is about, or one participant of it.
    SubjectType { User = "user", Team = "team" }
);
words!(
    /// Where a success entry comes from: recorded in a review, or noticed by
    /// the service (a milestone).
    Source { Review = "review", Milestone = "milestone" }
);

/// Whose reviews a caller sees: everyone's, or those of these people and
/// teams (the same as whose targets they see), and those they facilitate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    pub all: bool,
    pub users: Vec<Uuid>,
    pub teams: Vec<Uuid>,
    pub me: Option<Uuid>,
}

impl Seen {
    /// Whether a review of this salesperson or team, run by `facilitator`, is seen.
    pub fn sees(&self, salesperson: Option<Uuid>, team: Option<Uuid>, facilitator: Uuid) -> bool {
        self.all
            || salesperson.is_some_and(|s| self.users.contains(&s))
            || team.is_some_and(|t| self.teams.contains(&t))
            || Some(facilitator) == self.me
    }
}

/// Whether the review `item_review` (its kind, salesperson, team, status and
/// place) lies before `r` in the same series and was completed: then `r` shows
/// its open items, and may close them.
pub fn in_earlier_completed(r: Series, item_review: Series, item_review_status: Status) -> bool {
    item_review_status == Status::Completed
        && item_review.kind == r.kind
        && item_review.salesperson_id == r.salesperson_id
        && item_review.team_id == r.team_id
        && is_before(item_review.key, r.key)
}

/// A review's series (kind and subject) and its place in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Series {
    pub kind: Kind,
    pub salesperson_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub key: (DateTime<Utc>, Uuid),
}

/// A one-to-one names a salesperson and no team; a team review a team and no salesperson.
pub fn check_subject(
    v: &mut Validator,
    kind: Kind,
    salesperson_id: Option<Uuid>,
    team_id: Option<Uuid>,
) {
    let (needed, needless) = match kind {
        Kind::OneToOne => (("salesperson_id", salesperson_id), ("team_id", team_id)),
        Kind::Team => (("team_id", team_id), ("salesperson_id", salesperson_id)),
    };
    if needed.1.is_none() {
        v.push(FieldError::new(
            needed.0,
            "required",
            format!("a {} review names its {}", kind.as_str(), needed.0),
        ));
    }
    if needless.1.is_some() {
        v.push(FieldError::new(
            needless.0,
            "not_applicable",
            format!("a {} review has no {}", kind.as_str(), needless.0),
        ));
    }
}

/// A day the service can store and reason about.
pub fn check_day(v: &mut Validator, field: &str, day: NaiveDate) {
    v.check(
        (1000..=9998).contains(&day.year()),
        field,
        "out_of_range",
        "a date between the years 1000 and 9998",
    );
}

/// What a new item carries, by its type: a size for successes (small when not
/// given), a due date for actions, nothing of either for the others.
pub fn check_new_item(
    v: &mut Validator,
    t: ItemType,
    text: &str,
    due_on: Option<NaiveDate>,
    size: Option<Size>,
) -> Option<Size> {
    v.text("text", text, MAX_TEXT);
    match (t, due_on) {
        (ItemType::Action, None) => v.push(FieldError::new(
            "due_on",
            "required",
            "an action has a due date",
        )),
        (ItemType::Action, Some(d)) => check_day(v, "due_on", d),
        (_, Some(_)) => v.push(FieldError::new(
            "due_on",
            "not_applicable",
            "only actions have a due date",
        )),
        _ => {}
    }
    match (t, size) {
        (ItemType::Success, s) => Some(s.unwrap_or(Size::Small)),
        (_, Some(_)) => {
            v.push(FieldError::new(
                "size",
                "not_applicable",
                "only successes have a size",
            ));
            None
        }
        _ => None,
    }
}

/// Changes to an item's fields must fit its type.
pub fn check_item_changes(
    v: &mut Validator,
    t: ItemType,
    text: Option<&str>,
    due_on: Option<NaiveDate>,
    size: Option<Size>,
    status: Option<ItemStatus>,
) {
    if let Some(text) = text {
        v.text("text", text, MAX_TEXT);
    }
    match (t, due_on) {
        (ItemType::Action, Some(d)) => check_day(v, "due_on", d),
        (_, Some(_)) => v.push(FieldError::new(
            "due_on",
            "not_applicable",
            "only actions have a due date",
        )),
        _ => {}
    }
    if size.is_some() && t != ItemType::Success {
        v.push(FieldError::new(
            "size",
            "not_applicable",
            "only successes have a size",
        ));
    }
    if let Some(s) = status {
        v.check(
            t.allows(s),
            "status",
            "invalid_status",
            match t {
                ItemType::Hurdle => "a hurdle is open or resolved",
                ItemType::Action => "an action is open or done",
                _ => "only hurdles and actions have a status",
            },
        );
    }
}

/// A review's place in its series: by the instant it is held, then by id
/// (ids are time-ordered).
pub fn is_before(a: (DateTime<Utc>, Uuid), b: (DateTime<Utc>, Uuid)) -> bool {
    a < b
}

/// Progress is measured on today, or on the period's last day once it is over.
pub fn as_of(today: NaiveDate, period_ends_on: NaiveDate) -> NaiveDate {
    today.min(period_ends_on)
}

/// The agenda order: forward-looking items first (open actions, then open
/// hurdles, strategies), then what happened (updates, successes), then what
/// is closed; within a group, oldest first.
pub fn agenda_rank(t: ItemType, status: Option<ItemStatus>) -> u8 {
    let closed = status.is_some_and(|s| s != ItemStatus::Open);
    let by_type = match t {
        ItemType::Action => 0,
        ItemType::Hurdle => 1,
        ItemType::Strategy => 2,
        ItemType::Update => 3,
        ItemType::Success => 4,
    };
    by_type + if closed { 10 } else { 0 }
}

/// Who an item of the review's series belongs to on the agenda: its owner when
/// that is a participant, else the review's own subject (the salesperson or the team).
pub fn placed_under(owner: Option<Uuid>, people: &[Uuid]) -> Option<Uuid> {
    owner.filter(|o| people.contains(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn codes(v: Validator) -> Vec<(String, String)> {
        match v.finish() {
            Ok(()) => vec![],
            Err(e) => e.errors.into_iter().map(|f| (f.field, f.code)).collect(),
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn words_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(*k));
        }
        for t in ItemType::ALL {
            assert_eq!(ItemType::parse(t.as_str()), Some(*t));
        }
        assert_eq!(Status::parse("done"), None);
        assert_eq!(
            serde_json::to_value(Kind::OneToOne).unwrap(),
            serde_json::json!("one_to_one")
        );
    }

    #[test]
    fn a_review_names_exactly_its_subject() {
        let id = Uuid::now_v7();
        let mut v = Validator::new();
        check_subject(&mut v, Kind::OneToOne, Some(id), None);
        assert!(codes(v).is_empty());
        let mut v = Validator::new();
        check_subject(&mut v, Kind::OneToOne, None, Some(id));
        assert_eq!(
            codes(v),
            pairs(&[
                ("salesperson_id", "required"),
                ("team_id", "not_applicable")
            ])
        );
        let mut v = Validator::new();
        check_subject(&mut v, Kind::Team, None, None);
        assert_eq!(codes(v), pairs(&[("team_id", "required")]));
    }

    #[test]
    fn items_carry_what_their_type_needs() {
        let mut v = Validator::new();
        assert_eq!(
            check_new_item(&mut v, ItemType::Success, "Won Contoso", None, None),
            Some(Size::Small)
        );
        assert!(codes(v).is_empty());
        let mut v = Validator::new();
        check_new_item(&mut v, ItemType::Action, "Call", None, None);
        assert_eq!(codes(v), pairs(&[("due_on", "required")]));
        let mut v = Validator::new();
        let size = check_new_item(
            &mut v,
            ItemType::Hurdle,
            " ",
            Some(day("2026-12-01")),
            Some(Size::Big),
        );
        assert_eq!(size, None);
        assert_eq!(
            codes(v),
            pairs(&[
                ("text", "required"),
                ("due_on", "not_applicable"),
                ("size", "not_applicable")
            ])
        );
        let mut v = Validator::new();
        check_new_item(
            &mut v,
            ItemType::Action,
            &"x".repeat(MAX_TEXT + 1),
            Some(day("0999-01-01")),
            None,
        );
        assert_eq!(
            codes(v),
            pairs(&[("text", "too_long"), ("due_on", "out_of_range")])
        );
    }

    #[test]
    fn statuses_fit_the_type() {
        use ItemStatus::*;
        assert!(ItemType::Hurdle.allows(Open) && ItemType::Hurdle.allows(Resolved));
        assert!(!ItemType::Hurdle.allows(Done));
        assert!(ItemType::Action.allows(Done) && !ItemType::Action.allows(Resolved));
        assert!(!ItemType::Success.allows(Open));
        let mut v = Validator::new();
        check_item_changes(
            &mut v,
            ItemType::Strategy,
            None,
            None,
            None,
            Some(ItemStatus::Done),
        );
        assert_eq!(codes(v), pairs(&[("status", "invalid_status")]));
    }

    #[test]
    fn the_agenda_puts_what_is_ahead_first() {
        use ItemType::*;
        let open = Some(ItemStatus::Open);
        let mut items = [
            (Success, None),
            (Update, None),
            (Hurdle, Some(ItemStatus::Resolved)),
            (Action, Some(ItemStatus::Done)),
            (Strategy, None),
            (Hurdle, open),
            (Action, open),
        ];
        items.sort_by_key(|(t, s)| agenda_rank(*t, *s));
        let order: Vec<_> = items.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            order,
            ["action", "hurdle", "strategy", "update", "success", "action", "hurdle"]
        );
    }

    #[test]
    fn series_order_and_the_day_measured() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        assert!(is_before(
            (at("2026-11-02T09:00:00Z"), b),
            (at("2026-11-02T10:00:00Z"), a)
        ));
        assert!(is_before(
            (at("2026-11-02T09:00:00Z"), a),
            (at("2026-11-02T09:00:00Z"), b)
        ));
        assert!(!is_before(
            (at("2026-11-02T09:00:00Z"), b),
            (at("2026-11-02T09:00:00Z"), b)
        ));
        assert_eq!(
            as_of(day("2026-11-26"), day("2026-12-31")),
            day("2026-11-26")
        );
        assert_eq!(
            as_of(day("2027-01-15"), day("2026-12-31")),
            day("2026-12-31")
        );
    }

    #[test]
    fn who_sees_a_review() {
        let (sp, team, boss) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let all = Seen {
            all: true,
            ..Seen::default()
        };
        assert!(all.sees(Some(sp), None, boss));
        let mine = Seen {
            users: vec![sp],
            teams: vec![team],
            me: Some(boss),
            ..Seen::default()
        };
        assert!(mine.sees(Some(sp), None, Uuid::now_v7()));
        assert!(mine.sees(None, Some(team), Uuid::now_v7()));
        assert!(mine.sees(Some(Uuid::now_v7()), None, boss));
        let none = Seen::default();
        assert!(!none.sees(Some(sp), Some(team), boss));
    }

    #[test]
    fn items_of_earlier_completed_reviews_of_the_series_are_reached() {
        let sp = Uuid::now_v7();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let one_to_one = |key| Series {
            kind: Kind::OneToOne,
            salesperson_id: Some(sp),
            team_id: None,
            key,
        };
        let earlier = one_to_one((at("2026-11-01T09:00:00Z"), a));
        let now = one_to_one((at("2026-11-08T09:00:00Z"), b));
        assert!(in_earlier_completed(now, earlier, Status::Completed));
        assert!(!in_earlier_completed(now, earlier, Status::Scheduled));
        assert!(!in_earlier_completed(earlier, now, Status::Completed));
        let someone_else = Series {
            salesperson_id: Some(Uuid::now_v7()),
            ..earlier
        };
        assert!(!in_earlier_completed(now, someone_else, Status::Completed));
    }

    #[test]
    fn items_are_placed_under_their_owner_when_present() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        assert_eq!(placed_under(Some(a), &[a, b]), Some(a));
        assert_eq!(placed_under(Some(a), &[b]), None);
        assert_eq!(placed_under(None, &[a]), None);
    }
}
