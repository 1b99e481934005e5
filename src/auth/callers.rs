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

use std::sync::Mutex;
use std::time::Duration;

use uuid::Uuid;

use super::rules::Actor;
use crate::org::rules::OrgRow;
use crate::remembered::Remembered;
pub use crate::remembered::{Freshness, TTL};

/// How long the background lookup waits for more callers falling due before
/// it looks them all up: well within the half of [`TTL`] left to an entry.
pub const GATHER: Duration = Duration::from_millis(50);

/// (organisation, is a client, id, sign-in).
pub type Key = (Uuid, bool, Uuid, Option<Uuid>);
pub type Entry = (Actor, std::sync::Arc<OrgRow>, Option<i64>);

/// The callers one instance remembers, and those due to be looked up again.
#[derive(Default)]
pub struct Callers {
    /// Who was found behind each token lately (read with
    /// [`Remembered::get_or_due`]).
    pub found: Remembered<Key, Entry>,
    /// The callers waiting to be looked up again, and whether a task is
    /// looking them up.
    due: Mutex<(Vec<Key>, bool)>,
}

impl Callers {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
