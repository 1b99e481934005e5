//! The sign-in throttle, kept in PostgreSQL so that every instance sees the same
//! counters (table `sign_in_throttle`). Its queries carry no `org_id`: an
//! attempt is counted before its organisation is known (or when there is none:
//! an unknown address), so the counters are keyed by a digest of what they
//! count alone, and a schema distributed by organisation makes the table a
//! reference table.
//!
//! An attempt is counted under several keys, each with its own rule (`L` is
//! `ONPACE_LOGIN_MAX_FAILURES`, `W` is `ONPACE_LOGIN_WINDOW_SECS`):
//!
//! - the (account, client address) pair: from its `L`th failure on, that pair
//!   waits 2 s after each failure, doubling with every further one up to `W`;
//!   a success forgets its failures;
//! - the account, from every address: from its `4L`th failure on, each address
//!   waits 2 s, doubling up to 15 s at most: slowed, never locked out;
//! - the client address, for every account: from its `20L`th failure on, the
//!   same back-off as a pair, up to `W`;
//! - successful sign-ins: at most `2L` a minute per account and `20L` a minute
//!   per client address.
//!
//! Failure counts are forgotten after `W` without a failure.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bytea, Double, Timestamptz};
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;

use crate::config::Config;
use crate::db::schema::sign_in_throttle as t;
use crate::error::{AppError, AppResult};

/// How long an account's back-off may grow: it slows the owner, never locks them out.
pub const ACCOUNT_MAX_DELAY: Duration = Duration::from_secs(15);
/// The window of the successful sign-in limits.
pub const SIGN_IN_WINDOW: Duration = Duration::from_secs(60);

/// What a key counts, and when it refuses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// Failures: from the `free`th on, a back-off of 2 s doubling with each
    /// further failure, from the last one, up to `cap`.
    Failures { free: i32, cap: Duration },
    /// Successful sign-ins: at most `limit` in a window that starts with the first.
    SignIns { limit: i32 },
}

/// A key's counter as stored.
#[derive(Clone, Copy, Debug, Queryable)]
pub struct Counter {
    pub count: i32,
    pub last_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Rule {
    /// How long an attempt must still wait under this rule, if at all.
    pub fn wait(self, counter: &Counter, now: DateTime<Utc>) -> Option<Duration> {
        if counter.expires_at <= now {
            return None;
        }
        let until = match self {
            Rule::Failures { free, cap } => {
                if counter.count < free {
                    return None;
                }
                let steps = (counter.count - free).min(30) as u32;
                let delay = Duration::from_secs(2u64 << steps).min(cap);
                counter.last_at + chrono::TimeDelta::from_std(delay).unwrap_or_default()
            }
            Rule::SignIns { limit } => {
                if counter.count < limit {
                    return None;
                }
                counter.expires_at
            }
        };
        (until - now).to_std().ok().filter(|d| !d.is_zero())
    }
}

/// A throttled key: a digest of what it names, so no email or address is stored.
#[derive(Clone, Debug)]
struct Key {
    digest: Vec<u8>,
    rule: Rule,
}

fn key(kind: &str, parts: &[&str], rule: Rule) -> Key {
    // Each part with its length, so that no two lists of parts read alike.
    let mut text = kind.to_string();
    for p in parts {
        text.push_str(&format!(" {}:{p}", p.len()));
    }
    Key {
        digest: super::rules::secret_digest(&text),
        rule,
    }
}

/// The keys one attempt is counted under.
#[derive(Clone)]
pub struct Throttle {
    pair: Key,
    failures: Vec<Key>,
    sign_ins: Vec<Key>,
    window: Duration,
}

impl Throttle {
    /// For an attempt on `account` (a kind and an id: `user:<email key>`,
    /// `client:<id>`) from `address`. Successes are limited when `limit_sign_ins`.
    pub fn new(config: &Config, account: &str, address: &str, limit_sign_ins: bool) -> Self {
        let l = config.login_max_failures.clamp(1, 1 << 20) as i32;
        let window = config.login_window.max(Duration::from_secs(1));
        let failures = |free| Rule::Failures { free, cap: window };
        let mut sign_ins = Vec::new();
        if limit_sign_ins {
            sign_ins.push(key(
                "ok-account",
                &[account],
                Rule::SignIns { limit: 2 * l },
            ));
            sign_ins.push(key(
                "ok-address",
                &[address],
                Rule::SignIns { limit: 20 * l },
            ));
        }
        Throttle {
            pair: key("pair", &[account, address], failures(l)),
            failures: vec![
                key(
                    "account",
                    &[account],
                    Rule::Failures {
                        free: 4 * l,
                        cap: ACCOUNT_MAX_DELAY.min(window),
                    },
                ),
                key("address", &[address], failures(20 * l)),
            ],
            sign_ins,
            window,
        }
    }

