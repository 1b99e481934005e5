//! Where a target stands: one, many at once, and the read of a target's progress.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{check_as_of, rollup_metric, two};
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::AppResult;
use crate::org::context::OrgContext;
use crate::progress::dto::Progress;
use crate::progress::rules;
use crate::results::rules::{overlay_metric, GROSS_PROFIT, REVENUE};
use crate::results::service::achieved as results;
use crate::targets::service::{self as targets, Aim};

/// A target's progress on `as_of`: what counts from its first day up to and
/// including `as_of`, against its pace.
pub async fn measure(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    t: &Aim,
    as_of: NaiveDate,
) -> AppResult<Progress> {
    let metric = rollup_metric(t);
    let to = as_of.min(t.ends_on);
    let actual = if as_of < t.starts_on {
        Decimal::ZERO
    } else if let Some(account) = t.account_id {
        results::account_total(c, t.org_id, account, &metric, t.starts_on, to).await?
    } else {
        let ranges = [(t.starts_on, to)];
        targets::achieved(
            c,
            t.org_id,
            (t.subject_type, t.subject_id),
            &metric,
            &ranges,
        )
        .await?
        .pop()
        .flatten()
        .unwrap_or(Decimal::ZERO)
    };
    Ok(assemble(ctx, t, actual, as_of))
}

/// One person's results in a rollup metric over `[from, to]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    pub who: Uuid,
    pub metric: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Their overlay credits count too: true for the person's own targets,
    /// false for their days in a team's.
    pub overlay: bool,
}

/// The rollup's sum over each of `spans`, in one statement (none when there
/// are no spans). Each span is read as the rollup metrics it counts (its
/// metric, and `overlay:<metric>` when overlay credits count too), and each of
/// those is read once: a member's days in a team's target that match the days
/// of their own target in the same metric are not read twice.
async fn sums(
    c: &mut AsyncPgConnection,
    org: Uuid,
    spans: &[Span],
) -> AppResult<HashMap<Span, Decimal>> {
    type Range = (Uuid, NaiveDate, NaiveDate);
    type Counted = (Uuid, String, NaiveDate, NaiveDate);
    let mut ranges: HashMap<Range, usize> = HashMap::new();
    let mut counted: HashMap<Counted, usize> = HashMap::new();
    let is_money = |metric: &str| matches!(metric, REVENUE | GROSS_PROFIT);
    let mut place = |s: &Span, metric: String| -> usize {
        if is_money(&metric) {
            let n = ranges.len();
            *ranges.entry((s.who, s.from, s.to)).or_insert(n)
        } else {
            let n = counted.len();
            *counted.entry((s.who, metric, s.from, s.to)).or_insert(n)
        }
    };
    // Where each span's sums will be: a money metric's range, or the counted
    // metric (and its overlay) as pieces.
    let places: Vec<(usize, Option<usize>)> = spans
        .iter()
        .map(|s| {
            let own = place(s, s.metric.clone());
            let overlay =
                (s.overlay && !is_money(&s.metric)).then(|| place(s, overlay_metric(&s.metric)));
            (own, overlay)
        })
        .collect();
    let (money, counts) =
        results::sums_many(c, org, &in_place(&ranges), &in_place(&counted)).await?;
    Ok(spans
        .iter()
        .zip(places)
        .map(|(s, (own, overlay))| {
            let sum = match money.get(own).filter(|_| is_money(&s.metric)) {
                Some(m) => m.metric(&s.metric, s.overlay).unwrap_or_default(),
                None => counts[own] + overlay.map_or(Decimal::ZERO, |o| counts[o]),
            };
            (s.clone(), sum)
        })
        .collect())
}

/// The keys of `m` in the order of their places.
fn in_place<K: Clone>(m: &HashMap<K, usize>) -> Vec<K> {
    let mut v: Vec<(usize, &K)> = m.iter().map(|(k, i)| (*i, k)).collect();
    v.sort_unstable_by_key(|(i, _)| *i);
    v.into_iter().map(|(_, k)| k.clone()).collect()
}

/// The progress of many targets at once, on `as_of` (`None`: each on its own
/// last day): people's own targets in one statement, account and team targets
/// one by one.
pub async fn measure_many(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    all: &[Aim],
    as_of: Option<NaiveDate>,
) -> AppResult<HashMap<Uuid, Progress>> {
    Ok(measure_many_with(c, ctx, all, as_of, &[]).await?.0)
}

