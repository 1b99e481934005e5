//! The organisation's calendar: period keys (calendar and fiscal years and
//! quarters, months, ISO weeks) and working days. Pure: no HTTP, no SQL.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub mod api;

/// How long a period is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Year,
    Quarter,
    Month,
    Week,
}

/// A named stretch of days, both ends included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub key: String,
    pub granularity: Granularity,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl Period {
    pub fn days(&self) -> i64 {
        (self.ends_on - self.starts_on).num_days() + 1
    }
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && day <= self.ends_on
    }
}

/// The years a key may name.
pub const MIN_YEAR: i32 = 1000;
pub const MAX_YEAR: i32 = 9998;

/// The organisation's year: the month its fiscal year starts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calendar {
    fiscal_start: u32,
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn last_of_month(y: i32, m: u32) -> NaiveDate {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    ymd(ny, nm, 1).expect("valid month") - Duration::days(1)
}

/// Adds `n` months to the first day of (y, m).
fn add_months(y: i32, m: u32, n: i32) -> (i32, u32) {
    let idx = y * 12 + (m as i32 - 1) + n;
    (idx.div_euclid(12), (idx.rem_euclid(12) + 1) as u32)
}

impl Calendar {
    /// `fiscal_start`: 1 (January) to 12.
    pub fn new(fiscal_start: u32) -> Self {
        assert!((1..=12).contains(&fiscal_start), "a month is 1 to 12");
        Calendar { fiscal_start }
    }

    pub fn is_fiscal(&self) -> bool {
        self.fiscal_start != 1
    }

    /// The fiscal year (named by the calendar year it ends in) that holds `day`.
    pub fn fiscal_year_of(&self, day: NaiveDate) -> i32 {
        if self.fiscal_start == 1 || day.month() < self.fiscal_start {
            day.year()
        } else {
            day.year() + 1
        }
    }

    fn fiscal_year(&self, fy: i32) -> (NaiveDate, NaiveDate) {
        if self.fiscal_start == 1 {
            return (ymd(fy, 1, 1).expect("date"), ymd(fy, 12, 31).expect("date"));
        }
        let start = ymd(fy - 1, self.fiscal_start, 1).expect("date");
        let (ey, em) = add_months(fy - 1, self.fiscal_start, 11);
        (start, last_of_month(ey, em))
    }

    fn fiscal_quarter(&self, fy: i32, q: u32) -> (NaiveDate, NaiveDate) {
        let (sy, sm) = if self.fiscal_start == 1 {
            (fy, 1)
        } else {
            (fy - 1, self.fiscal_start)
        };
        let (qy, qm) = add_months(sy, sm, 3 * (q as i32 - 1));
        let (ey, em) = add_months(qy, qm, 2);
        (ymd(qy, qm, 1).expect("date"), last_of_month(ey, em))
    }

    fn year_key(&self, fy: i32) -> String {
        if self.is_fiscal() {
            format!("FY{fy}")
        } else {
            format!("{fy}")
        }
    }

    /// The period of this granularity, in the organisation's calendar, that holds `day`.
    pub fn containing(&self, g: Granularity, day: NaiveDate) -> Period {
        match g {
            Granularity::Year => {
                let fy = self.fiscal_year_of(day);
                let (s, e) = self.fiscal_year(fy);
                Period {
                    key: self.year_key(fy),
                    granularity: g,
                    starts_on: s,
                    ends_on: e,
                }
            }
            Granularity::Quarter => {
                let fy = self.fiscal_year_of(day);
                let months_in =
                    (day.month() as i32 - self.fiscal_start as i32).rem_euclid(12) as u32;
                let q = months_in / 3 + 1;
                let (s, e) = self.fiscal_quarter(fy, q);
                Period {
                    key: format!("{}-Q{q}", self.year_key(fy)),
                    granularity: g,
                    starts_on: s,
                    ends_on: e,
                }
            }
            Granularity::Month => Period {
                key: format!("{:04}-{:02}", day.year(), day.month()),
                granularity: g,
                starts_on: ymd(day.year(), day.month(), 1).expect("date"),
                ends_on: last_of_month(day.year(), day.month()),
            },
            Granularity::Week => {
                let w = day.iso_week();
                let start =
                    NaiveDate::from_isoywd_opt(w.year(), w.week(), Weekday::Mon).expect("iso week");
                Period {
                    key: format!("{:04}-W{:02}", w.year(), w.week()),
                    granularity: g,
                    starts_on: start,
                    ends_on: start + Duration::days(6),
                }
            }
        }
    }

    /// The period right after `p`.
    pub fn next(&self, p: &Period) -> Period {
        self.containing(p.granularity, p.ends_on + Duration::days(1))
    }

    /// The period right before `p`.
    pub fn previous(&self, p: &Period) -> Period {
        self.containing(p.granularity, p.starts_on - Duration::days(1))
    }

