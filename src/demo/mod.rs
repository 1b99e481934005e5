//! The demo organisation, "Northwind Trading (demo)": people, teams, accounts,
//! an agreed plan with a bonus, results pushed as a CRM pushes them (from the
//! start of the previous quarter up to the day it is built), one-to-ones and
//! an integration client. It lives in the quarter holding the day it is built
//! on (see [`days`]); [`drop_demo`] removes it for `onpace demo --reset`.
//!
//! It is built through the services' use cases, each step taken by someone the
//! rules let take it: the demo admin adds the people, teams and accounts and
//! the client, the managers set their people's targets, and the one who answers
//! for a target agrees it.

mod accounts;
pub mod days;
mod plan;
mod results;
mod reviews;

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::{passwords, Actor, Principal, Role, Scope};
use crate::error::AppError;
use crate::org::dto::OrgPatch;
use crate::teams::dto::CreateTeam;
use crate::users::dto::CreateUser;
use crate::users::rules::SellingStyle;
use crate::{clients, org, teams, users};

pub const DEMO_ADMIN: &str = "admin@demo.onpace.example.com";
pub const DEMO_PASSWORD: &str = "onpace-demo-2026";

/// The demo's people besides its admin, in the order they are added: the part
/// of their address before `@demo.onpace.example.com`, name, role, selling style.
const PEOPLE: [(&str, &str, Role, Option<SellingStyle>); 9] = [
    ("maria", "Maria Manager", Role::Manager, None),
    ("sam", "Sam Manager", Role::Manager, None),
    (
        "fiona",
        "Fiona Farmer",
        Role::Salesperson,
        Some(SellingStyle::Farmer),
    ),
    (
        "frank",
        "Frank Farmer",
        Role::Salesperson,
        Some(SellingStyle::Farmer),
    ),
    (
        "faye",
        "Faye Farmer",
        Role::Salesperson,
        Some(SellingStyle::Farmer),
    ),
    (
        "hugo",
        "Hugo Hunter",
        Role::Salesperson,
        Some(SellingStyle::Hunter),
    ),
    (
        "hana",
        "Hana Hunter",
        Role::Salesperson,
        Some(SellingStyle::Hunter),
    ),
    (
        "harper",
        "Harper Hybrid",
        Role::Salesperson,
        Some(SellingStyle::Hybrid),
    ),
    ("dana", "Dana Dashboard", Role::Viewer, None),
];

/// The demo's time zone: its today is taken there.
pub const DEMO_TIMEZONE: &str = "Europe/Amsterdam";

/// Who is who in the demo: Maria runs Farmers North (the farmers), Sam runs
/// Hunters South (the hunters and, since this quarter, Harper).
pub(crate) struct DemoPeople {
    pub org: Uuid,
    pub admin: Uuid,
    pub maria: Uuid,
    pub sam: Uuid,
    pub farmers: [Uuid; 3],
    pub hunters: [Uuid; 2],
    pub harper: Uuid,
}

/// `id` of `org` acting in person with `role`, as a signed-in caller does.
fn acting(org: Uuid, id: Uuid, role: Role) -> Principal {
    Principal {
        org_id: org,
        actor: Actor::User { id, role },
        org: None,
    }
}

impl DemoPeople {
    /// The demo admin, acting.
    pub fn as_admin(&self) -> Principal {
        acting(self.org, self.admin, Role::Admin)
    }

    /// A manager (Maria or Sam), acting.
    pub fn as_manager(&self, id: Uuid) -> Principal {
        acting(self.org, id, Role::Manager)
    }

    /// A salesperson, acting.
    pub fn as_salesperson(&self, id: Uuid) -> Principal {
        acting(self.org, id, Role::Salesperson)
    }
}

/// Whether the demo organisation exists (its admin's address is taken).
pub async fn exists(c: &mut AsyncPgConnection) -> Result<bool, AppError> {
    users::service::read::email_in_use(c, DEMO_ADMIN).await
}

