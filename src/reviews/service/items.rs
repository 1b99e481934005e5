//! A review's items: recording one, changing one (its own, or opening and
//! closing one carried over from an earlier review of the series), closing one.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::dto::{CreateItem, PatchItem};
use super::super::rules::{self, Capacity, ItemStatus, ItemType};
use super::super::store::{self, ItemChanges, ItemRow, NewItem, ReviewRow};
use super::{capacity, check_links, check_owner, owners, status_changes, visible_review};
use crate::auth::Principal;
use crate::db::{self, Changes, PgPool};
use crate::error::{AppError, AppResult};
use crate::http::check_if_match;
use crate::validation::Validator;

/// Record an item. Leaders record anything; participants their own updates.
pub async fn add(pool: &PgPool, p: Principal, review: Uuid, b: CreateItem) -> AppResult<ItemRow> {
    p.require_user()?;
    db::tx(pool, async move |c| add_on(c, &p, review, b).await).await
}

/// [`add`] in the caller's transaction.
pub async fn add_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    review: Uuid,
    b: CreateItem,
) -> AppResult<ItemRow> {
    let (me, _) = p.require_user()?;
    let r = visible_review(c, p, review, true).await?;
    let (cap, people) = capacity(c, p, &r).await?;
    if cap == Capacity::Reader {
        rules::may_add(cap, b.item_type, None)?;
    }
    rules::require_scheduled(r.status)?;
    let mut v = Validator::new();
    let size = rules::check_new_item(
        &mut v,
        b.item_type,
        &b.text,
        b.due_on.map(NaiveDate::from),
        b.size,
    );
    let owner = b.owner_id.or(match (b.item_type, r.salesperson_id) {
        (ItemType::Strategy, _) => None,
        (_, Some(s)) => Some(s),
        (ItemType::Success, None) => None,
        (_, None) => Some(me),
    });
    let allowed = owners(c, &r, &people, cap, Some(me)).await?;
    check_owner(&mut v, owner, &allowed);
    check_links(c, &mut v, p, b.target_id, b.account_id).await?;
    v.finish()?;
    rules::may_add(cap, b.item_type, owner)?;
    store::insert_item(
        c,
        &NewItem {
            org_id: p.org_id,
            id: Uuid::now_v7(),
            review_id: r.id,
            item_type: b.item_type,
            text: b.text.trim().to_string(),
            owner_id: owner,
            due_on: b.due_on.map(NaiveDate::from),
            size,
            status: b.item_type.is_closable().then_some(ItemStatus::Open),
            target_id: b.target_id,
            account_id: b.account_id,
            created_by: Some(me),
        },
    )
    .await
}

/// The review (scheduled), the item reached from it (its own, or one carried
/// over from an earlier completed review of the series), and the caller's capacity.
struct Reached {
    review: ReviewRow,
    item: ItemRow,
    carried: bool,
    cap: Capacity,
    people: Vec<Uuid>,
}

async fn reach_item(
    c: &mut AsyncPgConnection,
    p: &Principal,
    review: Uuid,
    item: Uuid,
) -> AppResult<Reached> {
    let r = visible_review(c, p, review, true).await?;
    let i = store::get_item(c, p.org_id, item).await?;
    let carried = i.review_id != r.id;
    if carried {
        let source = store::get_review(c, p.org_id, i.review_id, false).await?;
        if !i.item_type.is_closable()
            || !rules::in_earlier_completed(r.series(), source.series(), source.status)
        {
            return Err(AppError::not_found("item"));
        }
    }
    let (cap, people) = capacity(c, p, &r).await?;
    rules::may_change_items(cap)?;
    rules::require_scheduled(r.status)?;
    Ok(Reached {
        review: r,
        item: i,
        carried,
        cap,
        people,
    })
}

/// Change an item of this review, or open or close one carried over from an
/// earlier review of the series (`expected`: the item's version last read).
pub async fn change(
    pool: &PgPool,
    p: Principal,
    (review, item): (Uuid, Uuid),
    expected: Option<String>,
    b: PatchItem,
) -> AppResult<ItemRow> {
    let (me, _) = p.require_user()?;
    db::tx(pool, async move |c| {
        let Reached {
            review: r,
            item: i,
            carried,
            cap,
            people,
        } = reach_item(c, &p, review, item).await?;
        let t = i.item_type;
        let other_fields = b.text.is_some()
            || b.owner_id.is_some()
            || b.due_on.is_some()
            || b.size.is_some()
            || b.target_id.is_some()
            || b.account_id.is_some();
        rules::may_edit_fields(carried, other_fields)?;
        check_if_match(expected.as_deref(), i.version)?;
        let mut v = Validator::new();
        rules::check_item_changes(
            &mut v,
            t,
            b.text.as_deref(),
            b.due_on.map(NaiveDate::from),
            b.size,
            b.status,
        );
        let allowed = owners(c, &r, &people, cap, Some(me)).await?;
        check_owner(&mut v, b.owner_id, &allowed);
        check_links(c, &mut v, &p, b.target_id.flatten(), b.account_id.flatten()).await?;
        v.finish()?;
        rules::may_change(
            cap,
            t,
            (i.owner_id, b.owner_id),
            other_fields,
            b.status.is_some(),
        )?;
        let mut changes = match b.status {
            Some(s) if Some(s) != i.status => status_changes(s, me, r.id),
            _ => ItemChanges::default(),
        };
        changes.text = b.text.map(|s| s.trim().to_string());
        changes.owner_id = b.owner_id.map(Some);
        changes.due_on = b.due_on.map(|d| Some(d.0));
        changes.size = b.size.map(Some);
        changes.target_id = b.target_id;
        changes.account_id = b.account_id;
        if changes.is_empty() {
            // The version moves only when something changed.
            return Ok(i);
        }
        store::update_item(c, p.org_id, i.id, &changes).await
    })
    .await
}

/// Close an action (done) or a hurdle (resolved); closing a closed item changes nothing.
pub async fn close(pool: &PgPool, p: Principal, at: (Uuid, Uuid)) -> AppResult<ItemRow> {
    p.require_user()?;
    db::tx(pool, async move |c| close_on(c, &p, at).await).await
}

/// [`close`] in the caller's transaction.
pub async fn close_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    (review, item): (Uuid, Uuid),
) -> AppResult<ItemRow> {
    let (me, _) = p.require_user()?;
    let Reached {
        review: r,
        item: i,
        cap,
        ..
    } = reach_item(c, p, review, item).await?;
    let closed = rules::closed_status(i.item_type)?;
    rules::may_change(cap, i.item_type, (i.owner_id, None), false, true)?;
    if i.status == Some(closed) {
        return Ok(i);
    }
    store::update_item(c, p.org_id, i.id, &status_changes(closed, me, r.id)).await
}
