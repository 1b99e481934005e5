//! Results rules: money in the reporting currency, credit notes, and the rollup
//! deltas every ledger change produces. Pure: no HTTP, no SQL.

pub mod credit;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::{FieldError, Validator};

/// An invoice counts positive; a credit note negative.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleKind {
    #[default]
    Invoice,
    CreditNote,
}

impl SaleKind {
    pub const ALL: [SaleKind; 2] = [SaleKind::Invoice, SaleKind::CreditNote];
    pub fn as_str(self) -> &'static str {
        match self {
            SaleKind::Invoice => "invoice",
            SaleKind::CreditNote => "credit_note",
        }
    }
    /// The kind named `s`; `None` for any other text (never a default).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A sale's amounts as sent and as counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amounts {
    pub currency: String,
    pub fx_rate: Decimal,
    /// As sent, in `currency`.
    pub amount_revenue: Decimal,
    pub amount_gross_profit: Decimal,
    /// Counted, in the reporting currency: negative for a credit note.
    pub revenue: Decimal,
    pub gross_profit: Decimal,
}

fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn money_ok(d: Decimal) -> bool {
    d.normalize().scale() <= 2 && d.abs() < Decimal::new(1_000_000_000_000_000, 2)
}

/// Checks a sale's money and works out what it counts for. Revenue is given as a
/// positive amount (a credit note is made negative by its kind); gross profit is
/// given directly or derived from `cost`; another currency than `reporting`
/// needs `fx_rate`, units of the reporting currency per unit of the sale's.
#[allow(clippy::too_many_arguments)]
pub fn amounts(
    v: &mut Validator,
    reporting: &str,
    kind: SaleKind,
    revenue: Decimal,
    gross_profit: Option<Decimal>,
    cost: Option<Decimal>,
    currency: Option<&str>,
    fx_rate: Option<Decimal>,
) -> Option<Amounts> {
    let before = v.len();
    v.check(
        revenue >= Decimal::ZERO,
        "revenue",
        "negative",
        "give a positive amount; a credit note's kind makes it count negative",
    );
    v.check(
        money_ok(revenue),
        "revenue",
        "invalid_amount",
        "an amount with at most 2 decimals",
    );
    let gp = match (gross_profit, cost) {
        (Some(g), None) => Some(g),
        (None, Some(c)) => {
            v.check(
                c >= Decimal::ZERO && money_ok(c),
                "cost",
                "invalid_amount",
                "a positive amount with at most 2 decimals",
            );
            Some(revenue - c)
        }
        (Some(_), Some(_)) => {
            v.push(FieldError::new(
                "cost",
                "conflict",
                "give gross_profit or cost, not both",
            ));
            None
        }
        (None, None) => {
            v.push(FieldError::new(
                "gross_profit",
                "required",
                "give gross_profit, or cost to derive it from",
            ));
            None
        }
    };
    if let Some(g) = gross_profit {
        v.check(
            money_ok(g),
            "gross_profit",
            "invalid_amount",
            "an amount with at most 2 decimals",
        );
        v.check(
            g <= revenue,
            "gross_profit",
            "exceeds_revenue",
            "gross profit cannot exceed revenue",
        );
    }
    let currency = currency.unwrap_or(reporting).to_string();
    let fx = if currency == reporting {
        if fx_rate.is_some_and(|r| r != Decimal::ONE) {
            v.push(FieldError::new(
                "fx_rate",
                "not_applicable",
                "a sale in the reporting currency has no other rate than 1",
            ));
        }
        Decimal::ONE
    } else {
        if !crate::org::rules::is_currency(&currency) {
            v.push(FieldError::new(
                "currency",
                "invalid_currency",
                "an ISO 4217 code, e.g. USD",
            ));
        }
        match fx_rate {
            Some(r)
                if r > Decimal::ZERO
                    && r < Decimal::from(1_000_000)
                    && r.normalize().scale() <= 10 =>
            {
                r
            }
            Some(_) => {
                v.push(FieldError::new(
                    "fx_rate",
                    "invalid_rate",
                    "a positive rate with at most 10 decimals",
                ));
                Decimal::ONE
            }
            None => {
                v.push(FieldError::new(
                    "fx_rate",
                    "required",
                    format!("a sale in {currency} needs fx_rate: units of {reporting} per unit of {currency}"),
                ));
                Decimal::ONE
            }
        }
    };
    if v.len() > before {
        return None;
    }
    let gp = gp?;
    let sign = if kind == SaleKind::CreditNote {
        Decimal::NEGATIVE_ONE
    } else {
        Decimal::ONE
    };
    let (counted_revenue, counted_gp) = (cents(revenue * fx) * sign, cents(gp * fx) * sign);
    if !money_ok(counted_revenue) || !money_ok(counted_gp) {
        v.push(FieldError::new(
            "fx_rate",
            "out_of_range",
            format!("at this rate the amounts in {reporting} are too large"),
        ));
        return None;
    }
    Some(Amounts {
        currency,
        fx_rate: fx,
        amount_revenue: revenue,
        amount_gross_profit: gp,
        revenue: counted_revenue,
        gross_profit: counted_gp,
    })
}

