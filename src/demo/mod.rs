//! The demo organisation, "Northwind Trading (demo)": people, teams, accounts,
//! an agreed plan with a bonus, two quarters of results pushed as a CRM pushes
//! them, one-to-ones and an integration client.

mod accounts;
mod plan;
mod results;

use chrono::{Datelike, NaiveDate};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::{passwords, rules as auth_rules, Role};
use crate::error::AppError;
use crate::users::rules::SellingStyle;
use crate::users::store::NewUser;
use crate::{clients, org, teams, users};

pub const DEMO_ADMIN: &str = "admin@demo.onpace.example.com";
pub const DEMO_PASSWORD: &str = "onpace-demo-2026";

fn quarter_start(today: NaiveDate) -> NaiveDate {
    let month = (today.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(today.year(), month, 1).expect("valid quarter start")
}

pub(crate) struct DemoPeople {
    pub admin: Uuid,
    pub maria: Uuid,
    pub sam: Uuid,
    pub farmers: [Uuid; 3],
    pub hunters: [Uuid; 2],
    pub harper: Uuid,
}

/// Whether the demo organisation exists (its admin's address is taken).
pub async fn exists(c: &mut AsyncPgConnection) -> Result<bool, AppError> {
    users::store::email_taken(c, DEMO_ADMIN, None).await
}

/// The demo organisation, in one transaction; answers the integration client's secret.
pub async fn build(c: &mut AsyncPgConnection) -> Result<String, AppError> {
    let (org, admin) = crate::org::service::bootstrap::create_org_with_admin(
        c,
        "Northwind Trading (demo)",
        "EUR",
        DEMO_ADMIN,
        "Alex Admin",
        DEMO_PASSWORD,
    )
    .await?;
    org::store::update(
        c,
        org,
        &org::store::OrgChanges {
            timezone: Some("Europe/Amsterdam".into()),
            ..Default::default()
        },
    )
    .await?;
    let hash = passwords::hash(DEMO_PASSWORD);
    let mut person = async |email: &str,
                            name: &str,
                            role: Role,
                            style: Option<SellingStyle>|
           -> Result<Uuid, AppError> {
        Ok(users::store::insert(
            c,
            &NewUser {
                org_id: org,
                id: Uuid::now_v7(),
                email: format!("{email}@demo.onpace.example.com"),
                name: name.into(),
                role,
                selling_style: style,
                password_hash: Some(hash.clone()),
            },
        )
        .await?
        .id)
    };
    let maria = person("maria", "Maria Manager", Role::Manager, None).await?;
    let sam = person("sam", "Sam Manager", Role::Manager, None).await?;
    let farmers = [
        person(
            "fiona",
            "Fiona Farmer",
            Role::Salesperson,
            Some(SellingStyle::Farmer),
        )
        .await?,
        person(
            "frank",
            "Frank Farmer",
            Role::Salesperson,
            Some(SellingStyle::Farmer),
        )
        .await?,
        person(
            "faye",
            "Faye Farmer",
            Role::Salesperson,
            Some(SellingStyle::Farmer),
        )
        .await?,
    ];
    let hunters = [
        person(
            "hugo",
            "Hugo Hunter",
            Role::Salesperson,
            Some(SellingStyle::Hunter),
        )
        .await?,
        person(
            "hana",
            "Hana Hunter",
            Role::Salesperson,
            Some(SellingStyle::Hunter),
        )
        .await?,
    ];
    let harper = person(
        "harper",
        "Harper Hybrid",
        Role::Salesperson,
        Some(SellingStyle::Hybrid),
    )
    .await?;
    person("dana", "Dana Dashboard", Role::Viewer, None).await?;

    let company = teams::store::insert(c, org, "Northwind Sales", None, None)
        .await?
        .id;
    let north = teams::store::insert(c, org, "Farmers North", Some(maria), Some(company))
        .await?
        .id;
    let south = teams::store::insert(c, org, "Hunters South", Some(sam), Some(company))
        .await?
        .id;
    let today = org::rules::today_in("Europe/Amsterdam").expect("a known time zone");
    let start = quarter_start(today) - chrono::Duration::days(92);
    for f in farmers {
        teams::store::insert_membership(c, org, north, f, start).await?;
    }
    for h in hunters {
        teams::store::insert_membership(c, org, south, h, start).await?;
    }
    // Harper moved from North to South at the start of this quarter.
    let moved = quarter_start(today);
    teams::store::insert_membership(c, org, north, harper, start).await?;
    teams::store::end_membership(
        c,
        org,
        north,
        harper,
        start,
        moved.pred_opt().expect("date"),
    )
    .await?;
    teams::store::insert_membership(c, org, south, harper, moved).await?;

    accounts::seed(c, org, admin, &farmers, &hunters, start, moved, today).await?;
    let people = DemoPeople {
        admin,
        maria,
        sam,
        farmers,
        hunters,
        harper,
    };
    plan::seed(c, org, &people, north, south, today).await?;
    results::seed(c, org, admin, start, today).await?;
    crate::reviews::service::demo::demo(c, org, maria, farmers[0], today).await?;

    let secret = auth_rules::new_secret();
    clients::store::insert(
        c,
        org,
        "CRM sync (demo)",
        &[
            auth_rules::Scope::SalesWrite,
            auth_rules::Scope::ActivitiesWrite,
            auth_rules::Scope::AccountsWrite,
            auth_rules::Scope::Read,
        ],
        &auth_rules::secret_digest(&secret),
        admin,
    )
    .await?;
    Ok(secret)
}
