//! The demo's accounts.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::error::AppError;

/// Customers for the farmers, prospects for the hunters, a transfer and a won
/// prospect handed over to a farmer.
#[allow(clippy::too_many_arguments)]
pub(super) async fn seed(
    c: &mut AsyncPgConnection,
    org: Uuid,
    admin: Uuid,
    farmers: &[Uuid; 3],
    hunters: &[Uuid; 2],
    start: NaiveDate,
    quarter: NaiveDate,
    today: NaiveDate,
) -> Result<(), AppError> {
    use crate::accounts::rules::{Kind, Status};
    use crate::accounts::store::{self as accounts, AccountChanges, NewAccount};
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
    let mut make =
        async |name: &str, kind: Kind, owner: Uuid, n: usize| -> Result<Uuid, AppError> {
            let new = NewAccount {
                org_id: org,
                id: Uuid::now_v7(),
                name: name.into(),
                kind,
                status: if n % 5 == 4 && kind == Kind::Customer {
                    Status::Dormant
                } else {
                    kind.default_status()
                },
                owner_id: owner,
                external_source: Some("democrm".into()),
                external_id: Some(format!("acc-{:04}", n + 1)),
                segment: Some(
                    if n % 3 == 0 {
                        "enterprise"
                    } else {
                        "mid-market"
                    }
                    .into(),
                ),
            };
            let row = accounts::insert(c, &new, start, "created", Some(admin))
                .await?
                .ok_or_else(accounts::external_conflict)?;
            Ok(row.id)
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
    crate::accounts::service::transfer(
        c,
        org,
        customers[1],
        start,
        farmers[2],
        quarter,
        "Territory realignment",
        Some(admin),
    )
    .await?;
    // Hugo won Woodgrove Bank a month ago and handed it to Fiona.
    let won_on = (today - chrono::Duration::days(30)).max(start + chrono::Duration::days(1));
    crate::accounts::service::update(
        c,
        org,
        prospects[0],
        &AccountChanges {
            kind: Some(Kind::Customer),
            status: Some(Status::Active),
            converted_on: Some(Some(won_on)),
            won_by: Some(Some(hunters[0])),
            ..Default::default()
        },
    )
    .await?;
    crate::accounts::service::transfer(
        c,
        org,
        prospects[0],
        start,
        farmers[0],
        won_on,
        "Handover after conversion",
        Some(admin),
    )
    .await?;
    // Hana lost one.
    crate::accounts::service::update(
        c,
        org,
        prospects[1],
        &AccountChanges {
            status: Some(Status::Lost),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}