/// Rollup metric names.
pub const REVENUE: &str = "revenue";
pub const GROSS_PROFIT: &str = "gross_profit";
pub const NEW_ACCOUNTS: &str = "new_accounts";
/// Overlay credits: a person's own, never a team's or the organisation's.
pub const OVERLAY_REVENUE: &str = "overlay:revenue";
pub const OVERLAY_GROSS_PROFIT: &str = "overlay:gross_profit";
const OVERLAY: &str = "overlay:";

/// The metric a rollup metric counts toward, and whether it is an overlay
/// credit (which counts for a person's own targets only).
pub fn counted_as(metric: &str) -> (&str, bool) {
    match metric.strip_prefix(OVERLAY) {
        Some(m) => (m, true),
        None => (metric, false),
    }
}

pub fn activity_metric(kind: &str) -> String {
    format!("activity:{kind}")
}

/// The rollup metric of a person's overlay credits in `metric`.
pub fn overlay_metric(metric: &str) -> String {
    format!("{OVERLAY}{metric}")
}

/// Changes to the daily rollup, summed per salesperson, metric and day.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Deltas(pub BTreeMap<(Uuid, String, NaiveDate), Decimal>);

impl Deltas {
    pub fn add(&mut self, who: Uuid, metric: &str, day: NaiveDate, amount: Decimal) {
        if amount.is_zero() {
            return;
        }
        let e = self
            .0
            .entry((who, metric.to_string(), day))
            .or_insert(Decimal::ZERO);
        *e += amount;
    }

    /// What a sale counts for, with `sign` +1 to add it and -1 to take it away.
    pub fn sale(
        &mut self,
        who: Uuid,
        day: NaiveDate,
        revenue: Decimal,
        gross_profit: Decimal,
        sign: Decimal,
    ) {
        self.add(who, REVENUE, day, revenue * sign);
        self.add(who, GROSS_PROFIT, day, gross_profit * sign);
    }

    /// What a sale's credits count for, with `sign` +1 to add them and -1 to
    /// take them away: revenue shares in `revenue` and `gross_profit`, overlay
    /// shares in their overlay metrics.
    pub fn credits(&mut self, credits: &[credit::Credit], day: NaiveDate, sign: Decimal) {
        for c in credits {
            let (r, g) = match c.credit_type {
                credit::CreditType::Revenue => (REVENUE, GROSS_PROFIT),
                credit::CreditType::Overlay => (OVERLAY_REVENUE, OVERLAY_GROSS_PROFIT),
            };
            self.add(c.salesperson_id, r, day, c.revenue * sign);
            self.add(c.salesperson_id, g, day, c.gross_profit * sign);
        }
    }

    /// The non-zero changes.
    pub fn changes(&self) -> impl Iterator<Item = (&(Uuid, String, NaiveDate), &Decimal)> {
        self.0.iter().filter(|(_, v)| !v.is_zero())
    }

    /// The non-zero changes to counted metrics (`new_accounts`,
    /// `activity:<kind>`): everything but money.
    pub fn counted(&self) -> impl Iterator<Item = (&(Uuid, String, NaiveDate), &Decimal)> {
        self.changes()
            .filter(|((_, m, _), _)| MoneyDay::column(m).is_none())
    }

    /// The non-zero changes to money metrics, one per person and day (in that
    /// order).
    pub fn money(&self) -> BTreeMap<(Uuid, NaiveDate), MoneyDay> {
        let mut out: BTreeMap<(Uuid, NaiveDate), MoneyDay> = BTreeMap::new();
        for ((who, metric, day), amount) in self.changes() {
            if let Some(column) = MoneyDay::column(metric) {
                out.entry((*who, *day)).or_default().add(column, *amount);
            }
        }
        out
    }
}

