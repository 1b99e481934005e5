//! Rules for people: emails, selling styles, keeping an admin.

use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::auth::rules::Role;
use crate::validation::{Invalid, Validator};

/// How a salesperson works: farmers manage existing customers, hunters chase new business.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SellingStyle {
    Farmer,
    Hunter,
    Hybrid,
}

impl SellingStyle {
    pub const ALL: [SellingStyle; 3] = [
        SellingStyle::Farmer,
        SellingStyle::Hunter,
        SellingStyle::Hybrid,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SellingStyle::Farmer => "farmer",
            SellingStyle::Hunter => "hunter",
            SellingStyle::Hybrid => "hybrid",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
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

/// Why a change to a person is refused.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// A deactivated person is gone for reads and changes.
    #[error("this person was deactivated; their history stays (list them with ?active=false; an admin may POST /v1/users/{{id}}/reactivate)")]
    Deactivated,
    #[error("an admin cannot deactivate or demote themselves; ask another admin")]
    OwnAdmin,
    #[error("only an admin may change this; people may change their own name")]
    NotAllowed,
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error("invalid")]
    Invalid(Invalid),
}

impl From<Invalid> for UserError {
    fn from(e: Invalid) -> Self {
        UserError::Invalid(e)
    }
}

/// A person as they are, for deciding a change.
pub struct Current {
    pub id: Uuid,
    pub role: Role,
    pub selling_style: Option<SellingStyle>,
}

/// A requested change; absent fields stay as they are (`selling_style:
/// Some(None)` removes it).
pub struct Requested<'a> {
    pub email: Option<&'a str>,
    pub name: Option<&'a str>,
    pub role: Option<Role>,
    pub selling_style: Option<Option<SellingStyle>>,
}

/// What a change does, checked: trimmed values, and the selling style only
/// when it changes (`Some(None)` removes it).
#[derive(Debug, PartialEq, Eq)]
pub struct Planned {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub selling_style: Option<Option<SellingStyle>>,
}

/// Who may change what of a person, and what the change does. Admins may change
/// every field; people their own name. Leaving the salesperson role drops the
/// style unless one is set explicitly. An admin does not demote themselves.
pub fn plan_change(
    caller: Uuid,
    caller_is_admin: bool,
    current: &Current,
    b: &Requested,
) -> Result<Planned, UserError> {
    let is_self = caller == current.id;
    if !caller_is_admin {
        let only_name = b.email.is_none() && b.role.is_none() && b.selling_style.is_none();
        if !is_self || !only_name {
            return Err(UserError::NotAllowed);
        }
    }
    let role = b.role.unwrap_or(current.role);
    let mut style = match b.selling_style {
        Some(s) => s,
        None => current.selling_style,
    };
    if role != Role::Salesperson && b.selling_style.is_none() {
        style = None;
    }
    let mut v = Validator::new();
    if let Some(e) = b.email {
        check_email(&mut v, "email", e.trim());
    }
    if let Some(n) = b.name {
        v.text("name", n, 200);
    }
    check_style(&mut v, role, style);
    v.finish()?;
    if is_self && b.role.is_some() && role != Role::Admin {
        return Err(UserError::OwnAdmin);
    }
    let style_changes = style != current.selling_style;
    Ok(Planned {
        email: b.email.map(|e| e.trim().to_string()),
        name: b.name.map(|n| n.trim().to_string()),
        role: b.role,
        selling_style: style_changes.then_some(style),
    })
}

/// A deactivated person is gone for reads and changes.
pub fn check_live(active: bool) -> Result<(), UserError> {
    if active {
        Ok(())
    } else {
        Err(UserError::Deactivated)
    }
}

/// An admin does not deactivate themselves.
pub fn check_not_self(caller: Option<Uuid>, person: Uuid) -> Result<(), UserError> {
    if caller == Some(person) {
        Err(UserError::OwnAdmin)
    } else {
        Ok(())
    }
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

    fn person(role: Role, style: Option<SellingStyle>) -> Current {
        Current {
            id: Uuid::from_u128(1),
            role,
            selling_style: style,
        }
    }

    fn nothing() -> Requested<'static> {
        Requested {
            email: None,
            name: None,
            role: None,
            selling_style: None,
        }
    }

    #[test]
    fn people_change_their_own_name_only() {
        let me = person(Role::Salesperson, Some(SellingStyle::Hunter));
        let own_name = Requested {
            name: Some(" Ada "),
            ..nothing()
        };
        let planned = plan_change(me.id, false, &me, &own_name).unwrap();
        assert_eq!(planned.name.as_deref(), Some("Ada"));
        assert_eq!(planned.selling_style, None);
        let other = Uuid::from_u128(2);
        assert!(matches!(
            plan_change(other, false, &me, &own_name),
            Err(UserError::NotAllowed)
        ));
        let role = Requested {
            role: Some(Role::Manager),
            ..nothing()
        };
        assert!(matches!(
            plan_change(me.id, false, &me, &role),
            Err(UserError::NotAllowed)
        ));
    }

    #[test]
    fn leaving_sales_drops_the_style_and_admins_keep_their_role() {
        let ada = person(Role::Salesperson, Some(SellingStyle::Farmer));
        let admin = Uuid::from_u128(9);
        let to_manager = Requested {
            role: Some(Role::Manager),
            ..nothing()
        };
        let planned = plan_change(admin, true, &ada, &to_manager).unwrap();
        assert_eq!(planned.selling_style, Some(None));
        let me = person(Role::Admin, None);
        assert!(matches!(
            plan_change(me.id, true, &me, &to_manager),
            Err(UserError::OwnAdmin)
        ));
        assert!(matches!(
            check_not_self(Some(me.id), me.id),
            Err(UserError::OwnAdmin)
        ));
        assert!(matches!(check_live(false), Err(UserError::Deactivated)));
    }
}
