//! Pace changes: `target.pace_changed` when an agreed target's status (ahead,
//! on track, behind, at risk, achieved) moves. Its last status is recorded when
//! it is agreed (without an event: nothing changed); it is compared after every
//! write that moves its actual (in the write's transaction) and once per
//! organisation day by [`sweep`], since pace moves with time even when no sale
//! arrives.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{measure, measure_many, measure_many_with, rollup_metric, Span};
use crate::db::{self, PgPool};
use crate::error::AppResult;
use crate::events::data::{PaceChangedData, PaceFigures};
use crate::events::{dispatch, Event, Outbox};
use crate::org::context::OrgContext;
use crate::progress::dto::Progress;
use crate::progress::rules::{day_to_sweep, moved};
use crate::progress::store::{self, PaceRow};
use crate::targets::rules::SubjectType;
use crate::targets::service::{self as targets, Aim, TargetRow};

/// What a write's targets measure: each one's progress today (its pace), and
/// the actual over the whole period of those asked for (whether it reached
/// its value, counting results dated later in the period too).
pub struct WriteMeasures {
    pub today: HashMap<Uuid, Progress>,
    pub whole: HashMap<Uuid, Decimal>,
}

/// Measures the targets a write touched, today and (for `whole_of`) over their
/// whole period: the people's own targets all in one statement, account and
/// team targets one by one (a second time only for those whose period goes on
/// after today).
pub async fn measure_write(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    all: &[TargetRow],
    whole_of: &HashSet<Uuid>,
) -> AppResult<WriteMeasures> {
    let aims: Vec<Aim> = all.iter().map(Aim::from).collect();
    let bulk = |t: &Aim| t.subject_type == SubjectType::User && t.account_id.is_none();
    // Until its end, a period's whole actual is not what counts today.
    let later = |t: &&Aim| whole_of.contains(&t.id) && t.ends_on > ctx.today;
    let span = |t: &Aim| {
        t.subject_id.map(|who| Span {
            who,
            metric: rollup_metric(t),
            from: t.starts_on,
            to: t.ends_on,
            overlay: true,
        })
    };
    let also: Vec<Span> = aims
        .iter()
        .filter(later)
        .filter(|t| bulk(t))
        .filter_map(span)
        .collect();
    let (today, sums) = measure_many_with(c, ctx, &aims, Some(ctx.today), &also).await?;
    let mut whole = HashMap::new();
    for t in aims.iter().filter(|t| whole_of.contains(&t.id)) {
        let actual = if !later(&t) {
            today.get(&t.id).map(|p| p.actual)
        } else if bulk(t) {
            Some(
                span(t)
                    .and_then(|s| sums.get(&s).copied())
                    .unwrap_or_default(),
            )
        } else {
            Some(measure(c, ctx, t, t.ends_on).await?.actual)
        };
        if let Some(actual) = actual {
            whole.insert(t.id, actual);
        }
    }
    Ok(WriteMeasures { today, whole })
}

/// Compares each target's measured status with the one last recorded
/// (`recorded`): records every new status in one statement, and appends
/// `target.pace_changed` to `follow` for each that moved (unless a write at
/// the same time recorded that move first). How many moved.
pub async fn announce(
    c: &mut AsyncPgConnection,
    all: &[TargetRow],
    recorded: &HashMap<Uuid, Option<String>>,
    measured: &HashMap<Uuid, Progress>,
    follow: &mut Outbox,
) -> AppResult<usize> {
    let mut rows = Vec::new();
    let mut moves = Vec::new();
    for t in all {
        let Some(p) = measured.get(&t.id) else {
            continue;
        };
        let before = recorded.get(&t.id).cloned().flatten();
        if before.as_deref() == Some(p.status.as_str()) {
            continue;
        }
        if let Some(previous) = moved(before.as_deref(), p.status) {
            moves.push((t, previous, p));
        }
        rows.push(PaceRow {
            org_id: t.org_id,
            target_id: t.id,
            status: p.status.as_str().to_string(),
            as_of: p.as_of,
        });
    }
    // Always in the same order, so that two writes at once never deadlock.
    rows.sort_by_key(|r| r.target_id);
    let written: HashSet<Uuid> = store::record_pace(c, &rows).await?.into_iter().collect();
    let mut n = 0;
    for (t, previous, p) in moves {
        if !written.contains(&t.id) {
            continue;
        }
        n += 1;
        follow.push(Event::TargetPaceChanged {
            org: t.org_id,
            data: PaceChangedData {
                target: targets::announce::target_data(t),
                previous_status: previous.as_str().to_string(),
                status: p.status.as_str().to_string(),
                progress: figures(p),
            },
        });
    }
    Ok(n)
}