/// A person's money on one day: their revenue and gross-profit credits, and
/// their overlay credits (`None`: none).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MoneyDay {
    pub revenue: Decimal,
    pub gross_profit: Decimal,
    pub overlay_revenue: Option<Decimal>,
    pub overlay_gross_profit: Option<Decimal>,
}

/// Which of a [`MoneyDay`]'s amounts a money metric is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyColumn {
    Revenue,
    GrossProfit,
    OverlayRevenue,
    OverlayGrossProfit,
}

impl MoneyDay {
    /// The amount a rollup metric is kept in; `None` for a counted metric.
    pub fn column(metric: &str) -> Option<MoneyColumn> {
        match metric {
            REVENUE => Some(MoneyColumn::Revenue),
            GROSS_PROFIT => Some(MoneyColumn::GrossProfit),
            OVERLAY_REVENUE => Some(MoneyColumn::OverlayRevenue),
            OVERLAY_GROSS_PROFIT => Some(MoneyColumn::OverlayGrossProfit),
            _ => None,
        }
    }

    fn add(&mut self, column: MoneyColumn, amount: Decimal) {
        let overlay = |o: &mut Option<Decimal>| {
            let sum = o.unwrap_or_default() + amount;
            *o = (!sum.is_zero()).then_some(sum);
        };
        match column {
            MoneyColumn::Revenue => self.revenue += amount,
            MoneyColumn::GrossProfit => self.gross_profit += amount,
            MoneyColumn::OverlayRevenue => overlay(&mut self.overlay_revenue),
            MoneyColumn::OverlayGrossProfit => overlay(&mut self.overlay_gross_profit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn a_sale_kind_reads_back_or_not_at_all() {
        for k in SaleKind::ALL {
            assert_eq!(SaleKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(SaleKind::parse("refund"), None);
        assert_eq!(SaleKind::parse(""), None);
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn ok(
        kind: SaleKind,
        rev: &str,
        gp: Option<&str>,
        cost: Option<&str>,
        cur: Option<&str>,
        fx: Option<&str>,
    ) -> Amounts {
        let mut v = Validator::new();
        let a = amounts(
            &mut v,
            "EUR",
            kind,
            dec(rev),
            gp.map(dec),
            cost.map(dec),
            cur,
            fx.map(dec),
        );
        assert!(v.finish().is_ok());
        a.unwrap()
    }

    fn refused(
        rev: &str,
        gp: Option<&str>,
        cost: Option<&str>,
        cur: Option<&str>,
        fx: Option<&str>,
    ) -> Vec<(String, String)> {
        let mut v = Validator::new();
        let a = amounts(
            &mut v,
            "EUR",
            SaleKind::Invoice,
            dec(rev),
            gp.map(dec),
            cost.map(dec),
            cur,
            fx.map(dec),
        );
        assert!(a.is_none());
        v.finish()
            .unwrap_err()
            .errors
            .into_iter()
            .map(|f| (f.field, f.code))
            .collect()
    }

    #[test]
    fn invoices_credit_notes_and_cost() {
        let a = ok(
            SaleKind::Invoice,
            "1000.00",
            Some("300.00"),
            None,
            None,
            None,
        );
        assert_eq!((a.revenue, a.gross_profit), (dec("1000.00"), dec("300.00")));
        let c = ok(SaleKind::CreditNote, "200", None, Some("150"), None, None);
        assert_eq!((c.revenue, c.gross_profit), (dec("-200"), dec("-50")));
        assert_eq!(c.amount_gross_profit, dec("50"));
        // A loss-making sale has a negative gross profit.
        let l = ok(SaleKind::Invoice, "100", None, Some("130"), None, None);
        assert_eq!(l.gross_profit, dec("-30"));
    }

    #[test]
    fn other_currencies_need_a_rate_and_round_to_cents() {
        let a = ok(
            SaleKind::Invoice,
            "1000.00",
            Some("333.33"),
            None,
            Some("USD"),
            Some("0.92"),
        );
        assert_eq!((a.revenue, a.gross_profit), (dec("920.00"), dec("306.66")));
        let b = ok(
            SaleKind::Invoice,
            "0.05",
            Some("0.05"),
            None,
            Some("GBP"),
            Some("1.1"),
        );
        assert_eq!(b.revenue, dec("0.06"), "0.055 rounds half away from zero");
        assert_eq!(
            refused("10", Some("1"), None, Some("USD"), None),
            vec![("fx_rate".into(), "required".into())]
        );
        assert_eq!(
            refused("10", Some("1"), None, Some("USD"), Some("0")),
            vec![("fx_rate".into(), "invalid_rate".into())]
        );
        assert_eq!(
            refused("10", Some("1"), None, None, Some("1.2")),
            vec![("fx_rate".into(), "not_applicable".into())]
        );
        assert_eq!(
            refused("10", Some("1"), None, Some("XYZ"), Some("1.2")),
            vec![("currency".into(), "invalid_currency".into())]
        );
    }

    #[test]
    fn amounts_are_checked() {
        assert_eq!(
            refused("-5", Some("1"), None, None, None)[0],
            ("revenue".into(), "negative".into())
        );
        assert_eq!(
            refused("5.001", Some("1"), None, None, None),
            vec![("revenue".into(), "invalid_amount".into())]
        );
        assert_eq!(
            refused("5", None, None, None, None),
            vec![("gross_profit".into(), "required".into())]
        );
        assert_eq!(
            refused("5", Some("1"), Some("4"), None, None),
            vec![("cost".into(), "conflict".into())]
        );
        assert_eq!(
            refused("5", Some("6"), None, None, None),
            vec![("gross_profit".into(), "exceeds_revenue".into())]
        );
    }

    #[test]
    fn deltas_sum_and_cancel() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let d: NaiveDate = "2026-11-26".parse().unwrap();
        let mut x = Deltas::default();
        x.sale(a, d, dec("100"), dec("30"), Decimal::ONE);
        x.sale(a, d, dec("100"), dec("30"), Decimal::NEGATIVE_ONE);
        x.sale(b, d, dec("100"), dec("30"), Decimal::ONE);
        x.add(b, NEW_ACCOUNTS, d, Decimal::ONE);
        let got: Vec<_> = x
            .changes()
            .map(|((w, m, _), v)| (*w, m.clone(), *v))
            .collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got.contains(&(b, "revenue".into(), dec("100"))));
        assert!(got.contains(&(b, "new_accounts".into(), dec("1"))));
        assert_eq!(activity_metric("call"), "activity:call");
        assert_eq!(overlay_metric("revenue"), OVERLAY_REVENUE);
        assert_eq!(
            counted_as(&overlay_metric("gross_profit")),
            ("gross_profit", true)
        );
    }

    #[test]
    fn money_is_kept_a_row_a_person_and_day_and_counts_apart() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let d1: NaiveDate = "2026-11-26".parse().unwrap();
        let d2: NaiveDate = "2026-11-27".parse().unwrap();
        let mut x = Deltas::default();
        x.sale(a, d1, dec("100"), dec("30"), Decimal::ONE);
        x.add(a, OVERLAY_REVENUE, d1, dec("40"));
        x.add(a, OVERLAY_REVENUE, d1, dec("-40"));
        x.add(b, OVERLAY_GROSS_PROFIT, d2, dec("7.5"));
        x.add(b, NEW_ACCOUNTS, d2, Decimal::ONE);
        x.add(a, &activity_metric("call"), d1, dec("3"));
        let money: Vec<_> = x.money().into_iter().collect();
        assert_eq!(
            money,
            vec![
                (
                    (a, d1),
                    MoneyDay {
                        revenue: dec("100"),
                        gross_profit: dec("30"),
                        overlay_revenue: None,
                        overlay_gross_profit: None,
                    }
                ),
                (
                    (b, d2),
                    MoneyDay {
                        revenue: Decimal::ZERO,
                        gross_profit: Decimal::ZERO,
                        overlay_revenue: None,
                        overlay_gross_profit: Some(dec("7.5")),
                    }
                ),
            ]
        );
        let counted: Vec<_> = x
            .counted()
            .map(|((w, m, _), v)| (*w, m.as_str(), *v))
            .collect();
        assert_eq!(
            counted,
            vec![
                (a, "activity:call", dec("3")),
                (b, "new_accounts", dec("1"))
            ]
        );
        assert_eq!(MoneyDay::column("activity:revenue"), None);
    }
}
