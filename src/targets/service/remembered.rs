//! What measuring a target needs of it (its [`Aim`]), remembered for a moment
//! by each instance of the service, so that dashboards and apps reading the
//! progress of the same targets again and again do not read the target each
//! time: the statement left is the sum of the results, which are never
//! remembered (a sale pushed counts in the next read). As with the callers
//! (`crate::auth::callers`), any write this instance answers forgets all it
//! remembered before; another instance's change to a target is seen within
//! [`TTL`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::targets::store::Aim;

/// How long a remembered target is trusted.
pub const TTL: Duration = Duration::from_secs(1);
const MAX_ENTRIES: usize = 10_000;

/// (organisation, target).
type Key = (Uuid, Uuid);
/// When a target was read, in which generation, and what was read.
type Map = HashMap<Key, (Instant, u64, Arc<Aim>)>;

/// The targets one instance remembers, and the generation of its writes.
#[derive(Default)]
pub struct Aims {
    generation: AtomicU64,
    entries: Mutex<Map>,
}

impl Aims {
    /// The current generation: read it before reading the target.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// A write was answered: what was remembered before may be stale.
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Target `id` of organisation `org`, if remembered and still trusted.
    pub fn get(&self, org: Uuid, id: Uuid) -> Option<Arc<Aim>> {
        self.get_at(org, id, Instant::now())
    }

    fn get_at(&self, org: Uuid, id: Uuid, now: Instant) -> Option<Arc<Aim>> {
        let current = self.generation();
        let map = self.entries.lock().ok()?;
        let (at, generation, aim) = map.get(&(org, id))?;
        let fresh = *generation == current && now.saturating_duration_since(*at) < TTL;
        fresh.then(|| aim.clone())
    }

    /// Remembers a target read in `generation` (unless a write came since).
    pub fn put(&self, generation: u64, aim: Arc<Aim>) {
        self.put_at(generation, aim, Instant::now());
    }

    fn put_at(&self, generation: u64, aim: Arc<Aim>, now: Instant) {
        let current = self.generation();
        if generation != current {
            return;
        }
        if let Ok(mut map) = self.entries.lock() {
            crate::auth::rules::insert_bounded(
                &mut map,
                MAX_ENTRIES,
                (aim.org_id, aim.id),
                (now, generation, aim),
                |_, (at, g, _)| *g == current && now.saturating_duration_since(*at) < TTL,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::rules::{Metric, SubjectType};
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    fn aim(org: Uuid) -> Arc<Aim> {
        Arc::new(Aim {
            org_id: org,
            id: Uuid::now_v7(),
            title: "Q4 revenue".into(),
            subject_type: SubjectType::User,
            subject_id: Some(Uuid::now_v7()),
            account_id: None,
            metric: Metric::Revenue,
            activity_kind: None,
            value: Decimal::ONE_HUNDRED,
            starts_on: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        })
    }

    #[test]
    fn a_target_is_served_for_its_second_and_only_to_its_organisation() {
        let aims = Aims::default();
        let org = Uuid::now_v7();
        let a = aim(org);
        let t0 = Instant::now();
        aims.put_at(aims.generation(), a.clone(), t0);
        let at = |org: Uuid, ms: u64| {
            aims.get_at(org, a.id, t0 + Duration::from_millis(ms))
                .map(|got| got.title.clone())
        };
        assert_eq!(at(org, 0), Some("Q4 revenue".to_string()));
        assert_eq!(at(org, 999), Some("Q4 revenue".to_string()));
        assert_eq!(at(org, 1000), None);
        assert_eq!(at(Uuid::now_v7(), 10), None);
    }

    #[test]
    fn a_write_forgets_what_was_read_before_it() {
        let aims = Aims::default();
        let org = Uuid::now_v7();
        let (kept, late) = (aim(org), aim(org));
        aims.put(aims.generation(), kept.clone());
        // A read began, then a write was answered, then the read ended.
        let began = aims.generation();
        aims.forget_all();
        aims.put(began, late.clone());
        assert!(aims.get(org, kept.id).is_none());
        assert!(aims.get(org, late.id).is_none());
        aims.put(aims.generation(), late.clone());
        assert!(aims.get(org, late.id).is_some());
    }
}
