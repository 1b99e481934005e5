//! Who may do what with accounts, and whose accounts a caller sees: decided
//! from the caller's role and scopes, as plain values.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::auth::rules::Role;

/// Why a caller may not do what they asked with an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountRefusal {
    #[error("viewers cannot change accounts")]
    ViewerCannotChange,
    #[error("this client lacks the accounts:write scope")]
    ClientCannotChange,
    /// Salespeople and managers do not sync: that is the integrations' job.
    #[error("CRM sync is for integration clients with accounts:write and admins")]
    SyncIsForIntegrations,
    #[error("only admins and clients with accounts:write sync accounts")]
    SyncNotAllowed,
    /// A transfer, a conversion's hand-over or a split rule that reaches
    /// beyond the manager's people.
    #[error(
        "a manager moves or shares an account's credit only among the people of the teams they manage"
    )]
    TransferOutsideTeams,
    /// Transfers, hand-overs and split rules are for managers and admins.
    #[error("only managers and admins move or share an account's credit")]
    TransferNotAllowed,
    #[error("salespeople create accounts for themselves")]
    OthersAccount,
    /// External ids come from CRM integrations.
    #[error("a salesperson cannot set external ids: they come from CRM integrations")]
    ExternalIdsAreForIntegrations,
    /// A salesperson dated their own ownership or conversion before today.
    #[error("{field}: a salesperson cannot date it before today ({today})")]
    Backdated {
        field: &'static str,
        today: NaiveDate,
    },
    #[error(
        "a salesperson's conversion hands nothing over; their manager names the new owner when confirming it"
    )]
    RecordedConversionHandsOver,
    #[error("only a prospect can be converted; this is a customer")]
    NotAProspect,
    #[error("another account has this external_source and external_id")]
    ExternalIdTaken,
}

/// Creating and changing accounts: everyone but viewers and clients without
/// `accounts:write`.
pub fn may_write(role: Option<Role>, accounts_write: bool) -> Result<(), AccountRefusal> {
    match role {
        Some(Role::Admin | Role::Manager | Role::Salesperson) => Ok(()),
        Some(Role::Viewer) => Err(AccountRefusal::ViewerCannotChange),
        None if accounts_write => Ok(()),
        None => Err(AccountRefusal::ClientCannotChange),
    }
}

/// CRM sync: admins and clients with `accounts:write`.
pub fn may_sync(role: Option<Role>, accounts_write: bool) -> Result<(), AccountRefusal> {
    match role {
        Some(Role::Admin) => Ok(()),
        _ if accounts_write => Ok(()),
        Some(Role::Salesperson | Role::Manager) => Err(AccountRefusal::SyncIsForIntegrations),
        _ => Err(AccountRefusal::SyncNotAllowed),
    }
}

/// Transfers: admins, clients with `accounts:write`, and managers for whom
/// both owners are among their people (`manages_both`).
pub fn may_transfer(
    role: Option<Role>,
    accounts_write: bool,
    manages_both: bool,
) -> Result<(), AccountRefusal> {
    match role {
        Some(Role::Admin) => Ok(()),
        _ if accounts_write => Ok(()),
        Some(Role::Manager) if manages_both => Ok(()),
        Some(Role::Manager) => Err(AccountRefusal::TransferOutsideTeams),
        _ => Err(AccountRefusal::TransferNotAllowed),
    }
}

/// A salesperson may not date their own ownership or conversion before today.
pub fn may_date(
    role: Option<Role>,
    field: &'static str,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<(), AccountRefusal> {
    if role == Some(Role::Salesperson) && day < today {
        return Err(AccountRefusal::Backdated { field, today });
    }
    Ok(())
}

/// A salesperson may not set or change external ids.
pub fn may_set_external_ids(role: Option<Role>, changes: bool) -> Result<(), AccountRefusal> {
    if changes && role == Some(Role::Salesperson) {
        return Err(AccountRefusal::ExternalIdsAreForIntegrations);
    }
    Ok(())
}

/// Whose accounts a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Every account (admins, viewers, clients that read or write accounts).
    All,
    /// A manager: the accounts of the people in the teams they manage (with
    /// sub-teams) today, and their own.
    Managed(Uuid),
    /// A salesperson: their own.
    Own(Uuid),
    Nothing,
}

/// `org_wide`: the caller reads the whole organisation or writes accounts.
pub fn seen_by(role: Option<Role>, user: Option<Uuid>, org_wide: bool) -> Seen {
    if org_wide {
        return Seen::All;
    }
    match (role, user) {
        (Some(Role::Manager), Some(me)) => Seen::Managed(me),
        (_, Some(me)) => Seen::Own(me),
        _ => Seen::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_change_sync_and_transfer() {
        use Role::*;
        for role in [Admin, Manager, Salesperson] {
            assert_eq!(may_write(Some(role), false), Ok(()));
        }
        assert_eq!(
            may_write(Some(Viewer), true),
            Err(AccountRefusal::ViewerCannotChange)
        );
        assert_eq!(may_write(None, true), Ok(()));
        assert_eq!(
            may_write(None, false),
            Err(AccountRefusal::ClientCannotChange)
        );
        assert_eq!(may_sync(Some(Admin), false), Ok(()));
        assert_eq!(may_sync(None, true), Ok(()));
        assert_eq!(
            may_sync(Some(Manager), false),
            Err(AccountRefusal::SyncIsForIntegrations)
        );
        assert_eq!(may_sync(None, false), Err(AccountRefusal::SyncNotAllowed));
        assert_eq!(may_transfer(Some(Manager), false, true), Ok(()));
        assert_eq!(
            may_transfer(Some(Manager), false, false),
            Err(AccountRefusal::TransferOutsideTeams)
        );
        assert_eq!(
            may_transfer(Some(Salesperson), false, true),
            Err(AccountRefusal::TransferNotAllowed)
        );
        let (day, today) = ("2026-11-25".parse().unwrap(), "2026-11-26".parse().unwrap());
        assert_eq!(may_date(Some(Manager), "owned_since", day, today), Ok(()));
        assert_eq!(
            may_date(Some(Salesperson), "owned_since", day, today),
            Err(AccountRefusal::Backdated {
                field: "owned_since",
                today
            })
        );
    }

    #[test]
    fn whose_accounts_a_caller_sees() {
        let me = Uuid::now_v7();
        assert_eq!(seen_by(Some(Role::Manager), Some(me), true), Seen::All);
        assert_eq!(
            seen_by(Some(Role::Manager), Some(me), false),
            Seen::Managed(me)
        );
        assert_eq!(
            seen_by(Some(Role::Salesperson), Some(me), false),
            Seen::Own(me)
        );
        assert_eq!(seen_by(None, None, false), Seen::Nothing);
    }
}
