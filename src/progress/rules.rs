//! Pace rules: where a target stands on a day, and what it takes from there.
//! Pure: no HTTP, no SQL. (The progress endpoints are built on these.)

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::calendar::WorkWeek;

/// Where a target stands against its pace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaceStatus {
    /// The value is reached.
    Achieved,
    /// At least `ahead_pct` of the expected-to-date.
    Ahead,
    /// At least `on_track_pct`.
    OnTrack,
    /// At least `behind_pct`.
    Behind,
    /// Below that, or the period is over without the value.
    AtRisk,
}

impl PaceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaceStatus::Achieved => "achieved",
            PaceStatus::Ahead => "ahead",
            PaceStatus::OnTrack => "on_track",
            PaceStatus::Behind => "behind",
            PaceStatus::AtRisk => "at_risk",
        }
    }

    /// The status named `s`; `None` for any other text.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Achieved,
            Self::Ahead,
            Self::OnTrack,
            Self::Behind,
            Self::AtRisk,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// The status a target moved from, when `now` differs from the one last
/// recorded; `None` when it did not move, or when none was recorded yet (its
/// first status is recorded, not announced).
pub fn moved(recorded: Option<&str>, now: PaceStatus) -> Option<PaceStatus> {
    let before = PaceStatus::parse(recorded?)?;
    (before != now).then_some(before)
}

/// The organisation day to sweep at `now` in time zone `tz`: its local date,
/// once that date is later than the last one swept (the first run at or after
/// local midnight); `None` while it is still the day last swept.
pub fn day_to_sweep(
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
    swept_on: NaiveDate,
) -> Option<NaiveDate> {
    let local = now.with_timezone(&tz).date_naive();
    (local > swept_on).then_some(local)
}

/// The pace thresholds, in percent of the expected-to-date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    pub ahead_pct: Decimal,
    pub on_track_pct: Decimal,
    pub behind_pct: Decimal,
}

impl Default for Thresholds {
    /// Ahead from 110%, on track from 95%, behind from 80%, at risk below.
    fn default() -> Self {
        Thresholds {
            ahead_pct: Decimal::from(110),
            on_track_pct: Decimal::from(95),
            behind_pct: Decimal::from(80),
        }
    }
}

/// A target's progress on a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pace {
    pub attainment_pct: Decimal,
    /// The value spread over the period's working days, up to and including `as_of`.
    pub expected_to_date: Decimal,
    /// Actual over expected, in percent (`None` before the first working day).
    pub pace_pct: Option<Decimal>,
    pub status: PaceStatus,
    /// The run rate so far carried to the period's end.
    pub projected: Decimal,
    /// What is still missing (0 once achieved).
    pub gap: Decimal,
    pub working_days_left: u32,
    pub required_per_working_day: Decimal,
    pub required_per_week: Decimal,
}

/// The value spread evenly over `total` working days, after `elapsed` of them;
/// the whole value once the period is over.
fn expected_on(value: Decimal, total: u32, elapsed: u32, over: bool) -> Decimal {
    if over {
        value
    } else if total == 0 {
        Decimal::ZERO
    } else {
        (value * Decimal::from(elapsed) / Decimal::from(total)).round_dp(2)
    }
}

/// How a series is cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeriesGranularity {
    Day,
    Week,
}

/// One point of a chart: the running totals at the end of a day or week.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    pub starts_on: NaiveDate,
    /// The last day of the bucket (a week is cut at the period's ends).
    pub ends_on: NaiveDate,
    /// Cumulative actual to the bucket's end (to `as_of` in the bucket holding it);
    /// `None` for buckets that start after `as_of`.
    pub actual: Option<Decimal>,
    /// Cumulative expected at the bucket's end.
    pub expected: Decimal,
}

/// The cumulative actual against the expected line over the period `[start, end]`, a point
/// per day or per week (weeks begin on `week_start`). `daily` holds what was
/// achieved per day, in any order; days outside the period or after `as_of` are
/// ignored.
pub fn series(
    value: Decimal,
    (start, end): (NaiveDate, NaiveDate),
    as_of: NaiveDate,
    week: &WorkWeek,
    week_start: chrono::Weekday,
    granularity: SeriesGranularity,
    daily: &[(NaiveDate, Decimal)],
) -> Vec<Point> {
    use chrono::Datelike;
    let total = week.count(start, end);
    let mut points = Vec::new();
    let mut from = start;
    while from <= end {
        let to = match granularity {
            SeriesGranularity::Day => from,
            SeriesGranularity::Week => {
                let into = (7 + from.weekday().num_days_from_monday()
                    - week_start.num_days_from_monday())
                    % 7;
                (from + Duration::days(6 - i64::from(into))).min(end)
            }
        };
        let counted_to = to.min(as_of);
        let actual = (from <= as_of).then(|| {
            daily
                .iter()
                .filter(|(d, _)| *d >= start && *d <= counted_to)
                .map(|(_, a)| *a)
                .sum()
        });
        points.push(Point {
            starts_on: from,
            ends_on: to,
            actual,
            expected: expected_on(value, total, week.count(start, to), to >= end),
        });
        from = to + Duration::days(1);
    }
    points
}

