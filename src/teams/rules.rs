//! Rules for teams and dated membership.

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use crate::auth::rules::Role;
use crate::validation::{FieldError, Validator};

/// Whether a day can be stored and written back as `YYYY-MM-DD`: years 1 to 9999.
/// (chrono reads years far outside what PostgreSQL's `date` holds.)
pub fn day_in_range(day: NaiveDate) -> bool {
    (1..=9999).contains(&day.year())
}

/// A membership as stored: both days included, `to` open when None.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub team_id: Uuid,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Span {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|t| day <= t)
    }
}

/// What joining `team` from `from` does to a person's existing memberships.
#[derive(Debug, PartialEq, Eq)]
pub enum Join {
    /// Already a member of this team from that day, open-ended: nothing to do.
    Unchanged,
    /// Insert the membership, first ending the open one in `close` the day before (a move),
    /// and removing the open membership of this same team that starts on `replace` (a re-dated join).
    Insert {
        close: Option<(Uuid, NaiveDate, NaiveDate)>,
        replace: Option<NaiveDate>,
    },
    /// It would overlap a membership that cannot be adjusted.
    Overlap(Span),
}

/// Decides how a person joins `team` from `from`, given all their memberships.
///
/// A person belongs to one team on any day. Joining while an open membership of
/// another team started earlier moves them: the old one ends the day before.
/// Joining the same team again with another start date re-dates the open membership.
/// Any other overlap is refused.
pub fn plan_join(existing: &[Span], team: Uuid, from: NaiveDate) -> Join {
    let mut close = None;
    let mut replace = None;
    for s in existing {
        if s.team_id == team && s.to.is_none() {
            if s.from == from {
                return Join::Unchanged;
            }
            replace = Some(s.from);
            continue;
        }
        let overlaps = s.to.is_none_or(|t| t >= from);
        if !overlaps {
            continue;
        }
        if s.to.is_none() && s.from < from {
            let day_before = from
                .pred_opt()
                .expect("a date after another has a predecessor");
            close = Some((s.team_id, s.from, day_before));
        } else {
            return Join::Overlap(*s);
        }
    }
    // Any remaining collision with a closed membership is refused by the database.
    Join::Insert { close, replace }
}

/// Whether making `parent` the parent of `team` would create a cycle, given the
/// ids of `team` and all its descendants.
pub fn creates_cycle(team_and_descendants: &[Uuid], parent: Uuid) -> bool {
    team_and_descendants.contains(&parent)
}

/// Why a change to a team or its membership is refused.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("the team has targets; cancel or keep them, and the team with them")]
    HasTargets,
    #[error("move or delete its sub-teams first")]
    HasSubteams,
    #[error("only an admin or the team's manager may change its members")]
    NotItsManager,
    #[error("the person belongs to a team you do not manage; ask an admin to move them")]
    MoveFromUnmanaged,
    #[error("nobody adds themselves to a team they manage, or to a team below it: ask the manager above or an admin")]
    OwnTeam,
    #[error("a deactivated person cannot join a team")]
    UserInactive,
    #[error("a person belongs to one team on any day, and this membership would overlap another")]
    Overlap,
    /// The person is not in the organisation.
    #[error("user not found")]
    NoSuchUser,
    #[error("open membership not found")]
    NoOpenMembership,
    #[error("membership not found")]
    NoSuchMembership,
    #[error("invalid")]
    Invalid(crate::validation::Invalid),
}

impl From<crate::validation::Invalid> for TeamError {
    fn from(e: crate::validation::Invalid) -> Self {
        TeamError::Invalid(e)
    }
}

/// 422 unless `day` is one a membership can hold.
pub fn check_day(field: &str, day: NaiveDate) -> Result<(), TeamError> {
    let mut v = Validator::new();
    v.check(
        day_in_range(day),
        field,
        "out_of_range",
        "must be a day between 0001-01-01 and 9999-12-31",
    );
    Ok(v.finish()?)
}

/// The last day of a membership is on or after its first.
pub fn check_end(from: NaiveDate, to: NaiveDate) -> Result<(), TeamError> {
    let mut v = Validator::new();
    v.check(
        to >= from,
        "to",
        "before_start",
        format!("must be on or after the first day of membership, {from}"),
    );
    Ok(v.finish()?)
}

/// A team's manager and parent, as found: `manager` is the role and activity of
/// the person named (None when there is none such), `parent` whether the parent
/// named exists and, for an existing team, its own subtree.
pub struct Links<'a> {
    pub manager: Option<Option<(Role, bool)>>,
    pub parent: Option<(Uuid, bool)>,
    pub subtree: Option<&'a [Uuid]>,
}

