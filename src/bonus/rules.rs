//! Bonus plan rules: tiers, gates, and what a given attainment pays.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, Invalid, Validator};

/// From this attainment (percent of the target) on, the plan pays this much.
/// (Stored as JSON in the plan's row.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    #[serde(deserialize_with = "crate::values::amount")]
    pub attainment_pct: Decimal,
    #[serde(deserialize_with = "crate::values::amount")]
    pub payout: Decimal,
}

/// Why a bonus plan cannot be made or changed.
#[derive(Debug, thiserror::Error)]
pub enum BonusError {
    /// Plans are an admin's to make, change and delete.
    #[error("bonus plans are created, changed and deleted by an admin only")]
    AdminsOnly,
    /// Invalid fields; the first that names a broken rule (`bonus_not_financial`)
    /// gives the problem its code.
    #[error("invalid")]
    Refused(Invalid),
}

/// The codes of invalid fields that name the broken rule in the problem's `code`.
pub const RULE_CODES: [&str; 1] = ["bonus_not_financial"];

/// Plans are created, changed and deleted by admins only.
pub fn check_admin(is_admin: bool) -> Result<(), BonusError> {
    if is_admin {
        Ok(())
    } else {
        Err(BonusError::AdminsOnly)
    }
}

/// What a percentage of `whole` `part` is, to the cent (0 for no whole).
pub fn pct2(part: Decimal, whole: Decimal) -> Decimal {
    if whole <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let mut d = (part * Decimal::from(100) / whole).round_dp(2);
    d.rescale(2);
    d
}

/// An amount to the cent.
pub fn cents(mut d: Decimal) -> Decimal {
    d = d.round_dp(2);
    d.rescale(2);
    d
}

/// The highest tier an attainment reaches (its attainment_pct), if any.
pub fn tier_reached(attainment_pct: Decimal, tiers: &[Tier]) -> Option<Decimal> {
    tiers
        .iter()
        .filter(|t| attainment_pct >= t.attainment_pct)
        .map(|t| t.attainment_pct)
        .next_back()
}

pub const MAX_TIERS: usize = 20;

fn pct_ok(p: Decimal) -> bool {
    p > Decimal::ZERO && p <= Decimal::from(1000) && p.normalize().scale() <= 2
}

/// Tiers: 1 to 20, attainment rising strictly (0 < pct ≤ 1000), payouts in cents
/// that never fall.
pub fn check_tiers(v: &mut Validator, tiers: &[Tier]) {
    if tiers.is_empty() || tiers.len() > MAX_TIERS {
        v.push(FieldError::new(
            "tiers",
            "count",
            format!("give 1 to {MAX_TIERS} tiers"),
        ));
        return;
    }
    for (i, t) in tiers.iter().enumerate() {
        // Named as the JSON body reader names the same fields (`tiers[1].payout`).
        let f = |name: &str| format!("tiers[{i}].{name}");
        v.check(
            pct_ok(t.attainment_pct),
            &f("attainment_pct"),
            "out_of_range",
            "a percentage above 0 and at most 1000, with at most 2 decimals",
        );
        v.check(
            t.payout >= Decimal::ZERO
                && t.payout.normalize().scale() <= 2
                && t.payout < Decimal::from(1_000_000_000_000i64),
            &f("payout"),
            "out_of_range",
            "an amount of 0 or more, in cents at most",
        );
        if i > 0 {
            let prev = &tiers[i - 1];
            v.check(
                t.attainment_pct > prev.attainment_pct,
                &f("attainment_pct"),
                "not_increasing",
                "tiers go up in attainment",
            );
            v.check(
                t.payout >= prev.payout,
                &f("payout"),
                "decreasing",
                "a higher tier never pays less",
            );
        }
    }
}

pub fn check_gate_pct(v: &mut Validator, pct: Decimal) {
    v.check(
        pct_ok(pct),
        "gate.attainment_pct",
        "out_of_range",
        "a percentage above 0 and at most 1000, with at most 2 decimals",
    );
}

/// What an attainment earns: the payout of the highest tier reached (0 below the
/// first), and nothing while a gate is not met.
pub fn payout(attainment_pct: Decimal, tiers: &[Tier], gate_met: bool) -> Decimal {
    if !gate_met {
        return Decimal::ZERO;
    }
    tiers
        .iter()
        .filter(|t| attainment_pct >= t.attainment_pct)
        .map(|t| t.payout)
        .next_back()
        .unwrap_or(Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn tier(p: &str, pay: &str) -> Tier {
        Tier {
            attainment_pct: dec(p),
            payout: dec(pay),
        }
    }

    #[test]
    fn tiers_must_rise() {
        let mut v = Validator::new();
        check_tiers(
            &mut v,
            &[
                tier("80", "500"),
                tier("100", "1000"),
                tier("120", "1500.50"),
            ],
        );
        assert!(v.finish().is_ok());
        let mut v = Validator::new();
        check_tiers(
            &mut v,
            &[tier("100", "1000"), tier("100", "900"), tier("0", "-1")],
        );
        let e = v.finish().unwrap_err();
        let got: Vec<(&str, &str)> = e
            .errors
            .iter()
            .map(|f| (f.field.as_str(), f.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("tiers[1].attainment_pct", "not_increasing"),
                ("tiers[1].payout", "decreasing"),
                ("tiers[2].attainment_pct", "out_of_range"),
                ("tiers[2].payout", "out_of_range"),
                ("tiers[2].attainment_pct", "not_increasing"),
                ("tiers[2].payout", "decreasing"),
            ]
        );
        let mut v = Validator::new();
        check_tiers(&mut v, &[]);
        assert_eq!(v.finish().unwrap_err().errors[0].code, "count");
    }

    #[test]
    fn payouts() {
        let tiers = [tier("80", "500"), tier("100", "1000"), tier("120", "1500")];
        assert_eq!(payout(dec("79.99"), &tiers, true), dec("0"));
        assert_eq!(payout(dec("80"), &tiers, true), dec("500"));
        assert_eq!(payout(dec("119.99"), &tiers, true), dec("1000"));
        assert_eq!(payout(dec("250"), &tiers, true), dec("1500"));
        assert_eq!(
            payout(dec("250"), &tiers, false),
            dec("0"),
            "the gate holds everything back"
        );
    }
}
