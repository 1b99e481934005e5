//! The demo's days, all worked out from the day it is built on: the demo lives
//! in the quarter holding that day.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::calendar::{Calendar, Granularity};

/// The days the demo is built around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDays {
    /// The day it is built on (the organisation's today).
    pub today: NaiveDate,
    /// The calendar quarter holding `today`: its first and last day.
    pub quarter: (NaiveDate, NaiveDate),
    /// The first day of the quarter before, from which people, accounts and
    /// results are there (a quarter of history behind the plan).
    pub history_from: NaiveDate,
    /// The last day with results: the last working day (Monday to Friday, as
    /// the demo works) on or before `today`. Nothing is dated after it.
    pub last_result_day: NaiveDate,
    /// The day Hugo's prospect was won: a month ago, but never before the
    /// history's second day.
    pub won_on: NaiveDate,
}

/// Monday to Friday, as the demo organisation works.
pub fn is_working(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

impl DemoDays {
    pub fn around(today: NaiveDate) -> Self {
        let cal = Calendar::new(1);
        let quarter = cal.containing(Granularity::Quarter, today);
        let history = cal.previous(&quarter);
        let mut last = today;
        while !is_working(last) {
            last -= Duration::days(1);
        }
        DemoDays {
            today,
            quarter: (quarter.starts_on, quarter.ends_on),
            history_from: history.starts_on,
            last_result_day: last,
            won_on: (today - Duration::days(30)).max(history.starts_on + Duration::days(1)),
        }
    }

    /// The working days of the quarter (all of them, past and to come).
    pub fn working_days_in_quarter(&self) -> u32 {
        let (from, to) = self.quarter;
        working_days(from, to)
    }

    /// The working days of the quarter before.
    pub fn working_days_in_history(&self) -> u32 {
        working_days(self.history_from, self.quarter.0 - Duration::days(1))
    }
}

/// Working days in `[from, to]`.
fn working_days(from: NaiveDate, to: NaiveDate) -> u32 {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| is_working(*d))
        .count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn on_the_first_day_of_a_quarter() {
        // Thursday 1 October 2026: 2026-Q4, the quarter before is 2026-Q3 from
        // 1 July; a working day, so the results reach it.
        let days = DemoDays::around(d("2026-10-01"));
        assert_eq!(days.quarter, (d("2026-10-01"), d("2026-12-31")));
        assert_eq!(days.history_from, d("2026-07-01"));
        assert_eq!(days.last_result_day, d("2026-10-01"));
        // A month ago, 1 September, is after 2 July.
        assert_eq!(days.won_on, d("2026-09-01"));
        // 2026-Q4: October 22 weekdays, November 21, December 23 = 66.
        assert_eq!(days.working_days_in_quarter(), 66);
        // 2026-Q3: July 23, August 21, September 22 = 66.
        assert_eq!(days.working_days_in_history(), 66);
    }

    #[test]
    fn on_a_sunday_mid_quarter() {
        // Sunday 15 November 2026: the last result day is Friday the 13th.
        let days = DemoDays::around(d("2026-11-15"));
        assert_eq!(days.quarter, (d("2026-10-01"), d("2026-12-31")));
        assert_eq!(days.last_result_day, d("2026-11-13"));
        assert_eq!(days.won_on, d("2026-10-16"));
    }

    #[test]
    fn on_the_last_day_of_a_year() {
        // Thursday 31 December 2026, the last day of 2026-Q4.
        let days = DemoDays::around(d("2026-12-31"));
        assert_eq!(days.quarter, (d("2026-10-01"), d("2026-12-31")));
        assert_eq!(days.history_from, d("2026-07-01"));
        assert_eq!(days.last_result_day, d("2026-12-31"));
        assert_eq!(days.won_on, d("2026-12-01"));
    }

    #[test]
    fn at_the_end_of_february() {
        // Sunday 28 February 2027: 2027-Q1, the quarter before is 2026-Q4; the
        // last result day is Friday the 26th.
        let days = DemoDays::around(d("2027-02-28"));
        assert_eq!(days.quarter, (d("2027-01-01"), d("2027-03-31")));
        assert_eq!(days.history_from, d("2026-10-01"));
        assert_eq!(days.last_result_day, d("2027-02-26"));
        // 30 days before 28 February is 29 January.
        assert_eq!(days.won_on, d("2027-01-29"));
        // 2027-Q1: January 21 weekdays, February 20, March 23 = 64.
        assert_eq!(days.working_days_in_quarter(), 64);
    }

    #[test]
    fn on_a_saturday_that_starts_a_quarter() {
        // Saturday 1 January 2028: no working day of 2028-Q1 has come, so the
        // last results are those of Friday 31 December 2027.
        let days = DemoDays::around(d("2028-01-01"));
        assert_eq!(days.quarter, (d("2028-01-01"), d("2028-03-31")));
        assert_eq!(days.history_from, d("2027-10-01"));
        assert_eq!(days.last_result_day, d("2027-12-31"));
    }
}
