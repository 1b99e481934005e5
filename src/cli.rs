//! The command line's actions: serve, migrate, bootstrap, demo.

use chrono::{Datelike, NaiveDate};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::keys::Keys;
use crate::auth::{passwords, rules as auth_rules, Role};
use crate::config::Config;
use crate::error::{AppError, Validator};
use crate::users::rules::SellingStyle;
use crate::users::store::NewUser;
use crate::{clients, db, org, teams, users};

type CliResult = Result<(), Box<dyn std::error::Error>>;

fn prepare(config: &Config) -> Result<(), db::DbSetupError> {
    let applied = db::prepare(&config.database_url)?;
    if applied > 0 {
        tracing::info!(applied, "migrations applied");
    }
    Ok(())
}

/// Prepares the database, then runs `work` with a connection to it, on a
/// thread and runtime of its own (so that it can be called from anywhere, an
/// async test included).
fn with_connection<T, F>(config: &Config, work: F) -> Result<T, Box<dyn std::error::Error>>
where
    T: Send,
    F: AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, Box<dyn std::error::Error>> + Send,
{
    prepare(config)?;
    let connector = db::Connector::new(&config.database_url)?;
    std::thread::scope(|s| {
        s.spawn(|| -> Result<T, String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut c = connector.connect().await.map_err(|e| e.to_string())?;
                work(&mut c).await.map_err(|e| e.to_string())
            })
        })
        .join()
        .unwrap_or_else(|_| Err("the command panicked".into()))
    })
    .map_err(Into::into)
}

pub fn serve(config: Config, demo: bool) -> CliResult {
    prepare(&config)?;
    if demo {
        self::demo(&config)?;
    }
    let keys = Keys::from_config(&config)?;
    if keys.ephemeral {
        tracing::warn!(
            kid = %keys.kid,
            "no ONPACE_JWT_PRIVATE_KEY_FILE: signing tokens with a key generated at start, for development only; tokens will not survive a restart"
        );
    }
    let state = crate::AppState::new(config, keys);
    actix_web::rt::System::new().block_on(crate::server::serve(state))?;
    Ok(())
}

pub fn migrate(config: &Config) -> CliResult {
    let applied = db::prepare(&config.database_url)?;
    println!("database ready ({applied} migration(s) applied)");
    Ok(())
}

/// Creates an organisation and its first admin; returns the organisation's id.
pub async fn create_org_with_admin(
    c: &mut AsyncPgConnection,
    name: &str,
    currency: &str,
    admin_email: &str,
    admin_name: &str,
    password: &str,
) -> Result<(Uuid, Uuid), AppError> {
    let mut v = Validator::new();
    org::rules::check_name(&mut v, "org", name);
    org::rules::check_currency(&mut v, "currency", currency);
    users::rules::check_email(&mut v, "admin-email", admin_email);
    v.text("admin-name", admin_name, 200);
    if let Some((_, msg)) = passwords::check_policy(password) {
        v.check(false, "ONPACE_ADMIN_PASSWORD", "invalid_password", msg);
    }
    v.finish()?;
    crate::db::transaction_on(c, async |c| {
        let o = org::store::create(c, name.trim(), currency).await?;
        let admin = users::store::insert(
            c,
            &NewUser {
                org_id: o.id,
                id: Uuid::now_v7(),
                email: admin_email.trim().to_string(),
                name: admin_name.trim().to_string(),
                role: Role::Admin,
                selling_style: None,
                password_hash: Some(passwords::hash(password)),
            },
        )
        .await?;
        Ok((o.id, admin.id))
    })
    .await
}

fn describe(e: AppError) -> Box<dyn std::error::Error> {
    let fields: Vec<String> = e
        .errors
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect();
    if fields.is_empty() {
        e.detail.into()
    } else {
        fields.join("; ").into()
    }
}

pub fn bootstrap(
    config: &Config,
    org_name: &str,
    currency: &str,
    email: &str,
    admin_name: &str,
) -> CliResult {
    let (password, generated) = match std::env::var("ONPACE_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (auth_rules::new_secret()[..20].to_string(), true),
    };
    let (org_id, _) = with_connection(config, async |c| {
        create_org_with_admin(c, org_name, currency, email, admin_name, &password)
            .await
            .map_err(describe)
    })?;
    if generated {
        eprintln!("admin password (shown once): {password}");
    }
    println!("{org_id}");
    Ok(())
}

