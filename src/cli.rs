//! The command line's actions: serve, worker, migrate, bootstrap, demo.

use diesel_async::AsyncPgConnection;

use crate::auth::keys::Keys;
use crate::auth::rules as auth_rules;
use crate::config::Config;
use crate::db;
use crate::demo::{DEMO_ADMIN, DEMO_PASSWORD};
use crate::error::AppError;
pub use crate::org::service::bootstrap::create_org_with_admin;

type CliResult = Result<(), Box<dyn std::error::Error>>;

fn prepare(config: &Config) -> Result<(), db::DbSetupError> {
    let done = db::prepare(&config.database_url)?;
    if done.applied > 0 {
        tracing::info!(applied = done.applied, "migrations applied");
    }
    if let Some(placed) = done.citus.filter(|p| !p.is_empty()) {
        tracing::info!(%placed, "citus");
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
        self::demo(&config, false)?;
    }
    let keys = Keys::from_config(&config)?;
    if keys.ephemeral {
        tracing::warn!(
            kid = %keys.kid,
            "no ONPACE_JWT_PRIVATE_KEY_FILE: signing tokens with a key generated at start, for development only; tokens will not survive a restart"
        );
    }
    warn_webhook_settings(&config);
    let state = crate::AppState::new(config, keys);
    actix_web::rt::System::new().block_on(crate::server::serve(state))?;
    Ok(())
}

/// What is said at start about the webhook settings meant for development.
fn warn_webhook_settings(config: &Config) {
    if config.secrets_key.is_none() {
        tracing::warn!(
            "no ONPACE_SECRETS_KEY: webhook secrets are sealed with a fixed key, for development only"
        );
    }
    if config.webhook_allow_insecure {
        tracing::warn!(
            "ONPACE_WEBHOOK_ALLOW_INSECURE=true: webhooks may use http and loopback or private addresses, for local development and tests only"
        );
    }
}

/// Prepares the database, then delivers webhooks (and nothing else) until
/// SIGTERM or ctrl-c; the attempts under way are let finish.
pub fn worker(config: Config) -> CliResult {
    prepare(&config)?;
    warn_webhook_settings(&config);
    let connector = db::Connector::new(&config.database_url)?.named("onpace-worker");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let pool = db::pool(&connector, config.db_pool_size, config.db_timeout);
        let sealer = std::sync::Arc::new(crate::webhooks::secret::Sealer::new(config.secrets_key));
        let settings = crate::webhooks::worker::Settings::from_config(&config);
        crate::webhooks::worker::Worker::new(pool, connector, sealer, settings)
            .run(stopped())
            .await;
    });
    Ok(())
}

/// Completes at SIGTERM or ctrl-c.
async fn stopped() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("ctrl-c: stopping"),
        _ = term => tracing::info!("SIGTERM: stopping"),
    }
}

pub fn migrate(config: &Config) -> CliResult {
    let done = db::prepare(&config.database_url)?;
    println!("database ready ({} migration(s) applied)", done.applied);
    if let Some(placed) = done.citus {
        println!("citus: {placed}");
    }
    Ok(())
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

/// Fills a demo organisation built around today (the quarter holding it),
/// unless it exists; with `reset`, drops the existing one first (in the same
/// transaction). Prints how to sign in.
pub fn demo(config: &Config, reset: bool) -> CliResult {
    demo_on(config, reset, crate::demo::today())
}

/// [`demo`], built as it stands on `today` (tests pin the day).
pub fn demo_on(config: &Config, reset: bool, today: chrono::NaiveDate) -> CliResult {
    let (secret, dropped) = with_connection(config, async |c| {
        db::transaction_on(c, async |c| {
            let dropped = reset && crate::demo::drop_demo(c).await?;
            if crate::demo::exists(c).await? {
                return Ok((None, dropped));
            }
            crate::demo::build(c, today)
                .await
                .map(|secret| (Some(secret), dropped))
        })
        .await
        .map_err(describe)
    })?;
    let Some(secret) = secret else {
        println!("The demo organisation exists already (`onpace demo --reset` drops and rebuilds it). Sign in as {DEMO_ADMIN} (or any demo person) with password {DEMO_PASSWORD}.");
        return Ok(());
    };
    if dropped {
        println!("The demo organisation was dropped and is built again.");
    }
    println!("Demo organisation created: Northwind Trading (demo), EUR.");
    println!("Sign in with password {DEMO_PASSWORD} as any of:");
    println!("  {DEMO_ADMIN} (admin), maria@… and sam@… (managers),");
    println!("  fiona@, frank@, faye@ (farmers), hugo@, hana@ (hunters), harper@ (hybrid), dana@ (viewer)");
    println!("  — every demo address ends in @demo.onpace.example.com.");
    println!("The farmers own 12 customers and the hunters 8 prospects (one won and handed to Fiona, one lost).");
    println!("This quarter's plan is agreed: company, team and personal targets, monthly targets for Farmers North,");
    println!("and a revenue bonus for Fiona gated on her minimum gross profit.");
    println!("Sales and activities from the start of last quarter up to {today} were pushed as a CRM would push them:");
    println!("Fiona is ahead of her pace (late in the quarter, past her target), Faye on track, Frank behind;");
    println!(
        "Hugo meets more prospects than planned, Hana fewer; Farmers North is below its target."
    );
    println!("Maria's one-to-one with Fiona last week is completed; next week's shows the action carried over.");
    println!(
        "An integration client \"CRM sync (demo)\" was created; its secret (shown once): {secret}"
    );
    Ok(())
}