/// Drops the demo organisation, every row of it, in the caller's transaction;
/// answers whether there was one. Other organisations are not touched: each
/// resource deletes its own rows of the demo's organisation, the rows that
/// point to others first (no foreign key cascades).
pub async fn drop_demo(c: &mut AsyncPgConnection) -> Result<bool, AppError> {
    let Some(org) = users::service::read::org_of_email(c, DEMO_ADMIN).await? else {
        return Ok(false);
    };
    crate::webhooks::service::purge_org(c, org).await?;
    crate::events::service::purge_org(c, org).await?;
    crate::reviews::service::purge_org(c, org).await?;
    crate::progress::service::purge_org(c, org).await?;
    crate::bonus::service::purge_org(c, org).await?;
    crate::results::service::purge_org(c, org).await?;
    crate::idempotency::purge_org(c, org).await?;
    crate::targets::service::purge_org(c, org).await?;
    crate::accounts::service::purge_org(c, org).await?;
    teams::service::purge_org(c, org).await?;
    clients::service::purge_org(c, org).await?;
    crate::auth::service::purge_org(c, org).await?;
    users::service::purge_org(c, org).await?;
    org::service::purge_org(c, org).await?;
    Ok(true)
}

/// Today in the demo organisation (its time zone), the day `onpace demo` builds it on.
pub fn today() -> NaiveDate {
    org::rules::today_in(DEMO_TIMEZONE).expect("a known time zone")
}

/// The demo organisation as it stands on `today` (the quarter holding it,
/// results up to it), in the caller's transaction; answers the integration
/// client's secret.
pub async fn build(c: &mut AsyncPgConnection, today: NaiveDate) -> Result<String, AppError> {
    let days = days::DemoDays::around(today);
    let (org, admin) = org::service::bootstrap::create_org_with_admin(
        c,
        "Northwind Trading (demo)",
        "EUR",
        DEMO_ADMIN,
        "Alex Admin",
        DEMO_PASSWORD,
    )
    .await?;
    let as_admin = acting(org, admin, Role::Admin);
    let timezone = OrgPatch {
        timezone: Some(DEMO_TIMEZONE.into()),
        ..Default::default()
    };
    org::service::settings::patch_on(c, &as_admin, timezone, None).await?;

    // One hash for everyone: they all share the demo's password.
    let hash = passwords::hash(DEMO_PASSWORD);
    let mut ids = Vec::with_capacity(PEOPLE.len());
    for (local, name, role, style) in PEOPLE {
        let b = CreateUser {
            email: format!("{local}@demo.onpace.example.com"),
            name: name.into(),
            role,
            selling_style: style,
            password: Some(DEMO_PASSWORD.into()),
        };
        let row = users::service::write::create_on(c, &as_admin, &b, Some(hash.clone())).await?;
        ids.push(row.id);
    }
    let [maria, sam, fiona, frank, faye, hugo, hana, harper, _dana] = ids[..] else {
        return Err(AppError::internal("the demo's people were not all added"));
    };
    let people = DemoPeople {
        org,
        admin,
        maria,
        sam,
        farmers: [fiona, frank, faye],
        hunters: [hugo, hana],
        harper,
    };

    let mut team = async |name: &str, manager: Option<Uuid>, parent: Option<Uuid>| {
        let b = CreateTeam {
            name: name.into(),
            manager_id: manager,
            parent_team_id: parent,
        };
        teams::service::write::create_on(c, &as_admin, &b)
            .await
            .map(|t| t.id)
    };
    let company = team("Northwind Sales", None, None).await?;
    let north = team("Farmers North", Some(maria), Some(company)).await?;
    let south = team("Hunters South", Some(sam), Some(company)).await?;
    let (start, moved) = (days.history_from, days.quarter.0);
    // Harper moved from North to South at the start of this quarter: joining
    // South ends her membership of North the day before.
    let joins = (people.farmers.iter().map(|f| (north, *f, start)))
        .chain(people.hunters.iter().map(|h| (south, *h, start)))
        .chain([(north, harper, start), (south, harper, moved)]);
    for (team, person, from) in joins {
        teams::service::membership::join_on(c, &as_admin, team, person, from).await?;
    }

    let (customers, prospects) = accounts::seed(c, &people, &days).await?;
    plan::seed(c, &people, &plan::Teams { north, south }, today).await?;
    results::seed(c, &people, &days, (&customers, &prospects)).await?;
    reviews::seed(c, &people, today).await?;

    let (_, secret) = clients::service::manage::create_on(
        c,
        &as_admin,
        "CRM sync (demo)",
        &[
            Scope::SalesWrite,
            Scope::ActivitiesWrite,
            Scope::AccountsWrite,
            Scope::Read,
        ],
    )
    .await?;
    Ok(secret)
}
