//! The demo's accounts, added and handled by the demo admin.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::days::DemoDays;
use super::DemoPeople;
use crate::accounts::dto::{ConvertRequest, CreateAccount, PatchAccount, TransferRequest};
use crate::accounts::dto_splits::{HunterShare, NewSplitRule};
use crate::accounts::rules::{Kind, Status};
use crate::accounts::service as accounts;
use crate::error::AppError;
use crate::results::dto::SplitItem;
use crate::results::rules::credit::CreditType;
use crate::values::{Amount, IsoDate};

/// The revenue share Hugo keeps of Woodgrove Bank's sales after handing it to
/// Fiona, in percent, until the end of the quarter.
pub(super) const HUNTER_SHARE: i64 = 30;

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
/// are not dormant, and a won prospect once won), who owned it from which day
/// (oldest first), and the revenue share (in percent) that someone besides its
/// owner takes of its sales, from one day to another.
pub(super) struct Held {
    pub id: Uuid,
    pub buys_from: Option<NaiveDate>,
    pub owners: Vec<(NaiveDate, Uuid)>,
    pub shared: Option<(NaiveDate, NaiveDate, i64)>,
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

    /// The revenue share, in percent, that others take of its sales on `day`
    /// (0 when its owner has them whole).
    pub fn taken_on(&self, day: NaiveDate) -> i64 {
        match self.shared {
            Some((from, to, pct)) if from <= day && day <= to => pct,
            _ => 0,
        }
    }
}

/// Customers for the farmers, prospects for the hunters, a transfer, a won
/// prospect handed over to a farmer with the hunter's share kept, and Harper's
/// overlay on one of Fiona's customers; answers the customers and the prospects
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
            shared: None,
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
            shared: None,
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
    // Hugo won Woodgrove Bank a month ago and it was handed to Fiona; he keeps
    // a hunter's share of its sales until the end of the quarter.
    let won_on = days.won_on;
    let b = ConvertRequest {
        converted_on: Some(IsoDate(won_on)),
        new_owner_id: Some(farmers[0]),
        reason: Some("Handover after conversion".into()),
        hunter_share: Some(HunterShare {
            share_pct: Amount(Decimal::from(HUNTER_SHARE)),
            until: IsoDate(days.quarter.1),
        }),
    };
    accounts::convert_on(c, &admin, prospects[0], b).await?;
    // A customer from then on, bought from Fiona.
    let mut won = held_prospects.remove(0);
    won.buys_from = Some(won_on);
    won.owners.push((won_on, farmers[0]));
    won.shared = Some((won_on, days.quarter.1, HUNTER_SHARE));
    held_customers.push(won);
    // Harper, the demo's solutions specialist since she joined Hunters South,
    // carries an overlay on Contoso, one of Fiona's customers: its sales count
    // whole for her own targets this quarter, and take nothing from Fiona or
    // from any team.
    let b = NewSplitRule {
        from: IsoDate(quarter),
        to: Some(IsoDate(days.quarter.1)),
        splits: vec![SplitItem {
            salesperson_id: people.harper,
            share_pct: Amount(Decimal::ONE_HUNDRED),
            credit_type: CreditType::Overlay,
        }],
    };
    accounts::add_split_rule_on(c, &admin, customers[0], b).await?;
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
