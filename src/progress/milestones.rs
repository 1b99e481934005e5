//! Milestones the service notices itself: a target reaching its value, a prospect
//! won, a target's pace status moving. A consumer of events (`results.recorded`,
//! `target.agreed`, `target.revised`, `target.cancelled`, `prospect.won`): they
//! are recorded in the transaction that caused them, so none is lost and none
//! is recorded for a change that did not commit.

use std::collections::{HashMap, HashSet};

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::service::pace;
use super::store::{self, NewMilestone};
use crate::error::AppResult;
use crate::events::{Event, Outbox};
use crate::org::context::OrgContext;
use crate::results::rules::{counted_as, Deltas};
use crate::targets::service::{self as targets, Aim, TargetRow};

/// Records the milestones that `event` brings about.
/// A target that reaches its value appends `target.achieved` to `follow`, and
/// one whose pace status moved `target.pace_changed`.
pub async fn consume(
    c: &mut AsyncPgConnection,
    event: &Event,
    follow: &mut Outbox,
) -> AppResult<()> {
    match event {
        Event::ResultsRecorded { org, deltas, .. } => notice(c, *org, deltas, follow).await,
        Event::TargetAgreed { org, data } => {
            let t = targets::get(c, *org, data.target.id, false).await?;
            let ctx = OrgContext::load(c, *org).await?;
            check(c, &ctx, &t, follow).await
        }
        Event::TargetRevised { org, old, .. } => pace::forget(c, *org, &[*old]).await,
        Event::TargetCancelled { org, data } => pace::forget(c, *org, &[data.target.id]).await,
        Event::ProspectWon { org, data } => {
            prospect_won(
                c,
                *org,
                data.account_id,
                &data.name,
                data.won_by,
                data.converted_on,
            )
            .await
        }
        _ => Ok(()),
    }
}

/// After results were added to the rollup: measures every agreed target these
/// results touched, once, today and over its whole period; records a milestone
/// for each that they took to its value and announces each whose pace status
/// moved. A fixed number of statements, however many targets.
async fn notice(
    c: &mut AsyncPgConnection,
    org: Uuid,
    deltas: &Deltas,
    follow: &mut Outbox,
) -> AppResult<()> {
    let mut people = Vec::new();
    let mut metrics: Vec<String> = Vec::new();
    let mut days: Option<(chrono::NaiveDate, chrono::NaiveDate)> = None;
    for ((who, metric, day), _) in deltas.changes() {
        if !people.contains(who) {
            people.push(*who);
        }
        // An overlay credit moves the person's own targets of its metric.
        let metric = counted_as(metric).0.to_string();
        if !metrics.contains(&metric) {
            metrics.push(metric);
        }
        days = Some(match days {
            None => (*day, *day),
            Some((a, b)) => (a.min(*day), b.max(*day)),
        });
    }
    let Some((from, to)) = days else {
        return Ok(());
    };
    let touched = store::touched_targets(c, org, &people, &metrics, from, to).await?;
    if touched.is_empty() {
        return Ok(());
    }
    // Only an addition takes a target to its value.
    let added = |t: &TargetRow| {
        deltas.changes().any(|((who, metric, day), amount)| {
            let (metric, overlay) = counted_as(metric);
            let person = t.subject_type == crate::targets::rules::SubjectType::User;
            amount.is_sign_positive()
                && metric == crate::targets::service::rollup_metric(t)
                && t.starts_on <= *day
                && *day <= t.ends_on
                && (if person {
                    t.subject_id == Some(*who)
                } else {
                    !overlay
                })
        })
    };
    let ids: Vec<Uuid> = touched.iter().map(|t| t.id).collect();
    let candidates = crate::targets::service::by_ids(c, org, &ids).await?;
    let reached_before: HashSet<Uuid> =
        touched.iter().filter(|t| t.reached).map(|t| t.id).collect();
    let unreached: HashSet<Uuid> = candidates
        .iter()
        .filter(|t| !reached_before.contains(&t.id) && added(t))
        .map(|t| t.id)
        .collect();
    let recorded: HashMap<Uuid, Option<String>> =
        touched.into_iter().map(|t| (t.id, t.pace)).collect();
    let ctx = OrgContext::load(c, org).await?;
    let measured = pace::measure_write(c, &ctx, &candidates, &unreached).await?;
    for t in &candidates {
        if let Some(actual) = measured.whole.get(&t.id) {
            reached(c, &ctx, t, *actual, follow).await?;
        }
    }
    pace::announce(c, &candidates, &recorded, &measured.today, follow).await?;
    Ok(())
}

