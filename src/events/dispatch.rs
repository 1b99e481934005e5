//! Publishing: hands each event of an outbox to its consumers and writes it to
//! the event log, on the transaction's connection, before it commits.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::store::{self, NewEvent};
use super::{Event, Outbox};
use crate::bonus;
use crate::error::AppResult;
use crate::progress::milestones;
use crate::teams::service::lookups as teams;
use crate::webhooks::service::fanout as webhooks;

/// Runs the consumers of every event in `outbox`, in the order appended (the
/// events a consumer appends in turn, such as `target.achieved`, after them),
/// then writes them all to the log in one statement, and makes their webhook
/// deliveries in one more. An error from a consumer
/// or the log fails the transaction, as the caller's own would.
pub async fn publish(c: &mut AsyncPgConnection, outbox: &mut Outbox) -> AppResult<()> {
    let mut published = Vec::new();
    let mut pending = outbox.take();
    while !pending.is_empty() {
        let mut follow = Outbox::default();
        for event in &pending {
            milestones::consume(c, event, &mut follow).await?;
            bonus::service::consume(c, event).await?;
        }
        published.append(&mut pending);
        pending = follow.take();
    }
    let rows = rows(c, &published).await?;
    store::insert(c, &rows).await?;
    let mut orgs: Vec<Uuid> = rows.iter().map(|r| r.org_id).collect();
    orgs.dedup();
    for org in orgs {
        let ids: Vec<Uuid> = rows
            .iter()
            .filter(|r| r.org_id == org)
            .map(|r| r.id)
            .collect();
        webhooks::enqueue(c, org, &ids).await?;
    }
    Ok(())
}

/// The log's rows for `events`, each with whom it is about: its people, its
/// teams, and the teams those people belonged to on its days (or today), looked
/// up once for events about the same people and days (a write that moves many
/// of one person's targets costs the statements of one).
async fn rows(c: &mut AsyncPgConnection, events: &[Event]) -> AppResult<Vec<NewEvent>> {
    type Whom = (Uuid, Vec<Uuid>, (NaiveDate, NaiveDate));
    let now = Utc::now();
    let mut today: HashMap<Uuid, NaiveDate> = HashMap::new();
    let mut teams_of: HashMap<Whom, Vec<Uuid>> = HashMap::new();
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        let org = event.org();
        let who = event.audience();
        let mut team_ids = who.teams.clone();
        if !who.people.is_empty() {
            let days = match who.days {
                Some(days) => days,
                None => {
                    let day = match today.get(&org) {
                        Some(d) => *d,
                        None => {
                            let d = crate::org::context::OrgContext::load(c, org).await?.today;
                            today.insert(org, d);
                            d
                        }
                    };
                    (day, day)
                }
            };
            let key = (org, who.people.clone(), days);
            let during = match teams_of.get(&key) {
                Some(found) => found.clone(),
                None => {
                    let found = teams::teams_of_people_during(c, org, &who.people, days).await?;
                    teams_of.insert(key, found.clone());
                    found
                }
            };
            for team in during {
                if !team_ids.contains(&team) {
                    team_ids.push(team);
                }
            }
        }
        rows.push(NewEvent {
            org_id: org,
            id: Uuid::now_v7(),
            kind: event.kind().as_str().to_string(),
            occurred_at: now,
            data: event.data(),
            people: who.people,
            teams: team_ids,
        });
    }
    Ok(rows)
}
