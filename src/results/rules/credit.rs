//! Credit splits: who a sale is credited to, with which share, and what each
//! share carries, to the cent. Pure: no HTTP, no SQL.
//!
//! A revenue share counts for the person and, through dated membership, their
//! teams; an overlay share only for the person's own targets. A sale's revenue
//! shares add up to exactly 100 and their amounts to exactly the sale's: each
//! amount is rounded to the cent (half away from zero) and the cents left over
//! go to the largest revenue share (the first by id among equals), so no cent
//! is created or lost. Overlay amounts are each rounded on their own.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::{FieldError, Validator};

/// Most shares in one sale's splits or one rule.
pub const MAX_SHARES: usize = 20;

/// How a credit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditType {
    /// For the person and their teams; a sale's revenue shares total 100.
    Revenue,
    /// For the person's own targets only, never for a team or the organisation.
    Overlay,
}

impl CreditType {
    pub const ALL: [CreditType; 2] = [CreditType::Revenue, CreditType::Overlay];
    pub fn as_str(self) -> &'static str {
        match self {
            CreditType::Revenue => "revenue",
            CreditType::Overlay => "overlay",
        }
    }
    /// The type named `s`; `None` for any other text (never a default).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One person's share of a sale: a percentage with at most two decimals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub salesperson_id: Uuid,
    pub credit_type: CreditType,
    pub share_pct: Decimal,
}

/// What one share of a sale carries, in the organisation's currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credit {
    pub salesperson_id: Uuid,
    pub credit_type: CreditType,
    pub share_pct: Decimal,
    pub revenue: Decimal,
    pub gross_profit: Decimal,
}

/// What the revenue shares of a list must total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevenueTotal {
    /// A sale's own splits: exactly 100.
    Exactly100,
    /// An account's rule, besides the owner: at most 100 (the owner has the rest).
    AtMost100,
}

/// Checks shares as given under `field` (`splits`): each above 0 and at most
/// 100 with at most two decimals, one per person and type, at most
/// [`MAX_SHARES`], and revenue shares totalling as `total` says. Field errors
/// name the share (`splits[1].share_pct`).
pub fn check_shares(v: &mut Validator, field: &str, shares: &[Share], total: RevenueTotal) {
    if shares.is_empty() {
        v.push(FieldError::new(
            field,
            "required",
            "name at least one share",
        ));
        return;
    }
    if shares.len() > MAX_SHARES {
        v.push(FieldError::new(
            field,
            "too_many",
            format!("at most {MAX_SHARES} shares"),
        ));
        return;
    }
    let mut seen = Vec::with_capacity(shares.len());
    for (i, s) in shares.iter().enumerate() {
        let pct = s.share_pct;
        v.check(
            pct > Decimal::ZERO && pct <= Decimal::ONE_HUNDRED && pct.normalize().scale() <= 2,
            &format!("{field}[{i}].share_pct"),
            "invalid_share",
            "a percentage above 0 and at most 100, with at most 2 decimals",
        );
        let key = (s.salesperson_id, s.credit_type);
        if seen.contains(&key) {
            v.push(FieldError::new(
                format!("{field}[{i}].salesperson_id"),
                "duplicate_share",
                format!("this person has a {} share already", s.credit_type.as_str()),
            ));
        }
        seen.push(key);
    }
    let revenue: Decimal = shares
        .iter()
        .filter(|s| s.credit_type == CreditType::Revenue)
        .map(|s| s.share_pct)
        .sum();
    match total {
        RevenueTotal::Exactly100 if revenue != Decimal::ONE_HUNDRED => v.push(FieldError::new(
            field,
            "revenue_shares_total",
            format!("revenue shares must add up to exactly 100; these add up to {revenue}"),
        )),
        RevenueTotal::AtMost100 if revenue > Decimal::ONE_HUNDRED => v.push(FieldError::new(
            field,
            "revenue_shares_total",
            format!("revenue shares add up to at most 100 (the owner has the rest); these add up to {revenue}"),
        )),
        _ => {}
    }
}

/// The shares of a sale that follows its account: a rule's shares, and the
/// owner on the day with the revenue share that is left (100 minus the others'
/// revenue shares, none when nothing is left). Without a rule, 100% to the owner.
pub fn with_owner(owner: Uuid, rule: &[Share]) -> Vec<Share> {
    let others: Decimal = rule
        .iter()
        .filter(|s| s.credit_type == CreditType::Revenue)
        .map(|s| s.share_pct)
        .sum();
    let left = (Decimal::ONE_HUNDRED - others).max(Decimal::ZERO);
    let mut shares = rule.to_vec();
    if left > Decimal::ZERO {
        match shares
            .iter_mut()
            .find(|s| s.salesperson_id == owner && s.credit_type == CreditType::Revenue)
        {
            Some(s) => s.share_pct += left,
            None => shares.push(Share {
                salesperson_id: owner,
                credit_type: CreditType::Revenue,
                share_pct: left,
            }),
        }
    }
    shares
}