    /// Every period of a granularity that overlaps `[from, to]`, in order.
    pub fn periods(&self, g: Granularity, from: NaiveDate, to: NaiveDate) -> Vec<Period> {
        let mut out = Vec::new();
        let mut p = self.containing(g, from);
        while p.starts_on <= to {
            let next = self.next(&p);
            out.push(p);
            p = next;
        }
        out
    }

    /// Reads a key: `2026` and `2026-Q4` (calendar year and quarter), `FY2027` and
    /// `FY2027-Q1` (fiscal, named by the year the fiscal year ends in), `2026-11`
    /// (month), `2026-W48` (ISO week). Calendar keys are read in any organisation;
    /// listings use the organisation's own (fiscal keys when its year does not
    /// start in January).
    pub fn parse(&self, key: &str) -> Option<Period> {
        let key = key.trim();
        let year = |s: &str| -> Option<i32> {
            (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
                .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
        };
        if let Some(rest) = key.strip_prefix("FY") {
            let (y, q) = match rest.split_once("-Q") {
                Some((y, q)) => (y, Some(q)),
                None => (rest, None),
            };
            let fy = year(y)?;
            return Some(match q {
                None => {
                    let (s, e) = self.fiscal_year(fy);
                    Period {
                        key: format!("FY{fy}"),
                        granularity: Granularity::Year,
                        starts_on: s,
                        ends_on: e,
                    }
                }
                Some(q) => {
                    let q: u32 = (q.len() == 1)
                        .then(|| q.parse().ok())
                        .flatten()
                        .filter(|q| (1..=4).contains(q))?;
                    let (s, e) = self.fiscal_quarter(fy, q);
                    Period {
                        key: format!("FY{fy}-Q{q}"),
                        granularity: Granularity::Quarter,
                        starts_on: s,
                        ends_on: e,
                    }
                }
            });
        }
        if let Some(y) = year(key) {
            return Some(Period {
                key: key.to_string(),
                granularity: Granularity::Year,
                starts_on: ymd(y, 1, 1)?,
                ends_on: ymd(y, 12, 31)?,
            });
        }
        let (y, rest) = key.split_once('-')?;
        let y = year(y)?;
        if let Some(q) = rest.strip_prefix('Q') {
            let q: u32 = (q.len() == 1)
                .then(|| q.parse().ok())
                .flatten()
                .filter(|q| (1..=4).contains(q))?;
            let sm = 3 * (q - 1) + 1;
            return Some(Period {
                key: format!("{y}-Q{q}"),
                granularity: Granularity::Quarter,
                starts_on: ymd(y, sm, 1)?,
                ends_on: last_of_month(y, sm + 2),
            });
        }
        if let Some(w) = rest.strip_prefix('W') {
            let w: u32 = (w.len() == 2).then(|| w.parse().ok()).flatten()?;
            let start = NaiveDate::from_isoywd_opt(y, w, Weekday::Mon)?;
            return Some(Period {
                key: format!("{y}-W{w:02}"),
                granularity: Granularity::Week,
                starts_on: start,
                ends_on: start + Duration::days(6),
            });
        }
        let m: u32 = (rest.len() == 2)
            .then(|| rest.parse().ok())
            .flatten()
            .filter(|m| (1..=12).contains(m))?;
        Some(Period {
            key: format!("{y}-{m:02}"),
            granularity: Granularity::Month,
            starts_on: ymd(y, m, 1)?,
            ends_on: last_of_month(y, m),
        })
    }
}

/// Which days are worked: weekdays and holidays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkWeek {
    days: [bool; 7],
    holidays: BTreeSet<NaiveDate>,
}

impl WorkWeek {
    /// `days`: the working weekdays, Monday = 0.
    pub fn new(days: &[Weekday], holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        let mut d = [false; 7];
        for w in days {
            d[w.num_days_from_monday() as usize] = true;
        }
        WorkWeek {
            days: d,
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_working(&self, day: NaiveDate) -> bool {
        self.days[day.weekday().num_days_from_monday() as usize] && !self.holidays.contains(&day)
    }

    /// Working days in `[from, to]` (0 when `to` is before `from`).
    pub fn count(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to < from {
            return 0;
        }
        let total = (to - from).num_days() + 1;
        let weeks = total / 7;
        let per_week = self.days.iter().filter(|d| **d).count() as i64;
        let mut n = weeks * per_week;
        let mut day = from + Duration::days(weeks * 7);
        while day <= to {
            if self.days[day.weekday().num_days_from_monday() as usize] {
                n += 1;
            }
            day += Duration::days(1);
        }
        let holidays = self
            .holidays
            .range(from..=to)
            .filter(|h| self.days[h.weekday().num_days_from_monday() as usize])
            .count() as i64;
        (n - holidays) as u32
    }
}

#[cfg(test)]
mod tests;
