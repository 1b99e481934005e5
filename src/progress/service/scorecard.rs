//! A team's scorecard: every member's and the team's agreed targets in a
//! period, with progress.

use std::sync::Arc;

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{assemble, check_as_of, measure_many_with, rollup_metric, two, Span};
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppError, AppResult};
use crate::org::context::OrgContext;
use crate::progress::dto::{
    Scorecard, ScorecardQuery, ScorecardRow, ScorecardSort, TargetProgress,
};
use crate::progress::rules;
use crate::progress::store::{self, Membership};
use crate::remembered::Remembered;
use crate::targets::service::Aim;

/// What a scorecard shows besides the results, for a caller who may see the
/// team: its name, the memberships of it and of its sub-teams from the
/// period's first day to `as_of`, and the agreed targets.
pub struct Frame {
    team_name: String,
    memberships: Vec<Membership>,
    targets: Vec<Aim>,
}

/// (organisation, the caller, whether they read the whole organisation, the
/// team, the period, `as_of`).
pub type FrameKey = (Uuid, Option<Uuid>, bool, Uuid, String, NaiveDate);

/// The frames of the scorecards one instance was asked for lately (see
/// [`crate::remembered`]): read again, a scorecard reads only the results.
pub type Frames = Remembered<FrameKey, Frame>;

/// How many scorecards' frames an instance remembers at most: a frame holds a
/// team's memberships and targets, and a caller picks the key (`as_of`), so
/// far fewer than the default.
pub const FRAMES_KEPT: usize = 64;

/// The scorecard asked for by `q`, for a caller who may see the team.
pub async fn scorecard(
    pool: &PgPool,
    frames: &Frames,
    p: Principal,
    q: ScorecardQuery,
) -> AppResult<Scorecard> {
    p.require_reader()?;
    check_as_of(q.as_of.map(NaiveDate::from))?;
    db::run(pool, async move |c| {
        build_scorecard(c, frames, &p, &q).await
    })
    .await
}

async fn build_scorecard(
    c: &mut AsyncPgConnection,
    frames: &Frames,
    p: &Principal,
    q: &ScorecardQuery,
) -> AppResult<Scorecard> {
    use crate::teams::service::visibility as teams;
    let ctx = OrgContext::for_read(c, p).await?;
    let period = ctx.cal.parse(&q.period).ok_or_else(|| {
        AppError::invalid_field(
            "period",
            "unknown_period",
            "a period key such as 2026, FY2027, 2026-Q4, 2026-11 or 2026-W48",
        )
    })?;
    let as_of = q.as_of.map_or(ctx.today, NaiveDate::from);
    let team_id = match q.team_id {
        Some(id) => id,
        None => {
            let mine = match p.user_id() {
                Some(me) => teams::member_team_ids(c, p.org_id, me, ctx.today).await?,
                None => Vec::new(),
            };
            match mine.as_slice() {
                [only] => *only,
                _ => {
                    return Err(AppError::invalid_field(
                        "team_id",
                        "required",
                        "name the team: the caller is not a member of exactly one team",
                    ))
                }
            }
        }
    };
    let key = (
        p.org_id,
        p.user_id(),
        p.reads_org_wide(),
        team_id,
        period.key.clone(),
        as_of,
    );
    let generation = frames.generation();
    let frame = match frames.get(&key) {
        Some(frame) => frame,
        None => {
            let frame =
                Arc::new(frame(c, p, team_id, period.starts_on, period.ends_on, as_of).await?);
            frames.put(generation, key, frame.clone());
            frame
        }
    };
    let (team_name, memberships) = (&frame.team_name, &frame.memberships);
    let members: Vec<&Membership> = memberships.iter().filter(|m| m.on(as_of)).collect();
    let mut all = frame.targets.clone();
    if let Some(m) = q.metric {
        all.retain(|t| t.metric == m);
    }
    let (own, people_targets): (Vec<Aim>, Vec<Aim>) = all.iter().cloned().partition(|t| {
        t.subject_type == crate::targets::rules::SubjectType::Team && t.account_id.is_none()
    });
    // The team's own targets are read with the people's, in one statement: a
    // member's days in the team that match their own target's are read once.
    let team_spans: Vec<(Uuid, Vec<Span>)> = own
        .iter()
        .map(|t| (t.id, team_spans(t, memberships, as_of)))
        .collect();
    let also: Vec<Span> = team_spans
        .iter()
        .flat_map(|(_, s)| s.iter().cloned())
        .collect();
    let (mut measured, sums) =
        measure_many_with(c, &ctx, &people_targets, Some(as_of), &also).await?;
    for (t, (_, spans)) in own.iter().zip(&team_spans) {
        let actual: Decimal = spans.iter().filter_map(|s| sums.get(s)).sum();
        measured.insert(t.id, assemble(&ctx, t, actual, as_of));
    }
    let mut row_of = |subject_type: &str, id: Uuid, name: String, team_id: Uuid| {
        let targets: Vec<TargetProgress> = all
            .iter()
            .filter(|t| t.subject_type.as_str() == subject_type && t.subject_id == Some(id))
            .filter_map(|t| {
                measured.remove(&t.id).map(|pr| TargetProgress {
                    title: t.title.clone(),
                    metric: t.metric.as_str().to_string(),
                    activity_kind: t.activity_kind.clone(),
                    account_id: t.account_id,
                    progress: pr,
                })
            })
            .collect();
        let attainment: Vec<Decimal> = targets.iter().map(|t| t.progress.attainment_pct).collect();
        let pace: Vec<Decimal> = targets.iter().filter_map(|t| t.progress.pace_pct).collect();
        ScorecardRow {
            subject_type: subject_type.into(),
            subject_id: id,
            name,
            team_id,
            attainment_pct: rules::mean(&attainment).map(two),
            pace_pct: rules::mean(&pace).map(two),
            targets,
        }
    };
    let team_row = row_of("team", team_id, team_name.clone(), team_id);
    let mut rows: Vec<ScorecardRow> = members
        .into_iter()
        .map(|m| row_of("user", m.user_id, m.name.clone(), m.team_id))
        .collect();
    sort_rows(&mut rows, q.sort.unwrap_or(ScorecardSort::Name));
    Ok(Scorecard {
        team_id,
        period: period.key,
        starts_on: period.starts_on,
        ends_on: period.ends_on,
        as_of,
        team: team_row,
        members: rows,
    })
}

