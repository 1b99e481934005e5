//! Who is behind a token, remembered for a moment so that a burst of reads by
//! the same caller does not look them up every time. Each instance of the
//! service remembers its own (the application state's `callers`): any write it answers
//! forgets everything it remembered before (a deactivation, a new role, new
//! settings take effect at once there); another instance's writes are seen
//! within [`TTL`].
//!
//! An entry past half its life is looked up again in the background while
//! its caller goes on with it. Those lookups are gathered: one task per
//! instance waits [`GATHER`] for the callers that fall due meanwhile, and
//! looks them all up in one go (a few statements per organisation), so that
//! many callers signed in together are never looked up one by one, all at
//! the same moment, in a burst that holds up the requests around it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::rules::Actor;
use crate::org::rules::OrgRow;

/// How long an entry is trusted.
pub const TTL: Duration = Duration::from_secs(1);
/// How long the background lookup waits for more callers falling due before
/// it looks them all up: well within the half of [`TTL`] left to an entry.
pub const GATHER: Duration = Duration::from_millis(50);
const MAX_ENTRIES: usize = 10_000;

/// (organisation, is a client, id, sign-in).
pub type Key = (Uuid, bool, Uuid, Option<Uuid>);
pub type Entry = (Actor, Arc<OrgRow>, Option<i64>);

/// When an entry was looked up, in which generation, what was found, and
/// whether a lookup of it again is under way.
type Map = HashMap<Key, (Instant, u64, Entry, bool)>;

/// The callers one instance remembers, and the generation of its writes.
#[derive(Default)]
pub struct Callers {
    generation: AtomicU64,
    entries: Mutex<Map>,
    /// The callers waiting to be looked up again, and whether a task is
    /// looking them up.
    due: Mutex<(Vec<Key>, bool)>,
}

/// Whether a remembered entry should be looked up again now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// Past half its life and nobody is looking it up yet: the caller that
    /// is told so looks it up again (in the background).
    Refresh,
}

impl Callers {
    /// The current generation: read it before looking the caller up.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// A write was answered: what was remembered before may be stale.
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub fn get(&self, key: &Key) -> Option<(Entry, Freshness)> {
        self.get_at(key, Instant::now())
    }

    fn get_at(&self, key: &Key, now: Instant) -> Option<(Entry, Freshness)> {
        let current = self.generation();
        let mut map = self.entries.lock().ok()?;
        let (at, generation, entry, refreshing) = map.get_mut(key)?;
        let age = now.saturating_duration_since(*at);
        if *generation != current || age >= TTL {
            return None;
        }
        let fresh = if age >= TTL / 2 && !*refreshing {
            *refreshing = true;
            Freshness::Refresh
        } else {
            Freshness::Fresh
        };
        Some((entry.clone(), fresh))
    }

    /// Puts `key` among the callers to look up again; true when no task is
    /// looking them up yet, and the caller should start one.
    pub fn queue(&self, key: Key) -> bool {
        let Ok(mut due) = self.due.lock() else {
            return false;
        };
        due.0.push(key);
        !std::mem::replace(&mut due.1, true)
    }

    /// For the task that looks callers up again: the callers due now, or
    /// `None` when there are none left (the task then ends, and the next
    /// caller falling due starts another).
    pub fn take_due(&self) -> Option<Vec<Key>> {
        let mut due = self.due.lock().ok()?;
        if due.0.is_empty() {
            due.1 = false;
            return None;
        }
        Some(std::mem::take(&mut due.0))
    }

    /// Forgets one caller (found no longer active).
    pub fn forget(&self, key: &Key) {
        if let Ok(mut map) = self.entries.lock() {
            map.remove(key);
        }
    }

    /// A lookup in the background failed (the database, say): the next request
    /// may try again; the entry still expires at its time.
    pub fn refresh_failed(&self, key: &Key) {
        if let Ok(mut map) = self.entries.lock() {
            if let Some(e) = map.get_mut(key) {
                e.3 = false;
            }
        }
    }

    /// Remembers a lookup made in `generation` (unless a write came since).
    pub fn put(&self, key: Key, generation: u64, entry: Entry) {
        self.put_at(key, generation, entry, Instant::now());
    }

    fn put_at(&self, key: Key, generation: u64, entry: Entry, now: Instant) {
        let current = self.generation();
        if generation != current {
            return;
        }
        if let Ok(mut map) = self.entries.lock() {
            crate::auth::rules::insert_bounded(
                &mut map,
                MAX_ENTRIES,
                key,
                (now, generation, entry, false),
                |_, (at, g, _, _)| *g == current && at.elapsed() < TTL,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::rules::{Day, WeekStart};
    use rust_decimal::Decimal;

    fn entry() -> Entry {
        let org = OrgRow {
            id: Uuid::nil(),
            name: "Acme".into(),
            currency: "EUR".into(),
            fiscal_year_start_month: 1,
            week_start: WeekStart::Monday,
            timezone: "UTC".into(),
            working_days: vec![Day::Mon],
            holidays: vec![],
            realistic_max_ratio: Decimal::ONE,
            stretch_max_ratio: Decimal::ONE,
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            pace_ahead_pct: Decimal::ONE,
            pace_on_track_pct: Decimal::ONE,
            pace_behind_pct: Decimal::ONE,
        };
        let client = Actor::Client {
            id: Uuid::nil(),
            scopes: vec![],
        };
        (client, Arc::new(org), None)
    }

    #[test]
    fn an_entry_is_looked_up_again_once_past_half_its_life_and_never_served_past_it() {
        let callers = Callers::default();
        let key = (Uuid::now_v7(), true, Uuid::now_v7(), None);
        let t0 = Instant::now();
        callers.put_at(key, callers.generation(), entry(), t0);
        let at = |ms: u64| {
            callers
                .get_at(&key, t0 + Duration::from_millis(ms))
                .map(|(_, f)| f)
        };
        assert_eq!(at(100), Some(Freshness::Fresh));
        // Past half of the second: one caller is told to look it up again,
        // the others go on with it meanwhile.
        assert_eq!(at(600), Some(Freshness::Refresh));
        assert_eq!(at(700), Some(Freshness::Fresh));
        // The lookup failed: the next one may try again.
        callers.refresh_failed(&key);
        assert_eq!(at(800), Some(Freshness::Refresh));
        // Never past its life, whether or not a lookup is under way.
        assert_eq!(at(1000), None);
        // Looked up again: fresh from then on.
        callers.put_at(
            key,
            callers.generation(),
            entry(),
            t0 + Duration::from_millis(900),
        );
        assert_eq!(at(1000), Some(Freshness::Fresh));
        assert_eq!(at(1900), None);
        callers.forget(&key);
        assert_eq!(at(950), None);
    }

    #[test]
    fn callers_falling_due_are_gathered_for_one_task() {
        let callers = Callers::default();
        let key = |n: u128| (Uuid::nil(), false, Uuid::from_u128(n), None);
        // The first starts the task; those falling due while it runs join it.
        assert!(callers.queue(key(1)));
        assert!(!callers.queue(key(2)));
        assert_eq!(callers.take_due(), Some(vec![key(1), key(2)]));
        assert!(!callers.queue(key(3)));
        assert_eq!(callers.take_due(), Some(vec![key(3)]));
        // None left: the task ends, and the next caller starts another.
        assert_eq!(callers.take_due(), None);
        assert!(callers.queue(key(4)));
        assert_eq!(callers.take_due(), Some(vec![key(4)]));
        assert_eq!(callers.take_due(), None);
    }
}