    fn all(&self) -> impl Iterator<Item = &Key> {
        std::iter::once(&self.pair)
            .chain(&self.failures)
            .chain(&self.sign_ins)
    }

    fn failure_keys(&self) -> Vec<&Key> {
        std::iter::once(&self.pair).chain(&self.failures).collect()
    }

    /// Starts an attempt: 429 `too_many_attempts` with the longest wait when any
    /// key refuses; else the attempt is counted as a failure at once, before the
    /// password is checked, so that concurrent guesses are each counted (a
    /// success takes it back). The failure counters are locked meanwhile. A few
    /// lapsed counters of anyone's are cleared up on the way.
    pub async fn begin(&self, c: &mut AsyncPgConnection, now: DateTime<Utc>) -> AppResult<()> {
        // On its own, before the counters are locked: it holds nothing after.
        expire(c, now).await?;
        crate::db::transaction_on(c, async |c| {
            self.lock_failures(c, now).await?;
            self.check(c, now).await?;
            count(c, &self.failure_keys(), now, self.window, true).await
        })
        .await
    }

    /// Makes sure the failure counters exist (lapsed, when new) and locks them,
    /// in one order for everyone.
    async fn lock_failures(&self, c: &mut AsyncPgConnection, now: DateTime<Utc>) -> AppResult<()> {
        let digests = sorted(&self.failure_keys());
        diesel::sql_query(
            "INSERT INTO sign_in_throttle (key, count, window_start, last_at, expires_at) \
             SELECT k, 0, $2, $2, $2 FROM unnest($1::bytea[]) AS k ON CONFLICT (key) DO NOTHING",
        )
        .bind::<Array<Bytea>, _>(&digests)
        .bind::<Timestamptz, _>(now)
        .execute(c)
        .await?;
        lock(c, &digests).await
    }

    /// 429 `too_many_attempts` with the longest wait, when any key refuses.
    async fn check(&self, c: &mut AsyncPgConnection, now: DateTime<Utc>) -> AppResult<()> {
        let digests: Vec<Vec<u8>> = self.all().map(|k| k.digest.clone()).collect();
        let rows: Vec<(Vec<u8>, Counter)> = t::table
            .filter(t::key.eq_any(digests))
            .select((t::key, (t::count, t::last_at, t::expires_at)))
            .load(c)
            .await?;
        let wait = rows
            .iter()
            .filter_map(|(digest, counter)| {
                let rule = self.all().find(|k| &k.digest == digest)?.rule;
                rule.wait(counter, now)
            })
            .max();
        match wait {
            None => Ok(()),
            Some(w) => Err(refused(w)),
        }
    }

    /// The attempt succeeded: the pair's failures are forgotten, the failure
    /// counted for the account and the address taken back, and the sign-in
    /// counted under the sign-in limits.
    pub async fn succeeded(&self, c: &mut AsyncPgConnection, now: DateTime<Utc>) -> AppResult<()> {
        crate::db::transaction_on(c, async |c| {
            // The failure counters in the order `begin` takes them; the pair's is
            // set to nothing rather than deleted, so that it stays to be locked.
            lock(c, &sorted(&self.failure_keys())).await?;
            diesel::update(t::table.filter(t::key.eq(&self.pair.digest)))
                .set(t::count.eq(0))
                .execute(c)
                .await?;
            take_back(c, &self.failures.iter().collect::<Vec<_>>()).await?;
            let keys: Vec<&Key> = self.sign_ins.iter().collect();
            count(c, &keys, now, SIGN_IN_WINDOW, false).await
        })
        .await
    }

