//! The organisation as stored and the validation of its settings.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::validation::Validator;

/// Active ISO 4217 currency codes.
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL";

pub fn is_currency(code: &str) -> bool {
    code.len() == 3 && ISO_4217.split(' ').any(|c| c == code)
}

/// Why a change to the organisation is refused.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error(
        "sales or money targets exist in the current reporting currency; it can no longer change"
    )]
    CurrencyLocked,
}

/// The reporting currency changes only while no amount is held in it.
pub fn check_currency_change(
    current: &str,
    new: Option<&str>,
    has_money: bool,
) -> Result<(), OrgError> {
    if new.is_some_and(|n| n != current) && has_money {
        Err(OrgError::CurrencyLocked)
    } else {
        Ok(())
    }
}

/// First day of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeekStart {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl WeekStart {
    pub const ALL: [WeekStart; 7] = [
        WeekStart::Monday,
        WeekStart::Tuesday,
        WeekStart::Wednesday,
        WeekStart::Thursday,
        WeekStart::Friday,
        WeekStart::Saturday,
        WeekStart::Sunday,
    ];
    pub fn as_str(self) -> &'static str {
        Day::ALL[self as usize].long()
    }
    pub fn weekday(self) -> chrono::Weekday {
        Day::ALL[self as usize].weekday()
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s)
    }
}

/// A day of the week, as used in `working_days`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    pub const ALL: [Day; 7] = [
        Day::Mon,
        Day::Tue,
        Day::Wed,
        Day::Thu,
        Day::Fri,
        Day::Sat,
        Day::Sun,
    ];
    pub fn as_str(self) -> &'static str {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][self as usize]
    }
    fn long(self) -> &'static str {
        [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ][self as usize]
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
    pub fn weekday(self) -> chrono::Weekday {
        [
            chrono::Weekday::Mon,
            chrono::Weekday::Tue,
            chrono::Weekday::Wed,
            chrono::Weekday::Thu,
            chrono::Weekday::Fri,
            chrono::Weekday::Sat,
            chrono::Weekday::Sun,
        ][self as usize]
    }
}

pub fn check_name(v: &mut Validator, field: &str, name: &str) {
    v.text(field, name, 200);
}

pub fn check_currency(v: &mut Validator, field: &str, code: &str) {
    v.check(
        is_currency(code),
        field,
        "invalid_currency",
        "must be an ISO 4217 currency code in capitals, e.g. EUR",
    );
}

pub fn check_timezone(v: &mut Validator, field: &str, tz: &str) {
    v.check(
        tz.parse::<chrono_tz::Tz>().is_ok(),
        field,
        "invalid_timezone",
        "must be an IANA time zone, e.g. Europe/Amsterdam",
    );
}

pub fn check_working_days(v: &mut Validator, field: &str, days: &[Day]) {
    let mut sorted = days.to_vec();
    sorted.sort();
    sorted.dedup();
    v.check(
        !days.is_empty(),
        field,
        "required",
        "at least one working day",
    );
    v.check(
        sorted.len() == days.len(),
        field,
        "duplicate",
        "each day at most once",
    );
}

/// Holidays are `YYYY-MM-DD` days: years 0000 to 9999. (The database cannot store
/// a date before 4713 BC, which would otherwise fail as a 500.)
pub fn check_holidays(v: &mut Validator, field: &str, days: &[chrono::NaiveDate]) {
    use chrono::Datelike;
    for (i, d) in days.iter().enumerate() {
        v.check(
            (0..=9999).contains(&d.year()),
            &format!("{field}[{i}]"),
            "out_of_range",
            "must be a date with a four-digit year (YYYY-MM-DD)",
        );
    }
}

/// Decimal places a threshold may have: the column is `numeric(6,3)`, and a finer
/// value would be rounded on storage (possibly into realistic == stretch).
pub const THRESHOLD_SCALE: u32 = 3;

