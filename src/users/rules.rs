//! Rules for people: emails, selling styles, keeping an admin.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;
use crate::validation::Validator;

/// How a salesperson works: farmers manage existing customers, hunters chase new business.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SellingStyle {
    Farmer,
    Hunter,
    Hybrid,
}

impl SellingStyle {
    pub fn as_str(self) -> &'static str {
        match self {
            SellingStyle::Farmer => "farmer",
            SellingStyle::Hunter => "hunter",
            SellingStyle::Hybrid => "hybrid",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            SellingStyle::Farmer,
            SellingStyle::Hunter,
            SellingStyle::Hybrid,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A plausible email address: one `@`, a local part, a dotted domain, no spaces.
pub fn is_email(s: &str) -> bool {
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.len() <= 64
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        }
        None => false,
    }
}

/// The one form of an email that identifies a person: trimmed, lowercased by
/// Unicode's rules (as Rust's `to_lowercase`, not PostgreSQL's `lower()`), then
/// composed (NFC). Stored as `users.email_key` and used for sign-in and for
/// uniqueness alike, so that any way of writing an address finds the same person.
pub fn email_key(email: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    email
        .trim()
        .nfc()
        .collect::<String>()
        .to_lowercase()
        .nfc()
        .collect()
}

pub fn check_email(v: &mut Validator, field: &str, email: &str) {
    v.check(
        is_email(email),
        field,
        "invalid_email",
        "must be an email address",
    );
}

/// A selling style belongs to salespeople only.
pub fn check_style(v: &mut Validator, role: Role, style: Option<SellingStyle>) {
    v.check(
        style.is_none() || role == Role::Salesperson,
        "selling_style",
        "not_applicable",
        "only salespeople have a selling style",
    );
}

/// Distinguishes an absent field (None) from an explicit null (Some(None)).
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("ada@example.com"));
        assert!(is_email("a.b+tag@sub.example.co"));
        assert!(!is_email("ada"));
        assert!(!is_email("ada@example"));
        assert!(!is_email("a da@example.com"));
        assert!(!is_email("a@b@example.com"));
        assert!(!is_email("@example.com"));
        assert!(!is_email("ada@.example.com"));
    }

    #[test]
    fn email_keys() {
        assert_eq!(email_key("  Ada@Example.COM "), "ada@example.com");
        // U+0130 lowercases to "i" and a combining dot above (U+0307).
        assert_eq!(email_key("İrem@x.org"), "i\u{307}rem@x.org");
        assert_eq!(email_key("İrem@x.org"), email_key("i\u{307}REM@X.org"));
        // Composed and decomposed forms are one key, composed.
        assert_eq!(email_key("E\u{301}mile@x.org"), "\u{e9}mile@x.org");
        assert_eq!(email_key("\u{c9}MILE@x.org"), "\u{e9}mile@x.org");
        assert_eq!(email_key("ØYVIND@ÆRØ.example"), "øyvind@ærø.example");
    }

    #[test]
    fn styles_only_for_salespeople() {
        let mut v = Validator::new();
        check_style(&mut v, Role::Salesperson, Some(SellingStyle::Hunter));
        check_style(&mut v, Role::Manager, None);
        assert!(v.finish().is_ok());
        let mut v = Validator::new();
        check_style(&mut v, Role::Manager, Some(SellingStyle::Farmer));
        assert_eq!(v.finish().unwrap_err().errors[0].code, "not_applicable");
    }
}
