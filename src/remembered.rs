//! Reads that one instance of the service remembers for a moment, so that
//! dashboards and apps asking the same again and again do not have the same
//! rows read each time: what measuring a target needs of it, what a scorecard
//! shows besides the results. Results themselves are never remembered. Any
//! write the instance answers forgets all it remembered before (the
//! application's conventions call [`Remembered::forget_all`]); another
//! instance's writes are seen within [`TTL`]. Each instance remembers its own.
//!
//! A kind of read that should never keep its callers waiting once remembered
//! (who is behind a token, in the authentication's callers) reads with
//! [`Remembered::get_or_due`]: past half its life, an entry is served on while
//! one caller is told to read it again.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a remembered read is trusted.
pub const TTL: Duration = Duration::from_secs(1);
/// How many reads of a kind an instance remembers at most, unless told otherwise.
const MAX_ENTRIES: usize = 10_000;

/// When a read was made, in which generation, what was read, and whether it
/// is being read again.
type Entry<V> = (Instant, u64, Arc<V>, bool);

/// Whether a remembered read should be made again now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// Past half its life and nobody is reading it again yet: the caller that
    /// is told so reads it again (in the background).
    Refresh,
}

/// What one instance remembers of one kind of read, and the generation of
/// its writes.
pub struct Remembered<K, V> {
    generation: AtomicU64,
    entries: Mutex<HashMap<K, Entry<V>>>,
    /// At most this many entries: when full, the expired and stale go, and
    /// all of them if that frees nothing.
    max: usize,
}

impl<K, V> Default for Remembered<K, V> {
    fn default() -> Self {
        Self::bounded(MAX_ENTRIES)
    }
}

impl<K, V> Remembered<K, V> {
    /// Remembering at most `max` reads: a bound on the memory it takes, for
    /// reads that are large or whose keys a caller chooses freely.
    pub fn bounded(max: usize) -> Self {
        Remembered {
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
            max: max.max(1),
        }
    }
}

impl<K: Hash + Eq, V> Remembered<K, V> {
    /// The current generation: read it before reading what is to be remembered.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// A write was answered: what was remembered before may be stale.
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// What was read for `key`, if remembered and still trusted.
    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        self.get_at(key, Instant::now())
    }

    fn get_at(&self, key: &K, now: Instant) -> Option<Arc<V>> {
        let current = self.generation();
        let map = self.entries.lock().ok()?;
        let (at, generation, value, _) = map.get(key)?;
        trusted(*at, *generation, current, now).then(|| value.clone())
    }

    /// What was read for `key`, if remembered and still trusted, and whether
    /// the caller should read it again now: the first to ask past half its
    /// life is told so, the others go on with it meanwhile.
    pub fn get_or_due(&self, key: &K) -> Option<(Arc<V>, Freshness)> {
        self.get_or_due_at(key, Instant::now())
    }

    fn get_or_due_at(&self, key: &K, now: Instant) -> Option<(Arc<V>, Freshness)> {
        let current = self.generation();
        let mut map = self.entries.lock().ok()?;
        let (at, generation, value, reading) = map.get_mut(key)?;
        if !trusted(*at, *generation, current, now) {
            return None;
        }
        let fresh = if now.saturating_duration_since(*at) >= TTL / 2 && !*reading {
            *reading = true;
            Freshness::Refresh
        } else {
            Freshness::Fresh
        };
        Some((value.clone(), fresh))
    }

    /// Reading `key` again failed (the database, say): the next caller may
    /// try again; the entry still expires at its time.
    pub fn refresh_failed(&self, key: &K) {
        if let Ok(mut map) = self.entries.lock() {
            if let Some(entry) = map.get_mut(key) {
                entry.3 = false;
            }
        }
    }

    /// Forgets what was read for `key` (found gone when read again).
    pub fn forget(&self, key: &K) {
        if let Ok(mut map) = self.entries.lock() {
            map.remove(key);
        }
    }

    /// Remembers what was read for `key` in `generation` (unless a write came since).
    pub fn put(&self, generation: u64, key: K, value: Arc<V>) {
        self.put_at(generation, key, value, Instant::now());
    }

    fn put_at(&self, generation: u64, key: K, value: Arc<V>, now: Instant) {
        let current = self.generation();
        if generation != current {
            return;
        }
        if let Ok(mut map) = self.entries.lock() {
            insert_bounded(
                &mut map,
                self.max,
                key,
                (now, generation, value, false),
                |_, (at, g, _, _)| trusted(*at, *g, current, now),
            );
        }
    }
}