    /// The password could not be checked (503 `busy`): the failure counted when
    /// the attempt began is taken back.
    pub async fn abandoned(&self, c: &mut AsyncPgConnection) -> AppResult<()> {
        crate::db::transaction_on(c, async |c| {
            lock(c, &sorted(&self.failure_keys())).await?;
            take_back(c, &self.failure_keys()).await
        })
        .await
    }
}

/// Locks these counters (sorted digests), in key order: every transaction on
/// the counters takes them this way, so concurrent attempts wait, never deadlock.
async fn lock(c: &mut AsyncPgConnection, digests: &[Vec<u8>]) -> AppResult<()> {
    t::table
        .filter(t::key.eq_any(digests))
        .order(t::key)
        .select(t::key)
        .for_update()
        .load::<Vec<u8>>(c)
        .await?;
    Ok(())
}

async fn take_back(c: &mut AsyncPgConnection, keys: &[&Key]) -> AppResult<()> {
    diesel::update(t::table.filter(t::key.eq_any(sorted(keys)).and(t::count.gt(0))))
        .set(t::count.eq(t::count - 1))
        .execute(c)
        .await?;
    Ok(())
}

fn sorted(keys: &[&Key]) -> Vec<Vec<u8>> {
    let mut digests: Vec<Vec<u8>> = keys.iter().map(|k| k.digest.clone()).collect();
    digests.sort();
    digests.dedup();
    digests
}

fn refused(wait: Duration) -> AppError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut e = AppError::too_many_requests(secs.max(1));
    e.detail = format!(
        "too many sign-in attempts; retry in {} seconds",
        secs.max(1)
    );
    e
}

/// Adds one to each key's count (in one statement, keys in a fixed order so that
/// concurrent attempts never deadlock). A lapsed count starts again at one.
/// `sliding`: each event keeps the count for `lifetime` more (failures); else the
/// count lapses `lifetime` after its first event (sign-ins).
async fn count(
    c: &mut AsyncPgConnection,
    keys: &[&Key],
    now: DateTime<Utc>,
    lifetime: Duration,
    sliding: bool,
) -> AppResult<()> {
    if keys.is_empty() {
        return Ok(());
    }
    // The update reads the new row (`EXCLUDED`: `last_at` is `now`) rather
    // than parameters, and `sliding` picks one of two statements: on Citus,
    // where the throttle is a reference table, an `INSERT … SELECT` is sent to
    // the nodes without the parameters its `SELECT` used, so its
    // `ON CONFLICT` part must use none.
    macro_rules! upsert {
        ($expires:literal) => {
            concat!(
                "INSERT INTO sign_in_throttle AS t (key, count, window_start, last_at, expires_at) \
                 SELECT k, 1, $2, $2, $2 + make_interval(secs => $3) FROM unnest($1::bytea[]) AS k \
                 ON CONFLICT (key) DO UPDATE SET \
                   count = CASE WHEN t.expires_at <= EXCLUDED.last_at THEN 1 ELSE t.count + 1 END, \
                   window_start = CASE WHEN t.expires_at <= EXCLUDED.last_at \
                     THEN EXCLUDED.last_at ELSE t.window_start END, \
                   last_at = EXCLUDED.last_at, \
                   expires_at = ",
                $expires
            )
        };
    }
    // A sliding lock ends `lifetime` after the last attempt; a fixed one when
    // its window began.
    const SLIDING: &str = upsert!("EXCLUDED.expires_at");
    const FIXED: &str = upsert!(
        "CASE WHEN t.expires_at <= EXCLUDED.last_at THEN EXCLUDED.expires_at ELSE t.expires_at END"
    );
    diesel::sql_query(if sliding { SLIDING } else { FIXED })
        .bind::<Array<Bytea>, _>(sorted(keys))
        .bind::<Timestamptz, _>(now)
        .bind::<Double, _>(lifetime.as_secs_f64())
        .execute(c)
        .await?;
    Ok(())
}

