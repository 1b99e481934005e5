//! `/v1/targets`: SMART targets, their workflow, history and allocation.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{self, Action, Attainable, Metric, Status};
use super::store::{self, NewTarget, TargetChanges, TargetRow};
use crate::auth::Principal;
use crate::calendar::{Calendar, Granularity};
use crate::db;
use crate::error::{AppError, AppResult, FieldError, Validator};
use crate::extract::Json;
use crate::http::{check_if_match, finish, if_match, with_etag, with_location, List, PageParams};
use crate::org::context::OrgContext;
use crate::state::AppState;
use crate::users::rules::double_option;
use crate::values::{Amount, IsoDate};

/// Whose target it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    User,
    Team,
    Org,
}

impl SubjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectType::User => "user",
            SubjectType::Team => "team",
            SubjectType::Org => "org",
        }
    }
    pub fn parse(s: &str) -> Self {
        match s {
            "user" => SubjectType::User,
            "team" => SubjectType::Team,
            _ => SubjectType::Org,
        }
    }
}

/// The SMART assessment of a target.
#[derive(Debug, Serialize, ToSchema)]
pub struct Smart {
    /// A title and a known metric.
    pub specific: bool,
    /// A positive number, with a currency for money.
    pub measurable: bool,
    /// Judged against the subject's own results in the previous periods of the same length.
    pub attainable: Attainable,
    /// Revenue, gross profit, activities and new accounts are in a salesperson's remit.
    pub in_remit: bool,
    /// A period with a start and an end.
    pub timed: bool,
}

/// A target. Every target is "at least" its value.
#[derive(Debug, Serialize, ToSchema)]
pub struct Target {
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub subject_type: SubjectType,
    /// The user or team; null for the organisation.
    pub subject_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub metric: Metric,
    pub activity_kind: Option<String>,
    #[schema(value_type = String, example = "125000.00")]
    pub value: Decimal,
    /// Money metrics only: the organisation's currency.
    pub currency: Option<String>,
    /// The period key, when the target was set by one.
    pub period: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub parent_id: Option<Uuid>,
    pub status: Status,
    /// 1 for the first version; each revision adds one.
    pub revision: i32,
    /// The version this one replaced.
    pub revision_of: Option<Uuid>,
    pub agreed_at: Option<DateTime<Utc>>,
    pub agreed_by: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub smart: Smart,
}

/// A new target (draft). Give either `period` or `starts_on` and `ends_on`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTarget {
    #[schema(min_length = 1, max_length = 200, example = "Q4 revenue")]
    pub title: String,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    pub subject_type: SubjectType,
    /// The user or team (absent for the organisation).
    pub subject_id: Option<Uuid>,
    /// A target on one account, which the subject (a person) must own.
    pub account_id: Option<Uuid>,
    /// `revenue`, `gross_profit`, `activities` or `new_accounts`. Net profit and
    /// its kin are refused: they are not in a salesperson's remit.
    #[schema(example = "revenue")]
    pub metric: String,
    /// For `activities`: `call`, `meeting`, `demo`, `proposal`, or the organisation's own.
    pub activity_kind: Option<String>,
    /// Greater than 0; a decimal string or a number.
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "125000.00")]
    pub value: Amount,
    /// Money metrics: the organisation's currency (the default).
    pub currency: Option<String>,
    /// A period key: `2026`, `FY2027`, `2026-Q4`, `FY2027-Q1`, `2026-11`, `2026-W48`.
    pub period: Option<String>,
    pub starts_on: Option<IsoDate>,
    pub ends_on: Option<IsoDate>,
    /// The team or organisation target this one contributes to.
    pub parent_id: Option<Uuid>,
}

/// Changes to a draft or proposed target (a proposed one returns to draft). The
/// subject and metric never change; an agreed target is revised instead.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTarget {
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true, max_length = 2000)]
    pub description: Option<Option<String>>,
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$")]
    pub value: Option<Amount>,
    pub period: Option<String>,
    pub starts_on: Option<IsoDate>,
    pub ends_on: Option<IsoDate>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true)]
    pub parent_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true)]
    pub account_id: Option<Option<Uuid>>,
}

