//! Target rules: metrics and remit, values, the SMART assessment, the workflow,
//! and allocation arithmetic. Pure: no HTTP, no SQL.

mod errors;
mod visible;

pub use errors::{AllocationError, DutyError, TargetInvalid, TransitionError};
pub use visible::Visible;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::validation::FieldError;

/// Whose target it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    User,
    Team,
    Org,
}

impl SubjectType {
    pub const ALL: [SubjectType; 3] = [SubjectType::User, SubjectType::Team, SubjectType::Org];
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectType::User => "user",
            SubjectType::Team => "team",
            SubjectType::Org => "org",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What a target measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Revenue,
    GrossProfit,
    Activities,
    NewAccounts,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::Revenue,
        Metric::GrossProfit,
        Metric::Activities,
        Metric::NewAccounts,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Revenue => "revenue",
            Metric::GrossProfit => "gross_profit",
            Metric::Activities => "activities",
            Metric::NewAccounts => "new_accounts",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
    /// Money metrics carry a currency; bonuses link only to them.
    pub fn is_money(self) -> bool {
        matches!(self, Metric::Revenue | Metric::GrossProfit)
    }
}

/// Metrics that depend on costs outside a salesperson's control.
const NOT_IN_REMIT: [&str; 14] = [
    "net_profit",
    "net_income",
    "net_margin",
    "ebitda",
    "ebit",
    "operating_profit",
    "operating_income",
    "operating_margin",
    "profit_after_tax",
    "profit_before_tax",
    "pre_tax_profit",
    "earnings",
    "net_earnings",
    "bottom_line",
];

/// Reads a metric name, refusing those outside a salesperson's remit with an
/// explanation, and unknown ones.
pub fn parse_metric(name: &str) -> Result<Metric, FieldError> {
    let n = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    if let Some(m) = Metric::parse(&n) {
        return Ok(m);
    }
    if NOT_IN_REMIT.contains(&n.as_str()) || n.starts_with("net_") || n.contains("ebit") {
        return Err(FieldError::new(
            "metric",
            "metric_not_in_remit",
            format!(
                "{name} depends on costs a salesperson does not control (overheads, interest, tax), so it is \
                 not in their remit; set a revenue target, or a gross_profit target for the minimum margin"
            ),
        ));
    }
    Err(FieldError::new(
        "metric",
        "unknown_metric",
        "must be one of revenue, gross_profit, activities, new_accounts",
    ))
}

/// The largest value a target may have.
pub fn max_value() -> Decimal {
    Decimal::new(9_999_999_999_999_999, 2)
}

/// A target's value: positive, with cents at most for money and whole numbers otherwise.
pub fn check_value(metric: Metric, value: Decimal) -> Option<FieldError> {
    if value <= Decimal::ZERO {
        return Some(FieldError::new(
            "value",
            "value_not_positive",
            "must be a number greater than 0",
        ));
    }
    if value > max_value() {
        return Some(FieldError::new("value", "out_of_range", "is too large"));
    }
    let scale = value.normalize().scale();
    if metric.is_money() && scale > 2 {
        return Some(FieldError::new(
            "value",
            "too_precise",
            "money has at most 2 decimal places",
        ));
    }
    if !metric.is_money() && scale > 0 {
        return Some(FieldError::new(
            "value",
            "not_whole",
            "counts are whole numbers",
        ));
    }
    None
}

/// An activity kind: `call`, `meeting`, `demo`, `proposal`, or the organisation's
/// own (lower case letters, digits and `_`, starting with a letter, up to 40).
pub fn is_activity_kind(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 40
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// How attainable a value is, judged against the subject's own history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Realistic,
    Stretch,
    Unrealistic,
    NoHistory,
}

