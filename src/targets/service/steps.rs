//! The workflow: propose, agree, revise, cancel.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::agreement::require_agreer;
use super::announce::step_data;
use super::assess::{assess, Assessed};
use super::checks::{check_note, finish_rules, require_setter, step};
use super::visibility::get_visible;
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppResult, Validator};
use crate::events::{dispatch, Event, Outbox};
use crate::org::context::OrgContext;
use crate::targets::dto::ReviseTarget;
use crate::targets::rules::{self, Action, Status};
use crate::targets::store::{self, NewTarget, TargetChanges, TargetRow};

/// The target after a step, and whether the step made a new version.
pub struct Stepped {
    pub target: Assessed,
    pub created: bool,
}

/// Runs one workflow step on a target in a transaction.
async fn workflow(
    pool: &PgPool,
    p: Principal,
    id: Uuid,
    run: impl AsyncFnOnce(&mut AsyncPgConnection, &Principal, TargetRow) -> AppResult<(TargetRow, bool)>,
) -> AppResult<Stepped> {
    p.require_user()?;
    db::tx(pool, async move |c| workflow_on(c, &p, id, run).await).await
}

/// [`workflow`] in the caller's transaction.
async fn workflow_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    run: impl AsyncFnOnce(&mut AsyncPgConnection, &Principal, TargetRow) -> AppResult<(TargetRow, bool)>,
) -> AppResult<Stepped> {
    p.require_user()?;
    let ctx = OrgContext::load(c, p.org_id).await?;
    let current = get_visible(c, p, id, true).await?;
    let (row, created) = run(c, p, current).await?;
    Ok(Stepped {
        target: assess(c, &ctx, row).await?,
        created,
    })
}

/// A step taken by whoever sets the target (propose, cancel): check the note and
/// the caller, move the status, and record it.
async fn setter_step(
    c: &mut AsyncPgConnection,
    p: &Principal,
    t: TargetRow,
    note: Option<String>,
    action: Action,
    event: &'static str,
) -> AppResult<(TargetRow, bool)> {
    let mut v = Validator::new();
    check_note(&mut v, note.as_deref());
    v.finish()?;
    require_setter(c, p, &t).await?;
    let status = step(&t, action)?;
    let changes = TargetChanges {
        status: Some(status),
        ..Default::default()
    };
    let row = store::update(c, p.org_id, t.id, &changes).await?;
    store::record(c, &row, event, p.user_id(), note.as_deref()).await?;
    let data = step_data(&row, p.user_id());
    let mut events = Outbox::default();
    events.push(match action {
        Action::Propose => Event::TargetProposed {
            org: p.org_id,
            data,
        },
        _ => Event::TargetCancelled {
            org: p.org_id,
            data,
        },
    });
    dispatch::publish(c, &mut events).await?;
    Ok((row, false))
}

/// Proposes a draft for agreement: its setter, never the one who answers for it.
pub async fn propose(
    pool: &PgPool,
    p: Principal,
    id: Uuid,
    note: Option<String>,
) -> AppResult<Stepped> {
    workflow(pool, p, id, async move |c, p, t| {
        setter_step(c, p, t, note, Action::Propose, "proposed").await
    })
    .await
}

/// [`propose`] in the caller's transaction.
pub async fn propose_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    note: Option<String>,
) -> AppResult<Stepped> {
    workflow_on(c, p, id, async move |c, p, t| {
        setter_step(c, p, t, note, Action::Propose, "proposed").await
    })
    .await
}

/// Cancels a target that is not superseded or cancelled already: its setter
/// only, never the one who answers for it.
pub async fn cancel(
    pool: &PgPool,
    p: Principal,
    id: Uuid,
    note: Option<String>,
) -> AppResult<Stepped> {
    workflow(pool, p, id, async move |c, p, t| {
        setter_step(c, p, t, note, Action::Cancel, "cancelled").await
    })
    .await
}