/// The frame of team `team_id`'s scorecard for a period from `starts_on` to
/// `ends_on` on `as_of`, if the caller may see the team (else 404).
async fn frame(
    c: &mut AsyncPgConnection,
    p: &Principal,
    team_id: Uuid,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    as_of: NaiveDate,
) -> AppResult<Frame> {
    use crate::teams::service::visibility as teams;
    if let Some(visible) = teams::visible_ids(c, p).await? {
        if !visible.contains(&team_id) {
            return Err(AppError::not_found("team"));
        }
    }
    // The team, its sub-teams and every membership of them from the period's
    // first day to `as_of`, in one statement: the members on `as_of` are the
    // rows, and the team's own targets count each member's results on the days
    // of their membership.
    let (team_name, memberships) =
        store::team_memberships_within(c, p.org_id, team_id, starts_on.min(as_of), as_of)
            .await?
            .ok_or_else(|| AppError::not_found("team"))?;
    let people: Vec<Uuid> = memberships
        .iter()
        .filter(|m| m.on(as_of))
        .map(|m| m.user_id)
        .collect();
    let targets =
        crate::targets::service::agreed_within(c, p.org_id, &people, team_id, starts_on, ends_on)
            .await?;
    Ok(Frame {
        team_name,
        memberships,
        targets,
    })
}

/// What team target `t` counts on `as_of`: each member's results in its
/// metric on the days of their membership within the target's days so far.
fn team_spans(t: &Aim, memberships: &[Membership], as_of: NaiveDate) -> Vec<Span> {
    if as_of < t.starts_on {
        return Vec::new();
    }
    let (from, to) = (t.starts_on, as_of.min(t.ends_on));
    let metric = rollup_metric(t);
    memberships
        .iter()
        .filter_map(|m| {
            let span = Span {
                who: m.user_id,
                metric: metric.clone(),
                from: m.from_on.max(from),
                to: m.to_on.map_or(to, |end| end.min(to)),
                // A team counts its members' revenue credits only.
                overlay: false,
            };
            (span.from <= span.to).then_some(span)
        })
        .collect()
}

/// Orders rows; rows without the figure sorted on come last either way, and ties
/// go by name.
fn sort_rows(rows: &mut [ScorecardRow], sort: ScorecardSort) {
    use std::cmp::Ordering;
    let by_name = |a: &ScorecardRow, b: &ScorecardRow| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.subject_id.cmp(&b.subject_id))
    };
    let figure = |key: fn(&ScorecardRow) -> Option<Decimal>, desc: bool| {
        move |a: &ScorecardRow, b: &ScorecardRow| match (key(a), key(b)) {
            (Some(x), Some(y)) => {
                let o = x.cmp(&y);
                (if desc { o.reverse() } else { o }).then_with(|| by_name(a, b))
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => by_name(a, b),
        }
    };
    match sort {
        ScorecardSort::Name => rows.sort_by(by_name),
        ScorecardSort::NameDesc => rows.sort_by(|a, b| by_name(b, a)),
        ScorecardSort::Attainment => rows.sort_by(figure(|r| r.attainment_pct, false)),
        ScorecardSort::AttainmentDesc => rows.sort_by(figure(|r| r.attainment_pct, true)),
        ScorecardSort::Pace => rows.sort_by(figure(|r| r.pace_pct, false)),
        ScorecardSort::PaceDesc => rows.sort_by(figure(|r| r.pace_pct, true)),
    }
}
