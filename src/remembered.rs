//! Reads that one instance of the service remembers for a moment, so that
//! dashboards and apps asking the same again and again do not have the same
//! rows read each time: what measuring a target needs of it, what a scorecard
//! shows besides the results. Results themselves are never remembered. Any
//! write the instance answers forgets all it remembered before (the
//! application's conventions call [`Remembered::forget_all`]); another
//! instance's writes are seen within [`TTL`]. Each instance remembers its own.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a remembered read is trusted.
pub const TTL: Duration = Duration::from_secs(1);
/// How many reads of a kind an instance remembers at most, unless told otherwise.
const MAX_ENTRIES: usize = 10_000;

/// When a read was made, in which generation, and what was read.
type Entry<V> = (Instant, u64, Arc<V>);

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
        let (at, generation, value) = map.get(key)?;
        let fresh = *generation == current && now.saturating_duration_since(*at) < TTL;
        fresh.then(|| value.clone())
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
            crate::auth::rules::insert_bounded(
                &mut map,
                self.max,
                key,
                (now, generation, value),
                |_, (at, g, _)| *g == current && now.saturating_duration_since(*at) < TTL,
            );
        }
    }
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
}
