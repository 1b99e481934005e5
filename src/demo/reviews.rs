//! The demo's reviews, built through the reviews' own use cases by Maria.

use chrono::{Duration, NaiveDate};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::DemoPeople;
use crate::accounts::dto::AccountQuery;
use crate::accounts::service as accounts;
use crate::calendar::Granularity;
use crate::error::AppResult;
use crate::org::context::OrgContext;
use crate::reviews::dto::{CreateItem, CreateReview};
use crate::reviews::rules::{ItemType, Kind, Size, When};
use crate::reviews::service::{items, schedule};
use crate::values::IsoDate;

/// Last week's one-to-one of Maria with Fiona, completed (a big success, a
/// hurdle resolved, a strategy, an action still open), and next week's,
/// scheduled (a hurdle recorded ahead, and the open action carried over). A
/// success is dated by its review, so next week's records none: nothing has
/// succeeded in the future. Items are about Fiona's first account.
pub(super) async fn seed(
    c: &mut AsyncPgConnection,
    people: &DemoPeople,
    today: NaiveDate,
) -> AppResult<()> {
    let (manager, salesperson) = (people.maria, people.farmers[0]);
    let p = people.as_manager(manager);
    let ctx = OrgContext::load(c, people.org).await?;
    let first = AccountQuery {
        owner_id: Some(salesperson),
        limit: Some(1),
        ..Default::default()
    };
    let (owned, _) = accounts::list_on(c, &p, first).await?;
    let account = owned.first().map(|a| a.id);
    let quarter = ctx.cal.containing(Granularity::Quarter, today);
    let review = async |c: &mut AsyncPgConnection, day: NaiveDate| {
        let b = CreateReview {
            kind: Kind::OneToOne,
            salesperson_id: Some(salesperson),
            team_id: None,
            facilitator_id: Some(manager),
            scheduled_for: When::Day(day),
            period: quarter.key.clone(),
        };
        schedule::schedule_on(c, &p, b).await
    };
    let item = async |c: &mut AsyncPgConnection,
                      review: Uuid,
                      t: ItemType,
                      text: &str,
                      size: Option<Size>,
                      due_on: Option<NaiveDate>| {
        let b = CreateItem {
            item_type: t,
            text: text.into(),
            owner_id: None,
            due_on: due_on.map(IsoDate),
            size,
            target_id: None,
            account_id: account,
        };
        items::add_on(c, &p, review, b).await
    };
    let last = review(c, today - Duration::days(7)).await?;
    item(
        c,
        last.id,
        ItemType::Success,
        "Renewal signed two weeks early, with the service contract added",
        Some(Size::Big),
        None,
    )
    .await?;
    let hurdle = item(
        c,
        last.id,
        ItemType::Hurdle,
        "Pricing approval takes a week",
        None,
        None,
    )
    .await?;
    items::close_on(c, &p, (last.id, hurdle.id)).await?;
    item(
        c,
        last.id,
        ItemType::Strategy,
        "Lead every renewal with the service contract",
        None,
        None,
    )
    .await?;
    item(
        c,
        last.id,
        ItemType::Action,
        "Book a meeting with the buying committee",
        None,
        Some(today + Duration::days(3)),
    )
    .await?;
    schedule::complete_on(c, &p, last.id).await?;
    let next = review(c, today + Duration::days(7)).await?;
    item(
        c,
        next.id,
        ItemType::Hurdle,
        "The buyer is on leave until the end of the month",
        None,
        None,
    )
    .await?;
    Ok(())
}
