//! CRM sync: accounts upserted by the CRM's own id, one at a time or in
//! batches answered item by item.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access::{actor_id, check_past_day, check_segment, require_sync, today};
use super::conversion::confirmed_by;
use super::{transfer, update};
use crate::accounts::dto::{BatchAccount, SyncAccount};
use crate::accounts::rules::{self, Kind, Status};
use crate::accounts::store::{self, AccountChanges, AccountRow, NewAccount};
use crate::auth::rules::Role;
use crate::auth::Principal;
use crate::db::{self, Changes, PgPool};
use crate::error::{AppError, AppResult};
use crate::http::{ItemResult, ItemStatus};
use crate::metrics::{self, Ingested};
use crate::state::AppState;
use crate::validation::{FieldError, Validator};

/// Most items in one batch.
pub const MAX_BATCH: usize = 1000;

/// A batch holds at most [`MAX_BATCH`] items.
pub fn check_batch(n: usize) -> AppResult<()> {
    if n > MAX_BATCH {
        return Err(AppError::invalid_field(
            "items",
            "too_many",
            format!("at most {MAX_BATCH} items per batch; this one has {n}"),
        ));
    }
    Ok(())
}

/// `PUT /v1/accounts/external/{source}/{external_id}`: creates or updates one
/// account by the CRM's own id.
pub async fn put_external(
    pool: &PgPool,
    p: &Principal,
    source: String,
    external_id: String,
    item: SyncAccount,
) -> AppResult<(ItemStatus, AccountRow)> {
    require_sync(p)?;
    if source.contains('\0') || external_id.contains('\0') {
        return Err(AppError::bad_request(
            "invalid_path",
            "the path must not contain NUL characters",
        ));
    }
    db::tx(pool, async move |c| {
        let today = today(c, p).await?;
        let owners = Owners::load(c, p.org_id, &[&item]).await?;
        upsert(c, p, today, &owners, &source, &external_id, &item)
            .await?
            .map_err(AppError::validation)
    })
    .await
}

/// `POST /v1/accounts/batch`: up to [`MAX_BATCH`] upserts, each answered by
/// its index; valid items are stored even when others are rejected.
pub async fn batch(
    state: &AppState,
    p: &Principal,
    items: Vec<BatchAccount>,
) -> AppResult<Vec<ItemResult>> {
    require_sync(p)?;
    check_batch(items.len())?;
    let results = db::tx(&state.pool, async move |c| {
        let today = today(c, p).await?;
        let parsed: Vec<(String, String, SyncAccount)> =
            items.into_iter().map(BatchAccount::split).collect();
        let syncs: Vec<&SyncAccount> = parsed.iter().map(|(_, _, s)| s).collect();
        let owners = Owners::load(c, p.org_id, &syncs).await?;
        let mut results = Vec::with_capacity(parsed.len());
        // Rows are taken in key order, so overlapping batches cannot deadlock;
        // answers keep the request's order. (Duplicates keep their order too: a
        // stable sort.)
        let mut ordered: Vec<(usize, (String, String, SyncAccount))> =
            parsed.into_iter().enumerate().collect();
        ordered.sort_by(|a, b| {
            (&a.1 .0.trim(), &a.1 .1.trim()).cmp(&(&b.1 .0.trim(), &b.1 .1.trim()))
        });
        for (index, (source, ext, sync)) in ordered {
            // Each item in its own savepoint: a failure rolls back that item only.
            let outcome = db::transaction_on(c, async |c| {
                match upsert(c, p, today, &owners, &source, &ext, &sync).await? {
                    Ok(done) => Ok(Ok(done)),
                    Err(errors) => Err(ItemError::Rejected(errors)),
                }
            })
            .await
            .or_else(|e| match e {
                ItemError::Rejected(errors) => Ok(Err(errors)),
                ItemError::App(e) if e.status.is_client_error() => {
                    Ok(Err(vec![FieldError::new("", e.code, e.detail)]))
                }
                ItemError::App(e) => Err(e),
            })?;
            results.push(match outcome {
                Ok((status, row)) => ItemResult {
                    index,
                    status,
                    id: Some(row.id),
                    errors: Vec::new(),
                },
                Err(errors) => ItemResult {
                    index,
                    status: ItemStatus::Rejected,
                    id: None,
                    errors,
                },
            });
        }
        results.sort_by_key(|r: &ItemResult| r.index);
        Ok(results)
    })
    .await?;
    state
        .metrics
        .rows_ingested(Ingested::Accounts, metrics::stored(&results));
    Ok(results)
}

