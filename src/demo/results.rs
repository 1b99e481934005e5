//! The demo's results: sales and activities pushed as a CRM pushes them.
//!
//! They are shaped so that the quarter shows a spread on whichever day the
//! demo is built: each farmer sells at a pace of their own against their
//! quarter's revenue target, and each hunter meets prospects at a pace of their
//! own against their meetings target, every working day from the quarter's
//! first. Fiona runs at 130% of her pace (ahead), Faye at 100% (on track),
//! Frank at 60% (at risk); Hugo meets at 130%, Hana at 60%. Farmers North then
//! gets (1.3 + 1.0 + 0.6) x 95,000 = 275,500 at most of its 300,000: below its
//! target all quarter, and Hunters South (whose hunters bring little revenue of
//! their own: what they win goes to a farmer, and they keep only a share of it)
//! further below.
//!
//! Some credit is shared. Hugo keeps a hunter's share of Woodgrove Bank's sales
//! (see the accounts), Faye's first invoice of the quarter is a deal she
//! shares 60/40 with Hana, and Harper carries an overlay on Contoso. A shared
//! sale is made larger by what the others take, so that the farmer's own credit
//! still keeps her pace; the hunters' shares count for them and for Hunters
//! South, Harper's overlay for her own targets only.
//!
//! Running ahead, Fiona and Hugo reach their quarter's targets before its end
//! (about 51 of its working days in, at 130%): from then on they read
//! achieved rather than ahead, and Frank and Hana still trail.
//!
//! A day's sales of a farmer are their pace times the day's share of their
//! target, give or take 10%, so that the first working day alone already
//! shows Fiona ahead (117% at the least) and Frank behind (66% at the most).
//! Before a quarter's first working day (a quarter starting on a weekend,
//! built that weekend) no target has anything expected yet and every one reads
//! on track; the last results are then the previous quarter's, in which the
//! same people led and trailed (see the scorecards' history).
//!
//! The quarter before is there as history, everyone at their pace, give or
//! take 30% a day. Nothing is dated after the last working day on or before
//! today.

use chrono::{Duration, NaiveDate, TimeZone};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::accounts::Held;
use super::days::{is_working, DemoDays};
use super::plan::{FARMER_REVENUE, HUNTER_MEETINGS};
use super::DemoPeople;
use crate::error::AppError;
use crate::results::dto::{ActivityItem, SaleItem, SplitItem};
use crate::results::rules::credit::CreditType;
use crate::results::rules::SaleKind;
use crate::results::service::{push_activities, push_sales};
use crate::values::{Amount, IsoDate};

/// The farmers' paces this quarter, in percent (Fiona, Frank, Faye).
pub(super) const FARMER_PACE: [i64; 3] = [130, 60, 100];
/// The hunters' paces at meeting prospects this quarter, in percent (Hugo, Hana).
pub(super) const HUNTER_PACE: [i64; 2] = [130, 60];
/// The shared deal: Faye's revenue share, in percent; Hana has the rest.
pub(super) const SHARED_DEAL: i64 = 60;

/// A small deterministic generator, so every demo looks alike.
struct Dice(u64);

impl Dice {
    /// A number in `0..n`.
    fn roll(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }

    /// `100 - spread ..= 100 + spread`, in percent.
    fn around(&mut self, spread: u64) -> i64 {
        100 - spread as i64 + self.roll(2 * spread + 1) as i64
    }
}

/// What a CRM would push for the demo.
#[derive(Default)]
struct Pushed {
    sales: Vec<SaleItem>,
    activities: Vec<ActivityItem>,
}

impl Pushed {
    /// A sale; answers it, for splits to be given.
    fn sale(
        &mut self,
        account: Uuid,
        day: NaiveDate,
        revenue: i64,
        margin: i64,
        kind: SaleKind,
    ) -> &mut SaleItem {
        let n = self.sales.len();
        self.sales.push(SaleItem {
            external_id: format!("inv-{:05}", n + 1),
            source: Some("democrm".into()),
            account_id: Some(account),
            account_external_id: None,
            account_source: None,
            salesperson_id: None,
            splits: None,
            occurred_on: IsoDate(day),
            revenue: Amount(Decimal::from(revenue)),
            gross_profit: Some(Amount(Decimal::from(revenue * margin) / Decimal::from(100))),
            cost: None,
            currency: None,
            fx_rate: None,
            kind: Some(kind),
        });
        &mut self.sales[n]
    }

    fn activity(&mut self, account: Uuid, day: NaiveDate, hour: u32, kind: &str, count: i32) {
        let at = chrono::Utc.from_utc_datetime(&day.and_hms_opt(hour, 0, 0).expect("an hour"));
        let n = self.activities.len();
        self.activities.push(ActivityItem {
            external_id: format!("act-{:05}", n + 1),
            source: Some("democrm".into()),
            kind: kind.into(),
            salesperson_id: None,
            account_id: Some(account),
            occurred_at: at,
            count: Some(count),
        });
    }
}