/// Records that `t` reached its value, if it is agreed and did (counting every
/// result of its period); records its pace status today, just agreed.
async fn check(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    t: &TargetRow,
    follow: &mut Outbox,
) -> AppResult<()> {
    if t.status != crate::targets::rules::Status::Agreed {
        return Ok(());
    }
    let aim = Aim::from(t);
    let p = super::service::measure(c, ctx, &aim, t.ends_on).await?;
    reached(c, ctx, t, p.actual, follow).await?;
    // Over, its whole period is what counts today.
    let today =
        (t.ends_on <= ctx.today).then(|| super::service::assemble(ctx, &aim, p.actual, ctx.today));
    pace::agreed(c, ctx, t, today).await
}

/// The day `t` reached its value: the first day on which the running total of
/// its period's results got there (results pushed late are dated where they
/// belong, not on the day they were pushed), never after today.
async fn reached_on(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    t: &TargetRow,
) -> AppResult<chrono::NaiveDate> {
    let metric = crate::targets::service::rollup_metric(t);
    let daily = match t.account_id {
        Some(account) => {
            crate::results::service::achieved::account_daily(
                c,
                t.org_id,
                account,
                &metric,
                t.starts_on,
                t.ends_on,
            )
            .await?
        }
        None => {
            targets::achieved_daily(
                c,
                t.org_id,
                (t.subject_type, t.subject_id),
                &metric,
                t.starts_on,
                t.ends_on,
            )
            .await?
        }
    };
    let day = super::rules::reached_on(t.value, &daily).unwrap_or(ctx.today);
    Ok(day.min(ctx.today))
}

/// Records the milestone of `t` if `actual` (over its whole period) reaches its value.
async fn reached(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    t: &TargetRow,
    actual: rust_decimal::Decimal,
    follow: &mut Outbox,
) -> AppResult<()> {
    if actual < t.value {
        return Ok(());
    }
    let occurred_on = reached_on(c, ctx, t).await?;
    let (user_id, team_id) = match t.subject_type.as_str() {
        "user" => (t.subject_id, None),
        "team" => (None, t.subject_id),
        _ => (None, None),
    };
    let new = store::record_milestone(
        c,
        &NewMilestone {
            org_id: t.org_id,
            id: Uuid::now_v7(),
            kind: "target_achieved".into(),
            target_id: Some(t.id),
            account_id: t.account_id,
            user_id,
            team_id,
            occurred_on,
            title: format!("{} reached 100%", t.title),
            value: Some(t.value),
            actual: Some(actual),
        },
    )
    .await?;
    if new {
        let mut data = targets::announce::step_data(t, None);
        data.actual = Some(actual);
        data.reached_on = Some(occurred_on);
        follow.push(Event::TargetAchieved {
            org: t.org_id,
            data,
        });
    }
    Ok(())
}

/// Records that a prospect was won, by whom and on which day.
async fn prospect_won(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    name: &str,
    won_by: Uuid,
    on: chrono::NaiveDate,
) -> AppResult<()> {
    store::record_milestone(
        c,
        &NewMilestone {
            org_id: org,
            id: Uuid::now_v7(),
            kind: "prospect_won".into(),
            target_id: None,
            account_id: Some(account),
            user_id: Some(won_by),
            team_id: None,
            occurred_on: on,
            title: format!("{name} won"),
            value: None,
            actual: None,
        },
    )
    .await?;
    Ok(())
}
