//! The demo's agreed plan: targets for the organisation, its teams and people,
//! and a bonus plan. The plan is a table; each of its targets is set and
//! proposed, then agreed, through the targets' use cases by those the rules
//! name (see [`duties`]).

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::DemoPeople;
use crate::auth::Principal;
use crate::bonus::dto::{CreateBonusPlan, Gate, Tier};
use crate::calendar::{Granularity, Period};
use crate::error::AppError;
use crate::org::context::OrgContext;
use crate::targets::dto::CreateTarget;
use crate::targets::rules::{Metric, SubjectType};
use crate::targets::service as targets;
use crate::values::Amount;

/// Whose target.
#[derive(Clone, Copy)]
enum Whose {
    Org,
    North,
    South,
    Fiona,
    Frank,
    Faye,
    Hugo,
    Hana,
    Harper,
}

/// What a target measures.
#[derive(Clone, Copy)]
enum Measure {
    Revenue,
    GrossProfit,
    NewAccounts,
    /// Activities of this kind.
    Activities(&'static str),
}

/// The days a target covers: this quarter, or its first, second or third month.
#[derive(Clone, Copy)]
enum When {
    Quarter,
    Month(usize),
}

/// How far a target got: agreed by the one who answers for it, or still
/// waiting for them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Agreed,
    Proposed,
}

/// One target of the plan: a name the targets below it give as their parent
/// ("" when none does), whose it is, what it measures, its value, its days, its
/// parent, how far it got.
type Line = (
    &'static str,
    Whose,
    Measure,
    i64,
    When,
    Option<&'static str>,
    Step,
);

use Measure::{Activities, GrossProfit, NewAccounts, Revenue};
use Step::{Agreed, Proposed};
use When::{Month, Quarter};
use Whose::{Faye, Fiona, Frank, Hana, Harper, Hugo, North, Org, South};

/// Each farmer's revenue target for the quarter.
pub(super) const FARMER_REVENUE: i64 = 95_000;
/// Each hunter's meetings target for the quarter.
pub(super) const HUNTER_MEETINGS: i64 = 40;

/// The plan for the current quarter and its months: the company's revenue, the
/// teams' share of it and North's minimum gross profit; the farmers' quarter
/// and months; the hunters' revenue, new accounts and meetings.
#[rustfmt::skip]
const PLAN: [Line; 32] = [
    ("company", Org, Revenue, 600_000, Quarter, None, Agreed),
    ("north", North, Revenue, 300_000, Quarter, Some("company"), Agreed),
    ("south", South, Revenue, 250_000, Quarter, Some("company"), Agreed),
    ("north-gp", North, GrossProfit, 90_000, Quarter, None, Agreed),
    ("fiona", Fiona, Revenue, FARMER_REVENUE, Quarter, Some("north"), Agreed),
    ("fiona-gp", Fiona, GrossProfit, 28_000, Quarter, Some("north-gp"), Agreed),
    ("", Frank, Revenue, FARMER_REVENUE, Quarter, Some("north"), Agreed),
    ("", Frank, GrossProfit, 28_000, Quarter, Some("north-gp"), Agreed),
    ("", Faye, Revenue, FARMER_REVENUE, Quarter, Some("north"), Agreed),
    ("", Faye, GrossProfit, 28_000, Quarter, Some("north-gp"), Agreed),
    ("north-1", North, Revenue, 100_000, Month(0), None, Agreed),
    ("", Fiona, Revenue, 31_000, Month(0), Some("north-1"), Agreed),
    ("", Frank, Revenue, 31_000, Month(0), Some("north-1"), Agreed),
    ("", Faye, Revenue, 31_000, Month(0), Some("north-1"), Agreed),
    ("north-2", North, Revenue, 100_000, Month(1), None, Agreed),
    ("", Fiona, Revenue, 32_000, Month(1), Some("north-2"), Agreed),
    ("", Frank, Revenue, 32_000, Month(1), Some("north-2"), Agreed),
    ("", Faye, Revenue, 32_000, Month(1), Some("north-2"), Agreed),
    ("north-3", North, Revenue, 100_000, Month(2), None, Agreed),
    ("", Fiona, Revenue, 31_000, Month(2), Some("north-3"), Agreed),
    ("", Frank, Revenue, 31_000, Month(2), Some("north-3"), Agreed),
    ("", Faye, Revenue, 31_000, Month(2), Some("north-3"), Agreed),
    ("", Hugo, Revenue, 110_000, Quarter, Some("south"), Agreed),
    ("", Hugo, NewAccounts, 3, Quarter, None, Agreed),
    ("", Hugo, Activities("meeting"), HUNTER_MEETINGS, Quarter, None, Agreed),
    ("", Hana, Revenue, 100_000, Quarter, Some("south"), Agreed),
    ("", Hana, NewAccounts, 3, Quarter, None, Agreed),
    ("", Hana, Activities("meeting"), HUNTER_MEETINGS, Quarter, None, Agreed),
    ("", Harper, Revenue, 40_000, Quarter, Some("south"), Agreed),
    ("", Harper, NewAccounts, 3, Quarter, None, Agreed),
    ("", Harper, Activities("meeting"), HUNTER_MEETINGS, Quarter, None, Agreed),
    // Still waiting for its salesperson's agreement.
    ("", Frank, Activities("call"), 120, Quarter, None, Proposed),
];