/// Agrees a proposed target: the one accountable, never whoever set, changed or
/// proposed this version. Publishes `target.agreed` (agreed when already
/// reached is a milestone too).
pub async fn agree(
    pool: &PgPool,
    p: Principal,
    id: Uuid,
    note: Option<String>,
) -> AppResult<Stepped> {
    workflow(pool, p, id, async move |c, p, t| {
        agree_step(c, p, t, note).await
    })
    .await
}

/// [`agree`] in the caller's transaction.
pub async fn agree_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    note: Option<String>,
) -> AppResult<Stepped> {
    workflow_on(c, p, id, async move |c, p, t| {
        agree_step(c, p, t, note).await
    })
    .await
}

async fn agree_step(
    c: &mut AsyncPgConnection,
    p: &Principal,
    t: TargetRow,
    note: Option<String>,
) -> AppResult<(TargetRow, bool)> {
    let mut v = Validator::new();
    check_note(&mut v, note.as_deref());
    v.finish()?;
    require_agreer(c, p, &t).await?;
    let status = step(&t, Action::Agree)?;
    let row = store::update(
        c,
        p.org_id,
        t.id,
        &TargetChanges {
            status: Some(status),
            agreed_at: Some(Some(Utc::now())),
            agreed_by: Some(p.user_id()),
            ..Default::default()
        },
    )
    .await?;
    store::record(c, &row, "agreed", p.user_id(), note.as_deref()).await?;
    // Agreed when already reached: that is a milestone too.
    let mut events = Outbox::default();
    events.push(Event::TargetAgreed {
        org: p.org_id,
        data: step_data(&row, p.user_id()),
    });
    dispatch::publish(c, &mut events).await?;
    Ok((row, false))
}

/// Revises a proposed or agreed target: a new version with a new value, which
/// needs agreement again; the old one is superseded, and its children and bonus
/// plans follow the new one. Its setter only.
pub async fn revise(pool: &PgPool, p: Principal, id: Uuid, b: ReviseTarget) -> AppResult<Stepped> {
    workflow(pool, p, id, async move |c, p, t| {
        require_setter(c, p, &t).await?;
        let old_status = step(&t, Action::Revise)?;
        let metric = t.metric;
        let mut v = Validator::new();
        if let Some(e) = rules::check_value(metric, b.value.0) {
            v.push(e);
        }
        if let Some(title) = &b.title {
            v.text("title", title, 200);
        }
        check_note(&mut v, b.note.as_deref());
        finish_rules(v)?;
        let old = store::update(
            c,
            p.org_id,
            t.id,
            &TargetChanges {
                status: Some(old_status),
                ..Default::default()
            },
        )
        .await?;
        store::record(c, &old, "superseded", p.user_id(), b.note.as_deref()).await?;
        let new = store::insert(
            c,
            &NewTarget {
                org_id: t.org_id,
                id: Uuid::now_v7(),
                title: b
                    .title
                    .map(|s| s.trim().to_string())
                    .unwrap_or(t.title.clone()),
                description: t.description.clone(),
                subject_type: t.subject_type,
                subject_id: t.subject_id,
                account_id: t.account_id,
                metric: t.metric,
                activity_kind: t.activity_kind.clone(),
                value: b.value.0,
                currency: t.currency.clone(),
                period: t.period.clone(),
                starts_on: t.starts_on,
                ends_on: t.ends_on,
                parent_id: t.parent_id,
                status: Status::Proposed,
                revision: t.revision + 1,
                revision_of: Some(t.id),
                created_by: p.user_id(),
            },
        )
        .await?;
        store::repoint(c, p.org_id, t.id, new.id).await?;
        store::record(c, &new, "revised", p.user_id(), b.note.as_deref()).await?;
        let mut events = Outbox::default();
        let mut data = step_data(&new, p.user_id());
        data.previous_id = Some(t.id);
        data.previous_value = Some(t.value);
        events.push(Event::TargetRevised {
            org: p.org_id,
            old: t.id,
            new: new.id,
            data,
        });
        dispatch::publish(c, &mut events).await?;
        Ok((new, true))
    })
    .await
}