/// The figures an event carries, from a target's progress.
pub fn figures(p: &Progress) -> PaceFigures {
    PaceFigures {
        as_of: p.as_of,
        actual: p.actual,
        expected_to_date: p.expected_to_date,
        attainment_pct: p.attainment_pct,
        pace_pct: p.pace_pct,
        projected: p.projected,
        gap: p.gap,
        working_days_left: p.working_days_left,
        required_per_working_day: p.required_per_working_day,
    }
}

/// Records the status of target `t`, just agreed, as of today, without an
/// event (`today`: its progress today, when already measured).
pub async fn agreed(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    t: &TargetRow,
    today: Option<Progress>,
) -> AppResult<()> {
    let p = match today {
        Some(p) => p,
        None => measure(c, ctx, &t.into(), ctx.today).await?,
    };
    store::record_pace(
        c,
        &[PaceRow {
            org_id: t.org_id,
            target_id: t.id,
            status: p.status.as_str().to_string(),
            as_of: p.as_of,
        }],
    )
    .await?;
    Ok(())
}

/// Forgets the status of these targets: cancelled or superseded, they no
/// longer count.
pub async fn forget(c: &mut AsyncPgConnection, org: Uuid, ids: &[Uuid]) -> AppResult<()> {
    store::forget_pace(c, org, ids).await
}

/// Sweeps every organisation whose day has begun at `now` (in its time zone)
/// since it was last swept: measures its agreed targets in force that day as
/// of that day and announces each status that moved. Each organisation day is
/// claimed with `FOR UPDATE SKIP LOCKED` in its own transaction, so that two
/// instances never both sweep it; an organisation that fails is logged and
/// tried again at the next run. How many organisations were swept.
pub async fn sweep(pool: &PgPool, now: DateTime<Utc>) -> AppResult<usize> {
    // Makes the rows of organisations never swept: a retry on a fresh
    // connection makes none twice.
    let states = db::run(pool, async |c| store::sweep_states(c).await).await?;
    let mut swept = 0;
    for (org, timezone, swept_on) in states {
        let tz = match crate::org::rules::timezone(&timezone) {
            Ok(tz) => tz,
            Err(e) => {
                tracing::warn!(%org, error = %e, "an organisation's time zone does not read; not swept");
                continue;
            }
        };
        let Some(day) = day_to_sweep(now, tz, swept_on) else {
            continue;
        };
        match db::tx(pool, async |c| sweep_org(c, org, day).await).await {
            Ok(true) => swept += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(%org, %day, error = %e, "sweeping pace failed; retried at the next run")
            }
        }
    }
    Ok(swept)
}

/// Sweeps organisation `org` for `day` in the caller's transaction, if this
/// transaction claims it; whether it did.
async fn sweep_org(c: &mut AsyncPgConnection, org: Uuid, day: NaiveDate) -> AppResult<bool> {
    if !store::claim_sweep(c, org, day).await? {
        return Ok(false);
    }
    let recorded: HashMap<Uuid, Option<String>> =
        store::in_force(c, org, day).await?.into_iter().collect();
    if !recorded.is_empty() {
        let ids: Vec<Uuid> = recorded.keys().copied().collect();
        let all = targets::by_ids(c, org, &ids).await?;
        let mut ctx = OrgContext::load(c, org).await?;
        ctx.today = day;
        let aims: Vec<Aim> = all.iter().map(Aim::from).collect();
        let measured = measure_many(c, &ctx, &aims, Some(day)).await?;
        let mut outbox = Outbox::default();
        announce(c, &all, &recorded, &measured, &mut outbox).await?;
        dispatch::publish(c, &mut outbox).await?;
    }
    store::swept(c, org, day).await?;
    Ok(true)
}

/// Sweeps now and then every minute, for as long as the server runs: errors
/// (the database away, restarting) are logged and the next minute tries again.
pub async fn sweep_every_minute(pool: PgPool) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sweep(&pool, Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(organisations = n, "pace swept for a new day"),
            Err(e) => tracing::warn!(error = %e, "sweeping pace failed; retrying in a minute"),
        }
    }
}