/// A read made at `at` in `generation` is trusted at `now` if no write came
/// since (the generation is still `current`) and it is younger than [`TTL`].
fn trusted(at: Instant, generation: u64, current: u64, now: Instant) -> bool {
    generation == current && now.saturating_duration_since(at) < TTL
}

/// Inserts into a cache of at most `max` entries. When it is full, the entries
/// `keep` rejects (expired, stale) go first, and everything if that freed nothing.
pub fn insert_bounded<K: Hash + Eq, V>(
    map: &mut HashMap<K, V>,
    max: usize,
    key: K,
    value: V,
    keep: impl FnMut(&K, &mut V) -> bool,
) {
    if map.len() >= max {
        map.retain(keep);
        if map.len() >= max {
            map.clear();
        }
    }
    map.insert(key, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_is_served_for_its_second_and_only_for_its_key() {
        let remembered: Remembered<(u8, u8), &str> = Remembered::default();
        let t0 = Instant::now();
        remembered.put_at(remembered.generation(), (1, 1), Arc::new("Q4"), t0);
        let at = |key: (u8, u8), ms: u64| {
            remembered
                .get_at(&key, t0 + Duration::from_millis(ms))
                .map(|v| *v)
        };
        assert_eq!(at((1, 1), 0), Some("Q4"));
        assert_eq!(at((1, 1), 999), Some("Q4"));
        assert_eq!(at((1, 1), 1000), None);
        assert_eq!(at((2, 1), 10), None);
    }

    #[test]
    fn an_entry_is_read_again_once_past_half_its_life_and_never_served_past_it() {
        let remembered: Remembered<u8, &str> = Remembered::default();
        let t0 = Instant::now();
        remembered.put_at(remembered.generation(), 1, Arc::new("caller"), t0);
        let at = |ms: u64| {
            remembered
                .get_or_due_at(&1, t0 + Duration::from_millis(ms))
                .map(|(_, f)| f)
        };
        assert_eq!(at(100), Some(Freshness::Fresh));
        // Past half of the second: one caller is told to read it again, the
        // others go on with it meanwhile.
        assert_eq!(at(600), Some(Freshness::Refresh));
        assert_eq!(at(700), Some(Freshness::Fresh));
        // Reading it again failed: the next one may try again.
        remembered.refresh_failed(&1);
        assert_eq!(at(800), Some(Freshness::Refresh));
        // Never past its life, whether or not it is being read again.
        assert_eq!(at(1000), None);
        // Read again: fresh from then on.
        let t1 = t0 + Duration::from_millis(900);
        remembered.put_at(remembered.generation(), 1, Arc::new("caller"), t1);
        assert_eq!(at(1000), Some(Freshness::Fresh));
        assert_eq!(at(1900), None);
        remembered.forget(&1);
        assert_eq!(at(950), None);
    }

    #[test]
    fn it_never_holds_more_than_its_bound() {
        let remembered: Remembered<u8, &str> = Remembered::bounded(3);
        for key in 0..10 {
            remembered.put(remembered.generation(), key, Arc::new("frame"));
            assert!(remembered.entries.lock().unwrap().len() <= 3);
        }
        assert!(remembered.get(&9).is_some(), "the last read is kept");
    }

    #[test]
    fn a_write_forgets_what_was_read_before_it() {
        let remembered: Remembered<u8, &str> = Remembered::default();
        remembered.put(remembered.generation(), 1, Arc::new("kept"));
        // A read began, then a write was answered, then the read ended.
        let began = remembered.generation();
        remembered.forget_all();
        remembered.put(began, 2, Arc::new("late"));
        assert!(remembered.get(&1).is_none());
        assert!(remembered.get(&2).is_none());
        remembered.put(remembered.generation(), 2, Arc::new("late"));
        assert_eq!(remembered.get(&2).as_deref(), Some(&"late"));
    }

    #[test]
    fn a_bounded_cache_drops_what_is_stale_then_everything() {
        let mut m: HashMap<u32, u32> = HashMap::new();
        for k in 0..3 {
            insert_bounded(&mut m, 3, k, k, |_, v| *v > 0);
        }
        assert_eq!(m.len(), 3);
        // Full: the entry rejected (value 0) goes, the rest stay.
        insert_bounded(&mut m, 3, 3, 3, |_, v| *v > 0);
        let mut keys: Vec<_> = m.keys().copied().collect();
        keys.sort();
        assert_eq!(keys, [1, 2, 3]);
        // Full and nothing stale: everything goes but the new entry.
        insert_bounded(&mut m, 3, 9, 9, |_, _| true);
        assert_eq!(m.len(), 1);
        assert_eq!(m.get(&9), Some(&9));
    }
}