/// Why a batch item's savepoint was rolled back: the item's own errors, or a
/// failure (a client error becomes the item's; anything else fails the batch).
pub enum ItemError {
    Rejected(Vec<FieldError>),
    App(AppError),
}

impl From<diesel::result::Error> for ItemError {
    fn from(e: diesel::result::Error) -> Self {
        ItemError::App(e.into())
    }
}

impl From<AppError> for ItemError {
    fn from(e: AppError) -> Self {
        ItemError::App(e)
    }
}

/// Owners named by id or email, looked up once for a whole batch.
struct Owners {
    by_id: HashMap<Uuid, (Role, bool)>,
    by_email: HashMap<String, Uuid>,
}

impl Owners {
    async fn load(
        c: &mut AsyncPgConnection,
        org: Uuid,
        items: &[&SyncAccount],
    ) -> AppResult<Owners> {
        // An email with a NUL cannot name anyone (and no query can carry it).
        let emails: Vec<String> = items
            .iter()
            .filter_map(|i| i.owner_email.clone())
            .filter(|e| !e.contains('\0'))
            .collect();
        let by_email: HashMap<String, Uuid> =
            crate::users::service::read::people_by_email(c, org, &emails)
                .await?
                .into_iter()
                .collect();
        let mut ids: Vec<Uuid> = items.iter().filter_map(|i| i.owner_id).collect();
        ids.extend(by_email.values().copied());
        let by_id = crate::users::service::read::people(c, org, &ids)
            .await?
            .into_iter()
            .map(|(id, role, active)| (id, (role, active)))
            .collect();
        Ok(Owners { by_id, by_email })
    }

    /// The owner an item names, checked; `Ok(None)` when it names none.
    fn resolve(&self, item: &SyncAccount) -> Result<Option<Uuid>, FieldError> {
        let (field, id) = match (item.owner_id, item.owner_email.as_deref()) {
            (Some(id), _) => ("owner_id", Some(id)),
            (None, Some(email)) if email.contains('\0') => {
                return Err(FieldError::new(
                    "owner_email",
                    "invalid_characters",
                    "must not contain NUL characters",
                ))
            }
            (None, Some(email)) => (
                "owner_email",
                Some(
                    *self
                        .by_email
                        .get(&email.trim().to_lowercase())
                        .ok_or_else(|| {
                            FieldError::new(
                                "owner_email",
                                "not_found",
                                "no person with this email in this organisation",
                            )
                        })?,
                ),
            ),
            (None, None) => return Ok(None),
        };
        let id = id.expect("set above");
        match self.by_id.get(&id) {
            None => Err(FieldError::new(
                field,
                "not_found",
                "no such person in this organisation",
            )),
            Some((_, false)) => Err(FieldError::new(
                field,
                "owner_inactive",
                "this person is deactivated",
            )),
            Some((role, true)) if *role != Role::Salesperson => Err(FieldError::new(
                field,
                "invalid_owner",
                "accounts are owned by salespeople",
            )),
            Some(_) => Ok(Some(id)),
        }
    }
}

/// Checks an item on its own (no database).
fn check_sync(
    source: &str,
    external_id: &str,
    item: &SyncAccount,
    today: NaiveDate,
) -> Vec<FieldError> {
    let mut v = Validator::new();
    rules::check_external(&mut v, Some(source), Some(external_id));
    v.text("name", &item.name, 200);
    if let Some(s) = item.status {
        rules::check_status(&mut v, item.kind, s);
    }
    check_segment(&mut v, item.segment.as_ref().and_then(|s| s.as_deref()));
    if let Some(d) = item.owned_since {
        check_past_day(&mut v, "owned_since", d.0, today);
    }
    v.finish().err().map(|e| e.errors).unwrap_or_default()
}

