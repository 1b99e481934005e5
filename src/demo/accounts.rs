//! The demo's accounts, added and handled by the demo admin.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::days::DemoDays;
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

/// An account as the demo set it up: from which day it buys (customers that
/// are not dormant, and a won prospect once won), and who owned it from which
/// day (oldest first).
pub(super) struct Held {
    pub id: Uuid,
    pub buys_from: Option<NaiveDate>,
    pub owners: Vec<(NaiveDate, Uuid)>,
}

impl Held {
    /// Its owner on `day`, if it had one.
    pub fn owner_on(&self, day: NaiveDate) -> Option<Uuid> {
        self.owners
            .iter()
            .rev()
            .find(|(from, _)| *from <= day)
            .map(|(_, who)| *who)
    }
}

/// Customers for the farmers, prospects for the hunters, a transfer and a won
/// prospect handed over to a farmer; answers the customers and the prospects
/// with their owners over time.
pub(super) async fn seed(
    c: &mut AsyncPgConnection,
    people: &DemoPeople,
    days: &DemoDays,
) -> Result<(Vec<Held>, Vec<Held>), AppError> {
    let (start, quarter) = (days.history_from, days.quarter.0);
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
    let mut held_customers = Vec::new();
    for (n, name) in CUSTOMERS.iter().enumerate() {
        let id = make(name, Kind::Customer, farmers[n % 3], n).await?;
        customers.push(id);
        held_customers.push(Held {
            id,
            buys_from: (n % 5 != 4).then_some(start),
            owners: vec![(start, farmers[n % 3])],
        });
    }
    let mut prospects = Vec::new();
    let mut held_prospects = Vec::new();
    for (n, name) in PROSPECTS.iter().enumerate() {
        let id = make(name, Kind::Prospect, hunters[n % 2], CUSTOMERS.len() + n).await?;
        prospects.push(id);
        held_prospects.push(Held {
            id,
            buys_from: None,
            owners: vec![(start, hunters[n % 2])],
        });
    }
    // Frank's first customer moved to Faye at the start of this quarter.
    let b = TransferRequest {
        new_owner_id: farmers[2],
        effective_on: IsoDate(quarter),
        reason: "Territory realignment".into(),
    };
    accounts::request_transfer_on(c, &admin, customers[1], b).await?;
    held_customers[1].owners.push((quarter, farmers[2]));
    // Hugo won Woodgrove Bank a month ago and it was handed to Fiona.
    let won_on = days.won_on;
    let b = ConvertRequest {
        converted_on: Some(IsoDate(won_on)),
        new_owner_id: Some(farmers[0]),
        reason: Some("Handover after conversion".into()),
        hunter_share: None,
    };
    accounts::convert_on(c, &admin, prospects[0], b).await?;
    // A customer from then on, bought from Fiona.
    let mut won = held_prospects.remove(0);
    won.buys_from = Some(won_on);
    won.owners.push((won_on, farmers[0]));
    held_customers.push(won);
    // Hana's lost prospect is neither called on nor met any more.
    held_prospects.retain(|h| h.id != prospects[1]);
    // Hana lost one.
    let b = PatchAccount {
        name: None,
        status: Some(Status::Lost),
        segment: None,
        external_source: None,
        external_id: None,
    };
    accounts::patch_on(c, &admin, prospects[1], None, b).await?;
    Ok((held_customers, held_prospects))
}