impl Rating {
    pub const ALL: [Rating; 4] = [
        Rating::Realistic,
        Rating::Stretch,
        Rating::Unrealistic,
        Rating::NoHistory,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Realistic => "realistic",
            Rating::Stretch => "stretch",
            Rating::Unrealistic => "unrealistic",
            Rating::NoHistory => "no_history",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// How attainable a value is: the rating, the ratio it rests on, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Attainable {
    pub rating: Rating,
    /// The value divided by the average achieved (`None` without history).
    pub ratio: Option<Decimal>,
    /// How the rating was reached, in words.
    pub basis: String,
}

/// Rates `value` against what was achieved in each of the previous periods of the
/// same length (`None`: nothing recorded for that period). The ratio is the value
/// over the average of the periods with results; at most `realistic` is
/// realistic, at most `stretch` a stretch, beyond unrealistic. It informs; it
/// never refuses.
pub fn attainability(
    value: Decimal,
    history: &[Option<Decimal>],
    period_word: &str,
    realistic: Decimal,
    stretch: Decimal,
) -> Attainable {
    let known: Vec<Decimal> = history.iter().flatten().copied().collect();
    let sum: Decimal = known.iter().copied().sum();
    if known.is_empty() || sum <= Decimal::ZERO {
        return Attainable {
            rating: Rating::NoHistory,
            ratio: None,
            basis: format!(
                "no results recorded for this subject in the previous {} {period_word}s",
                history.len()
            ),
        };
    }
    let average = sum / Decimal::from(known.len() as u64);
    // Rated on the exact ratio; answered rounded to 2 decimals.
    let exact = value / average;
    let ratio = exact.round_dp(2);
    let rating = if exact <= realistic {
        Rating::Realistic
    } else if exact <= stretch {
        Rating::Stretch
    } else {
        Rating::Unrealistic
    };
    Attainable {
        rating,
        ratio: Some(ratio),
        basis: format!(
            "{value} against an average of {} achieved over the previous {} {period_word}s with results \
             (realistic up to {realistic}x, stretch up to {stretch}x)",
            average.round_dp(2),
            known.len()
        ),
    }
}

/// Where a target is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Proposed,
    Agreed,
    Superseded,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::Proposed,
        Status::Agreed,
        Status::Superseded,
        Status::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Proposed => "proposed",
            Status::Agreed => "agreed",
            Status::Superseded => "superseded",
            Status::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Counted in its parent's allocation.
    pub fn is_live(self) -> bool {
        !matches!(self, Status::Superseded | Status::Cancelled)
    }
}

/// The workflow's steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Edit,
    Propose,
    Agree,
    Revise,
    Cancel,
}

impl Action {
    pub fn verb(self) -> &'static str {
        match self {
            Action::Edit => "edited",
            Action::Propose => "proposed",
            Action::Agree => "agreed",
            Action::Revise => "revised",
            Action::Cancel => "cancelled",
        }
    }
}

/// The status after `action`, or why it is not allowed: draft → proposed →
/// agreed; edits in draft or proposed (a proposed target goes back to draft);
/// revisions of proposed or agreed targets; cancellation of any live target.
pub fn transition(from: Status, action: Action) -> Result<Status, TransitionError> {
    use Status::*;
    let to = match (from, action) {
        (Draft | Proposed, Action::Edit) => Draft,
        (Draft, Action::Propose) => Proposed,
        (Proposed, Action::Agree) => Agreed,
        (Proposed | Agreed, Action::Revise) => Superseded,
        (Draft | Proposed | Agreed, Action::Cancel) => Cancelled,
        _ => return Err(TransitionError { from, action }),
    };
    Ok(to)
}

/// A parent target's value against its live children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    pub allocated: Decimal,
    pub unallocated: Decimal,
    pub over_allocated: Decimal,
}

/// `d` with exactly 2 decimals, as money and percentages are answered ("0.00", "30.00").
fn cents(mut d: Decimal) -> Decimal {
    d = d.round_dp(2);
    d.rescale(2);
    d
}

/// Sums and differences in cents: an empty sum or a zero difference is "0.00", not "0".
pub fn allocate(parent: Decimal, children: &[Decimal]) -> Allocation {
    let allocated: Decimal = children.iter().copied().sum();
    Allocation {
        allocated: cents(allocated),
        unallocated: cents((parent - allocated).max(Decimal::ZERO)),
        over_allocated: cents((allocated - parent).max(Decimal::ZERO)),
    }
}