pub const DEMO_ADMIN: &str = "admin@demo.onpace.example.com";
pub const DEMO_PASSWORD: &str = "onpace-demo-2026";

fn quarter_start(today: NaiveDate) -> NaiveDate {
    let month = (today.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(today.year(), month, 1).expect("valid quarter start")
}

/// Customers for the farmers, prospects for the hunters, a transfer and a won
/// prospect handed over to a farmer.
#[allow(clippy::too_many_arguments)]
async fn demo_accounts(
    c: &mut AsyncPgConnection,
    org: Uuid,
    admin: Uuid,
    farmers: &[Uuid; 3],
    hunters: &[Uuid; 2],
    start: NaiveDate,
    quarter: NaiveDate,
    today: NaiveDate,
) -> Result<(), AppError> {
    use crate::accounts::rules::{Kind, Status};
    use crate::accounts::store::{self as accounts, AccountChanges, NewAccount};
    const CUSTOMERS: [&str; 12] = [
        "Contoso Ltd",
        "Fabrikam Inc",
        "Tailspin Toys",
        "Wingtip Traders",
        "Litware Systems",
        "Adventure Works",
        "Northwind Foods",
        "Proseware Labs",
        "Lucerne Publishing",
        "Coho Vineyard",
        "Alpine Ski House",
        "Blue Yonder Air",
    ];
    const PROSPECTS: [&str; 8] = [
        "Woodgrove Bank",
        "Humongous Insurance",
        "Trey Research",
        "Margie's Travel",
        "Fourth Coffee",
        "Graphic Design Institute",
        "School of Fine Art",
        "Relecloud",
    ];
    let mut make =
        async |name: &str, kind: Kind, owner: Uuid, n: usize| -> Result<Uuid, AppError> {
            let new = NewAccount {
                org_id: org,
                id: Uuid::now_v7(),
                name: name.into(),
                kind: kind.as_str().into(),
                status: if n % 5 == 4 && kind == Kind::Customer {
                    Status::Dormant
                } else {
                    kind.default_status()
                }
                .as_str()
                .into(),
                owner_id: owner,
                external_source: Some("democrm".into()),
                external_id: Some(format!("acc-{:04}", n + 1)),
                segment: Some(
                    if n % 3 == 0 {
                        "enterprise"
                    } else {
                        "mid-market"
                    }
                    .into(),
                ),
            };
            let row = accounts::insert(c, &new, start, "created", Some(admin))
                .await?
                .ok_or_else(accounts::external_conflict)?;
            Ok(row.id)
        };
    let mut customers = Vec::new();
    for (n, name) in CUSTOMERS.iter().enumerate() {
        customers.push(make(name, Kind::Customer, farmers[n % 3], n).await?);
    }
    let mut prospects = Vec::new();
    for (n, name) in PROSPECTS.iter().enumerate() {
        prospects.push(make(name, Kind::Prospect, hunters[n % 2], CUSTOMERS.len() + n).await?);
    }
    // Frank's first customer moved to Faye at the start of this quarter.
    crate::accounts::service::transfer(
        c,
        org,
        customers[1],
        start,
        farmers[2],
        quarter,
        "Territory realignment",
        Some(admin),
    )
    .await?;
    // Hugo won Woodgrove Bank a month ago and handed it to Fiona.
    let won_on = (today - chrono::Duration::days(30)).max(start + chrono::Duration::days(1));
    crate::accounts::service::update(
        c,
        org,
        prospects[0],
        &AccountChanges {
            kind: Some(Kind::Customer.as_str().into()),
            status: Some(Status::Active.as_str().into()),
            converted_on: Some(Some(won_on)),
            won_by: Some(Some(hunters[0])),
            ..Default::default()
        },
    )
    .await?;
    crate::accounts::service::transfer(
        c,
        org,
        prospects[0],
        start,
        farmers[0],
        won_on,
        "Handover after conversion",
        Some(admin),
    )
    .await?;
    // Hana lost one.
    crate::accounts::service::update(
        c,
        org,
        prospects[1],
        &AccountChanges {
            status: Some(Status::Lost.as_str().into()),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

struct DemoPeople {
    admin: Uuid,
    maria: Uuid,
    sam: Uuid,
    farmers: [Uuid; 3],
    hunters: [Uuid; 2],
    harper: Uuid,
}

/// One agreed demo target: created and proposed by `setter`, agreed by `agreer`.
/// As the API requires, nobody sets a person's or team's target they answer for:
/// an admin sets the teams' (the company team above them has no manager) and the
/// organisation's, each manager their own people's; the one accountable agrees.
#[allow(clippy::too_many_arguments)]
async fn demo_target(
    c: &mut AsyncPgConnection,
    org: Uuid,
    subject: (&str, Option<Uuid>),
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
            subject_type: subject.0.into(),
            subject_id: subject.1,
            account_id: None,
            metric: metric.as_str().into(),
            activity_kind: kind.map(str::to_string),
            value: rust_decimal::Decimal::from(value),
            currency: metric.is_money().then(|| "EUR".to_string()),
            period: Some(period.key.clone()),
            starts_on: period.starts_on,
            ends_on: period.ends_on,
            parent_id: parent,
            status: Status::Draft.as_str().into(),
            revision: 1,
            revision_of: None,
            created_by: Some(setter),
        },
    )
    .await?;
    targets::record(c, &row, "created", Some(setter), None).await?;
    let step = |s: Status| TargetChanges {
        status: Some(s.as_str().into()),
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
async fn demo_plan(
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
    let company = demo_target(
        c,
        org,
        ("org", None),
        Revenue,
        None,
        600_000,
        q,
        None,
        p.admin,
        Some(p.admin),
    )
    .await?;
    let north_q = demo_target(
        c,
        org,
        ("team", Some(north)),
        Revenue,
        None,
        300_000,
        q,
        Some(company),
        p.admin,
        Some(p.maria),
    )
    .await?;
    let south_q = demo_target(
        c,
        org,
        ("team", Some(south)),
        Revenue,
        None,
        250_000,
        q,
        Some(company),
        p.admin,
        Some(p.sam),
    )
    .await?;
    let north_gp = demo_target(
        c,
        org,
        ("team", Some(north)),
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
        let rev = demo_target(
            c,
            org,
            ("user", Some(*f)),
            Revenue,
            None,
            95_000,
            q,
            Some(north_q),
            p.maria,
            Some(*f),
        )
        .await?;
        let gp = demo_target(
            c,
            org,
            ("user", Some(*f)),
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
        let team_month = demo_target(
            c,
            org,
            ("team", Some(north)),
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
            demo_target(
                c,
                org,
                ("user", Some(*f)),
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
        demo_target(
            c,
            org,
            ("user", Some(h)),
            Revenue,
            None,
            value,
            q,
            Some(south_q),
            p.sam,
            Some(h),
        )
        .await?;
        demo_target(
            c,
            org,
            ("user", Some(h)),
            NewAccounts,
            None,
            3,
            q,
            None,
            p.sam,
            Some(h),
        )
        .await?;
        demo_target(
            c,
            org,
            ("user", Some(h)),
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
    demo_target(
        c,
        org,
        ("user", Some(p.farmers[1])),
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

/// Two quarters of sales on the customers and activities by everyone, pushed the
/// way a CRM pushes them (so credit, rollup and history are all real).
async fn demo_results(
    c: &mut AsyncPgConnection,
    org: Uuid,
    admin: Uuid,
    start: NaiveDate,
    today: NaiveDate,
) -> Result<(), AppError> {
    use crate::accounts::store as accounts;
    use crate::auth::{Actor, Principal};
    use crate::results::dto::{ActivityItem, SaleItem};
    use crate::results::service::{push_activities, push_sales};
    use chrono::{Duration, TimeZone, Weekday};
    use rust_decimal::Decimal;
    let p = Principal {
        org_id: org,
        actor: Actor::User {
            id: admin,
            role: Role::Admin,
        },
        org: None,
    };
    let page = crate::db::Page {
        limit: 1000,
        after: None,
    };
    let filter = |kind: &str| accounts::ListFilter {
        owner_id: None,
        kind: Some(kind.into()),
        status: None,
        q: None,
        external_source: None,
    };
    let customers = accounts::list(c, org, None, &filter("customer"), &page).await?;
    let prospects = accounts::list(c, org, None, &filter("prospect"), &page).await?;
    // A small deterministic generator, so every demo looks alike.
    let mut seed: u64 = 0x5eed_2026;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut sales = Vec::new();
    let mut acts = Vec::new();
    let mut day = start;
    while day <= today {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            for a in &customers {
                if next(5) == 0 {
                    let revenue = 800 + next(4200);
                    let margin = 22 + next(14);
                    let n = sales.len();
                    sales.push(SaleItem {
                        external_id: format!("inv-{:05}", n + 1),
                        source: Some("democrm".into()),
                        account_id: Some(a.id),
                        account_external_id: None,
                        account_source: None,
                        salesperson_id: None,
                        occurred_on: crate::values::IsoDate(day),
                        revenue: crate::values::Amount(Decimal::from(revenue)),
                        gross_profit: Some(crate::values::Amount(
                            Decimal::from(revenue * margin) / Decimal::from(100),
                        )),
                        cost: None,
                        currency: None,
                        fx_rate: None,
                        kind: Some(if next(40) == 0 {
                            crate::results::rules::SaleKind::CreditNote
                        } else {
                            crate::results::rules::SaleKind::Invoice
                        }),
                    });
                }
            }
            for a in customers.iter().chain(prospects.iter()) {
                if next(3) == 0 {
                    let kind = ["call", "call", "meeting", "demo", "proposal"][next(5) as usize];
                    let at = chrono::Utc.from_utc_datetime(
                        &day.and_hms_opt(9 + next(8) as u32, 0, 0).expect("time"),
                    );
                    let n = acts.len();
                    acts.push(ActivityItem {
                        external_id: format!("act-{:05}", n + 1),
                        source: Some("democrm".into()),
                        kind: kind.into(),
                        salesperson_id: None,
                        account_id: Some(a.id),
                        occurred_at: at - Duration::hours(1),
                        count: Some(1 + next(2) as i32),
                    });
                }
            }
        }
        day += Duration::days(1);
    }
    for chunk in sales.chunks(1000) {
        push_sales(c, &p, chunk).await?;
    }
    for chunk in acts.chunks(1000) {
        push_activities(c, &p, chunk).await?;
    }
    Ok(())
}

/// Fills a demo organisation, unless it exists; prints how to sign in.
pub fn demo(config: &Config) -> CliResult {
    let secret = with_connection(config, async |c| {
        if users::store::email_taken(c, DEMO_ADMIN, None)
            .await
            .map_err(describe)?
        {
            return Ok(None);
        }
        db::transaction_on(c, async |c| build_demo(c).await.map(Some))
            .await
            .map_err(describe)
    })?;
    let Some(secret) = secret else {
        println!("The demo organisation exists already. Sign in as {DEMO_ADMIN} (or any demo person) with password {DEMO_PASSWORD}.");
        return Ok(());
    };
    println!("Demo organisation created: Northwind Trading (demo), EUR.");
    println!("Sign in with password {DEMO_PASSWORD} as any of:");
    println!("  {DEMO_ADMIN} (admin), maria@… and sam@… (managers),");
    println!("  fiona@, frank@, faye@ (farmers), hugo@, hana@ (hunters), harper@ (hybrid), dana@ (viewer)");
    println!("  — every demo address ends in @demo.onpace.example.com.");
    println!("The farmers own 12 customers and the hunters 8 prospects (one won and handed to Fiona, one lost).");
    println!("This quarter's plan is agreed: company, team and personal targets, monthly targets for Farmers North,");
    println!("and a revenue bonus for Fiona gated on her minimum gross profit.");
    println!("Two quarters of sales and activities were pushed as a CRM would push them.");
    println!("Maria's one-to-one with Fiona last week is completed; next week's shows the action carried over.");
    println!(
        "An integration client \"CRM sync (demo)\" was created; its secret (shown once): {secret}"
    );
    Ok(())
}

/// The demo organisation, in one transaction; answers the integration client's secret.
async fn build_demo(c: &mut AsyncPgConnection) -> Result<String, AppError> {
    let (org, admin) = create_org_with_admin(
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
    let today = org::rules::today_in("Europe/Amsterdam");
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

    demo_accounts(c, org, admin, &farmers, &hunters, start, moved, today).await?;
    let people = DemoPeople {
        admin,
        maria,
        sam,
        farmers,
        hunters,
        harper,
    };
    demo_plan(c, org, &people, north, south, today).await?;
    demo_results(c, org, admin, start, today).await?;
    crate::reviews::api::demo(c, org, maria, farmers[0], today).await?;

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