/// Deletes a few lapsed counters, skipping those another attempt holds.
async fn expire(c: &mut AsyncPgConnection, now: DateTime<Utc>) -> AppResult<()> {
    diesel::sql_query(
        "DELETE FROM sign_in_throttle WHERE key IN (SELECT key FROM sign_in_throttle \
         WHERE expires_at <= $1 LIMIT 100 FOR UPDATE SKIP LOCKED)",
    )
    .bind::<Timestamptz, _>(now)
    .execute(c)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn counter(count: i32, last_ago: i64, expires_in: i64, now: DateTime<Utc>) -> Counter {
        Counter {
            count,
            last_at: now - TimeDelta::seconds(last_ago),
            expires_at: now + TimeDelta::seconds(expires_in),
        }
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap() {
        let now = Utc::now();
        let rule = Rule::Failures {
            free: 5,
            cap: Duration::from_secs(900),
        };
        let wait = |n| rule.wait(&counter(n, 0, 900, now), now);
        assert_eq!(wait(4), None);
        assert_eq!(wait(5), Some(Duration::from_secs(2)));
        assert_eq!(wait(6), Some(Duration::from_secs(4)));
        assert_eq!(wait(10), Some(Duration::from_secs(64)));
        assert_eq!(wait(13), Some(Duration::from_secs(512)));
        assert_eq!(wait(14), Some(Duration::from_secs(900)));
        assert_eq!(wait(1000), Some(Duration::from_secs(900)));
        // Measured from the last failure: 3 s after the 6th, 1 s remains.
        assert_eq!(
            rule.wait(&counter(6, 3, 900, now), now),
            Some(Duration::from_secs(1))
        );
        assert_eq!(rule.wait(&counter(6, 4, 900, now), now), None);
        // A lapsed count refuses nothing.
        assert_eq!(rule.wait(&counter(50, 0, 0, now), now), None);
    }

    #[test]
    fn the_account_back_off_stays_short() {
        let now = Utc::now();
        let rule = Rule::Failures {
            free: 20,
            cap: ACCOUNT_MAX_DELAY,
        };
        assert_eq!(rule.wait(&counter(19, 0, 900, now), now), None);
        assert_eq!(
            rule.wait(&counter(20, 0, 900, now), now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            rule.wait(&counter(10_000, 0, 900, now), now),
            Some(Duration::from_secs(15))
        );
    }

    #[test]
    fn sign_ins_are_limited_until_the_window_ends() {
        let now = Utc::now();
        let rule = Rule::SignIns { limit: 10 };
        assert_eq!(rule.wait(&counter(9, 0, 40, now), now), None);
        assert_eq!(
            rule.wait(&counter(10, 0, 40, now), now),
            Some(Duration::from_secs(40))
        );
        assert_eq!(rule.wait(&counter(10, 0, 0, now), now), None);
    }

    #[test]
    fn keys_name_what_they_count_and_nothing_else() {
        let c = Config::default();
        let a = Throttle::new(&c, "user:ada@example.com", "192.0.2.1", true);
        let b = Throttle::new(&c, "user:ada@example.com", "192.0.2.2", false);
        assert_ne!(a.pair.digest, b.pair.digest);
        assert_eq!(a.failures[0].digest, b.failures[0].digest, "same account");
        assert_ne!(a.failures[1].digest, b.failures[1].digest, "other address");
        assert_eq!((a.sign_ins.len(), b.sign_ins.len()), (2, 0));
        // No separator confusion: ("a", "b\0c") is not ("a\0b", "c").
        assert_ne!(
            key("pair", &["a", "b\0c"], a.pair.rule).digest,
            key("pair", &["a\0b", "c"], a.pair.rule).digest
        );
    }
}
