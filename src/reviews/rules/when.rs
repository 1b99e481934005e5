//! When a review is held: reviews are meetings, scheduled for an instant. A
//! client gives either an instant (RFC 3339 with an offset) or a bare day,
//! which means the start of that day in the organisation's timezone; days in
//! filters and series are the organisation's local days of those instants.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::Deserialize;

use crate::values::parse_date;

/// What a client may send for `scheduled_for` (and the days of the list's filters).
pub const WHEN_EXPECTED: &str = "an instant as RFC 3339 with an offset \
     (\"2026-12-03T14:30:00+01:00\", \"2026-12-03T13:30:00Z\") or a day as YYYY-MM-DD, \
     within the years 1900 to 2999";

/// An instant, or a day of the organisation's calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    At(DateTime<Utc>),
    Day(NaiveDate),
}

impl When {
    /// Reads `YYYY-MM-DD`, or `YYYY-MM-DDThh:mm:ss[.fraction]` followed by `Z`
    /// or `±hh:mm`; the date part as strict as any other day. Anything else
    /// (`2026-12-03T14:30:00` without an offset, `2026-12-03 14:30:00Z`,
    /// a leap second, `tomorrow`) is `None`.
    pub fn parse(s: &str) -> Option<When> {
        if s.len() == 10 {
            return parse_date(s).map(When::Day);
        }
        let (date, rest) = (s.get(..10)?, s.get(10..)?);
        parse_date(date)?;
        if !rest.starts_with('T') {
            return None;
        }
        let at = DateTime::parse_from_rfc3339(s).ok()?;
        // chrono reads `:60` as a leap second; no meeting starts on one.
        if at.nanosecond() >= 1_000_000_000 {
            return None;
        }
        Some(When::At(at.with_timezone(&Utc)))
    }

    /// The instant: itself, or the start of the day in `tz`.
    pub fn start(self, tz: Tz) -> DateTime<Utc> {
        match self {
            When::At(t) => t,
            When::Day(d) => start_of_day(d, tz),
        }
    }

    /// The first instant after it as the upper end of a filter: just after an
    /// instant, or the start of the next day in `tz` (a day includes all of itself).
    pub fn end(self, tz: Tz) -> DateTime<Utc> {
        match self {
            When::At(t) => t + Duration::microseconds(1),
            When::Day(d) => start_of_day(d + Duration::days(1), tz),
        }
    }
}

/// The first instant of `day` in `tz`: its midnight, or, where the clocks
/// skip midnight, the instant they skip it (midnight read with the offset in
/// force before).
pub fn start_of_day(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&midnight).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => {
            let before = tz
                .offset_from_utc_datetime(&(midnight - Duration::days(1)))
                .fix()
                .local_minus_utc();
            (midnight - Duration::seconds(i64::from(before))).and_utc()
        }
    }
}

/// The organisation's day an instant falls on.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = When;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(WHEN_EXPECTED)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<When, E> {
                When::parse(s).ok_or_else(|| E::invalid_value(Unexpected::Str(s), &self))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn instants_need_an_offset_and_days_are_strict() {
        assert_eq!(
            When::parse("2026-12-03T14:30:00+01:00"),
            Some(When::At(at("2026-12-03T13:30:00Z")))
        );
        assert_eq!(
            When::parse("2026-12-03T13:30:00.250Z"),
            Some(When::At(at("2026-12-03T13:30:00.250Z")))
        );
        assert_eq!(
            When::parse("2026-12-03"),
            Some(When::Day(day("2026-12-03")))
        );
        for bad in [
            "2026-13-01",
            "tomorrow",
            "2026-12-03T25:00:00Z",
            "2026-12-03T14:30:00",
            "2026-12-03 14:30:00Z",
            "2026-12-03T23:59:60Z",
            "2026-12-3T14:30:00Z",
            "3000-01-01T00:00:00Z",
            "2026-12-03T14:30:00+01:00 ",
            "2026-12-03T",
            "",
        ] {
            assert_eq!(When::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_day_starts_at_its_local_midnight() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let new_york: Tz = "America/New_York".parse().unwrap();
        // Berlin is UTC+1 in winter, UTC+2 in summer.
        assert_eq!(
            start_of_day(day("2026-12-03"), berlin),
            at("2026-12-02T23:00:00Z")
        );
        assert_eq!(
            start_of_day(day("2026-07-01"), berlin),
            at("2026-06-30T22:00:00Z")
        );
        // New York is UTC-5 in winter.
        assert_eq!(
            start_of_day(day("2026-12-03"), new_york),
            at("2026-12-03T05:00:00Z")
        );
        // Santiago skipped midnight on 2024-09-08 (UTC-4 to UTC-3): the day began at 04:00Z.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        assert_eq!(
            start_of_day(day("2024-09-08"), santiago),
            at("2024-09-08T04:00:00Z")
        );
    }

    #[test]
    fn a_day_filter_spans_the_whole_local_day() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let d = When::Day(day("2026-12-03"));
        assert_eq!(d.start(berlin), at("2026-12-02T23:00:00Z"));
        assert_eq!(d.end(berlin), at("2026-12-03T23:00:00Z"));
        // 23:30 in Berlin on the 3rd is 22:30Z: on the 3rd, not the 4th.
        assert_eq!(
            local_day(at("2026-12-03T22:30:00Z"), berlin),
            day("2026-12-03")
        );
        let t = When::At(at("2026-12-03T13:30:00Z"));
        assert_eq!(t.start(berlin), at("2026-12-03T13:30:00Z"));
        assert_eq!(t.end(berlin), at("2026-12-03T13:30:00.000001Z"));
    }
}