/// The attainability thresholds: 0 < realistic < stretch <= 100, each with at most
/// three decimal places.
pub fn check_thresholds(v: &mut Validator, realistic: Decimal, stretch: Decimal) {
    let max = Decimal::from(100);
    for (field, x) in [
        ("attainability.realistic_max_ratio", realistic),
        ("attainability.stretch_max_ratio", stretch),
    ] {
        v.check(
            x.normalize().scale() <= THRESHOLD_SCALE,
            field,
            "too_precise",
            "must have at most 3 decimal places",
        );
    }
    v.check(
        realistic > Decimal::ZERO && realistic < max,
        "attainability.realistic_max_ratio",
        "out_of_range",
        "must be greater than 0 and less than 100",
    );
    v.check(
        stretch > realistic && stretch <= max,
        "attainability.stretch_max_ratio",
        "out_of_range",
        "must be greater than realistic_max_ratio and at most 100",
    );
}

/// The pace thresholds, in percent of the expected-to-date: two decimal places at
/// most (the columns are `numeric(6,2)`), and 0 < behind < on track < ahead <= 1000.
pub fn check_pace(v: &mut Validator, ahead: Decimal, on_track: Decimal, behind: Decimal) {
    for (field, x) in [
        ("pace.ahead_pct", ahead),
        ("pace.on_track_pct", on_track),
        ("pace.behind_pct", behind),
    ] {
        v.check(
            x.normalize().scale() <= 2,
            field,
            "too_precise",
            "must have at most 2 decimal places",
        );
    }
    v.check(
        behind > Decimal::ZERO,
        "pace.behind_pct",
        "out_of_range",
        "must be greater than 0",
    );
    v.check(
        on_track > behind,
        "pace.on_track_pct",
        "out_of_range",
        "must be greater than behind_pct",
    );
    v.check(
        ahead > on_track && ahead <= Decimal::from(1000),
        "pace.ahead_pct",
        "out_of_range",
        "must be greater than on_track_pct and at most 1000",
    );
}

/// A stored time zone the service does not know. Settings are checked when
/// set, so this is damaged data, not the caller's mistake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the organisation's stored time zone {0:?} is not a known time zone")]
pub struct UnknownTimezone(pub String);

/// The organisation's stored time zone, read; never a default.
pub fn timezone(name: &str) -> Result<chrono_tz::Tz, UnknownTimezone> {
    name.parse().map_err(|_| UnknownTimezone(name.to_string()))
}

/// Today in the organisation's time zone; a zone that does not read is an
/// error, never UTC.
pub fn today_in(timezone: &str) -> Result<chrono::NaiveDate, UnknownTimezone> {
    let tz = self::timezone(timezone)?;
    Ok(chrono::Utc::now().with_timezone(&tz).date_naive())
}

/// The organisation as stored: its name, currency, calendar settings,
/// thresholds and version. A plain value: the org store maps it to the `orgs`
/// table, so that any store may read it along with its own rows (the caller's
/// organisation comes with the caller, in one statement).
#[derive(Debug, Clone)]
pub struct OrgRow {
    pub id: uuid::Uuid,
    pub name: String,
    pub currency: String,
    pub fiscal_year_start_month: i16,
    pub week_start: WeekStart,
    pub timezone: String,
    pub working_days: Vec<Day>,
    pub holidays: Vec<chrono::NaiveDate>,
    pub realistic_max_ratio: Decimal,
    pub stretch_max_ratio: Decimal,
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub pace_ahead_pct: Decimal,
    pub pace_on_track_pct: Decimal,
    pub pace_behind_pct: Decimal,
}