/// An active manager or admin leads a team; a parent exists and is not the team
/// itself nor one of its sub-teams.
pub fn check_links(l: &Links) -> Result<(), TeamError> {
    let mut v = Validator::new();
    if let Some(found) = l.manager {
        let ok = matches!(found, Some((Role::Manager | Role::Admin, true)));
        v.check(
            ok,
            "manager_id",
            "invalid_manager",
            "must be an active manager or admin of this organisation",
        );
    }
    if let Some((parent, exists)) = l.parent {
        if exists {
            if let Some(subtree) = l.subtree {
                v.check(
                    !creates_cycle(subtree, parent),
                    "parent_team_id",
                    "team_cycle",
                    "a team cannot sit under itself or one of its sub-teams",
                );
            }
        } else {
            v.push(FieldError::new(
                "parent_team_id",
                "not_found",
                "no such team",
            ));
        }
    }
    Ok(v.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn codes(r: Result<(), TeamError>) -> Vec<String> {
        match r {
            Ok(()) => Vec::new(),
            Err(TeamError::Invalid(i)) => i.errors.into_iter().map(|e| e.code).collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn links_need_an_active_leader_and_no_cycle() {
        let (team, child, other) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let subtree = [team, child];
        let ok = Links {
            manager: Some(Some((Role::Manager, true))),
            parent: Some((other, true)),
            subtree: Some(&subtree),
        };
        assert!(codes(check_links(&ok)).is_empty());
        let bad = Links {
            manager: Some(Some((Role::Salesperson, true))),
            parent: Some((child, true)),
            subtree: Some(&subtree),
        };
        assert_eq!(codes(check_links(&bad)), ["invalid_manager", "team_cycle"]);
        let gone = Links {
            manager: Some(Some((Role::Admin, false))),
            parent: Some((other, false)),
            subtree: None,
        };
        assert_eq!(codes(check_links(&gone)), ["invalid_manager", "not_found"]);
        assert_eq!(
            codes(check_day("from", d("2026-01-01"))),
            Vec::<String>::new()
        );
        assert_eq!(
            codes(check_end(d("2026-02-01"), d("2026-01-31"))),
            ["before_start"]
        );
    }

    #[test]
    fn joining_without_history_inserts() {
        let t = Uuid::now_v7();
        assert_eq!(
            plan_join(&[], t, d("2026-01-01")),
            Join::Insert {
                close: None,
                replace: None
            }
        );
    }

    #[test]
    fn joining_another_team_moves_the_person() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let spans = [Span {
            team_id: a,
            from: d("2026-01-01"),
            to: None,
        }];
        assert_eq!(
            plan_join(&spans, b, d("2026-11-16")),
            Join::Insert {
                close: Some((a, d("2026-01-01"), d("2026-11-15"))),
                replace: None
            }
        );
    }

    #[test]
    fn joining_before_the_current_membership_overlaps() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let open = Span {
            team_id: a,
            from: d("2026-06-01"),
            to: None,
        };
        assert_eq!(plan_join(&[open], b, d("2026-06-01")), Join::Overlap(open));
        let closed = Span {
            team_id: a,
            from: d("2026-01-01"),
            to: Some(d("2026-03-31")),
        };
        assert_eq!(
            plan_join(&[closed], b, d("2026-03-31")),
            Join::Overlap(closed)
        );
        assert_eq!(
            plan_join(&[closed], b, d("2026-04-01")),
            Join::Insert {
                close: None,
                replace: None
            }
        );
    }

    #[test]
    fn same_team_same_day_is_unchanged_and_another_day_redates() {
        let a = Uuid::now_v7();
        let open = Span {
            team_id: a,
            from: d("2026-06-01"),
            to: None,
        };
        assert_eq!(plan_join(&[open], a, d("2026-06-01")), Join::Unchanged);
        assert_eq!(
            plan_join(&[open], a, d("2026-05-01")),
            Join::Insert {
                close: None,
                replace: Some(d("2026-06-01"))
            }
        );
    }

    #[test]
    fn spans_cover_their_days() {
        let s = Span {
            team_id: Uuid::nil(),
            from: d("2026-01-01"),
            to: Some(d("2026-01-31")),
        };
        assert!(s.covers(d("2026-01-01")) && s.covers(d("2026-01-31")));
        assert!(!s.covers(d("2026-02-01")) && !s.covers(d("2025-12-31")));
    }

    #[test]
    fn days_in_range() {
        assert!(day_in_range(d("0001-01-01")) && day_in_range(d("9999-12-31")));
        assert!(!day_in_range(d("0000-12-31")));
        assert!(!day_in_range(
            NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap()
        ));
        assert!(!day_in_range(
            NaiveDate::from_ymd_opt(-5_000, 1, 1).unwrap()
        ));
    }

    #[test]
    fn cycles() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(creates_cycle(&[a, b], b));
        assert!(!creates_cycle(&[a], b));
    }
}
