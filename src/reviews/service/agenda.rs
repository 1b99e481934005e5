//! A review's agenda: for each participant, progress on their agreed targets
//! in the period under review, the actions and hurdles still open from earlier
//! reviews, and the successes since the last review; then the review's own
//! items. Live while the review is scheduled; the snapshot once completed.

use chrono::{Duration, NaiveDate};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::super::dto::{Agenda, Item, Participant, Success, TargetProgress};
use super::super::rules::{self, Source, SubjectType};
use super::super::store::{self, FeedRow, ReviewRow};
use super::{people_of, subject, visible_review};
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppError, AppResult};
use crate::org::context::OrgContext;
use crate::progress::service as progress;
use crate::targets::service::for_reviews as targets;
use crate::targets::service::Aim;

/// The frozen part of a completed review's agenda.
#[derive(Serialize, Deserialize)]
pub(super) struct Snapshot {
    as_of: NaiveDate,
    successes_since: NaiveDate,
    participants: serde_json::Value,
}

/// The agenda of a review the caller sees.
pub async fn agenda(pool: &PgPool, p: Principal, id: Uuid) -> AppResult<Agenda> {
    p.require_reader()?;
    db::run(pool, async move |c| agenda_on(c, &p, id).await).await
}

/// [`agenda`] on a connection.
pub async fn agenda_on(c: &mut AsyncPgConnection, p: &Principal, id: Uuid) -> AppResult<Agenda> {
    let r = visible_review(c, p, id, false).await?;
    let (snap, frozen) = match r
        .snapshot
        .clone()
        .and_then(|s| serde_json::from_value::<Snapshot>(s).ok())
    {
        Some(s) => (s, true),
        None => {
            let ctx = OrgContext::for_read(c, p).await?;
            (live_snapshot(c, &ctx, &r).await?, false)
        }
    };
    let mut items = store::items_of(c, p.org_id, r.id).await?;
    items.sort_by_key(|i| (rules::agenda_rank(i.item_type, i.status), i.id));
    Ok(Agenda {
        review: r.into(),
        as_of: snap.as_of,
        frozen,
        successes_since: snap.successes_since,
        participants: snap.participants,
        items: items.into_iter().map(Item::from).collect(),
    })
}

/// The agenda's figures as they stand: measured on today (or the period's last
/// day once it is over), successes since the day after the last completed review.
pub(super) async fn live_snapshot(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    r: &ReviewRow,
) -> AppResult<Snapshot> {
    let as_of = rules::as_of(ctx.today, r.ends_on);
    let since = store::last_completed(c, r)
        .await?
        .map(|t| rules::local_day(t, ctx.tz) + Duration::days(1))
        .unwrap_or(r.starts_on);
    let people = participants(c, ctx, r, as_of, since).await?;
    Ok(Snapshot {
        as_of,
        successes_since: since,
        participants: serde_json::to_value(people).map_err(AppError::internal)?,
    })
}

/// The participants' figures, open items and successes, measured on `as_of`.
async fn participants(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    r: &ReviewRow,
    as_of: NaiveDate,
    since: NaiveDate,
) -> AppResult<Vec<Participant>> {
    let people = people_of(c, ctx.tz, r).await?;
    let (kind, own) = subject(r);
    let mut subjects: Vec<(SubjectType, Uuid)> = Vec::new();
    if kind == SubjectType::Team {
        subjects.push((SubjectType::Team, own));
    }
    subjects.extend(people.iter().map(|u| (SubjectType::User, *u)));
    let names = store::user_names(c, r.org_id, &people).await?;
    // Every participant's agreed targets in one statement, measured together.
    let team = (kind == SubjectType::Team).then_some(own);
    let agreed = targets::agreed_of(c, r.org_id, &people, team, r.starts_on, r.ends_on).await?;
    let aims: Vec<Aim> = agreed.iter().map(Aim::from).collect();
    let mut measured = progress::measure_many(c, ctx, &aims, Some(as_of)).await?;
    let mut out = Vec::with_capacity(subjects.len());
    for (st, id) in &subjects {
        let name = match st {
            SubjectType::Team => store::team_name(c, r.org_id, *id).await?,
            SubjectType::User => names
                .iter()
                .find(|(u, _)| u == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
        };
        let mut list = Vec::new();
        for t in agreed
            .iter()
            .filter(|t| targets::is_of(t, st.as_str(), *id))
        {
            let progress = measured
                .remove(&t.id)
                .ok_or_else(|| AppError::internal(format!("target {} not measured", t.id)))?;
            list.push(TargetProgress {
                target_id: t.id,
                title: t.title.clone(),
                metric: t.metric,
                activity_kind: t.activity_kind.clone(),
                currency: t.currency.clone(),
                period: t.period.clone(),
                progress,
            });
        }
        out.push(Participant {
            subject_type: *st,
            subject_id: *id,
            name,
            targets: list,
            open_items: Vec::new(),
            successes: Vec::new(),
        });
    }
    // Items of the series go to the participant who owns them, else to the review's own subject.
    let slot = |owner: Option<Uuid>| {
        rules::placed_under(owner, &people)
            .and_then(|o| subjects.iter().position(|s| *s == (SubjectType::User, o)))
            .unwrap_or(0)
    };
    for i in store::carried(c, r).await? {
        out[slot(i.owner_id)].open_items.push(Item::from(i));
    }
    let from = rules::start_of_day(since, ctx.tz);
    for (i, held) in store::series_successes(c, r, from).await? {
        let at = slot(i.owner_id);
        let day = rules::local_day(held, ctx.tz);
        out[at].successes.push(Success::from(FeedRow {
            id: i.id,
            source: Source::Review,
            kind: "success".into(),
            occurred_on: day,
            title: i.text,
            size: i.size,
            user_id: i.owner_id,
            team_id: r.team_id,
            target_id: i.target_id,
            account_id: i.account_id,
            review_id: Some(i.review_id),
            value: None,
            actual: None,
        }));
    }
    for m in store::milestones_of(c, r.org_id, &people, r.team_id, since).await? {
        let at = match m.user_id {
            Some(u) => slot(Some(u)),
            None => 0,
        };
        out[at].successes.push(Success::from(FeedRow {
            id: m.id,
            source: Source::Milestone,
            kind: m.kind,
            occurred_on: m.occurred_on,
            title: m.title,
            size: None,
            user_id: m.user_id,
            team_id: m.team_id,
            target_id: m.target_id,
            account_id: m.account_id,
            review_id: None,
            value: m.value,
            actual: m.actual,
        }));
    }
    for p in &mut out {
        p.successes
            .sort_by_key(|s| std::cmp::Reverse((s.occurred_on, s.id)));
    }
    Ok(out)
}