/// Creates or updates one account by its external id. Errors that concern the
/// item come back as `Err(errors)`; nothing is stored for them.
async fn upsert(
    c: &mut AsyncPgConnection,
    p: &Principal,
    today: NaiveDate,
    owners: &Owners,
    source: &str,
    external_id: &str,
    item: &SyncAccount,
) -> AppResult<Result<(ItemStatus, AccountRow), Vec<FieldError>>> {
    let mut errors = check_sync(source, external_id, item, today);
    let owner = match owners.resolve(item) {
        Ok(o) => o,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let (source, external_id) = (source.trim(), external_id.trim());
    let mut existing = store::by_external(c, p.org_id, source, external_id).await?;
    if existing.is_none() {
        let Some(owner) = owner else {
            return Ok(Err(vec![FieldError::new(
                "owner_id",
                "required",
                "a new account needs an owner",
            )]));
        };
        let new = NewAccount {
            org_id: p.org_id,
            id: Uuid::now_v7(),
            name: item.name.trim().to_string(),
            kind: item.kind,
            status: item.status.unwrap_or(item.kind.default_status()),
            owner_id: owner,
            external_source: Some(source.to_string()),
            external_id: Some(external_id.to_string()),
            segment: item.segment.clone().flatten().map(|s| s.trim().to_string()),
        };
        let reason = format!("created by sync from {source}");
        match super::create::insert(
            c,
            &new,
            item.owned_since.map_or(today, NaiveDate::from),
            &reason,
            actor_id(p),
        )
        .await?
        {
            Some(row) => return Ok(Ok((ItemStatus::Created, row))),
            // Created by a concurrent request meanwhile: update it instead.
            None => existing = store::by_external(c, p.org_id, source, external_id).await?,
        }
    }
    let current =
        existing.ok_or_else(|| AppError::internal("an account vanished during an upsert"))?;
    let current_kind = current.kind;
    if current_kind == Kind::Customer && item.kind == Kind::Prospect {
        return Ok(Err(vec![FieldError::new(
            "kind",
            "cannot_unconvert",
            "a customer cannot become a prospect again",
        )]));
    }
    let mut changes = AccountChanges::default();
    if item.name.trim() != current.name {
        changes.name = Some(item.name.trim().to_string());
    }
    if let Some(seg) = &item.segment {
        let seg = seg.as_ref().map(|s| s.trim().to_string());
        if seg != current.segment {
            changes.segment = Some(seg);
        }
    }
    let converting = current_kind == Kind::Prospect && item.kind == Kind::Customer;
    let status = match (converting, item.status) {
        (true, s) => Some(s.unwrap_or(Status::Active)),
        (false, s) => s,
    };
    if let Some(s) = status.filter(|s| *s != current.status) {
        changes.status = Some(s);
    }
    let history = if converting || owner.is_some_and(|o| o != current.owner_id) {
        store::history(c, p.org_id, current.id).await?
    } else {
        Vec::new()
    };
    if converting {
        changes.kind = Some(Kind::Customer);
        changes.converted_on = Some(Some(today));
        changes.won_by = Some(rules::owner_on(&history, today).or(Some(current.owner_id)));
        confirmed_by(p, &mut changes);
    }
    let transfer_to = owner.filter(|o| *o != current.owner_id);
    let from = match transfer_to {
        Some(o) => match rules::plan_transfer(&history, o, today, today) {
            Ok(from) => Some(from),
            Err(r) => {
                // The request names the owner, not a date: the refusal is about it.
                let field = if item.owner_id.is_some() {
                    "owner_id"
                } else {
                    "owner_email"
                };
                return Ok(Err(vec![r.field_error_as(field, field)]));
            }
        },
        None => None,
    };
    if changes.is_empty() && transfer_to.is_none() {
        return Ok(Ok((ItemStatus::Unchanged, current)));
    }
    let mut row = if changes.is_empty() {
        current.clone()
    } else {
        update(c, p.org_id, current.id, &changes).await?
    };
    if let (Some(o), Some(from)) = (transfer_to, from) {
        let reason = format!("reassigned by sync from {source}");
        row = transfer(
            c,
            p.org_id,
            current.id,
            from,
            o,
            today,
            &reason,
            actor_id(p),
        )
        .await?;
    }
    Ok(Ok((ItemStatus::Updated, row)))
}
