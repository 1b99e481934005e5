use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn range(p: &Period) -> (String, NaiveDate, NaiveDate) {
    (p.key.clone(), p.starts_on, p.ends_on)
}

#[test]
fn calendar_keys() {
    let c = Calendar::new(1);
    assert_eq!(
        range(&c.parse("2026").unwrap()),
        ("2026".into(), d("2026-01-01"), d("2026-12-31"))
    );
    assert_eq!(
        range(&c.parse("2026-Q4").unwrap()),
        ("2026-Q4".into(), d("2026-10-01"), d("2026-12-31"))
    );
    assert_eq!(
        range(&c.parse("2026-Q1").unwrap()),
        ("2026-Q1".into(), d("2026-01-01"), d("2026-03-31"))
    );
    assert_eq!(
        range(&c.parse("2026-11").unwrap()),
        ("2026-11".into(), d("2026-11-01"), d("2026-11-30"))
    );
    assert_eq!(
        range(&c.parse("2026-W48").unwrap()),
        ("2026-W48".into(), d("2026-11-23"), d("2026-11-29"))
    );
    // With fiscal start in January, FY2026 is the calendar year.
    assert_eq!(
        range(&c.parse("FY2026").unwrap()),
        ("FY2026".into(), d("2026-01-01"), d("2026-12-31"))
    );
}

#[test]
fn leap_years_and_february() {
    let c = Calendar::new(1);
    assert_eq!(c.parse("2024-02").unwrap().ends_on, d("2024-02-29"));
    assert_eq!(c.parse("2026-02").unwrap().ends_on, d("2026-02-28"));
    assert_eq!(
        c.parse("2100-02").unwrap().ends_on,
        d("2100-02-28"),
        "1900-style century: not leap"
    );
    assert_eq!(
        c.parse("2000-02").unwrap().ends_on,
        d("2000-02-29"),
        "divisible by 400: leap"
    );
    assert_eq!(c.parse("2024").unwrap().days(), 366);
    assert_eq!(c.parse("2026").unwrap().days(), 365);
    assert_eq!(c.parse("2024-Q1").unwrap().days(), 91);
}

#[test]
fn iso_weeks_and_week_53() {
    let c = Calendar::new(1);
    // 2026 has 53 ISO weeks (it starts on a Thursday); 2025 has 52.
    assert_eq!(
        range(&c.parse("2026-W53").unwrap()),
        ("2026-W53".into(), d("2026-12-28"), d("2027-01-03"))
    );
    assert!(c.parse("2025-W53").is_none());
    // Week 1 of 2025 starts in 2024; 2027-01-01 belongs to 2026-W53.
    assert_eq!(c.parse("2025-W01").unwrap().starts_on, d("2024-12-30"));
    assert_eq!(
        c.containing(Granularity::Week, d("2027-01-01")).key,
        "2026-W53"
    );
    assert_eq!(
        c.containing(Granularity::Week, d("2024-12-31")).key,
        "2025-W01"
    );
    assert!(c.parse("2026-W00").is_none());
    assert!(c.parse("2026-W5").is_none());
}

#[test]
fn fiscal_years_named_by_the_year_they_end_in() {
    let april = Calendar::new(4);
    assert_eq!(
        range(&april.parse("FY2027").unwrap()),
        ("FY2027".into(), d("2026-04-01"), d("2027-03-31"))
    );
    assert_eq!(
        range(&april.parse("FY2027-Q1").unwrap()),
        ("FY2027-Q1".into(), d("2026-04-01"), d("2026-06-30"))
    );
    assert_eq!(
        range(&april.parse("FY2027-Q4").unwrap()),
        ("FY2027-Q4".into(), d("2027-01-01"), d("2027-03-31"))
    );
    assert_eq!(
        april.containing(Granularity::Year, d("2026-11-26")).key,
        "FY2027"
    );
    assert_eq!(
        april.containing(Granularity::Year, d("2026-03-31")).key,
        "FY2026"
    );
    assert_eq!(
        april.containing(Granularity::Quarter, d("2026-11-26")).key,
        "FY2027-Q3"
    );
    // Calendar keys still read as calendar periods.
    assert_eq!(april.parse("2026-Q4").unwrap().starts_on, d("2026-10-01"));
    let july = Calendar::new(7);
    assert_eq!(
        range(&july.parse("FY2027").unwrap()),
        ("FY2027".into(), d("2026-07-01"), d("2027-06-30"))
    );
    let december = Calendar::new(12);
    assert_eq!(
        range(&december.parse("FY2027").unwrap()),
        ("FY2027".into(), d("2026-12-01"), d("2027-11-30"))
    );
    assert_eq!(
        range(&december.parse("FY2027-Q1").unwrap()),
        ("FY2027-Q1".into(), d("2026-12-01"), d("2027-02-28"))
    );
    assert_eq!(
        december.containing(Granularity::Year, d("2026-12-01")).key,
        "FY2027"
    );
    // A fiscal year that holds a leap day.
    let march = Calendar::new(3);
    assert_eq!(
        range(&march.parse("FY2025").unwrap()),
        ("FY2025".into(), d("2024-03-01"), d("2025-02-28"))
    );
    assert_eq!(march.parse("FY2024").unwrap().ends_on, d("2024-02-29"));
}

