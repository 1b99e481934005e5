//! Argon2id password hashing.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use std::sync::OnceLock;

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

    #[test]
    fn policy() {
        assert_eq!(check_policy("short").unwrap().0, "too_short");
        assert!(check_policy("long enough pw").is_none());
        assert_eq!(check_policy(&"x".repeat(129)).unwrap().0, "too_long");
    }
}
