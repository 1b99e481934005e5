//! The demo's reviews, built through the reviews' own use cases.

use chrono::{Duration, NaiveDate};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::dto::{CreateItem, CreateReview};
use super::super::rules::{ItemType, Kind, Size};
use super::{items, schedule};
use crate::auth::{Actor, Principal, Role};
use crate::calendar::Granularity;
use crate::error::AppResult;
use crate::org::context::OrgContext;
use crate::values::IsoDate;

/// Last week's one-to-one of `manager` with `salesperson`, completed (a big
/// success, a hurdle resolved, a strategy, an action still open), and next
/// week's, scheduled (a success and a hurdle recorded ahead, and the open
/// action carried over). Items are about the salesperson's first account.
pub async fn demo(
    c: &mut AsyncPgConnection,
    org: Uuid,
    manager: Uuid,
    salesperson: Uuid,
    today: NaiveDate,
) -> AppResult<()> {
    let p = Principal {
        org_id: org,
        actor: Actor::User {
            id: manager,
            role: Role::Manager,
        },
        org: None,
    };
    let ctx = OrgContext::load(c, org).await?;
    let filter = crate::accounts::store::ListFilter {
        owner_id: Some(salesperson),
        kind: None,
        status: None,
        q: None,
        external_source: None,
    };
    let page = crate::db::Page {
        limit: 1,
        after: None,
    };
    let account = crate::accounts::store::list(c, org, None, &filter, &page)
        .await?
        .first()
        .map(|a| a.id);
    let quarter = ctx.cal.containing(Granularity::Quarter, today);
    let review = async |c: &mut AsyncPgConnection, day: NaiveDate| {
        let b = CreateReview {
            kind: Kind::OneToOne,
            salesperson_id: Some(salesperson),
            team_id: None,
            facilitator_id: Some(manager),
            scheduled_for: IsoDate(day),
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
        ItemType::Success,
        "First order from a new department",
        Some(Size::Small),
        None,
    )
    .await?;
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
