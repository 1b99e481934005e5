//! The demo's accounts, added and handled by the demo admin.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::DemoPeople;
use crate::accounts::dto::{ConvertRequest, CreateAccount, PatchAccount, TransferRequest};
use crate::accounts::rules::{Kind, Status};
use crate::accounts::service as accounts;
use crate::error::AppError;
use crate::values::IsoDate;

const CUSTOMERS: [&str; 12] = [
    "Contoso Ltd",
    "Fabrikam Inc",
    "Tailspin Toys",
    "Wingtip Traders",
    "Litware Systems",
    "Adventure Works",
    "Northwind Foods",
    "Proseware Labs",
    "Lucerne Publishing",
    "Coho Vineyard",
    "Alpine Ski House",
    "Blue Yonder Air",
];

const PROSPECTS: [&str; 8] = [
    "Woodgrove Bank",
    "Humongous Insurance",
    "Trey Research",
    "Margie's Travel",
    "Fourth Coffee",
    "Graphic Design Institute",
    "School of Fine Art",
    "Relecloud",
];

/// Customers for the farmers, prospects for the hunters, a transfer and a won
/// prospect handed over to a farmer.
pub(super) async fn seed(
    c: &mut AsyncPgConnection,
    people: &DemoPeople,
    start: NaiveDate,
    quarter: NaiveDate,
    today: NaiveDate,
) -> Result<(), AppError> {
    let admin = people.as_admin();
    let (farmers, hunters) = (&people.farmers, &people.hunters);
    let mut make =
        async |name: &str, kind: Kind, owner: Uuid, n: usize| -> Result<Uuid, AppError> {
            let status = if n % 5 == 4 && kind == Kind::Customer {
                Status::Dormant
            } else {
                kind.default_status()
            };
            let segment = if n % 3 == 0 {
                "enterprise"
            } else {
                "mid-market"
            };
            let b = CreateAccount {
                name: name.into(),
                kind,
                status: Some(status),
                owner_id: Some(owner),
                segment: Some(segment.into()),
                external_source: Some("democrm".into()),
                external_id: Some(format!("acc-{:04}", n + 1)),
                owned_since: Some(IsoDate(start)),
            };
            Ok(accounts::create_on(c, &admin, b).await?.id)
        };
    let mut customers = Vec::new();
    for (n, name) in CUSTOMERS.iter().enumerate() {
        customers.push(make(name, Kind::Customer, farmers[n % 3], n).await?);
    }
    let mut prospects = Vec::new();
    for (n, name) in PROSPECTS.iter().enumerate() {
        prospects.push(make(name, Kind::Prospect, hunters[n % 2], CUSTOMERS.len() + n).await?);
    }
    // Frank's first customer moved to Faye at the start of this quarter.
    let b = TransferRequest {
        new_owner_id: farmers[2],
        effective_on: IsoDate(quarter),
        reason: "Territory realignment".into(),
    };
    accounts::request_transfer_on(c, &admin, customers[1], b).await?;
    // Hugo won Woodgrove Bank a month ago and it was handed to Fiona.
    let won_on = (today - chrono::Duration::days(30)).max(start + chrono::Duration::days(1));
    let b = ConvertRequest {
        converted_on: Some(IsoDate(won_on)),
        new_owner_id: Some(farmers[0]),
        reason: Some("Handover after conversion".into()),
    };
    accounts::convert_on(c, &admin, prospects[0], b).await?;
    // Hana lost one.
    let b = PatchAccount {
        name: None,
        status: Some(Status::Lost),
        segment: None,
        external_source: None,
        external_id: None,
    };
    accounts::patch_on(c, &admin, prospects[1], None, b).await?;
    Ok(())
}