/// 100% of a sale to one person.
pub fn whole(salesperson_id: Uuid) -> Vec<Share> {
    vec![Share {
        salesperson_id,
        credit_type: CreditType::Revenue,
        share_pct: Decimal::ONE_HUNDRED,
    }]
}

/// Rounded to the cent, half away from zero, always with two decimals.
fn cents(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// What each share of a sale counted as `revenue` and `gross_profit` carries,
/// ordered by type (revenue first) and person. The revenue shares' amounts add
/// up exactly to the sale's when the revenue shares total 100.
pub fn credit(shares: &[Share], revenue: Decimal, gross_profit: Decimal) -> Vec<Credit> {
    let mut credits: Vec<Credit> = shares
        .iter()
        .map(|s| Credit {
            salesperson_id: s.salesperson_id,
            credit_type: s.credit_type,
            share_pct: s.share_pct.normalize(),
            revenue: cents(revenue * s.share_pct / Decimal::ONE_HUNDRED),
            gross_profit: cents(gross_profit * s.share_pct / Decimal::ONE_HUNDRED),
        })
        .collect();
    credits.sort_by_key(|a| (a.credit_type, a.salesperson_id));
    let total: Decimal = credits
        .iter()
        .filter(|c| c.credit_type == CreditType::Revenue)
        .map(|c| c.share_pct)
        .sum();
    if total == Decimal::ONE_HUNDRED {
        // The largest revenue share, the first by id among equals.
        let largest = credits
            .iter()
            .enumerate()
            .filter(|(_, c)| c.credit_type == CreditType::Revenue)
            .max_by(|(_, a), (_, b)| {
                a.share_pct
                    .cmp(&b.share_pct)
                    .then(b.salesperson_id.cmp(&a.salesperson_id))
            })
            .map(|(i, _)| i);
        if let Some(i) = largest {
            let sum = |f: fn(&Credit) -> Decimal| -> Decimal {
                credits
                    .iter()
                    .filter(|c| c.credit_type == CreditType::Revenue)
                    .map(f)
                    .sum()
            };
            let (r, g) = (sum(|c| c.revenue), sum(|c| c.gross_profit));
            credits[i].revenue += revenue - r;
            credits[i].gross_profit += gross_profit - g;
        }
    }
    credits
}

/// The person a sale names as credited: the holder of its largest revenue
/// share, the first by id among equals.
pub fn primary(credits: &[Credit]) -> Option<Uuid> {
    credits
        .iter()
        .filter(|c| c.credit_type == CreditType::Revenue)
        .max_by(|a, b| {
            a.share_pct
                .cmp(&b.share_pct)
                .then(b.salesperson_id.cmp(&a.salesperson_id))
        })
        .map(|c| c.salesperson_id)
}

/// Whether credits are one revenue share of 100%: the sale is credited whole
/// to one person, who is all a sale row needs to name.
pub fn is_whole(credits: &[Credit]) -> bool {
    matches!(credits, [c] if c.credit_type == CreditType::Revenue && c.share_pct == Decimal::ONE_HUNDRED)
}

/// A sale's credits by person and type, for comparing two creditings.
pub fn keyed(credits: &[Credit]) -> BTreeMap<(CreditType, Uuid), (Decimal, Decimal, Decimal)> {
    credits
        .iter()
        .map(|c| {
            (
                (c.credit_type, c.salesperson_id),
                (c.share_pct.normalize(), c.revenue, c.gross_profit),
            )
        })
        .collect()
}

/// An account's split rule: the shares besides the owner, from one day to
/// another (`to`: the last day; `None`: open).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitRule {
    pub id: Uuid,
    pub from: chrono::NaiveDate,
    pub to: Option<chrono::NaiveDate>,
    /// Made by a conversion's hand-over: the hunter's share.
    pub hunter_share: bool,
    pub shares: Vec<Share>,
}

impl SplitRule {
    pub fn covers(&self, day: chrono::NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|t| day <= t)
    }

    /// Whether this rule's days and `[from, to]`'s meet.
    pub fn overlaps(&self, from: chrono::NaiveDate, to: Option<chrono::NaiveDate>) -> bool {
        self.to.is_none_or(|t| from <= t) && to.is_none_or(|t| self.from <= t)
    }
}