/// A child's share of its parent, in percent with 2 decimals ("30.00", not "30").
pub fn share_pct(child: Decimal, parent: Decimal) -> Decimal {
    if parent <= Decimal::ZERO {
        return cents(Decimal::ZERO);
    }
    cents(child * Decimal::from(100) / parent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn metrics_and_remit() {
        assert_eq!(parse_metric("revenue"), Ok(Metric::Revenue));
        assert_eq!(parse_metric("Gross Profit"), Ok(Metric::GrossProfit));
        for m in [
            "net_profit",
            "net_income",
            "EBITDA",
            "net-margin",
            "operating_profit",
            "ebit",
        ] {
            let e = parse_metric(m).unwrap_err();
            assert_eq!(e.code, "metric_not_in_remit", "{m}");
            assert!(e.message.contains("revenue") && e.message.contains("gross_profit"));
        }
        for m in ["", "happiness", "profit_growth"] {
            assert_eq!(parse_metric(m).unwrap_err().code, "unknown_metric", "{m}");
        }
    }

    #[test]
    fn values() {
        assert!(check_value(Metric::Revenue, dec("12500.50")).is_none());
        assert_eq!(
            check_value(Metric::Revenue, dec("0")).unwrap().code,
            "value_not_positive"
        );
        assert_eq!(
            check_value(Metric::Revenue, dec("-5")).unwrap().code,
            "value_not_positive"
        );
        assert_eq!(
            check_value(Metric::Revenue, dec("1.005")).unwrap().code,
            "too_precise"
        );
        assert!(
            check_value(Metric::Revenue, dec("1.500")).is_none(),
            "trailing zeros are fine"
        );
        assert_eq!(
            check_value(Metric::Activities, dec("2.5")).unwrap().code,
            "not_whole"
        );
        assert!(check_value(Metric::NewAccounts, dec("3")).is_none());
        assert_eq!(
            check_value(Metric::Revenue, dec("100000000000000000"))
                .unwrap()
                .code,
            "out_of_range"
        );
    }

    #[test]
    fn activity_kinds() {
        assert!(is_activity_kind("call") && is_activity_kind("site_visit2"));
        assert!(!is_activity_kind("") && !is_activity_kind("Call") && !is_activity_kind("2call"));
        assert!(!is_activity_kind(&"a".repeat(41)));
    }

    #[test]
    fn attainability_ratings() {
        let r = dec("1.2");
        let s = dec("1.5");
        let none = attainability(dec("1000"), &[None, None, None, None], "quarter", r, s);
        assert_eq!((none.rating, none.ratio), (Rating::NoHistory, None));
        assert!(none.basis.contains("previous 4 quarters"));
        assert_eq!(
            attainability(dec("1000"), &[], "month", r, s).rating,
            Rating::NoHistory
        );
        // Average of 800, 1000, 1200 is 1000.
        let h = [Some(dec("800")), Some(dec("1000")), None, Some(dec("1200"))];
        assert_eq!(
            attainability(dec("1200"), &h, "quarter", r, s).rating,
            Rating::Realistic
        );
        assert_eq!(
            attainability(dec("1200"), &h, "quarter", r, s).ratio,
            Some(dec("1.2"))
        );
        assert_eq!(
            attainability(dec("1201"), &h, "quarter", r, s).rating,
            Rating::Stretch
        );
        assert_eq!(
            attainability(dec("1500"), &h, "quarter", r, s).rating,
            Rating::Stretch
        );
        let u = attainability(dec("1600"), &h, "quarter", r, s);
        assert_eq!((u.rating, u.ratio), (Rating::Unrealistic, Some(dec("1.6"))));
        assert!(u.basis.contains("previous 3 quarters"));
        // Nothing achieved at all is no basis for a ratio.
        assert_eq!(
            attainability(dec("10"), &[Some(Decimal::ZERO)], "week", r, s).rating,
            Rating::NoHistory
        );
    }

    #[test]
    fn workflow() {
        use Action::*;
        use Status::*;
        assert_eq!(transition(Draft, Propose), Ok(Proposed));
        assert_eq!(transition(Proposed, Agree), Ok(Agreed));
        assert_eq!(transition(Agreed, Revise), Ok(Superseded));
        assert_eq!(transition(Proposed, Revise), Ok(Superseded));
        assert_eq!(transition(Proposed, Edit), Ok(Draft));
        assert_eq!(transition(Agreed, Cancel), Ok(Cancelled));
        assert!(transition(Draft, Agree)
            .unwrap_err()
            .to_string()
            .contains("propose it first"));
        assert!(transition(Agreed, Edit)
            .unwrap_err()
            .to_string()
            .contains("revise it instead"));
        for s in [Superseded, Cancelled] {
            for a in [Edit, Propose, Agree, Revise, Cancel] {
                assert!(transition(s, a).is_err(), "{s:?} {a:?}");
            }
        }
        assert!(transition(Agreed, Propose).is_err());
        assert!(transition(Agreed, Agree).is_err());
    }

    #[test]
    fn allocation_sums() {
        let a = allocate(dec("1000"), &[dec("300"), dec("450.50")]);
        assert_eq!(
            (a.allocated, a.unallocated, a.over_allocated),
            (dec("750.50"), dec("249.50"), dec("0"))
        );
        let b = allocate(dec("1000"), &[dec("600"), dec("600")]);
        assert_eq!((b.unallocated, b.over_allocated), (dec("0"), dec("200")));
        let c = allocate(dec("1000"), &[]);
        assert_eq!((c.allocated, c.unallocated), (dec("0"), dec("1000")));
        assert_eq!(share_pct(dec("1"), dec("3")), dec("33.33"));
        // Answered with 2 decimals, whatever the arithmetic left.
        assert_eq!(
            share_pct(dec("300.00"), dec("1000.00")).to_string(),
            "30.00"
        );
        assert_eq!(c.allocated.to_string(), "0.00");
        assert_eq!(a.over_allocated.to_string(), "0.00");
        assert_eq!(b.unallocated.to_string(), "0.00");
        // Property: for any parent and children, allocated - over + under = parent.
        let mut seed = 12345u64;
        for _ in 0..2000 {
            let mut next = || {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                Decimal::new((seed >> 33) as i64 % 1_000_000, 2)
            };
            let parent = next() + Decimal::ONE;
            let children: Vec<Decimal> = (0..(parent.mantissa() % 7)).map(|_| next()).collect();
            let a = allocate(parent, &children);
            assert_eq!(a.allocated - a.over_allocated + a.unallocated, parent);
            assert!(a.unallocated.is_zero() || a.over_allocated.is_zero());
        }
    }
}