impl OrgRow {
    /// The pace thresholds set for the organisation.
    pub fn pace_thresholds(&self) -> crate::progress::rules::Thresholds {
        crate::progress::rules::Thresholds {
            ahead_pct: self.pace_ahead_pct,
            on_track_pct: self.pace_on_track_pct,
            behind_pct: self.pace_behind_pct,
        }
    }
    pub fn fiscal_start_month(&self) -> u32 {
        self.fiscal_year_start_month.clamp(1, 12) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_time_zone_reads_or_is_an_error_never_utc() {
        assert_eq!(
            timezone("Europe/Amsterdam"),
            Ok(chrono_tz::Europe::Amsterdam)
        );
        assert_eq!(timezone("UTC"), Ok(chrono_tz::UTC));
        assert_eq!(
            timezone("Mars/Olympus_Mons"),
            Err(UnknownTimezone("Mars/Olympus_Mons".into()))
        );
        assert!(timezone("").is_err());
    }

    #[test]
    fn pace_thresholds_ascend() {
        let d = |x: i64| Decimal::from(x);
        let codes = |a, o, b| {
            let mut v = Validator::new();
            check_pace(&mut v, a, o, b);
            match v.finish() {
                Ok(()) => vec![],
                Err(e) => e
                    .errors
                    .iter()
                    .map(|f| (f.field.clone(), f.code.clone()))
                    .collect::<Vec<_>>(),
            }
        };
        assert!(codes(d(110), d(95), d(80)).is_empty());
        assert_eq!(
            codes(d(110), d(80), d(80)),
            vec![("pace.on_track_pct".to_string(), "out_of_range".to_string())]
        );
        assert_eq!(
            codes(d(1001), d(95), d(0)),
            vec![
                ("pace.behind_pct".to_string(), "out_of_range".to_string()),
                ("pace.ahead_pct".to_string(), "out_of_range".to_string())
            ]
        );
        assert_eq!(
            codes(Decimal::new(110_001, 3), d(95), d(80)),
            vec![("pace.ahead_pct".to_string(), "too_precise".to_string())]
        );
    }

    #[test]
    fn currencies() {
        assert!(is_currency("EUR"));
        assert!(is_currency("USD"));
        assert!(!is_currency("eur"));
        assert!(!is_currency("ABC"));
        assert!(!is_currency("EURO"));
    }

    #[test]
    fn settings_checks() {
        let mut v = Validator::new();
        check_timezone(&mut v, "timezone", "Europe/Amsterdam");
        check_working_days(&mut v, "working_days", &[Day::Mon, Day::Fri]);
        check_thresholds(&mut v, Decimal::new(12, 1), Decimal::new(15, 1));
        assert!(v.finish().is_ok());

        let mut v = Validator::new();
        check_timezone(&mut v, "timezone", "Mars/Olympus");
        check_working_days(&mut v, "working_days", &[Day::Mon, Day::Mon]);
        check_thresholds(&mut v, Decimal::new(15, 1), Decimal::new(12, 1));
        let e = v.finish().unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "timezone",
                "working_days",
                "attainability.stretch_max_ratio"
            ]
        );
    }

    #[test]
    fn thresholds_have_at_most_three_decimal_places() {
        let mut v = Validator::new();
        // Trailing zeros do not count.
        check_thresholds(&mut v, Decimal::new(1_250_000, 6), Decimal::new(1_755, 3));
        assert!(v.finish().is_ok());
        let mut v = Validator::new();
        check_thresholds(&mut v, Decimal::new(12_001, 4), Decimal::new(12_004, 4));
        let e = v.finish().unwrap_err();
        let got: Vec<_> = e
            .errors
            .iter()
            .map(|f| (f.field.as_str(), f.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("attainability.realistic_max_ratio", "too_precise"),
                ("attainability.stretch_max_ratio", "too_precise")
            ]
        );
    }

    #[test]
    fn holidays_have_four_digit_years() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let mut v = Validator::new();
        check_holidays(
            &mut v,
            "holidays",
            &[d(0, 1, 1), d(2026, 12, 25), d(9999, 12, 31)],
        );
        assert!(v.finish().is_ok());
        let mut v = Validator::new();
        check_holidays(
            &mut v,
            "holidays",
            &[d(2026, 1, 1), d(-5000, 1, 1), d(10000, 1, 1)],
        );
        let e = v.finish().unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["holidays[1]", "holidays[2]"]);
    }

    #[test]
    fn week_start_names() {
        assert_eq!(WeekStart::Sunday.as_str(), "sunday");
        assert_eq!(WeekStart::parse("monday"), Some(WeekStart::Monday));
        assert_eq!(WeekStart::parse("mon"), None);
    }
}
