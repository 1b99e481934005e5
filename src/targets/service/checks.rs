//! Checks shared by the use cases: the days a target covers, its account, its
//! parent, a workflow step, a note.

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::visibility::get_visible;
use crate::auth::Principal;
use crate::calendar::Calendar;
use crate::error::{AppResult, FieldError, Validator};
use crate::targets::rules::{self, Action, Metric, Status, SubjectType};
use crate::targets::store::{self, TargetRow};

/// The days a target covers, from a period key or explicit days.
pub fn resolve_period(
    v: &mut Validator,
    cal: &Calendar,
    period: Option<&str>,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
) -> Option<(Option<String>, NaiveDate, NaiveDate)> {
    use chrono::Datelike;
    match (period, starts_on, ends_on) {
        (Some(key), None, None) => match cal.parse(key) {
            Some(p) => Some((Some(p.key), p.starts_on, p.ends_on)),
            None => {
                v.push(FieldError::new(
                    "period",
                    "unknown_period",
                    "not a period key: use 2026, FY2027, 2026-Q4, FY2027-Q1, 2026-11 or 2026-W48",
                ));
                None
            }
        },
        (None, Some(s), Some(e)) => {
            if !(1000..=9998).contains(&s.year()) || !(1000..=9998).contains(&e.year()) {
                v.push(FieldError::new(
                    "starts_on",
                    "out_of_range",
                    "years 1000 to 9998",
                ));
                None
            } else if e < s {
                v.push(FieldError::new(
                    "ends_on",
                    "period_ends_before_start",
                    "must be on or after starts_on",
                ));
                None
            } else {
                Some((None, s, e))
            }
        }
        (Some(_), _, _) => {
            v.push(FieldError::new(
                "period",
                "period_or_days",
                "give a period key or starts_on and ends_on, not both",
            ));
            None
        }
        _ => {
            v.push(FieldError::new(
                "period",
                "required",
                "give a period key, or starts_on and ends_on",
            ));
            None
        }
    }
}

/// The account of an account target: it exists and the subject (a person) owns it.
pub async fn check_account(
    c: &mut AsyncPgConnection,
    v: &mut Validator,
    org: Uuid,
    subject: (SubjectType, Option<Uuid>),
    account: Uuid,
) -> AppResult<()> {
    match crate::accounts::service::by_id(c, org, account).await {
        Ok(a) => {
            let owns = subject.0 == SubjectType::User && Some(a.owner_id) == subject.1;
            v.check(
                owns,
                "account_id",
                "account_not_owned",
                "the target's subject (a person) must own this account",
            );
        }
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            v.push(FieldError::new(
                "account_id",
                "not_found",
                "no such account",
            ));
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// The parent: a live team or organisation target of the same metric whose days
/// hold the child's.
pub async fn check_parent(
    c: &mut AsyncPgConnection,
    v: &mut Validator,
    p: &Principal,
    child: (Metric, Option<&str>, NaiveDate, NaiveDate, Option<Uuid>),
    parent: Uuid,
) -> AppResult<()> {
    let (metric, kind, starts, ends, own_id) = child;
    let row = match get_visible(c, p, parent, false).await {
        Ok(r) => r,
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            v.push(FieldError::new("parent_id", "not_found", "no such target"));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let live = row.status.is_live();
    let loops = match own_id {
        Some(own) => store::ancestors(c, p.org_id, row.id).await?.contains(&own),
        None => false,
    };
    let reason = if Some(row.id) == own_id || loops {
        Some(
            "a target cannot contribute to itself, directly or through the targets above it"
                .to_string(),
        )
    } else if row.subject_type == SubjectType::User {
        Some("the parent must be a team or organisation target".into())
    } else if !live {
        Some(format!("the parent is {}", row.status.as_str()))
    } else if row.metric != metric || row.activity_kind.as_deref() != kind {
        Some(format!("the parent measures {}", row.metric.as_str()))
    } else if starts < row.starts_on || ends > row.ends_on {
        Some(format!(
            "the days must lie within the parent's, {} to {}",
            row.starts_on, row.ends_on
        ))
    } else {
        None
    };
    if let Some(r) = reason {
        v.push(FieldError::new("parent_id", "invalid_parent", r));
    }
    Ok(())
}

/// Refuses whoever may not set, change, propose or cancel this target.
pub async fn require_setter(
    c: &mut AsyncPgConnection,
    p: &Principal,
    t: &TargetRow,
) -> AppResult<()> {
    p.require_user()?;
    super::duties::require_setter(
        c,
        p,
        t.subject_type.as_str(),
        t.subject_id,
        Some((t.starts_on, t.ends_on)),
    )
    .await
}

/// The status after `action`, or 409 `invalid_transition`.
pub fn step(t: &TargetRow, action: Action) -> AppResult<Status> {
    Ok(rules::transition(t.status, action)?)
}

pub fn check_note(v: &mut Validator, note: Option<&str>) {
    if let Some(n) = note {
        v.text("note", n, 2000);
    }
}

/// The collected errors as one 422 whose code names the first broken rule.
pub fn finish_rules(v: Validator) -> AppResult<()> {
    v.finish().map_err(rules::TargetInvalid)?;
    Ok(())
}