/// The first day on which the running total of `daily` (what was achieved per
/// day, in any order) reaches `value`; `None` when it never does.
pub fn reached_on(value: Decimal, daily: &[(NaiveDate, Decimal)]) -> Option<NaiveDate> {
    let mut days = daily.to_vec();
    days.sort_by_key(|(d, _)| *d);
    let mut total = Decimal::ZERO;
    for (day, amount) in days {
        total += amount;
        if total >= value {
            return Some(day);
        }
    }
    None
}

/// The mean of some figures; `None` without any.
pub fn mean(xs: &[Decimal]) -> Option<Decimal> {
    (!xs.is_empty()).then(|| xs.iter().sum::<Decimal>() / Decimal::from(xs.len()))
}

fn pct(part: Decimal, whole: Decimal) -> Decimal {
    (part * Decimal::from(100) / whole).round_dp(2)
}

/// The pace of a target of `value` over `[start, end]` with `actual` achieved by
/// the end of `as_of`. Working days after `as_of` are the days left.
pub fn pace(
    value: Decimal,
    actual: Decimal,
    start: NaiveDate,
    end: NaiveDate,
    as_of: NaiveDate,
    week: &WorkWeek,
    t: Thresholds,
) -> Pace {
    let total = week.count(start, end);
    let elapsed = week.count(start, as_of.min(end));
    let left = if as_of >= end {
        0
    } else {
        week.count((as_of + Duration::days(1)).max(start), end)
    };
    let expected = expected_on(value, total, elapsed, as_of >= end);
    let pace_pct = (expected > Decimal::ZERO).then(|| pct(actual, expected));
    let gap = (value - actual).max(Decimal::ZERO);
    let status = if actual >= value {
        PaceStatus::Achieved
    } else if as_of >= end {
        PaceStatus::AtRisk
    } else {
        match pace_pct {
            None => PaceStatus::OnTrack,
            Some(p) if p >= t.ahead_pct => PaceStatus::Ahead,
            Some(p) if p >= t.on_track_pct => PaceStatus::OnTrack,
            Some(p) if p >= t.behind_pct => PaceStatus::Behind,
            Some(_) => PaceStatus::AtRisk,
        }
    };
    let projected = if elapsed == 0 || as_of >= end {
        actual
    } else {
        (actual * Decimal::from(total) / Decimal::from(elapsed)).round_dp(2)
    };
    let per_day = if left == 0 {
        Decimal::ZERO
    } else {
        (gap / Decimal::from(left)).round_dp(2)
    };
    let days_per_week = week.count(start, start + Duration::days(6));
    Pace {
        attainment_pct: if value > Decimal::ZERO {
            pct(actual, value)
        } else {
            Decimal::ZERO
        },
        expected_to_date: expected,
        pace_pct,
        status,
        projected,
        gap,
        working_days_left: left,
        required_per_working_day: per_day,
        required_per_week: per_day * Decimal::from(days_per_week),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;
    use std::str::FromStr;

    #[test]
    fn a_status_moves_only_from_a_recorded_one_that_differs() {
        assert_eq!(
            moved(Some("on_track"), PaceStatus::Behind),
            Some(PaceStatus::OnTrack)
        );
        assert_eq!(moved(Some("behind"), PaceStatus::Behind), None);
        assert_eq!(moved(None, PaceStatus::AtRisk), None);
        assert_eq!(moved(Some("lost"), PaceStatus::AtRisk), None);
        for p in ["achieved", "ahead", "on_track", "behind", "at_risk"] {
            assert_eq!(PaceStatus::parse(p).map(PaceStatus::as_str), Some(p));
        }
    }

    #[test]
    fn an_organisation_is_swept_from_its_own_midnight_once_a_day() {
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        let la = chrono_tz::America::Los_Angeles;
        // 2032-03-02 03:00 UTC is 19:00 on 1 March in Los Angeles (PST, UTC-8).
        assert_eq!(
            day_to_sweep(at("2032-03-02T03:00:00Z"), la, d("2032-03-01")),
            None
        );
        assert_eq!(
            day_to_sweep(at("2032-03-02T03:00:00Z"), la, d("2032-02-29")),
            Some(d("2032-03-01"))
        );
        // 08:00 UTC is midnight there: the new day.
        assert_eq!(
            day_to_sweep(at("2032-03-02T08:00:00Z"), la, d("2032-03-01")),
            Some(d("2032-03-02"))
        );
        assert_eq!(
            day_to_sweep(at("2032-03-02T07:59:59Z"), la, d("2032-03-01")),
            None
        );
        // In UTC the day began at 00:00; several days missed are swept as one.
        let utc = chrono_tz::UTC;
        assert_eq!(
            day_to_sweep(at("2032-03-02T00:00:30Z"), utc, d("2032-02-20")),
            Some(d("2032-03-02"))
        );
        assert_eq!(
            day_to_sweep(at("2032-03-02T23:59:00Z"), utc, d("2032-03-02")),
            None
        );
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn week(holidays: &[&str]) -> WorkWeek {
        WorkWeek::new(
            &[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            holidays.iter().map(|h| d(h)),
        )
    }

    #[test]
    fn a_target_is_reached_on_the_first_day_its_running_total_gets_there() {
        let daily = [
            (d("2026-11-20"), dec("30000")),
            (d("2026-10-15"), dec("10000")),
            (d("2026-11-25"), dec("-1000")),
            (d("2026-12-10"), dec("5000")),
        ];
        // 10,000 on 15 October, 40,000 on 20 November, 39,000 on the 25th,
        // 44,000 on 10 December.
        assert_eq!(reached_on(dec("40000"), &daily), Some(d("2026-11-20")));
        assert_eq!(reached_on(dec("40000.01"), &daily), Some(d("2026-12-10")));
        assert_eq!(reached_on(dec("10000"), &daily), Some(d("2026-10-15")));
        assert_eq!(reached_on(dec("44000.01"), &daily), None);
        assert_eq!(reached_on(dec("1"), &[]), None);
    }

    #[test]
    fn a_quarter_with_a_holiday() {
        // 2026-Q4: 66 weekdays, Christmas (a Friday) off: 65 working days.
        let w = week(&["2026-12-25"]);
        let (s, e) = (d("2026-10-01"), d("2026-12-31"));
        // By 2026-11-26: October 22 + November 19 (1st-26th) = 41 working days.
        let p = pace(
            dec("65000"),
            dec("40000"),
            s,
            e,
            d("2026-11-26"),
            &w,
            Thresholds::default(),
        );
        assert_eq!(p.expected_to_date, dec("41000"));
        assert_eq!(p.pace_pct, Some(dec("97.56")));
        assert_eq!(p.status, PaceStatus::OnTrack);
        assert_eq!(p.gap, dec("25000"));
        assert_eq!(p.working_days_left, 24);
        assert_eq!(p.required_per_working_day, dec("1041.67"));
        assert_eq!(p.required_per_week, dec("5208.35"));
        assert_eq!(p.projected, dec("63414.63"));
        assert_eq!(p.attainment_pct, dec("61.54"));
    }

    #[test]
    fn weekly_series_across_a_holiday() {
        // 2026-12-14 (Mon) .. 2026-12-31 (Thu): weeks from Monday; Christmas off:
        // 4 + 5 + 4 = 13 working days... Mon 14 - Fri 18 (5), Mon 21 - Thu 24 (4),
        // Mon 28 - Thu 31 (4): 13 in all.
        let w = week(&["2026-12-25"]);
        let (s, e) = (d("2026-12-14"), d("2026-12-31"));
        let daily = [
            (d("2026-12-15"), dec("100")),
            (d("2026-12-22"), dec("250")),
            (d("2026-12-23"), dec("-50")),
            (d("2026-12-29"), dec("999")), // after as_of: not counted
            (d("2026-12-01"), dec("7")),   // before the period: not counted
        ];
        let pts = series(
            dec("1300"),
            (s, e),
            d("2026-12-23"),
            &w,
            Weekday::Mon,
            SeriesGranularity::Week,
            &daily,
        );
        let got: Vec<_> = pts
            .iter()
            .map(|p| (p.starts_on, p.ends_on, p.actual, p.expected))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    d("2026-12-14"),
                    d("2026-12-20"),
                    Some(dec("100")),
                    dec("500")
                ),
                (
                    d("2026-12-21"),
                    d("2026-12-27"),
                    Some(dec("300")),
                    dec("900")
                ),
                (d("2026-12-28"), d("2026-12-31"), None, dec("1300")),
            ]
        );
        // By day: a point per calendar day, the weekend keeping the line flat.
        let days = series(
            dec("1300"),
            (s, e),
            d("2026-12-23"),
            &w,
            Weekday::Sun,
            SeriesGranularity::Day,
            &daily,
        );
        assert_eq!(days.len(), 18);
        assert_eq!(
            (days[1].actual, days[1].expected),
            (Some(dec("100")), dec("200"))
        );
        assert_eq!(days[6].expected, dec("500")); // Sunday the 20th
        assert_eq!(days[11].expected, dec("900")); // Christmas: no working day
        assert_eq!(days[9].actual, Some(dec("300")));
        assert_eq!(days[10].actual, None);
        // Weeks from Sunday: the first bucket runs Mon 14 - Sat 19.
        let sun = series(
            dec("1300"),
            (s, e),
            d("2026-12-23"),
            &w,
            Weekday::Sun,
            SeriesGranularity::Week,
            &daily,
        );
        assert_eq!(
            (sun[0].ends_on, sun[1].starts_on),
            (d("2026-12-19"), d("2026-12-20"))
        );
    }

    #[test]
    fn statuses_by_pace() {
        let w = week(&[]);
        let (s, e) = (d("2026-11-02"), d("2026-11-27")); // 20 working days
        let at = |actual: &str, as_of: &str| {
            pace(
                dec("2000"),
                dec(actual),
                s,
                e,
                d(as_of),
                &w,
                Thresholds::default(),
            )
            .status
        };
        // After 10 working days 1000 is expected.
        assert_eq!(at("1100", "2026-11-13"), PaceStatus::Ahead);
        assert_eq!(at("950", "2026-11-13"), PaceStatus::OnTrack);
        assert_eq!(at("800", "2026-11-13"), PaceStatus::Behind);
        assert_eq!(at("799", "2026-11-13"), PaceStatus::AtRisk);
        assert_eq!(at("2000", "2026-11-13"), PaceStatus::Achieved);
        // Before the period: nothing expected yet.
        let before = pace(
            dec("2000"),
            dec("0"),
            s,
            e,
            d("2026-10-30"),
            &w,
            Thresholds::default(),
        );
        assert_eq!(
            (before.expected_to_date, before.pace_pct, before.status),
            (dec("0"), None, PaceStatus::OnTrack)
        );
        assert_eq!(before.working_days_left, 20);
        assert_eq!(before.required_per_working_day, dec("100"));
        // After it, without the value: at risk, nothing more required.
        let after = pace(
            dec("2000"),
            dec("1500"),
            s,
            e,
            d("2026-12-15"),
            &w,
            Thresholds::default(),
        );
        assert_eq!(
            (
                after.status,
                after.working_days_left,
                after.required_per_working_day
            ),
            (PaceStatus::AtRisk, 0, dec("0"))
        );
        assert_eq!(after.expected_to_date, dec("2000"));
        assert_eq!(after.gap, dec("500"));
    }

    /// For any value, actual and day of the period: expected never exceeds the
    /// value and equals it on the last day; the rate needed times the days left
    /// covers the gap to within rounding.
    #[test]
    fn properties_hold_over_many_cases() {
        let w = week(&["2026-12-25", "2027-01-01"]);
        let (s, e) = (d("2026-10-01"), d("2027-03-31"));
        let mut seed = 99u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for _ in 0..3000 {
            let value = Decimal::new(1 + next(10_000_000) as i64, 2);
            let actual = Decimal::new(next(12_000_000) as i64, 2);
            let as_of = s + Duration::days(next(200) as i64 - 10);
            let p = pace(value, actual, s, e, as_of, &w, Thresholds::default());
            assert!(p.expected_to_date <= value);
            if as_of >= e {
                assert_eq!(p.expected_to_date, value);
                assert_eq!(p.required_per_working_day, Decimal::ZERO);
            }
            if p.working_days_left > 0 {
                let covered = p.required_per_working_day * Decimal::from(p.working_days_left);
                assert!(
                    (covered - p.gap).abs()
                        <= Decimal::new(1, 2) * Decimal::from(p.working_days_left),
                    "{p:?}"
                );
            }
            assert_eq!(p.gap, (value - actual).max(Decimal::ZERO));
        }
        let last = pace(dec("1000"), dec("10"), s, e, e, &w, Thresholds::default());
        assert_eq!(last.expected_to_date, dec("1000"));
    }
}