/// The accounts `who` owns on `day` among `held`, and which buy then.
fn owned(held: &[Held], who: Uuid, day: NaiveDate, buying: bool) -> Vec<&Held> {
    held.iter()
        .filter(|h| h.owner_on(day) == Some(who))
        .filter(|h| !buying || h.buys_from.is_some_and(|from| from <= day))
        .collect()
}

/// A quarter of history and this quarter up to its last result day, pushed the
/// way a CRM pushes them (so credit, rollup and history are all real), by the
/// demo admin.
pub(super) async fn seed(
    c: &mut AsyncPgConnection,
    people: &DemoPeople,
    days: &DemoDays,
    (customers, prospects): (&[Held], &[Held]),
) -> Result<(), AppError> {
    let p = people.as_admin();
    let mut dice = Dice(0x5eed_2026);
    let mut out = Pushed::default();
    let quarter_days = i64::from(days.working_days_in_quarter());
    let history_days = i64::from(days.working_days_in_history());
    // Working days of this quarter passed, for the hunters' running counts.
    let mut k: i64 = 0;
    // Faye's first invoice from then on is the deal she shares with Hana (the
    // quarter's first working day, or the last day with results when the
    // quarter has had none yet).
    let shared_from = days.quarter.0.min(days.last_result_day);
    let mut shared_deal = false;
    let mut day = days.history_from;
    while day <= days.last_result_day {
        if !is_working(day) {
            day += Duration::days(1);
            continue;
        }
        let this_quarter = day >= days.quarter.0;
        if this_quarter {
            k += 1;
        }
        // The farmers' sales: a day's share of their target at their pace.
        for (n, farmer) in people.farmers.iter().enumerate() {
            let (pace, spread, per) = if this_quarter {
                (FARMER_PACE[n], 10, quarter_days)
            } else {
                (100, 30, history_days)
            };
            let today = FARMER_REVENUE * pace * dice.around(spread) / (100 * 100 * per);
            let buying = owned(customers, *farmer, day, true);
            if buying.is_empty() || today <= 0 {
                continue;
            }
            // One or two invoices, on accounts of theirs that buy.
            let split = if today > 1500 { 1 + dice.roll(2) } else { 1 };
            let mut left = today;
            for i in 0..split {
                let part = if i + 1 == split { left } else { left / 2 };
                left -= part;
                let held = buying[dice.roll(buying.len() as u64) as usize];
                let margin = 26 + dice.roll(9) as i64;
                if n == 2 && !shared_deal && day >= shared_from {
                    shared_deal = true;
                    let [_, hana] = people.hunters;
                    let share = |who: Uuid, pct: i64| SplitItem {
                        salesperson_id: who,
                        share_pct: Amount(Decimal::from(pct)),
                        credit_type: CreditType::Revenue,
                    };
                    let revenue = part * 100 / SHARED_DEAL;
                    out.sale(held.id, day, revenue, margin, SaleKind::Invoice)
                        .splits = Some(vec![
                        share(*farmer, SHARED_DEAL),
                        share(hana, 100 - SHARED_DEAL),
                    ]);
                    continue;
                }
                let revenue = part * 100 / (100 - held.taken_on(day));
                out.sale(held.id, day, revenue, margin, SaleKind::Invoice);
            }
            // Now and then, a small credit note in the quarter before.
            if !this_quarter && dice.roll(40) == 0 {
                let account = buying[dice.roll(buying.len() as u64) as usize].id;
                out.sale(account, day, 200, 30, SaleKind::CreditNote);
            }
        }
        // The hunters' meetings: their running count at their pace, rounded.
        for (n, hunter) in people.hunters.iter().enumerate() {
            let chased = owned(prospects, *hunter, day, false);
            if chased.is_empty() {
                continue;
            }
            let meetings = if this_quarter {
                let upto = |k: i64| {
                    (HUNTER_MEETINGS * HUNTER_PACE[n] * k * 2 + 100 * quarter_days)
                        / (200 * quarter_days)
                };
                upto(k) - upto(k - 1)
            } else {
                i64::from(dice.roll(3) == 0)
            };
            for _ in 0..meetings {
                let account = chased[dice.roll(chased.len() as u64) as usize].id;
                out.activity(account, day, 9 + dice.roll(7) as u32, "meeting", 1);
            }
        }
        // Calls, demos and proposals on every account, now and then.
        for a in customers.iter().chain(prospects.iter()) {
            if a.owner_on(day).is_some() && dice.roll(3) == 0 {
                let kind = ["call", "call", "demo", "proposal"][dice.roll(4) as usize];
                let count = 1 + dice.roll(2) as i32;
                out.activity(a.id, day, 9 + dice.roll(7) as u32, kind, count);
            }
        }
        day += Duration::days(1);
    }
    for chunk in out.sales.chunks(1000) {
        push_sales(c, &p, chunk).await?;
    }
    for chunk in out.activities.chunks(1000) {
        push_activities(c, &p, chunk).await?;
    }
    Ok(())
}
