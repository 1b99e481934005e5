//! Argon2id password hashing.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// Hashes a password with Argon2id and a random salt (PHC string).
pub fn hash(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("Argon2 with default parameters hashes any password")
        .to_string()
}

/// Checks a password against a stored PHC hash.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the same time as a real check when there is no such user, so that
/// response times do not tell which emails are registered.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let h = DUMMY.get_or_init(|| hash("a password nobody has, for timing only"));
    let _ = verify(password, h);
}

/// Where hashes are computed: on threads of their own, never while a database
/// connection is held, and at most `permits` at once (each takes 19 MiB and a
/// core). A hash that cannot start within `wait` answers 503 `busy`.
///
/// The threads are a fixed few (as many as the permits, kept for an hour when
/// idle): the allocator keeps a freed 19 MiB block for the thread that used it,
/// so hashes spread over the many threads of a general blocking pool would hold
/// that much memory per thread.
pub struct Hashing {
    permits: Arc<Semaphore>,
    wait: Duration,
    threads: Threads,
}

/// A runtime whose blocking threads do the hashing; shut down without waiting,
/// so that it may be dropped from async code.
struct Threads(Option<tokio::runtime::Runtime>);

impl Drop for Threads {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl Hashing {
    pub fn new(permits: usize, wait: Duration) -> Self {
        let permits = permits.max(1);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(permits)
            .thread_keep_alive(Duration::from_secs(3600))
            .thread_name("onpace-hashing")
            .build()
            .expect("the hashing threads start");
        Hashing {
            permits: Arc::new(Semaphore::new(permits)),
            wait,
            threads: Threads(Some(runtime)),
        }
    }

    /// As many at once as the machine has cores, each waiting up to 2 s to start.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cores, Duration::from_secs(2))
    }

    /// The permits themselves: holding one keeps a hash from starting.
    pub fn permits(&self) -> &Arc<Semaphore> {
        &self.permits
    }

    /// Runs `f` (hashing or verifying) once a permit is free.
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(busy)?;
        let threads = self.threads.0.as_ref().expect("running until dropped");
        threads
            .spawn_blocking(move || {
                let out = f();
                drop(permit);
                out
            })
            .await
            .map_err(AppError::internal)
    }
}

fn busy() -> AppError {
    let mut e = AppError::new(
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "too many passwords are being checked at once; retry shortly",
    );
    e.retry_after = Some(1);
    e
}

/// The reasons a new password is refused.
pub fn check_policy(password: &str) -> Option<(&'static str, String)> {
    let n = password.chars().count();
    if n < MIN_LEN {
        Some((
            "too_short",
            format!("must be at least {MIN_LEN} characters"),
        ))
    } else if n > MAX_LEN {
        Some(("too_long", format!("must be at most {MAX_LEN} characters")))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("correct horse battery");
        let b = hash("correct horse battery");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse battery!", &a));
        assert!(!verify("x", "not a hash"));
    }

    #[actix_rt::test]
    async fn hashing_runs_on_as_many_threads_as_permits() {
        let h = Arc::new(Hashing::new(2, Duration::from_secs(30)));
        let mut threads = std::collections::HashSet::new();
        for _ in 0..4 {
            let jobs = (0..6).map(|_| {
                h.run(|| {
                    std::thread::sleep(Duration::from_millis(5));
                    std::thread::current().id()
                })
            });
            for id in futures_util::future::join_all(jobs).await {
                threads.insert(id.unwrap());
            }
        }
        assert!(threads.len() <= 2, "{} threads hashed", threads.len());
    }

    #[actix_rt::test]
    async fn hashing_runs_at_most_its_permits_at_once_then_answers_busy() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let h = Arc::new(Hashing::new(2, Duration::from_millis(500)));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let jobs = (0..6).map(|_| {
            let (h, running, peak) = (h.clone(), running.clone(), peak.clone());
            async move {
                h.run(move || {
                    peak.fetch_max(running.fetch_add(1, SeqCst) + 1, SeqCst);
                    std::thread::sleep(Duration::from_millis(40));
                    running.fetch_sub(1, SeqCst);
                })
                .await
            }
        });
        let done = futures_util::future::join_all(jobs).await;
        assert!(done.iter().all(Result::is_ok));
        assert_eq!(peak.load(SeqCst), 2);
        // Every permit held: a hash waits, then is refused.
        let _held = h.permits().clone().try_acquire_many_owned(2).unwrap();
        let e = h.run(|| ()).await.unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (503, "busy"));
        assert_eq!(e.retry_after, Some(1));
    }

    #[test]
    fn policy() {
        assert_eq!(check_policy("short").unwrap().0, "too_short");
        assert!(check_policy("long enough pw").is_none());
        assert_eq!(check_policy(&"x".repeat(129)).unwrap().0, "too_long");
    }
}
