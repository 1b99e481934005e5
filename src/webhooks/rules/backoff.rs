//! When a failed delivery is tried again, when it is given up, what is kept
//! of an answer, and when an endpoint that keeps failing is disabled.
//!
//! After a failed attempt the next one waits about 5 s, 5 min, 30 min, 2 h,
//! 5 h, 10 h and 10 h: eight attempts over a day and a half at most, then the
//! delivery is `failed`. Each wait is spread by up to a tenth either way, so
//! that the deliveries of one outage do not all come back at the same second.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// The waits after the first, second, … seventh failed attempt.
pub const SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// Attempts made before a delivery is given up.
pub const MAX_ATTEMPTS: i32 = SCHEDULE.len() as i32 + 1;

/// The largest spread of a wait, as a fraction of it.
pub const JITTER: f64 = 0.1;

/// How long an endpoint may fail without a single delivery before it is disabled.
pub const DISABLE_AFTER: TimeDelta = TimeDelta::hours(24);

/// How much of an answer is read at most.
pub const READ_LIMIT: usize = 64 * 1024;

/// How much of an answer is kept in the delivery's log.
pub const KEEP_LIMIT: usize = 1024;

/// The wait after failed attempt number `attempts` (1 for the first), spread
/// by `jitter` (from -1 to 1, any other value clamped), or none when that was
/// the last attempt.
pub fn next_delay(attempts: i32, jitter: f64) -> Option<Duration> {
    if attempts < 1 {
        return Some(SCHEDULE[0]);
    }
    let base = SCHEDULE.get(usize::try_from(attempts - 1).ok()?)?;
    let spread = 1.0 + JITTER * jitter.clamp(-1.0, 1.0);
    Some(base.mul_f64(spread))
}

/// Whether an endpoint failing since `failing_since` has failed long enough,
/// at `now`, to be disabled.
pub fn should_disable(failing_since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    failing_since.is_some_and(|since| now - since >= DISABLE_AFTER)
}

/// What the log keeps of an answer: its first KB as text (bytes that are not
/// UTF-8 replaced), cut at a character boundary.
pub fn kept(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(KEEP_LIMIT)]);
    let mut end = text.len().min(KEEP_LIMIT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_waits_follow_the_schedule_then_the_delivery_is_given_up() {
        let want = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];
        for (i, secs) in want.iter().enumerate() {
            let attempts = i as i32 + 1;
            assert_eq!(
                next_delay(attempts, 0.0),
                Some(Duration::from_secs(*secs)),
                "after attempt {attempts}"
            );
        }
        assert_eq!(next_delay(8, 0.0), None, "eight attempts at most");
        assert_eq!(next_delay(9, 0.0), None);
        assert_eq!(MAX_ATTEMPTS, 8);
    }

    #[test]
    fn jitter_spreads_a_wait_by_a_tenth_at_most() {
        // 5 s spread by a tenth: 4.5 s to 5.5 s; 10 h: 9 h to 11 h.
        assert_eq!(next_delay(1, -1.0), Some(Duration::from_millis(4500)));
        assert_eq!(next_delay(1, 1.0), Some(Duration::from_millis(5500)));
        assert_eq!(next_delay(1, 7.0), Some(Duration::from_millis(5500)));
        assert_eq!(next_delay(7, -1.0), Some(Duration::from_secs(9 * 3600)));
        assert_eq!(next_delay(7, 1.0), Some(Duration::from_secs(11 * 3600)));
        for j in [-0.99, -0.5, 0.25, 0.75] {
            let d = next_delay(2, j).unwrap();
            assert!(d >= Duration::from_secs(270) && d <= Duration::from_secs(330));
        }
    }

    #[test]
    fn an_endpoint_is_disabled_after_a_day_of_failures() {
        let now = DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .unwrap()
            .to_utc();
        assert!(!should_disable(None, now));
        assert!(!should_disable(Some(now - TimeDelta::hours(23)), now));
        assert!(should_disable(Some(now - TimeDelta::hours(24)), now));
        assert!(should_disable(Some(now - TimeDelta::hours(25)), now));
    }

    #[test]
    fn the_log_keeps_the_first_kb_as_text() {
        assert_eq!(kept(b"ok"), "ok");
        assert_eq!(kept(&[b'a'; 5000]).len(), 1024);
        // "é" is two bytes: the first KB ends inside it, so it is left out.
        let mut body = vec![b'a'; 1023];
        body.extend("é".as_bytes());
        assert_eq!(kept(&body), "a".repeat(1023));
        assert_eq!(kept(&[0xff, b'x']), "\u{fffd}x");
    }
}
