//! The demo's agreed plan: targets for the organisation, its teams and people,
//! and a bonus plan.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::DemoPeople;
use crate::error::AppError;
use crate::targets::rules::SubjectType;

/// One agreed demo target: created and proposed by `setter`, agreed by `agreer`.
/// As the API requires, nobody sets a person's or team's target they answer for:
/// an admin sets the teams' (the company team above them has no manager) and the
/// organisation's, each manager their own people's; the one accountable agrees.
#[allow(clippy::too_many_arguments)]
async fn target(
    c: &mut AsyncPgConnection,
    org: Uuid,
    subject: (SubjectType, Option<Uuid>),
    metric: crate::targets::rules::Metric,
    kind: Option<&str>,
    value: i64,
    period: &crate::calendar::Period,
    parent: Option<Uuid>,
    setter: Uuid,
    agreer: Option<Uuid>,
) -> Result<Uuid, AppError> {
    use crate::targets::rules::Status;
    use crate::targets::store::{self as targets, NewTarget, TargetChanges};
    let title = format!(
        "{} {}",
        period.key,
        match metric {
            crate::targets::rules::Metric::Revenue => "revenue".to_string(),
            crate::targets::rules::Metric::GrossProfit => "minimum gross profit".to_string(),
            crate::targets::rules::Metric::Activities => format!("{}s", kind.unwrap_or("activity")),
            crate::targets::rules::Metric::NewAccounts => "new accounts won".to_string(),
        }
    );
    let row = targets::insert(
        c,
        &NewTarget {
            org_id: org,
            id: Uuid::now_v7(),
            title,
            description: None,
            subject_type: subject.0,
            subject_id: subject.1,
            account_id: None,
            metric,
            activity_kind: kind.map(str::to_string),
            value: rust_decimal::Decimal::from(value),
            currency: metric.is_money().then(|| "EUR".to_string()),
            period: Some(period.key.clone()),
            starts_on: period.starts_on,
            ends_on: period.ends_on,
            parent_id: parent,
            status: Status::Draft,
            revision: 1,
            revision_of: None,
            created_by: Some(setter),
        },
    )
    .await?;
    targets::record(c, &row, "created", Some(setter), None).await?;
    let step = |s: Status| TargetChanges {
        status: Some(s),
        ..Default::default()
    };
    let row = targets::update(c, org, row.id, &step(Status::Proposed)).await?;
    targets::record(c, &row, "proposed", Some(setter), None).await?;
    let Some(agreer) = agreer else {
        return Ok(row.id);
    };
    let row = targets::update(
        c,
        org,
        row.id,
        &TargetChanges {
            agreed_at: Some(Some(chrono::Utc::now())),
            agreed_by: Some(Some(agreer)),
            ..step(Status::Agreed)
        },
    )
    .await?;
    targets::record(c, &row, "agreed", Some(agreer), None).await?;
    Ok(row.id)
}

/// The agreed plan for the current quarter and its months: company, team and
/// personal targets, and a bonus plan gated on minimum gross profit.
pub(super) async fn seed(
    c: &mut AsyncPgConnection,
    org: Uuid,
    p: &DemoPeople,
    north: Uuid,
    south: Uuid,
    today: NaiveDate,
) -> Result<(), AppError> {
    use crate::calendar::{Calendar, Granularity};
    use crate::targets::rules::Metric::*;
    let cal = Calendar::new(1);
    let quarter = cal.containing(Granularity::Quarter, today);
    let months = cal.periods(Granularity::Month, quarter.starts_on, quarter.ends_on);
    let q = &quarter;
    let company = target(
        c,
        org,
        (SubjectType::Org, None),
        Revenue,
        None,
        600_000,
        q,
        None,
        p.admin,
        Some(p.admin),
    )
    .await?;
    let north_q = target(
        c,
        org,
        (SubjectType::Team, Some(north)),
        Revenue,
        None,
        300_000,
        q,
        Some(company),
        p.admin,
        Some(p.maria),
    )
    .await?;
    let south_q = target(
        c,
        org,
        (SubjectType::Team, Some(south)),
        Revenue,
        None,
        250_000,
        q,
        Some(company),
        p.admin,
        Some(p.sam),
    )
    .await?;
    let north_gp = target(
        c,
        org,
        (SubjectType::Team, Some(north)),
        GrossProfit,
        None,
        90_000,
        q,
        None,
        p.admin,
        Some(p.maria),
    )
    .await?;
    let mut fiona = (Uuid::nil(), Uuid::nil());
    for (i, f) in p.farmers.iter().enumerate() {
        let rev = target(
            c,
            org,
            (SubjectType::User, Some(*f)),
            Revenue,
            None,
            95_000,
            q,
            Some(north_q),
            p.maria,
            Some(*f),
        )
        .await?;
        let gp = target(
            c,
            org,
            (SubjectType::User, Some(*f)),
            GrossProfit,
            None,
            28_000,
            q,
            Some(north_gp),
            p.maria,
            Some(*f),
        )
        .await?;
        if i == 0 {
            fiona = (rev, gp);
        }
    }
    for (i, m) in months.iter().enumerate() {
        let team_month = target(
            c,
            org,
            (SubjectType::Team, Some(north)),
            Revenue,
            None,
            100_000,
            m,
            None,
            p.admin,
            Some(p.maria),
        )
        .await?;
        for f in &p.farmers {
            target(
                c,
                org,
                (SubjectType::User, Some(*f)),
                Revenue,
                None,
                31_000 + 1_000 * (i as i64 % 2),
                m,
                Some(team_month),
                p.maria,
                Some(*f),
            )
            .await?;
        }
    }
    for (h, value) in [
        (p.hunters[0], 110_000),
        (p.hunters[1], 100_000),
        (p.harper, 40_000),
    ] {
        target(
            c,
            org,
            (SubjectType::User, Some(h)),
            Revenue,
            None,
            value,
            q,
            Some(south_q),
            p.sam,
            Some(h),
        )
        .await?;
        target(
            c,
            org,
            (SubjectType::User, Some(h)),
            NewAccounts,
            None,
            3,
            q,
            None,
            p.sam,
            Some(h),
        )
        .await?;
        target(
            c,
            org,
            (SubjectType::User, Some(h)),
            Activities,
            Some("meeting"),
            40,
            q,
            None,
            p.sam,
            Some(h),
        )
        .await?;
    }
    // A target still waiting for its salesperson's agreement.
    target(
        c,
        org,
        (SubjectType::User, Some(p.farmers[1])),
        Activities,
        Some("call"),
        120,
        q,
        None,
        p.maria,
        None,
    )
    .await?;
    let tiers = serde_json::json!([
        {"attainment_pct": "80", "payout": "500.00"},
        {"attainment_pct": "100", "payout": "1500.00"},
        {"attainment_pct": "120", "payout": "2500.00"}
    ]);
    crate::bonus::store::insert(
        c,
        org,
        &format!("{} revenue bonus, Fiona", quarter.key),
        fiona.0,
        tiers,
        Some((fiona.1, rust_decimal::Decimal::from(100))),
        // Bonus plans are an admin's to make.
        p.admin,
    )
    .await?;
    Ok(())
}