/// Fiona's revenue bonus: its target, its gate (her minimum gross profit) and
/// the attainment the gate asks, its tiers (attainment %, payout in euros).
const BONUS: (&str, &str, i64, [(i64, i64); 3]) = (
    "fiona",
    "fiona-gp",
    100,
    [(80, 500), (100, 1_500), (120, 2_500)],
);

/// The teams of the plan.
pub(super) struct Teams {
    pub north: Uuid,
    pub south: Uuid,
}

/// For a person's target: their manager, and the person.
fn person(whose: Whose, p: &DemoPeople) -> Option<(Uuid, Uuid)> {
    Some(match whose {
        Org | North | South => return None,
        Fiona => (p.maria, p.farmers[0]),
        Frank => (p.maria, p.farmers[1]),
        Faye => (p.maria, p.farmers[2]),
        Hugo => (p.sam, p.hunters[0]),
        Hana => (p.sam, p.hunters[1]),
        Harper => (p.sam, p.harper),
    })
}

/// The subject of a target.
fn subject(whose: Whose, p: &DemoPeople, t: &Teams) -> (SubjectType, Option<Uuid>) {
    match (whose, person(whose, p)) {
        (North, _) => (SubjectType::Team, Some(t.north)),
        (South, _) => (SubjectType::Team, Some(t.south)),
        (_, Some((_, id))) => (SubjectType::User, Some(id)),
        _ => (SubjectType::Org, None),
    }
}

/// Who sets (and proposes) a target, and who agrees it, as the rules have it:
/// nobody sets what they answer for, and the one who answers for it agrees.
/// The admin sets the teams' (the company team above them has no manager),
/// which their managers agree; each manager sets their own people's, who agree
/// them; the organisation's is set and agreed by its only admin.
fn duties(whose: Whose, p: &DemoPeople) -> (Principal, Principal) {
    match (whose, person(whose, p)) {
        (North, _) => (p.as_admin(), p.as_manager(p.maria)),
        (South, _) => (p.as_admin(), p.as_manager(p.sam)),
        (_, Some((manager, id))) => (p.as_manager(manager), p.as_salesperson(id)),
        _ => (p.as_admin(), p.as_admin()),
    }
}

impl Measure {
    fn metric(self) -> Metric {
        match self {
            Revenue => Metric::Revenue,
            GrossProfit => Metric::GrossProfit,
            NewAccounts => Metric::NewAccounts,
            Activities(_) => Metric::Activities,
        }
    }

    fn kind(self) -> Option<&'static str> {
        match self {
            Activities(kind) => Some(kind),
            _ => None,
        }
    }

    /// The target's title in `period`.
    fn title(self, period: &Period) -> String {
        let what = match self {
            Revenue => "revenue".to_string(),
            GrossProfit => "minimum gross profit".to_string(),
            NewAccounts => "new accounts won".to_string(),
            Activities(kind) => format!("{kind}s"),
        };
        format!("{} {what}", period.key)
    }
}

/// Sets, proposes and agrees the plan's targets, then makes Fiona's bonus plan
/// (an admin's to make).
pub(super) async fn seed(
    c: &mut AsyncPgConnection,
    people: &DemoPeople,
    teams: &Teams,
    today: NaiveDate,
) -> Result<(), AppError> {
    let ctx = OrgContext::load(c, people.org).await?;
    let quarter = ctx.cal.containing(Granularity::Quarter, today);
    let months = ctx
        .cal
        .periods(Granularity::Month, quarter.starts_on, quarter.ends_on);
    let mut named: HashMap<&str, Uuid> = HashMap::new();
    let id_of = |named: &HashMap<&str, Uuid>, name: &str| {
        named
            .get(name)
            .copied()
            .ok_or_else(|| AppError::internal(format!("the demo plan has no target {name}")))
    };
    for (name, whose, measure, value, when, parent, step) in PLAN {
        let period = match when {
            Quarter => &quarter,
            Month(n) => months
                .get(n)
                .ok_or_else(|| AppError::internal("a quarter has three months"))?,
        };
        let (subject_type, subject_id) = subject(whose, people, teams);
        let parent_id = match parent {
            Some(parent) => Some(id_of(&named, parent)?),
            None => None,
        };
        let b = CreateTarget {
            title: measure.title(period),
            description: None,
            subject_type,
            subject_id,
            account_id: None,
            metric: measure.metric().as_str().into(),
            activity_kind: measure.kind().map(str::to_string),
            value: Amount(Decimal::from(value)),
            currency: None,
            period: Some(period.key.clone()),
            starts_on: None,
            ends_on: None,
            parent_id,
        };
        let (setter, agreer) = duties(whose, people);
        let id = targets::create_on(c, &setter, b).await?.row.id;
        targets::propose_on(c, &setter, id, None).await?;
        if step == Agreed {
            targets::agree_on(c, &agreer, id, None).await?;
        }
        if !name.is_empty() {
            named.insert(name, id);
        }
    }
    let (target, gate, gate_pct, tiers) = BONUS;
    let b = CreateBonusPlan {
        name: format!("{} revenue bonus, Fiona", quarter.key),
        target_id: id_of(&named, target)?,
        tiers: tiers
            .iter()
            .map(|&(pct, euros)| Tier {
                attainment_pct: Decimal::from(pct),
                // Written with its cents, as `500.00`.
                payout: Decimal::new(euros * 100, 2),
            })
            .collect(),
        gate: Some(Gate {
            target_id: id_of(&named, gate)?,
            attainment_pct: Decimal::from(gate_pct),
        }),
    };
    crate::bonus::service::plans::create_on(c, &people.as_admin(), b).await?;
    Ok(())
}