/// The shares of the rule in force on `day` (none: the owner takes all).
pub fn rule_on(rules: &[SplitRule], day: chrono::NaiveDate) -> &[Share] {
    rules
        .iter()
        .find(|r| r.covers(day))
        .map(|r| r.shares.as_slice())
        .unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn share(n: u128, t: CreditType, pct: &str) -> Share {
        Share {
            salesperson_id: id(n),
            credit_type: t,
            share_pct: dec(pct),
        }
    }

    use CreditType::{Overlay, Revenue};

    fn got(credits: &[Credit]) -> Vec<(u128, CreditType, String, String)> {
        credits
            .iter()
            .map(|c| {
                (
                    c.salesperson_id.as_u128(),
                    c.credit_type,
                    c.revenue.to_string(),
                    c.gross_profit.to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn a_credit_type_reads_back_or_not_at_all() {
        for t in CreditType::ALL {
            assert_eq!(CreditType::parse(t.as_str()), Some(t));
        }
        assert_eq!(CreditType::parse("bonus"), None);
    }

    #[test]
    fn sixty_forty_of_an_invoice() {
        // 1000.00 revenue, 300.00 gross profit: 600/180 and 400/120.
        let c = credit(
            &[share(2, Revenue, "40"), share(1, Revenue, "60")],
            dec("1000.00"),
            dec("300.00"),
        );
        assert_eq!(
            got(&c),
            vec![
                (1, Revenue, "600.00".into(), "180.00".into()),
                (2, Revenue, "400.00".into(), "120.00".into()),
            ]
        );
        assert_eq!(primary(&c), Some(id(1)));
        assert!(!is_whole(&c));
        assert!(is_whole(&credit(&whole(id(3)), dec("5.00"), dec("1.00"))));
        let with_overlay = [share(3, Revenue, "100"), share(4, Overlay, "10")];
        assert!(!is_whole(&credit(&with_overlay, dec("5.00"), dec("1.00"))));
    }

    #[test]
    fn three_ways_of_an_amount_that_does_not_divide_lose_no_cent() {
        // 100.00 in thirds (33.33/33.33/33.34): 33.33, 33.33, 33.34 exactly.
        // 10.00: 3.333 -> 3.33, 3.333 -> 3.33, 3.334 -> 3.33, sum 9.99; the
        // cent left goes to the largest share (33.34, person 3).
        // Gross profit 0.10: 0.0333 -> 0.03 each, sum 0.09; +0.01 to person 3.
        let shares = [
            share(1, Revenue, "33.33"),
            share(2, Revenue, "33.33"),
            share(3, Revenue, "33.34"),
        ];
        assert_eq!(
            got(&credit(&shares, dec("10.00"), dec("0.10"))),
            vec![
                (1, Revenue, "3.33".into(), "0.03".into()),
                (2, Revenue, "3.33".into(), "0.03".into()),
                (3, Revenue, "3.34".into(), "0.04".into()),
            ]
        );
        // Equal thirds that round up: 0.05 * 33.33% = 0.016665 -> 0.02 each,
        // 0.06 in all; one cent too many comes off the largest (person 3).
        assert_eq!(
            got(&credit(&shares, dec("0.05"), dec("0.05"))),
            vec![
                (1, Revenue, "0.02".into(), "0.02".into()),
                (2, Revenue, "0.02".into(), "0.02".into()),
                (3, Revenue, "0.01".into(), "0.01".into()),
            ]
        );
    }

    #[test]
    fn equal_shares_give_the_odd_cent_to_the_first_by_id() {
        // 0.01 in halves: 0.005 -> 0.01 each (away from zero), 0.02 in all;
        // the cent too many comes off person 1, the first by id.
        let c = credit(
            &[share(2, Revenue, "50"), share(1, Revenue, "50")],
            dec("0.01"),
            dec("0.00"),
        );
        assert_eq!(
            got(&c),
            vec![
                (1, Revenue, "0.00".into(), "0.00".into()),
                (2, Revenue, "0.01".into(), "0.00".into()),
            ]
        );
        assert_eq!(primary(&c), Some(id(1)));
    }

    #[test]
    fn a_credit_note_splits_negative_and_overlay_stands_alone() {
        // -250.00 / -75.00 at 70/30, with a 25% overlay: -175/-52.50,
        // -75/-22.50, overlay -62.50/-18.75 (75 * 25% = 18.75).
        let c = credit(
            &[
                share(1, Revenue, "70"),
                share(2, Revenue, "30"),
                share(9, Overlay, "25"),
            ],
            dec("-250.00"),
            dec("-75.00"),
        );
        assert_eq!(
            got(&c),
            vec![
                (1, Revenue, "-175.00".into(), "-52.50".into()),
                (2, Revenue, "-75.00".into(), "-22.50".into()),
                (9, Overlay, "-62.50".into(), "-18.75".into()),
            ]
        );
    }

    #[test]
    fn the_owner_gets_what_a_rule_leaves() {
        let rule = [share(2, Revenue, "30"), share(9, Overlay, "50")];
        let mut s = with_owner(id(1), &rule);
        s.sort_by_key(|s| (s.credit_type, s.salesperson_id));
        assert_eq!(
            s,
            vec![
                share(1, Revenue, "70"),
                share(2, Revenue, "30"),
                share(9, Overlay, "50")
            ]
        );
        // An owner named in the rule gets their share and the rest.
        let s = with_owner(id(2), &rule);
        assert!(s.contains(&share(2, Revenue, "100")), "{s:?}");
        // A rule that gives away everything leaves the owner nothing.
        let s = with_owner(id(1), &[share(2, Revenue, "100")]);
        assert_eq!(s, vec![share(2, Revenue, "100")]);
        assert_eq!(with_owner(id(1), &[]), whole(id(1)));
    }

    #[test]
    fn rules_cover_their_days_and_overlap_others() {
        let d = |s: &str| chrono::NaiveDate::from_str(s).unwrap();
        let q4 = SplitRule {
            id: id(7),
            from: d("2026-10-01"),
            to: Some(d("2026-12-31")),
            hunter_share: false,
            shares: vec![share(2, Revenue, "25")],
        };
        assert!(q4.covers(d("2026-10-01")) && q4.covers(d("2026-12-31")));
        assert!(!q4.covers(d("2026-09-30")) && !q4.covers(d("2027-01-01")));
        assert!(q4.overlaps(d("2026-12-31"), None));
        assert!(q4.overlaps(d("2026-01-01"), Some(d("2026-10-01"))));
        assert!(!q4.overlaps(d("2027-01-01"), None));
        assert!(!q4.overlaps(d("2026-01-01"), Some(d("2026-09-30"))));
        let rules = [q4];
        assert_eq!(rule_on(&rules, d("2026-11-15")), &[share(2, Revenue, "25")]);
        assert!(rule_on(&rules, d("2027-02-01")).is_empty());
    }

    fn errors(shares: &[Share], total: RevenueTotal) -> Vec<(String, String)> {
        let mut v = Validator::new();
        check_shares(&mut v, "splits", shares, total);
        match v.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.errors.into_iter().map(|f| (f.field, f.code)).collect(),
        }
    }

    #[test]
    fn shares_are_checked() {
        let ok = [share(1, Revenue, "60"), share(2, Revenue, "40")];
        assert!(errors(&ok, RevenueTotal::Exactly100).is_empty());
        assert_eq!(
            errors(
                &[share(1, Revenue, "60"), share(2, Revenue, "30")],
                RevenueTotal::Exactly100
            ),
            vec![("splits".into(), "revenue_shares_total".into())]
        );
        assert!(errors(&[share(2, Revenue, "30")], RevenueTotal::AtMost100).is_empty());
        assert_eq!(
            errors(
                &[share(1, Revenue, "60"), share(2, Revenue, "50")],
                RevenueTotal::AtMost100
            ),
            vec![("splits".into(), "revenue_shares_total".into())]
        );
        assert_eq!(
            errors(
                &[share(1, Revenue, "100"), share(2, Overlay, "0")],
                RevenueTotal::Exactly100
            ),
            vec![("splits[1].share_pct".into(), "invalid_share".into())]
        );
        assert_eq!(
            errors(
                &[share(1, Revenue, "99.995"), share(2, Overlay, "100.5")],
                RevenueTotal::AtMost100
            ),
            vec![
                ("splits[0].share_pct".into(), "invalid_share".into()),
                ("splits[1].share_pct".into(), "invalid_share".into()),
            ]
        );
        assert_eq!(
            errors(
                &[share(1, Revenue, "50"), share(1, Revenue, "50")],
                RevenueTotal::Exactly100
            ),
            vec![("splits[1].salesperson_id".into(), "duplicate_share".into())]
        );
        // The same person may hold a revenue and an overlay share.
        assert!(errors(
            &[share(1, Revenue, "100"), share(1, Overlay, "10")],
            RevenueTotal::Exactly100
        )
        .is_empty());
        assert_eq!(
            errors(&[], RevenueTotal::AtMost100),
            vec![("splits".into(), "required".into())]
        );
    }
}