/// [`measure_many`], with the sums over `also` read in the same statement as
/// the people's own targets.
pub async fn measure_many_with(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    all: &[Aim],
    as_of: Option<NaiveDate>,
    also: &[Span],
) -> AppResult<(HashMap<Uuid, Progress>, HashMap<Span, Decimal>)> {
    let day = |t: &Aim| as_of.unwrap_or(t.ends_on);
    let bulk = |t: &Aim| {
        t.subject_type == crate::targets::rules::SubjectType::User && t.account_id.is_none()
    };
    let own = |t: &Aim| {
        let who = t.subject_id.filter(|_| bulk(t) && day(t) >= t.starts_on)?;
        Some(Span {
            who,
            metric: rollup_metric(t),
            from: t.starts_on,
            to: day(t).min(t.ends_on),
            overlay: true,
        })
    };
    let mut spans: Vec<Span> = all.iter().filter_map(own).collect();
    spans.extend_from_slice(also);
    let sums = sums(c, ctx.org.id, &spans).await?;
    let mut measured = HashMap::new();
    for t in all {
        let pr = if bulk(t) {
            let actual = own(t)
                .and_then(|s| sums.get(&s).copied())
                .unwrap_or(Decimal::ZERO);
            assemble(ctx, t, actual, day(t))
        } else {
            measure(c, ctx, t, day(t)).await?
        };
        measured.insert(t.id, pr);
    }
    Ok((measured, sums))
}

/// The progress of `t` with `actual` achieved by the end of `as_of`.
pub fn assemble(ctx: &OrgContext, t: &Aim, actual: Decimal, as_of: NaiveDate) -> Progress {
    let pace = rules::pace(
        t.value,
        actual,
        t.starts_on,
        t.ends_on,
        as_of,
        &ctx.week,
        ctx.org.pace_thresholds(),
    );
    Progress {
        target_id: t.id,
        as_of,
        starts_on: t.starts_on,
        ends_on: t.ends_on,
        value: two(t.value),
        actual: two(actual),
        attainment_pct: two(pace.attainment_pct),
        expected_to_date: two(pace.expected_to_date),
        pace_pct: pace.pace_pct.map(two),
        status: pace.status,
        projected: two(pace.projected),
        gap: two(pace.gap),
        working_days_left: pace.working_days_left,
        required_per_working_day: two(pace.required_per_working_day),
        required_per_week: two(pace.required_per_week),
    }
}

/// The progress of target `id` on `as_of` (default: today in the organisation),
/// for a caller who may see it.
pub async fn target_progress(
    pool: &PgPool,
    reader: &db::Reader,
    aims: &targets::Aims,
    p: Principal,
    id: Uuid,
    as_of: Option<NaiveDate>,
) -> AppResult<Progress> {
    p.require_reader()?;
    check_as_of(as_of)?;
    // The target and its salesperson's actual, on the worker's shared
    // connection; one's own target, or the organisation's, needs nothing else.
    // One's own target, read lately, is remembered: only the results are read.
    let mut read = None;
    if let Some(ctx) = OrgContext::with_caller(&p).transpose()? {
        let as_of = as_of.unwrap_or(ctx.today);
        let generation = aims.generation();
        if let Some(aim) = aims.get(&(p.org_id, id)) {
            if let Some(who) = targets::own_target(&p, &aim) {
                let (metric, to) = (rollup_metric(&aim), as_of.min(aim.ends_on));
                let actual =
                    results::own_total_shared(reader, p.org_id, who, &metric, aim.starts_on, to)
                        .await?;
                return Ok(assemble(&ctx, &aim, actual, as_of));
            }
        }
        let (t, own) = targets::get_with_own_actual_shared(reader, p.org_id, id, as_of).await?;
        if let (Some(actual), true) = (own, targets::seen_by_everyone_or_self(&p, &t)) {
            let aim = Arc::new(Aim::from(&t));
            if targets::own_target(&p, &aim).is_some() {
                aims.put(generation, (aim.org_id, aim.id), aim.clone());
            }
            return Ok(assemble(&ctx, &aim, actual, as_of));
        }
        read = Some((ctx, as_of, t, own));
    }
    // Taken by the first attempt; a second one (see `db::run`) reads it all itself.
    let read = std::cell::Cell::new(read);
    db::run(pool, async move |c| {
        let (ctx, as_of, t, own) = match read.take() {
            Some(read) => read,
            None => {
                let ctx = OrgContext::for_read(c, &p).await?;
                let as_of = as_of.unwrap_or(ctx.today);
                let (t, own) = targets::get_with_own_actual(c, p.org_id, id, as_of).await?;
                (ctx, as_of, t, own)
            }
        };
        let t = Aim::from(&targets::check_visible(c, &p, t).await?);
        match own {
            Some(actual) => Ok(assemble(&ctx, &t, actual, as_of)),
            None => measure(c, &ctx, &t, as_of).await,
        }
    })
    .await
}