#[test]
fn unknown_keys() {
    let c = Calendar::new(1);
    for bad in [
        "",
        "26",
        "2026-13",
        "2026-00",
        "2026-Q5",
        "2026-Q0",
        "FY",
        "FY26",
        "2026-1",
        "abcd",
        "2026-Q",
        "FY2026-Q9",
        "0999",
        "9999",
        "2026-W54",
    ] {
        assert!(c.parse(bad).is_none(), "{bad:?}");
    }
}

/// For every day of forty years and every fiscal start month, the periods that
/// hold it hold it, tile the time line with no gap or overlap, and quarters and
/// months nest in years.
#[test]
fn periods_tile_time_for_every_fiscal_start() {
    for start in 1..=12 {
        let c = Calendar::new(start);
        for g in [
            Granularity::Year,
            Granularity::Quarter,
            Granularity::Month,
            Granularity::Week,
        ] {
            let all = c.periods(g, d("2000-01-01"), d("2040-12-31"));
            for pair in all.windows(2) {
                assert_eq!(
                    pair[0].ends_on + Duration::days(1),
                    pair[1].starts_on,
                    "{start} {g:?} {:?}",
                    pair[0]
                );
                assert_ne!(pair[0].key, pair[1].key);
                assert_eq!(c.previous(&pair[1]), pair[0]);
            }
            for p in &all {
                // A listed key reads back to the same period.
                assert_eq!(c.parse(&p.key).as_ref(), Some(p), "{start} {g:?}");
                let expected = match g {
                    Granularity::Year => 365..=366,
                    Granularity::Quarter => 89..=92, // Feb-Apr in a common year: 89
                    Granularity::Month => 28..=31,
                    Granularity::Week => 7..=7,
                };
                assert!(expected.contains(&p.days()), "{start} {p:?}");
            }
        }
        let mut day = d("2000-01-01");
        while day <= d("2040-12-31") {
            let y = c.containing(Granularity::Year, day);
            let q = c.containing(Granularity::Quarter, day);
            let m = c.containing(Granularity::Month, day);
            assert!(y.contains(day) && q.contains(day) && m.contains(day));
            assert!(
                y.starts_on <= q.starts_on && q.ends_on <= y.ends_on,
                "{start} {day}"
            );
            assert!(
                q.starts_on <= m.starts_on && m.ends_on <= q.ends_on,
                "{start} {day}"
            );
            day += Duration::days(3);
        }
    }
}

#[test]
fn working_days() {
    let mon_fri = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    let w = WorkWeek::new(&mon_fri, [d("2026-12-25"), d("2026-12-26")]);
    // December 2026: 23 weekdays, Christmas on a Friday (the 26th is a Saturday).
    assert_eq!(w.count(d("2026-12-01"), d("2026-12-31")), 22);
    assert_eq!(w.count(d("2026-11-23"), d("2026-11-29")), 5);
    assert_eq!(w.count(d("2026-11-28"), d("2026-11-29")), 0, "a weekend");
    assert_eq!(
        w.count(d("2026-11-27"), d("2026-11-26")),
        0,
        "an empty range"
    );
    assert!(!w.is_working(d("2026-12-25")) && w.is_working(d("2026-12-24")));
    let six = WorkWeek::new(
        &[
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ],
        [],
    );
    assert_eq!(six.count(d("2026-11-23"), d("2026-11-29")), 6);
    // The counting shortcut agrees with counting day by day.
    let mut day = d("2026-01-01");
    let mut by_hand = 0;
    while day <= d("2027-03-31") {
        if w.is_working(day) {
            by_hand += 1;
        }
        day += Duration::days(1);
    }
    assert_eq!(w.count(d("2026-01-01"), d("2027-03-31")), by_hand);
}
