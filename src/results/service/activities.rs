//! Activities pushed by CRMs.

use std::collections::HashSet;

use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{default_source, record, require_scope, source_of, stored, Written};
use crate::accounts::rules::owner_on;
use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult, FieldError, Validator};
use crate::events::dispatch::publish;
use crate::events::Outbox;
use crate::http::{ItemResult, ItemStatus};
use crate::org::context::OrgContext;
use crate::results::dto::ActivityItem;
use crate::results::rules::{activity_metric, Deltas};
use crate::results::store::{self, ActivityValues};

/// Stores a batch of activities, answered item by item like sales, in the
/// caller's transaction.
pub async fn push_activities(
    c: &mut AsyncPgConnection,
    p: &Principal,
    items: &[ActivityItem],
) -> AppResult<Vec<ItemResult>> {
    require_scope(p, Scope::ActivitiesWrite)?;
    let tz = OrgContext::load(c, p.org_id).await?.tz;
    let default = default_source(c, p).await?;
    let account_ids: Vec<Uuid> = items.iter().filter_map(|i| i.account_id).collect();
    let index = store::account_index(c, p.org_id, &account_ids, &[]).await?;
    let named: Vec<Uuid> = items.iter().filter_map(|i| i.salesperson_id).collect();
    let sellers: HashSet<Uuid> = crate::users::service::read::salespeople(c, p.org_id, &named)
        .await?
        .into_iter()
        .collect();
    let mut deltas = Deltas::default();
    let mut seen = HashSet::new();
    let mut results = Vec::with_capacity(items.len());
    let mut ready = Vec::with_capacity(items.len());
    // Items are stored in key order (each key in the order given), and the rollup
    // rows in theirs, so that concurrent overlapping batches lock rows in the same
    // order and wait for each other rather than deadlock.
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_cached_key(|&i| {
        let item = &items[i];
        let source = item.source.as_deref().or(default.as_deref()).unwrap_or("");
        (
            source.trim().to_string(),
            item.external_id.trim().to_string(),
        )
    });
    for index_no in order {
        let item = &items[index_no];
        let mut v = Validator::new();
        v.text("external_id", &item.external_id, 200);
        let source = source_of(&mut v, item.source.as_deref(), default.as_deref());
        v.check(
            crate::targets::rules::is_activity_kind(&item.kind),
            "kind",
            "invalid_kind",
            "lower case letters, digits and _, e.g. call, meeting, demo, proposal",
        );
        let count = item.count.unwrap_or(1);
        v.check(
            (1..=100_000).contains(&count),
            "count",
            "out_of_range",
            "1 to 100000",
        );
        let day = item.occurred_at.with_timezone(&tz).date_naive();
        v.day("occurred_at", day);
        let key = (source, item.external_id.trim().to_string());
        if v.is_empty() && !seen.insert(key.clone()) {
            v.push(FieldError::new(
                "external_id",
                "duplicate_in_batch",
                "this activity appears earlier in the batch",
            ));
        }
        if let Some(a) = item.account_id {
            v.check(
                index.ids.contains(&a),
                "account_id",
                "not_found",
                "no such account in this organisation",
            );
        }
        let salesperson = match (item.salesperson_id, item.account_id) {
            (Some(s), _) if sellers.contains(&s) => Some((s, true)),
            (Some(_), _) => {
                v.push(FieldError::new(
                    "salesperson_id",
                    "not_found",
                    "no such salesperson in this organisation",
                ));
                None
            }
            (None, Some(a)) => match index.owners.get(&a).and_then(|h| owner_on(h, day)) {
                Some(o) => Some((o, false)),
                None => {
                    v.push(FieldError::new(
                        "occurred_at",
                        "no_owner_on_day",
                        "the account had no owner on this day; name salesperson_id",
                    ));
                    None
                }
            },
            (None, None) => {
                v.push(FieldError::new(
                    "salesperson_id",
                    "required",
                    "name salesperson_id or account_id",
                ));
                None
            }
        };
        let (Some((salesperson, given)), true) = (salesperson, v.is_empty()) else {
            let errors = v.finish().err().map(|e| e.errors).unwrap_or_default();
            results.push(ItemResult {
                index: index_no,
                status: ItemStatus::Rejected,
                id: None,
                errors,
            });
            continue;
        };
        let values = ActivityValues {
            kind: item.kind.clone(),
            salesperson_id: salesperson,
            salesperson_given: given,
            account_id: item.account_id,
            occurred_at: item.occurred_at,
            occurred_on: day,
            count,
        };
        ready.push((index_no, key, values));
    }
    // The rows that exist, for the whole batch at once; the new ones inserted
    // together. A key taken by a concurrent batch meanwhile is looked up again,
    // once.
    let mut pending = ready;
    for _round in 0..2 {
        let keys: Vec<(String, String)> = pending.iter().map(|r| r.1.clone()).collect();
        let existing = store::activities_by_keys(c, p.org_id, &keys).await?;
        let mut fresh = Vec::new();
        for (index_no, key, values) in pending {
            match existing.get(&key) {
                Some(row) if values.same_as(row) => results.push(ItemResult {
                    index: index_no,
                    status: ItemStatus::Unchanged,
                    id: Some(row.id),
                    errors: vec![],
                }),
                Some(row) => {
                    store::update_activity(c, p.org_id, row.id, &values).await?;
                    deltas.add(
                        row.salesperson_id,
                        &activity_metric(&row.kind),
                        row.occurred_on,
                        -Decimal::from(row.count),
                    );
                    deltas.add(
                        values.salesperson_id,
                        &activity_metric(&values.kind),
                        values.occurred_on,
                        Decimal::from(values.count),
                    );
                    results.push(ItemResult {
                        index: index_no,
                        status: ItemStatus::Updated,
                        id: Some(row.id),
                        errors: vec![],
                    });
                }
                None => fresh.push((index_no, Uuid::now_v7(), key, values)),
            }
        }
        let inserts: Vec<(Uuid, String, String, ActivityValues)> = fresh
            .iter()
            .map(|(_, id, key, values)| (*id, key.0.clone(), key.1.clone(), values.clone()))
            .collect();
        let taken: HashSet<(String, String)> = store::insert_activities(c, p.org_id, &inserts)
            .await?
            .into_iter()
            .collect();
        pending = Vec::new();
        for (index_no, id, key, values) in fresh {
            if taken.contains(&key) {
                pending.push((index_no, key, values));
                continue;
            }
            deltas.add(
                values.salesperson_id,
                &activity_metric(&values.kind),
                values.occurred_on,
                Decimal::from(values.count),
            );
            results.push(ItemResult {
                index: index_no,
                status: ItemStatus::Created,
                id: Some(id),
                errors: vec![],
            });
        }
        if pending.is_empty() {
            break;
        }
    }
    if !pending.is_empty() {
        return Err(AppError::internal("an activity vanished during an upsert"));
    }
    let written = Written {
        sales: 0,
        activities: stored(results.iter().map(|r| r.status)),
    };
    let mut outbox = Outbox::default();
    record(c, p.org_id, deltas, written, &mut outbox).await?;
    publish(c, &mut outbox).await?;
    results.sort_by_key(|r| r.index);
    Ok(results)
}
