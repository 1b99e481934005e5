//! Accounts' requests and answers.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{ConversionStatus, Kind, Status};
use super::store::{AccountRow, OwnerPeriodRow};
use crate::http::ItemStatus;
use crate::users::rules::double_option;
use crate::values::IsoDate;

crate::openapi::string_enum!(
    Kind,
    "AccountKind",
    "Customers are managed by farmers; prospects are chased by hunters."
);
crate::openapi::string_enum!(
    Status,
    "AccountStatus",
    "`active` | `dormant` for customers; `open` | `won` | `lost` for prospects."
);
crate::openapi::string_enum!(
    ConversionStatus,
    "ConversionStatus",
    "Where a prospect's conversion stands. `pending`: its salesperson recorded it as\nwon; it counts nowhere until their manager or an admin confirms it.\n`confirmed`: it counts (conversions by managers, admins and CRM syncs are\nconfirmed at once). `rejected`: refused; the account is still a prospect."
);

/// A customer or prospect, with its one owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: Uuid,
    pub name: String,
    pub kind: Kind,
    pub status: Status,
    /// The owner today; `GET /v1/accounts/{id}/owners` has the dated history.
    pub owner_id: Uuid,
    /// The CRM this account is synced with, and its id there.
    pub external_source: Option<String>,
    pub external_id: Option<String>,
    pub segment: Option<String>,
    /// The day the prospect was won and became a customer.
    pub converted_on: Option<NaiveDate>,
    /// Who owned the prospect when it was won.
    pub won_by: Option<Uuid>,
    /// Null when never converted; `pending` while a salesperson's own conversion
    /// awaits their manager's or an admin's confirmation (still a prospect, counted
    /// nowhere); `confirmed` once it counts; `rejected` when refused (still a prospect).
    pub conversion_status: Option<ConversionStatus>,
    /// The day the salesperson recorded it as won, and who did (null when a
    /// manager, an admin or a CRM converted it directly).
    pub conversion_requested_on: Option<NaiveDate>,
    pub conversion_requested_by: Option<Uuid>,
    /// Who confirmed, refused or made the conversion, and when.
    pub conversion_decided_by: Option<Uuid>,
    pub conversion_decided_at: Option<DateTime<Utc>>,
    /// Why it was refused.
    pub conversion_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AccountRow> for Account {
    fn from(r: AccountRow) -> Self {
        Account {
            id: r.id,
            name: r.name,
            kind: r.kind,
            status: r.status,
            owner_id: r.owner_id,
            external_source: r.external_source,
            external_id: r.external_id,
            segment: r.segment,
            converted_on: r.converted_on,
            won_by: r.won_by,
            conversion_status: r.conversion_status,
            conversion_requested_on: r.conversion_requested_on,
            conversion_requested_by: r.conversion_requested_by,
            conversion_decided_by: r.conversion_decided_by,
            conversion_decided_at: r.conversion_decided_at,
            conversion_reason: r.conversion_reason,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    #[schema(min_length = 1, max_length = 200, example = "Contoso Ltd")]
    pub name: String,
    pub kind: Kind,
    /// Default: `active` for customers, `open` for prospects.
    pub status: Option<Status>,
    /// An active salesperson. Salespeople create accounts for themselves and may
    /// leave it out; managers name one of their people; admins and clients anyone.
    pub owner_id: Option<Uuid>,
    #[schema(min_length = 1, max_length = 100)]
    pub segment: Option<String>,
    /// Set by integrations, admins and managers; a salesperson cannot (403
    /// `integration_only`).
    #[schema(min_length = 1, max_length = 100, example = "hubspot")]
    pub external_source: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub external_id: Option<String>,
    /// The first day of the owner's ownership (default: today; not in the future).
    /// A salesperson cannot date it before today (403 `no_backdating`).
    pub owned_since: Option<IsoDate>,
}

/// Changes to an account; the owner changes only by transfer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchAccount {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Within the account's kind; a prospect is won by conversion.
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true, min_length = 1, max_length = 100)]
    pub segment: Option<Option<String>>,
    /// A salesperson cannot change the external ids (403 `integration_only`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true, min_length = 1, max_length = 100)]
    pub external_source: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true, min_length = 1, max_length = 200)]
    pub external_id: Option<Option<String>>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    pub owner_id: Option<Uuid>,
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    /// Part of the name, case-insensitive.
    pub q: Option<String>,
    /// `pending` finds the conversions that await the caller's confirmation.
    pub conversion_status: Option<ConversionStatus>,
    pub external_source: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A change of owner from a day on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// An active salesperson.
    pub new_owner_id: Uuid,
    /// The new owner's first day: not in the future, and not before the current
    /// owner's first day (on that day itself it corrects the current owner).
    /// Results from this day on are credited to the new owner.
    pub effective_on: IsoDate,
    #[schema(min_length = 1, max_length = 500, example = "Territory realignment")]
    pub reason: String,
}