/// A new version with a new value; it needs agreement again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviseTarget {
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "140000.00")]
    pub value: Amount,
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// Why it changed.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// An optional note for a workflow step.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepNote {
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {
    pub subject_type: Option<SubjectType>,
    pub subject_id: Option<Uuid>,
    pub status: Option<Status>,
    pub metric: Option<Metric>,
    pub parent_id: Option<Uuid>,
    /// Only targets overlapping this period key.
    pub period: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One version or state change.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// The version (target row) it happened to.
    pub target_id: Uuid,
    pub revision: i32,
    /// `created`, `updated`, `proposed`, `agreed`, `revised`, `superseded`, `cancelled`.
    #[schema(example = "agreed")]
    pub event: String,
    pub status: Status,
    #[schema(value_type = String)]
    pub value: Decimal,
    /// Who did it.
    pub actor_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// A child's part of its parent.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationChild {
    pub id: Uuid,
    pub title: String,
    pub subject_type: SubjectType,
    pub subject_id: Option<Uuid>,
    pub status: Status,
    #[schema(value_type = String)]
    pub value: Decimal,
    /// Its share of the parent's value, in percent.
    #[schema(value_type = String, example = "25.00")]
    pub share_pct: Decimal,
}

/// A team or organisation target against the targets that contribute to it
/// (every state but superseded and cancelled).
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationOut {
    pub target_id: Uuid,
    #[schema(value_type = String)]
    pub value: Decimal,
    #[schema(value_type = String)]
    pub allocated: Decimal,
    #[schema(value_type = String)]
    pub unallocated: Decimal,
    #[schema(value_type = String)]
    pub over_allocated: Decimal,
    pub children: Vec<AllocationChild>,
}

/// Codes that name the rule a target broke; the first one found becomes the problem's `code`.
const RULE_CODES: [&str; 10] = [
    "bonus_not_financial",
    "unknown_metric",
    "metric_not_in_remit",
    "value_not_positive",
    "unknown_period",
    "period_ends_before_start",
    "currency_mismatch",
    "account_not_owned",
    "invalid_parent",
    "subject_not_found",
];

/// 422 with every invalid field; the problem's `code` names the broken rule when there is one.
pub fn refuse(errors: Vec<FieldError>) -> AppError {
    let rule = errors
        .iter()
        .find_map(|f| RULE_CODES.iter().find(|c| **c == f.code).copied());
    let mut e = AppError::validation(errors);
    if let Some(code) = rule {
        e.code = code;
        if let Some(first) = e.errors.iter().find(|f| f.code == code) {
            e.detail = first.message.clone();
        }
    }
    e
}

fn finish_rules(v: Validator) -> AppResult<()> {
    v.finish().map_err(|e| refuse(e.errors))
}

