//! Setting a target (a draft).

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::assess::{assess, Assessed};
use super::checks::{check_account, check_parent, finish_rules, resolve_period};
use super::duties;
use super::visibility::visible;
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppResult, FieldError, Validator};
use crate::org::context::OrgContext;
use crate::targets::dto::CreateTarget;
use crate::targets::rules::{self, DutyError, Metric, Status, SubjectType};
use crate::targets::store::{self, NewTarget};
use crate::teams::service::lookups as teams;

/// Sets a target (a draft). Nobody sets a target they answer for: a person's is
/// set by the manager of their team or of a team above it, a team manager's own
/// and a team's by the manager of the team above, any of them by an admin who
/// does not answer for it; the organisation's by an admin.
pub async fn create(pool: &PgPool, p: Principal, b: CreateTarget) -> AppResult<Assessed> {
    p.require_user()?;
    db::tx(pool, async move |c| create_on(c, &p, b).await).await
}

/// [`create`] in the caller's transaction.
pub async fn create_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    b: CreateTarget,
) -> AppResult<Assessed> {
    let (me, role) = p.require_user()?;
    if b.subject_type == SubjectType::User && b.subject_id == Some(me) {
        return Err(DutyError::OwnTarget.into());
    }
    let setter = matches!(role, crate::auth::Role::Admin | crate::auth::Role::Manager);
    // A duty is named only on a subject the caller sees; the period's
    // memberships count once it is known (below).
    if visible(c, p)
        .await?
        .sees(b.subject_type.as_str(), b.subject_id)
    {
        duties::not_accountable(c, p, b.subject_type.as_str(), b.subject_id, None).await?;
    }
    if !setter {
        return Err(DutyError::NotSetter.into());
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
            match crate::users::service::read::person(c, p.org_id, id).await? {
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
            if teams::team(c, p.org_id, id).await.is_err() {
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
        check_account(c, &mut v, p.org_id, (b.subject_type, b.subject_id), a).await?;
    }
    if let (Some(parent), Some(m), Some((_, s, e))) = (b.parent_id, metric, &days) {
        check_parent(
            c,
            &mut v,
            p,
            (m, b.activity_kind.as_deref(), *s, *e, None),
            parent,
        )
        .await?;
    }
    finish_rules(v)?;
    let metric = metric.expect("checked above");
    let (period, starts_on, ends_on) = days.expect("checked above");
    duties::require_setter(c, p, subject_type, b.subject_id, Some((starts_on, ends_on))).await?;
    let row = store::insert(
        c,
        &NewTarget {
            org_id: p.org_id,
            id: Uuid::now_v7(),
            title: b.title.trim().to_string(),
            description: b.description.map(|d| d.trim().to_string()),
            subject_type: b.subject_type,
            subject_id: b.subject_id,
            account_id: b.account_id,
            metric,
            activity_kind: b.activity_kind,
            value: b.value.0,
            currency: metric.is_money().then(|| ctx.org.currency.clone()),
            period,
            starts_on,
            ends_on,
            parent_id: b.parent_id,
            status: Status::Draft,
            revision: 1,
            revision_of: None,
            created_by: Some(me),
        },
    )
    .await?;
    store::record(c, &row, "created", Some(me), None).await?;
    assess(c, &ctx, row).await
}