/// One period of ownership.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerPeriod {
    pub owner_id: Uuid,
    pub owner_name: String,
    /// First day of ownership.
    pub from: NaiveDate,
    /// Last day; null for the current owner.
    pub to: Option<NaiveDate>,
    pub reason: Option<String>,
    /// The person or integration client who recorded it.
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
}

/// An account as a CRM knows it (`PUT /v1/accounts/external/{source}/{external_id}`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncAccount {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Turning a prospect into a customer converts it (today); the reverse is refused.
    pub kind: Kind,
    pub status: Option<Status>,
    /// The owner, by id or by email; required when the account is new. A different
    /// owner than today's is recorded as a transfer effective today.
    pub owner_id: Option<Uuid>,
    #[schema(format = "email")]
    pub owner_email: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true, min_length = 1, max_length = 100)]
    pub segment: Option<Option<String>>,
    /// For a new account: the owner's first day (default today).
    pub owned_since: Option<IsoDate>,
}

/// One item of `POST /v1/accounts/batch`. The fields are those of
/// [`SyncAccount`] plus the external id. Lengths and formats (a name of 1 to 200
/// characters, a segment of 1 to 100, an external source of 1 to 100 and id of 1
/// to 200, an owner email) are checked item by item: an item that breaks them is
/// rejected alone, with its errors, and the others are stored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchAccount {
    #[schema(example = "hubspot")]
    pub external_source: String,
    #[schema(example = "company-4711")]
    pub external_id: String,
    #[schema(example = "Contoso Ltd")]
    pub name: String,
    pub kind: Kind,
    pub status: Option<Status>,
    pub owner_id: Option<Uuid>,
    pub owner_email: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true)]
    pub segment: Option<Option<String>>,
    pub owned_since: Option<IsoDate>,
}

impl BatchAccount {
    /// `(external_source, external_id, the account)`.
    pub fn split(self) -> (String, String, SyncAccount) {
        (
            self.external_source,
            self.external_id,
            SyncAccount {
                name: self.name,
                kind: self.kind,
                status: self.status,
                owner_id: self.owner_id,
                owner_email: self.owner_email,
                segment: self.segment,
                owned_since: self.owned_since,
            },
        )
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// Up to 1,000 upserts by `(external_source, external_id)`.
    #[schema(max_items = 1000)]
    pub items: Vec<BatchAccount>,
}

/// The answer of a single upsert.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncResult {
    pub status: ItemStatus,
    pub account: Account,
}

/// Winning a prospect.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertRequest {
    /// The day it was won. It counts for `new_accounts` on this day. Default: today;
    /// when confirming a salesperson's pending conversion, the day they recorded.
    /// A salesperson cannot date it before today (403 `no_backdating`).
    pub converted_on: Option<IsoDate>,
    /// Hand the new customer over to this salesperson (typically a farmer) from
    /// `converted_on`. Not for a salesperson's own conversion (403): their manager
    /// names the new owner when confirming it.
    pub new_owner_id: Option<Uuid>,
    /// Why it is handed over (default "handover after conversion").
    #[schema(min_length = 1, max_length = 500)]
    pub reason: Option<String>,
    /// With `new_owner_id`: the revenue share the salesperson who won the
    /// account keeps of its sales from `converted_on` until a day, shown as one
    /// of the account's split rules (`hunter_share: true`).
    pub hunter_share: Option<super::dto_splits::HunterShare>,
}

/// Refusing a salesperson's pending conversion.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectConversion {
    /// Why, for the salesperson (shown as the account's `conversion_reason`).
    #[schema(min_length = 1, max_length = 500, example = "No signed order yet")]
    pub reason: Option<String>,
}

impl From<OwnerPeriodRow> for OwnerPeriod {
    fn from(r: OwnerPeriodRow) -> Self {
        OwnerPeriod {
            owner_id: r.owner_id,
            owner_name: r.owner_name,
            from: r.from_on,
            to: r.to_on,
            reason: r.reason,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        }
    }
}