/// The days a target covers, from a period key or explicit days.
fn resolve_period(
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

fn period_word(cal: &Calendar, t: &TargetRow) -> (Vec<(NaiveDate, NaiveDate)>, &'static str) {
    const N: usize = 4;
    if let Some(p) = t.period.as_deref().and_then(|k| cal.parse(k)) {
        let word = match p.granularity {
            Granularity::Year => "year",
            Granularity::Quarter => "quarter",
            Granularity::Month => "month",
            Granularity::Week => "week",
        };
        let mut ranges = Vec::with_capacity(N);
        let mut cur = p;
        for _ in 0..N {
            cur = cal.containing(cur.granularity, cur.starts_on - Duration::days(1));
            ranges.push((cur.starts_on, cur.ends_on));
        }
        return (ranges, word);
    }
    let len = (t.ends_on - t.starts_on).num_days() + 1;
    let ranges = (1..=N as i64)
        .map(|i| {
            (
                t.starts_on - Duration::days(len * i),
                t.ends_on - Duration::days(len * i),
            )
        })
        .collect();
    (ranges, "period")
}

/// The target as answered, with its SMART assessment.
pub async fn present(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    t: TargetRow,
) -> AppResult<Target> {
    let metric = Metric::parse(&t.metric).unwrap_or(Metric::Revenue);
    let (ranges, word) = period_word(&ctx.cal, &t);
    let rollup_metric = match (metric, t.activity_kind.as_deref()) {
        (Metric::Activities, Some(kind)) => crate::results::rules::activity_metric(kind),
        _ => t.metric.clone(),
    };
    let achieved = store::achieved(
        c,
        t.org_id,
        (&t.subject_type, t.subject_id),
        &rollup_metric,
        &ranges,
    )
    .await?;
    let attainable = rules::attainability(
        t.value,
        &achieved,
        word,
        ctx.org.realistic_max_ratio.normalize(),
        ctx.org.stretch_max_ratio.normalize(),
    );
    let smart = Smart {
        specific: !t.title.trim().is_empty(),
        measurable: t.value > Decimal::ZERO && (!metric.is_money() || t.currency.is_some()),
        attainable,
        in_remit: true,
        timed: t.starts_on <= t.ends_on,
    };
    Ok(Target {
        id: t.id,
        title: t.title,
        description: t.description,
        subject_type: SubjectType::parse(&t.subject_type),
        subject_id: t.subject_id,
        account_id: t.account_id,
        metric,
        activity_kind: t.activity_kind,
        value: t.value,
        currency: t.currency,
        period: t.period,
        starts_on: t.starts_on,
        ends_on: t.ends_on,
        parent_id: t.parent_id,
        status: Status::parse(&t.status).unwrap_or(Status::Draft),
        revision: t.revision,
        revision_of: t.revision_of,
        agreed_at: t.agreed_at,
        agreed_by: t.agreed_by,
        created_by: t.created_by,
        version: t.version,
        created_at: t.created_at,
        updated_at: t.updated_at,
        smart,
    })
}

/// The account of an account target: it exists and the subject (a person) owns it.
async fn check_account(
    c: &mut AsyncPgConnection,
    v: &mut Validator,
    org: Uuid,
    subject: (&str, Option<Uuid>),
    account: Uuid,
) -> AppResult<()> {
    match crate::accounts::store::get(c, org, account).await {
        Ok(a) => {
            let owns = subject.0 == "user" && Some(a.owner_id) == subject.1;
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
async fn check_parent(
    c: &mut AsyncPgConnection,
    v: &mut Validator,
    p: &Principal,
    child: (&str, Option<&str>, NaiveDate, NaiveDate, Option<Uuid>),
    parent: Uuid,
) -> AppResult<()> {
    let (metric, kind, starts, ends, own_id) = child;
    let row = match store::get_visible(c, p, parent, false).await {
        Ok(r) => r,
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            v.push(FieldError::new("parent_id", "not_found", "no such target"));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let live = Status::parse(&row.status).is_some_and(Status::is_live);
    let loops = match own_id {
        Some(own) => store::ancestors(c, p.org_id, row.id).await?.contains(&own),
        None => false,
    };
    let reason = if Some(row.id) == own_id || loops {
        Some(
            "a target cannot contribute to itself, directly or through the targets above it"
                .to_string(),
        )
    } else if row.subject_type == "user" {
        Some("the parent must be a team or organisation target".into())
    } else if !live {
        Some(format!("the parent is {}", row.status))
    } else if row.metric != metric || row.activity_kind.as_deref() != kind {
        Some(format!("the parent measures {}", row.metric))
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

async fn require_setter(c: &mut AsyncPgConnection, p: &Principal, t: &TargetRow) -> AppResult<()> {
    p.require_user()?;
    super::duties::require_setter(
        c,
        p,
        &t.subject_type,
        t.subject_id,
        Some((t.starts_on, t.ends_on)),
    )
    .await
}

fn step(t: &TargetRow, action: Action) -> AppResult<Status> {
    let from = Status::parse(&t.status).unwrap_or(Status::Draft);
    rules::transition(from, action).map_err(|m| AppError::conflict("invalid_transition", m))
}

fn location(res: HttpResponse, id: Uuid) -> HttpResponse {
    with_location(res, &format!("/v1/targets/{id}"))
}

/// The optional body of a workflow step: none is no note.
async fn step_note(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> AppResult<Option<String>> {
    let body: StepNote =
        crate::extract::optional_json(req, payload, state.config.max_body_bytes).await?;
    Ok(body.note)
}

fn check_note(v: &mut Validator, note: Option<&str>) {
    if let Some(n) = note {
        v.text("note", n, 2000);
    }
}

/// Targets the caller may see.
#[utoipa::path(tag = "targets", security(("bearer" = [])), params(TargetQuery),
    responses((status = 200, description = "A page of targets", body = List<Target>)))]
#[get("")]
pub async fn list(
    p: Principal,
    q: web::Query<TargetQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .by_id()?;
    let limit = page.limit;
    let data = db::run(&state.pool, async move |c| {
        let ctx = OrgContext::load(c, p.org_id).await?;
        let overlapping = match q.period.as_deref() {
            None => None,
            Some(k) => {
                let per = ctx.cal.parse(k).ok_or_else(|| {
                    refuse(vec![FieldError::new(
                        "period",
                        "unknown_period",
                        "not a period key",
                    )])
                })?;
                Some((per.starts_on, per.ends_on))
            }
        };
        let filter = store::ListFilter {
            subject_type: q.subject_type.map(|s| s.as_str().to_string()),
            subject_id: q.subject_id,
            status: q.status.map(|s| s.as_str().to_string()),
            metric: q.metric.map(|m| m.as_str().to_string()),
            parent_id: q.parent_id,
            overlapping,
        };
        let vis = store::visible(c, &p).await?;
        let rows = store::list(c, p.org_id, &vis, &filter, &page).await?;
        let mut out = Vec::with_capacity(rows.len());
        for t in rows {
            out.push(present(c, &ctx, t).await?);
        }
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Ok().json(finish(data, limit, |t: &Target| t.id.to_string())))
}

/// Set a target (a draft). Nobody sets a target they answer for: a person's is
/// set by the manager of their team or of a team above it, a team manager's own
/// and a team's by the manager of the team above, any of them by an admin who
/// does not answer for it; the organisation's by an admin.
#[utoipa::path(tag = "targets", security(("bearer" = [])), request_body = CreateTarget,
    responses(
        (status = 201, description = "Created as a draft", body = Target, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "`own_target` / `own_team`: the caller answers for this target (it is theirs, or their team's); `forbidden`: not its setter", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("")]
pub async fn create(
    p: Principal,
    body: Json<CreateTarget>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (me, role) = p.require_user()?;
    let b = body.0;
    if b.subject_type == SubjectType::User && b.subject_id == Some(me) {
        return Err(super::duties::own_target());
    }
    let setter = matches!(role, crate::auth::Role::Admin | crate::auth::Role::Manager);
    let target = db::tx(&state.pool, async move |c| {
        // A duty is named only on a subject the caller sees; the period's
        // memberships count once it is known (below).
        if store::visible(c, &p)
            .await?
            .sees(b.subject_type.as_str(), b.subject_id)
        {
            super::duties::not_accountable(c, &p, b.subject_type.as_str(), b.subject_id, None)
                .await?;
        }
        if !setter {
            return Err(super::duties::not_setter());
        }
        let ctx = OrgContext::load(c, p.org_id).await?;
        let mut v = Validator::new();
        let metric = match rules::parse_metric(&b.metric) {
            Ok(m) => Some(m),
            Err(e) => {
                v.push(e);
                None
            }
        };
        let subject_type = b.subject_type.as_str();
        // The subject: a person or team of this organisation (or the organisation).
        match (b.subject_type, b.subject_id) {
            (SubjectType::Org, None) => {}
            (SubjectType::Org, Some(_)) => v.push(FieldError::new(
                "subject_id",
                "not_applicable",
                "an organisation target has no subject_id",
            )),
            (_, None) => v.push(FieldError::new(
                "subject_id",
                "required",
                "name the person or team",
            )),
            (SubjectType::User, Some(id)) => {
                match crate::teams::store::user_role(c, p.org_id, id).await? {
                    None => v.push(FieldError::new(
                        "subject_id",
                        "subject_not_found",
                        "no such person in this organisation",
                    )),
                    Some((_, false)) => v.push(FieldError::new(
                        "subject_id",
                        "subject_inactive",
                        "this person is deactivated",
                    )),
                    Some(_) => {}
                }
            }
            (SubjectType::Team, Some(id)) => {
                if crate::teams::store::get(c, p.org_id, id).await.is_err() {
                    v.push(FieldError::new(
                        "subject_id",
                        "subject_not_found",
                        "no such team in this organisation",
                    ));
                }
            }
        }
        v.text("title", &b.title, 200);
        if let Some(d) = &b.description {
            v.text("description", d, 2000);
        }
        if let Some(m) = metric {
            if let Some(e) = rules::check_value(m, b.value.0) {
                v.push(e);
            }
            match (m, b.activity_kind.as_deref()) {
                (Metric::Activities, Some(k)) => v.check(
                    rules::is_activity_kind(k),
                    "activity_kind",
                    "invalid_kind",
                    "lower case letters, digits and _, e.g. call, meeting, demo, proposal",
                ),
                (Metric::Activities, None) => v.push(FieldError::new(
                    "activity_kind",
                    "required",
                    "an activities target names the kind of activity",
                )),
                (_, Some(_)) => v.push(FieldError::new(
                    "activity_kind",
                    "not_applicable",
                    "only activities targets have a kind",
                )),
                _ => {}
            }
            match (m.is_money(), b.currency.as_deref()) {
                (true, Some(cur)) if cur != ctx.org.currency => v.push(FieldError::new(
                    "currency",
                    "currency_mismatch",
                    format!(
                        "targets are set in the organisation's currency, {}",
                        ctx.org.currency
                    ),
                )),
                (false, Some(_)) => v.push(FieldError::new(
                    "currency",
                    "not_applicable",
                    "only money targets have a currency",
                )),
                _ => {}
            }
        } else if b.value.0 <= Decimal::ZERO {
            v.push(FieldError::new(
                "value",
                "value_not_positive",
                "must be a number greater than 0",
            ));
        }
        let days = resolve_period(
            &mut v,
            &ctx.cal,
            b.period.as_deref(),
            b.starts_on.map(NaiveDate::from),
            b.ends_on.map(NaiveDate::from),
        );
        if let Some(a) = b.account_id {
            check_account(c, &mut v, p.org_id, (subject_type, b.subject_id), a).await?;
        }
        if let (Some(parent), Some(m), Some((_, s, e))) = (b.parent_id, metric, &days) {
            check_parent(
                c,
                &mut v,
                &p,
                (m.as_str(), b.activity_kind.as_deref(), *s, *e, None),
                parent,
            )
            .await?;
        }
        finish_rules(v)?;
        let metric = metric.expect("checked above");
        let (period, starts_on, ends_on) = days.expect("checked above");
        super::duties::require_setter(
            c,
            &p,
            subject_type,
            b.subject_id,
            Some((starts_on, ends_on)),
        )
        .await?;
        let row = store::insert(
            c,
            &NewTarget {
                org_id: p.org_id,
                id: Uuid::now_v7(),
                title: b.title.trim().to_string(),
                description: b.description.map(|d| d.trim().to_string()),
                subject_type: subject_type.into(),
                subject_id: b.subject_id,
                account_id: b.account_id,
                metric: metric.as_str().into(),
                activity_kind: b.activity_kind,
                value: b.value.0,
                currency: metric.is_money().then(|| ctx.org.currency.clone()),
                period,
                starts_on,
                ends_on,
                parent_id: b.parent_id,
                status: Status::Draft.as_str().into(),
                revision: 1,
                revision_of: None,
                created_by: Some(me),
            },
        )
        .await?;
        store::record(c, &row, "created", Some(me), None).await?;
        present(c, &ctx, row).await
    })
    .await?;
    let id = target.id;
    Ok(location(
        with_etag(StatusCode::CREATED, target.version, &target),
        id,
    ))
}

/// One target.
#[utoipa::path(tag = "targets", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The target's id")),
    responses((status = 200, description = "The target", body = Target, headers(("ETag" = String)))))]
#[get("/{id}")]
pub async fn get_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let id = id.into_inner();
    let t = db::run(&state.pool, async move |c| {
        let ctx = OrgContext::load(c, p.org_id).await?;
        let row = store::get_visible(c, &p, id, false).await?;
        present(c, &ctx, row).await
    })
    .await?;
    Ok(with_etag(StatusCode::OK, t.version, &t))
}

/// Change a draft or proposed target (a proposed one returns to draft): its
/// setter only, never the one who answers for it.
#[utoipa::path(tag = "targets", security(("bearer" = [])), request_body = PatchTarget,
    params(
        ("id" = Uuid, Path, description = "The target's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the target changed since")
    ),
    responses(
        (status = 200, description = "Updated", body = Target, headers(("ETag" = String))),
        (status = 403, description = "`own_target` / `own_team`: the caller answers for this target (it is theirs, or their team's); `forbidden`: not its setter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`: agreed, superseded and cancelled targets are not edited", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[patch("/{id}")]
pub async fn patch_one(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<PatchTarget>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (me, _) = p.require_user()?;
    let id = id.into_inner();
    let b = body.0;
    let expected = if_match(&req);
    let t = db::tx(&state.pool, async move |c| {
        let ctx = OrgContext::load(c, p.org_id).await?;
        let current = store::get_visible(c, &p, id, true).await?;
        require_setter(c, &p, &current).await?;
        check_if_match(expected.as_deref(), current.version)?;
        let status = step(&current, Action::Edit)?;
        let metric = Metric::parse(&current.metric).unwrap_or(Metric::Revenue);
        let mut v = Validator::new();
        if let Some(t) = &b.title {
            v.text("title", t, 200);
        }
        if let Some(Some(d)) = &b.description {
            v.text("description", d, 2000);
        }
        if let Some(Amount(val)) = b.value {
            if let Some(e) = rules::check_value(metric, val) {
                v.push(e);
            }
        }
        let days = if b.period.is_some() || b.starts_on.is_some() || b.ends_on.is_some() {
            resolve_period(
                &mut v,
                &ctx.cal,
                b.period.as_deref(),
                b.starts_on.map(NaiveDate::from),
                b.ends_on.map(NaiveDate::from),
            )
        } else {
            Some((current.period.clone(), current.starts_on, current.ends_on))
        };
        if let Some(Some(a)) = b.account_id {
            check_account(
                c,
                &mut v,
                p.org_id,
                (&current.subject_type, current.subject_id),
                a,
            )
            .await?;
        }
        let parent = b.parent_id.unwrap_or(current.parent_id);
        if let (Some(parent), Some((_, s, e))) = (parent, &days) {
            check_parent(
                c,
                &mut v,
                &p,
                (
                    &current.metric,
                    current.activity_kind.as_deref(),
                    *s,
                    *e,
                    Some(id),
                ),
                parent,
            )
            .await?;
        }
        finish_rules(v)?;
        let (period, starts_on, ends_on) = days.expect("checked above");
        let changes = TargetChanges {
            title: b.title.map(|t| t.trim().to_string()),
            description: b.description.map(|d| d.map(|s| s.trim().to_string())),
            value: b.value.map(Decimal::from),
            period: Some(period),
            starts_on: Some(starts_on),
            ends_on: Some(ends_on),
            parent_id: b.parent_id,
            account_id: b.account_id,
            status: Some(status.as_str().into()),
            ..Default::default()
        };
        let row = store::update(c, p.org_id, id, &changes).await?;
        store::record(c, &row, "updated", Some(me), None).await?;
        present(c, &ctx, row).await
    })
    .await?;
    Ok(with_etag(StatusCode::OK, t.version, &t))
}

/// Runs one workflow step on a target in a transaction and answers it.
async fn workflow(
    state: &AppState,
    p: Principal,
    id: Uuid,
    run: impl AsyncFnOnce(
        &mut AsyncPgConnection,
        &Principal,
        TargetRow,
    ) -> AppResult<(TargetRow, StatusCode)>,
) -> AppResult<HttpResponse> {
    p.require_user()?;
    let (t, code) = db::tx(&state.pool, async move |c| {
        let ctx = OrgContext::load(c, p.org_id).await?;
        let current = store::get_visible(c, &p, id, true).await?;
        let (row, code) = run(c, &p, current).await?;
        Ok((present(c, &ctx, row).await?, code))
    })
    .await?;
    let id = t.id;
    Ok(location(with_etag(code, t.version, &t), id))
}

/// A step taken by whoever sets the target (propose, cancel): check the note and
/// the caller, move the status, and record it.
async fn setter_step(
    state: &AppState,
    p: Principal,
    id: Uuid,
    note: Option<String>,
    action: Action,
    event: &'static str,
) -> AppResult<HttpResponse> {
    workflow(state, p, id, async move |c, p, t| {
        let mut v = Validator::new();
        check_note(&mut v, note.as_deref());
        v.finish()?;
        require_setter(c, p, &t).await?;
        let status = step(&t, action)?;
        let changes = TargetChanges {
            status: Some(status.as_str().into()),
            ..Default::default()
        };
        let row = store::update(c, p.org_id, t.id, &changes).await?;
        store::record(c, &row, event, p.user_id(), note.as_deref()).await?;
        Ok((row, StatusCode::OK))
    })
    .await
}

/// Propose a draft for agreement: its setter, never the one who answers for it.
#[utoipa::path(tag = "targets", security(("bearer" = [])), request_body(content = Option<StepNote>),
    params(("id" = Uuid, Path, description = "The target's id")),
    responses(
        (status = 200, description = "Proposed", body = Target),
        (status = 403, description = "`own_target` / `own_team`: the caller answers for this target (it is theirs, or their team's); `forbidden`: not its setter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/propose")]
pub async fn propose(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let note = step_note(&req, payload, &state).await?;
    setter_step(
        &state,
        p,
        id.into_inner(),
        note,
        Action::Propose,
        "proposed",
    )
    .await
}

/// Agree a proposed target: accountability starts here. The one accountable
/// agrees: the person their own, a team's manager the team's (for a sub-team
/// without one, the manager above who answers for it; an admin when there is
/// none), an admin the organisation's; never whoever set, changed or proposed
/// this version (an organisation's only admin excepted where an admin agrees).
#[utoipa::path(tag = "targets", security(("bearer" = [])), request_body(content = Option<StepNote>),
    params(("id" = Uuid, Path, description = "The target's id")),
    responses(
        (status = 200, description = "Agreed", body = Target),
        (status = 403, description = "`own_team` (a team's target) / `own_target` (a person's or the organisation's): the caller set, changed or proposed this version; `forbidden`: not the one who agrees it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/agree")]
pub async fn agree(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let note = step_note(&req, payload, &state).await?;
    workflow(&state, p, id.into_inner(), async move |c, p, t| {
        let mut v = Validator::new();
        check_note(&mut v, note.as_deref());
        v.finish()?;
        super::agreement::require_agreer(c, p, &t).await?;
        let status = step(&t, Action::Agree)?;
        let row = store::update(
            c,
            p.org_id,
            t.id,
            &TargetChanges {
                status: Some(status.as_str().into()),
                agreed_at: Some(Some(Utc::now())),
                agreed_by: Some(p.user_id()),
                ..Default::default()
            },
        )
        .await?;
        store::record(c, &row, "agreed", p.user_id(), note.as_deref()).await?;
        // Agreed when already reached: that is a milestone too.
        let mut events = crate::events::Outbox::default();
        events.push(crate::events::Event::TargetAgreed {
            org: p.org_id,
            target: row.id,
        });
        crate::events::dispatch::publish(c, &mut events).await?;
        Ok((row, StatusCode::OK))
    })
    .await
}

/// Revise a proposed or agreed target: a new version with a new value, which
/// needs agreement again; the old one is superseded, and its children and bonus
/// plans follow the new one. Its setter only, never the one who answers for it.
#[utoipa::path(tag = "targets", security(("bearer" = [])), request_body = ReviseTarget,
    params(("id" = Uuid, Path, description = "The target's id")),
    responses(
        (status = 201, description = "The new version, proposed", body = Target, headers(("Location" = String))),
        (status = 403, description = "`own_target` / `own_team`: the caller answers for this target (it is theirs, or their team's); `forbidden`: not its setter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/revise")]
pub async fn revise(
    p: Principal,
    id: web::Path<Uuid>,
    body: Json<ReviseTarget>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    workflow(&state, p, id.into_inner(), async move |c, p, t| {
        require_setter(c, p, &t).await?;
        let old_status = step(&t, Action::Revise)?;
        let metric = Metric::parse(&t.metric).unwrap_or(Metric::Revenue);
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
                status: Some(old_status.as_str().into()),
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
                subject_type: t.subject_type.clone(),
                subject_id: t.subject_id,
                account_id: t.account_id,
                metric: t.metric.clone(),
                activity_kind: t.activity_kind.clone(),
                value: b.value.0,
                currency: t.currency.clone(),
                period: t.period.clone(),
                starts_on: t.starts_on,
                ends_on: t.ends_on,
                parent_id: t.parent_id,
                status: Status::Proposed.as_str().into(),
                revision: t.revision + 1,
                revision_of: Some(t.id),
                created_by: p.user_id(),
            },
        )
        .await?;
        store::repoint(c, p.org_id, t.id, new.id).await?;
        store::record(c, &new, "revised", p.user_id(), b.note.as_deref()).await?;
        Ok((new, StatusCode::CREATED))
    })
    .await
}

/// Cancel a target that is not superseded or cancelled already: its setter
/// only, never the one who answers for it.
#[utoipa::path(tag = "targets", security(("bearer" = [])), request_body(content = Option<StepNote>),
    params(("id" = Uuid, Path, description = "The target's id")),
    responses(
        (status = 200, description = "Cancelled", body = Target),
        (status = 403, description = "`own_target` / `own_team`: the caller answers for this target (it is theirs, or their team's); `forbidden`: not its setter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/cancel")]
pub async fn cancel(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let note = step_note(&req, payload, &state).await?;
    setter_step(
        &state,
        p,
        id.into_inner(),
        note,
        Action::Cancel,
        "cancelled",
    )
    .await
}

/// Every version and state change of the target, with who and when, oldest first.
#[utoipa::path(tag = "targets", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The target's id")),
    responses((status = 200, description = "The history, whole", body = List<HistoryEntry>)))]
#[get("/{id}/history")]
pub async fn history(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let id = id.into_inner();
    let rows = db::run(&state.pool, async move |c| {
        store::get_visible(c, &p, id, false).await?;
        let ids = store::chain(c, p.org_id, id).await?;
        store::events(c, p.org_id, &ids).await
    })
    .await?;
    let data = rows
        .into_iter()
        .map(|e| HistoryEntry {
            target_id: e.target_id,
            revision: e.revision,
            event: e.event,
            status: Status::parse(&e.status).unwrap_or(Status::Draft),
            value: e.value,
            actor_id: e.actor_id,
            at: e.at,
            note: e.note,
        })
        .collect();
    Ok(HttpResponse::Ok().json(List {
        data,
        next_cursor: None,
    }))
}

/// A team or organisation target against the targets that contribute to it.
#[utoipa::path(tag = "targets", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The target's id")),
    responses(
        (status = 200, description = "The allocation", body = AllocationOut),
        (status = 409, description = "`not_allocatable`: a person's target has no children", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[get("/{id}/allocation")]
pub async fn allocation(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let id = id.into_inner();
    let (parent, children, vis) = db::run(&state.pool, async move |c| {
        let parent = store::get_visible(c, &p, id, false).await?;
        if parent.subject_type == "user" {
            return Err(AppError::conflict(
                "not_allocatable",
                "only team and organisation targets are allocated to the targets below them",
            ));
        }
        let children = store::children(c, p.org_id, id).await?;
        let vis = store::visible(c, &p).await?;
        Ok((parent, children, vis))
    })
    .await?;
    // The sums cover every contributing target; the list shows those the caller may see.
    let values: Vec<Decimal> = children.iter().map(|ch| ch.value).collect();
    let a = rules::allocate(parent.value, &values);
    let children: Vec<TargetRow> = children
        .into_iter()
        .filter(|ch| vis.sees(&ch.subject_type, ch.subject_id))
        .collect();
    Ok(HttpResponse::Ok().json(AllocationOut {
        target_id: parent.id,
        value: parent.value,
        allocated: a.allocated,
        unallocated: a.unallocated,
        over_allocated: a.over_allocated,
        children: children
            .into_iter()
            .map(|ch| AllocationChild {
                share_pct: rules::share_pct(ch.value, parent.value),
                id: ch.id,
                title: ch.title,
                subject_type: SubjectType::parse(&ch.subject_type),
                subject_id: ch.subject_id,
                status: Status::parse(&ch.status).unwrap_or(Status::Draft),
                value: ch.value,
            })
            .collect(),
    }))
}
