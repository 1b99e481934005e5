//! Rules for accounts: kinds and statuses, dated ownership, conversion.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::{FieldError, Validator};

mod access;

pub use access::{
    may_date, may_set_external_ids, may_sync, may_transfer, may_write, seen_by, AccountRefusal,
    Seen,
};

/// Customers are managed by farmers; prospects are chased by hunters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Customer,
    Prospect,
}

/// `active` | `dormant` for customers; `open` | `won` | `lost` for prospects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Dormant,
    Open,
    Won,
    Lost,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Customer, Kind::Prospect];
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Customer => "customer",
            Kind::Prospect => "prospect",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// A new account's status when none is given.
    pub fn default_status(self) -> Status {
        match self {
            Kind::Customer => Status::Active,
            Kind::Prospect => Status::Open,
        }
    }
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Active,
        Status::Dormant,
        Status::Open,
        Status::Won,
        Status::Lost,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Dormant => "dormant",
            Status::Open => "open",
            Status::Won => "won",
            Status::Lost => "lost",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn fits(self, kind: Kind) -> bool {
        match kind {
            Kind::Customer => matches!(self, Status::Active | Status::Dormant),
            Kind::Prospect => matches!(self, Status::Open | Status::Won | Status::Lost),
        }
    }
}

/// A status set directly (create, update, sync). A prospect is won through
/// conversion, which makes it a customer, so `won` is never set directly.
pub fn check_status(v: &mut Validator, kind: Kind, status: Status) {
    if status == Status::Won {
        v.push(FieldError::new(
            "status",
            "use_convert",
            "a won prospect becomes a customer: POST /v1/accounts/{id}/convert",
        ));
    } else if !status.fits(kind) {
        v.push(FieldError::new(
            "status",
            "invalid_for_kind",
            format!(
                "a {} is {}",
                kind.as_str(),
                match kind {
                    Kind::Customer => "active or dormant",
                    Kind::Prospect => "open or lost",
                }
            ),
        ));
    }
}

pub fn check_external(v: &mut Validator, source: Option<&str>, id: Option<&str>) {
    match (source, id) {
        (Some(s), Some(i)) => {
            v.text("external_source", s, 100);
            v.text("external_id", i, 200);
        }
        (None, None) => {}
        _ => v.push(FieldError::new(
            "external_id",
            "incomplete",
            "external_source and external_id go together",
        )),
    }
}

/// One period of ownership: both days included, `to` open when None.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ownership {
    pub owner_id: Uuid,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// Why a transfer cannot be recorded.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.field_error().message)]
pub enum TransferRefusal {
    SameOwner,
    BeforeAccountExisted(NaiveDate),
    BeforeCurrentOwner(NaiveDate),
    InFuture(NaiveDate),
}

impl TransferRefusal {
    /// The error for a transfer request (`new_owner_id`, `effective_on`).
    pub fn field_error(&self) -> FieldError {
        self.field_error_as("new_owner_id", "effective_on")
    }

    /// The error named after the fields of the request that asked for the change
    /// (a conversion's `converted_on`, a sync's `owner_id` or `owner_email`).
    pub fn field_error_as(&self, owner_field: &str, date_field: &str) -> FieldError {
        match self {
            TransferRefusal::SameOwner => FieldError::new(
                owner_field,
                "same_owner",
                "the account already belongs to this person",
            ),
            TransferRefusal::BeforeAccountExisted(first) => FieldError::new(
                date_field,
                "before_account_existed",
                format!("the account exists from {first}; a transfer cannot take effect before"),
            ),
            TransferRefusal::BeforeCurrentOwner(from) => FieldError::new(
                date_field,
                "before_current_owner",
                format!("must be after {from}, when the current owner took over"),
            ),
            TransferRefusal::InFuture(today) => FieldError::new(
                date_field,
                "in_future",
                format!("must be today ({today}) or earlier"),
            ),
        }
    }
}

