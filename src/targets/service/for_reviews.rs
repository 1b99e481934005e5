//! What reviews ask of targets: whose targets a caller sees (reviews follow
//! the same rule), whether the caller sets a person's or team's targets (then
//! they lead that person's or team's reviews), whether a target is visible to
//! link an item to, and the agreed targets an agenda measures.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::Principal;
use crate::db::Page;
use crate::error::AppResult;
use crate::targets::rules::{SubjectType, Visible};
use crate::targets::store::{self, TargetRow};

/// Whose targets the caller sees.
pub async fn visible(c: &mut AsyncPgConnection, p: &Principal) -> AppResult<Visible> {
    super::visible(c, p).await
}

/// Whether the caller sets the targets of this person (`"user"`) or team (`"team"`).
pub async fn can_set(
    c: &mut AsyncPgConnection,
    p: &Principal,
    subject_type: &str,
    subject_id: Option<Uuid>,
) -> AppResult<bool> {
    super::can_set(c, p, subject_type, subject_id).await
}

/// Whether target `id` exists and the caller sees it (`Ok(false)` when not).
pub async fn sees(c: &mut AsyncPgConnection, p: &Principal, id: Uuid) -> AppResult<bool> {
    match super::get_visible(c, p, id, false).await {
        Ok(_) => Ok(true),
        Err(e) if e.status == actix_web::http::StatusCode::NOT_FOUND => Ok(false),
        Err(e) => Err(e),
    }
}

/// The agreed targets of these people and of `team` whose days overlap
/// `[from, to]`, in one statement, each subject's by start then id.
pub async fn agreed_of(
    c: &mut AsyncPgConnection,
    org: Uuid,
    people: &[Uuid],
    team: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<TargetRow>> {
    let of = Visible {
        all: false,
        users: people.to_vec(),
        teams: team.into_iter().collect(),
    };
    let filter = store::ListFilter {
        subject_type: None,
        subject_id: None,
        status: Some(crate::targets::rules::Status::Agreed.as_str().into()),
        metric: None,
        parent_id: None,
        overlapping: Some((from, to)),
    };
    let all = Page {
        limit: i64::MAX - 1,
        after: None,
    };
    let mut rows: Vec<TargetRow> = store::list(c, org, &of, &filter, &all)
        .await?
        .into_iter()
        // The organisation's own targets are seen by everyone; they are no one's here.
        .filter(|t| t.subject_type != SubjectType::Org)
        .collect();
    rows.sort_by_key(|t| (t.starts_on, t.id));
    Ok(rows)
}

/// Whether `t` is the target of this person (`"user"`) or team (`"team"`).
pub fn is_of(t: &TargetRow, subject_type: &str, id: Uuid) -> bool {
    t.subject_type.as_str() == subject_type && t.subject_id == Some(id)
}
