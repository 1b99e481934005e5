//! The demo's results: sales and activities pushed as a CRM pushes them.

use chrono::{Datelike, NaiveDate};
use diesel_async::AsyncPgConnection;

use super::DemoPeople;
use crate::accounts::dto::AccountQuery;
use crate::accounts::rules::Kind;
use crate::accounts::service as accounts;
use crate::error::AppError;
use crate::http::MAX_LIMIT;

/// Two quarters of sales on the customers and activities by everyone, pushed the
/// way a CRM pushes them (so credit, rollup and history are all real), by the
/// demo admin.
pub(super) async fn seed(
    c: &mut AsyncPgConnection,
    people: &DemoPeople,
    start: NaiveDate,
    today: NaiveDate,
) -> Result<(), AppError> {
    use crate::results::dto::{ActivityItem, SaleItem};
    use crate::results::service::{push_activities, push_sales};
    use chrono::{Duration, TimeZone, Weekday};
    use rust_decimal::Decimal;
    let p = people.as_admin();
    let of_kind = |kind: Kind| AccountQuery {
        kind: Some(kind),
        limit: Some(MAX_LIMIT),
        ..Default::default()
    };
    let (customers, _) = accounts::list_on(c, &p, of_kind(Kind::Customer)).await?;
    let (prospects, _) = accounts::list_on(c, &p, of_kind(Kind::Prospect)).await?;
    // A small deterministic generator, so every demo looks alike.
    let mut seed: u64 = 0x5eed_2026;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut sales = Vec::new();
    let mut acts = Vec::new();
    let mut day = start;
    while day <= today {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            for a in &customers {
                if next(5) == 0 {
                    let revenue = 800 + next(4200);
                    let margin = 22 + next(14);
                    let n = sales.len();
                    sales.push(SaleItem {
                        external_id: format!("inv-{:05}", n + 1),
                        source: Some("democrm".into()),
                        account_id: Some(a.id),
                        account_external_id: None,
                        account_source: None,
                        salesperson_id: None,
                        occurred_on: crate::values::IsoDate(day),
                        revenue: crate::values::Amount(Decimal::from(revenue)),
                        gross_profit: Some(crate::values::Amount(
                            Decimal::from(revenue * margin) / Decimal::from(100),
                        )),
                        cost: None,
                        currency: None,
                        fx_rate: None,
                        kind: Some(if next(40) == 0 {
                            crate::results::rules::SaleKind::CreditNote
                        } else {
                            crate::results::rules::SaleKind::Invoice
                        }),
                    });
                }
            }
            for a in customers.iter().chain(prospects.iter()) {
                if next(3) == 0 {
                    let kind = ["call", "call", "meeting", "demo", "proposal"][next(5) as usize];
                    let at = chrono::Utc.from_utc_datetime(
                        &day.and_hms_opt(9 + next(8) as u32, 0, 0).expect("time"),
                    );
                    let n = acts.len();
                    acts.push(ActivityItem {
                        external_id: format!("act-{:05}", n + 1),
                        source: Some("democrm".into()),
                        kind: kind.into(),
                        salesperson_id: None,
                        account_id: Some(a.id),
                        occurred_at: at - Duration::hours(1),
                        count: Some(1 + next(2) as i32),
                    });
                }
            }
        }
        day += Duration::days(1);
    }
    for chunk in sales.chunks(1000) {
        push_sales(c, &p, chunk).await?;
    }
    for chunk in acts.chunks(1000) {
        push_activities(c, &p, chunk).await?;
    }
    Ok(())
}