/// Where a transfer to `new_owner` on `effective_on` cuts the history (ordered by
/// `from`): the current period ends the day before, and the new one starts on
/// `effective_on`; on the current owner's own first day it corrects that period's
/// owner instead. Returns the start of the current period.
pub fn plan_transfer(
    history: &[Ownership],
    new_owner: Uuid,
    effective_on: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, TransferRefusal> {
    let first = history
        .first()
        .expect("an account always has an owner")
        .from;
    let current = history.last().expect("an account always has an owner");
    if current.owner_id == new_owner {
        return Err(TransferRefusal::SameOwner);
    }
    if effective_on > today {
        return Err(TransferRefusal::InFuture(today));
    }
    if effective_on < first {
        return Err(TransferRefusal::BeforeAccountExisted(first));
    }
    if effective_on < current.from {
        return Err(TransferRefusal::BeforeCurrentOwner(current.from));
    }
    Ok(current.from)
}

/// Where a prospect's conversion stands. `pending`: its salesperson recorded it as
/// won; it counts nowhere until their manager or an admin confirms it.
/// `confirmed`: it counts (conversions by managers, admins and CRM syncs are
/// confirmed at once). `rejected`: refused; the account is still a prospect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversionStatus {
    Pending,
    Confirmed,
    Rejected,
}

impl ConversionStatus {
    pub const ALL: [ConversionStatus; 3] = [
        ConversionStatus::Pending,
        ConversionStatus::Confirmed,
        ConversionStatus::Rejected,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ConversionStatus::Pending => "pending",
            ConversionStatus::Confirmed => "confirmed",
            ConversionStatus::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Who calls `convert` or `reject-conversion`, as the segregation of duties sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decider {
    /// The salesperson who owns the prospect: they record, they do not decide.
    Salesperson,
    /// An admin, or a manager of the salesperson who recorded the pending
    /// conversion (or of the owner when nothing is pending).
    Approver,
    /// A manager who sees the prospect but did not manage the salesperson who
    /// recorded its pending conversion.
    OtherManager,
    /// An integration client: converts directly, as a CRM sync does; decides nothing.
    Client,
}

/// What a call of `convert` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvertOutcome {
    /// Records a pending conversion, counted nowhere.
    Record,
    /// Converts (confirming a pending conversion, if any): it counts.
    Convert,
}

/// Why a conversion call is out of turn or not the caller's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConversionRefusal {
    /// The salesperson's conversion already awaits a decision.
    #[error(
        "this conversion already awaits confirmation by the salesperson's manager or an admin"
    )]
    AlreadyPending,
    /// No conversion awaits a decision.
    #[error("no conversion of this account awaits a decision")]
    NothingPending,
    /// Not the caller's to decide.
    #[error("a salesperson's conversion is decided by their manager or an admin")]
    NotTheirs,
}

/// `convert` on a prospect whose conversion stands at `status`.
pub fn on_convert(
    who: Decider,
    status: Option<ConversionStatus>,
) -> Result<ConvertOutcome, ConversionRefusal> {
    let pending = status == Some(ConversionStatus::Pending);
    match who {
        Decider::Salesperson if pending => Err(ConversionRefusal::AlreadyPending),
        Decider::Salesperson => Ok(ConvertOutcome::Record),
        // Only the salesperson's manager or an admin decides a salesperson's conversion.
        Decider::OtherManager | Decider::Client if pending => Err(ConversionRefusal::NotTheirs),
        Decider::Approver | Decider::OtherManager | Decider::Client => Ok(ConvertOutcome::Convert),
    }
}

/// `reject-conversion` on an account whose conversion stands at `status`.
pub fn on_reject(who: Decider, status: Option<ConversionStatus>) -> Result<(), ConversionRefusal> {
    match who {
        Decider::Approver if status == Some(ConversionStatus::Pending) => Ok(()),
        Decider::Approver => Err(ConversionRefusal::NothingPending),
        Decider::Salesperson | Decider::OtherManager | Decider::Client => {
            Err(ConversionRefusal::NotTheirs)
        }
    }
}

/// The owner on `day`, from the history.
pub fn owner_on(history: &[Ownership], day: NaiveDate) -> Option<Uuid> {
    history
        .iter()
        .find(|o| o.from <= day && o.to.is_none_or(|t| day <= t))
        .map(|o| o.owner_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn statuses_fit_their_kind() {
        assert!(Status::Active.fits(Kind::Customer) && Status::Dormant.fits(Kind::Customer));
        assert!(!Status::Open.fits(Kind::Customer));
        assert!(Status::Open.fits(Kind::Prospect) && Status::Lost.fits(Kind::Prospect));
        assert!(!Status::Dormant.fits(Kind::Prospect));
        let mut v = Validator::new();
        check_status(&mut v, Kind::Prospect, Status::Won);
        check_status(&mut v, Kind::Customer, Status::Lost);
        check_status(&mut v, Kind::Customer, Status::Dormant);
        let e = v.finish().unwrap_err();
        let codes: Vec<_> = e.errors.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, vec!["use_convert", "invalid_for_kind"]);
    }

    #[test]
    fn external_ids_come_in_pairs() {
        let mut v = Validator::new();
        check_external(&mut v, Some("hubspot"), Some("42"));
        check_external(&mut v, None, None);
        assert!(v.finish().is_ok());
        let mut v = Validator::new();
        check_external(&mut v, Some("hubspot"), None);
        assert_eq!(v.finish().unwrap_err().errors[0].code, "incomplete");
    }

    #[test]
    fn transfers_cut_the_current_period() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let today = d("2026-11-26");
        let history = [
            Ownership {
                owner_id: a,
                from: d("2026-01-01"),
                to: Some(d("2026-06-30")),
            },
            Ownership {
                owner_id: b,
                from: d("2026-07-01"),
                to: None,
            },
        ];
        assert_eq!(
            plan_transfer(&history, c, d("2026-10-01"), today),
            Ok(d("2026-07-01"))
        );
        assert_eq!(
            plan_transfer(&history, c, today, today),
            Ok(d("2026-07-01"))
        );
        assert_eq!(
            plan_transfer(&history, b, d("2026-10-01"), today),
            Err(TransferRefusal::SameOwner)
        );
        assert_eq!(
            plan_transfer(&history, c, d("2025-12-31"), today),
            Err(TransferRefusal::BeforeAccountExisted(d("2026-01-01")))
        );
        // On the current owner's first day: a correction of that period.
        assert_eq!(
            plan_transfer(&history, c, d("2026-07-01"), today),
            Ok(d("2026-07-01"))
        );
        assert_eq!(
            plan_transfer(&history, c, d("2026-06-30"), today),
            Err(TransferRefusal::BeforeCurrentOwner(d("2026-07-01")))
        );
        assert_eq!(
            plan_transfer(&history, c, d("2026-11-27"), today),
            Err(TransferRefusal::InFuture(today))
        );
    }

    #[test]
    fn salespeople_record_conversions_and_approvers_decide_them() {
        use ConversionRefusal::*;
        use ConversionStatus::*;
        use ConvertOutcome::*;
        use Decider::*;
        let none: Option<ConversionStatus> = None;
        // A salesperson records, once; after a refusal, again.
        assert_eq!(on_convert(Salesperson, none), Ok(Record));
        assert_eq!(on_convert(Salesperson, Some(Rejected)), Ok(Record));
        assert_eq!(on_convert(Salesperson, Some(Pending)), Err(AlreadyPending));
        // Approvers convert, confirming what is pending.
        for status in [None, Some(Pending), Some(Rejected)] {
            assert_eq!(on_convert(Approver, status), Ok(Convert), "{status:?}");
        }
        // A manager who sees the prospect, and an integration client, convert it,
        // but decide nothing a salesperson recorded.
        for who in [OtherManager, Client] {
            assert_eq!(on_convert(who, none), Ok(Convert));
            assert_eq!(on_convert(who, Some(Rejected)), Ok(Convert));
            assert_eq!(on_convert(who, Some(Pending)), Err(NotTheirs));
        }
        // Only approvers refuse, and only what is pending.
        assert_eq!(on_reject(Approver, Some(Pending)), Ok(()));
        for status in [None, Some(Confirmed), Some(Rejected)] {
            assert_eq!(on_reject(Approver, status), Err(NothingPending));
        }
        for who in [Salesperson, OtherManager, Client] {
            assert_eq!(on_reject(who, Some(Pending)), Err(NotTheirs));
        }
        for s in ConversionStatus::ALL {
            assert_eq!(ConversionStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn the_owner_on_a_day() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let history = [
            Ownership {
                owner_id: a,
                from: d("2026-01-01"),
                to: Some(d("2026-06-30")),
            },
            Ownership {
                owner_id: b,
                from: d("2026-07-01"),
                to: None,
            },
        ];
        assert_eq!(owner_on(&history, d("2025-12-31")), None);
        assert_eq!(owner_on(&history, d("2026-01-01")), Some(a));
        assert_eq!(owner_on(&history, d("2026-06-30")), Some(a));
        assert_eq!(owner_on(&history, d("2026-07-01")), Some(b));
        assert_eq!(owner_on(&history, d("2030-01-01")), Some(b));
    }
}
