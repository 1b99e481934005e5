//! Every call the tests make into the library's insides rather than its HTTP
//! API or its configuration, each in one place, so that they follow the library
//! when those insides change. The library's store functions take a connection of
//! its own kind (diesel-async): `StoreConn` holds one.

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Bool};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub use onpace::db::shared::APPLICATION_NAME as SHARED_APPLICATION_NAME;
pub use onpace::demo::DEMO_PASSWORD;

/// Applies the migrations to the database at `url`.
pub fn migrate(url: &str) {
    onpace::db::migrate(url).expect("migrations apply");
}

/// A connection to the database at `url`, opened as the library opens its own.
pub async fn connect(url: &str) -> AsyncPgConnection {
    onpace::db::Connector::new(url)
        .expect("a usable URL")
        .connect()
        .await
        .expect("PostgreSQL answers")
}

/// A new organisation with its first admin, as `onpace bootstrap` makes it:
/// (organisation, admin).
pub async fn create_org_with_admin(
    url: &str,
    name: &str,
    currency: &str,
    email: &str,
    admin_name: &str,
    password: &str,
) -> (Uuid, Uuid) {
    let mut c = connect(url).await;
    onpace::cli::create_org_with_admin(&mut c, name, currency, email, admin_name, password)
        .await
        .unwrap()
}

/// Fills the database at `url` with the demo organisation, as `onpace demo` does.
pub fn demo(url: &str) {
    onpace::cli::demo(&super::config(url), false).unwrap();
}

/// Fills the database at `url` with the demo organisation as it stands on
/// `today` (dropping the one there first with `reset`), as `onpace demo` does.
pub fn demo_on(url: &str, reset: bool, today: NaiveDate) {
    onpace::cli::demo_on(&super::config(url), reset, today).unwrap();
}

/// The daily pace sweep, run at `now` as the server's minute loop runs it: how
/// many organisations it swept.
pub async fn sweep_pace(pool: &onpace::db::PgPool, now: chrono::DateTime<chrono::Utc>) -> usize {
    onpace::progress::service::pace::sweep(pool, now)
        .await
        .expect("the sweep runs")
}

/// Today in a timezone, as the organisation's day is worked out.
pub fn today_in(tz: &str) -> NaiveDate {
    onpace::org::rules::today_in(tz).unwrap()
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A connection of the library's own kind, for its store functions.
pub struct StoreConn(AsyncPgConnection);

impl StoreConn {
    pub async fn open(url: &str) -> Self {
        StoreConn(connect(url).await)
    }

    /// The account's owner on a day.
    pub async fn owner_on(&mut self, org: Uuid, account: Uuid, day: NaiveDate) -> Option<Uuid> {
        onpace::accounts::store::owner_on(&mut self.0, org, account, day)
            .await
            .unwrap()
    }

    /// Whether a target with its holder's own actual is found.
    pub async fn target_with_own_actual_found(
        &mut self,
        org: Uuid,
        id: Uuid,
        as_of: NaiveDate,
    ) -> bool {
        onpace::targets::store::get_with_own_actual(&mut self.0, org, id, as_of)
            .await
            .is_ok()
    }

    /// A team and every team below it.
    pub async fn subtree_ids(&mut self, org: Uuid, team: Uuid) -> Vec<Uuid> {
        onpace::teams::store::subtree_ids(&mut self.0, org, team)
            .await
            .unwrap()
    }

    /// How many statements this connection has prepared (the counting one,
    /// prepared while it runs, included).
    pub async fn prepared_statements(&mut self) -> i64 {
        let n: N = diesel::sql_query("SELECT count(*) AS n FROM pg_prepared_statements")
            .get_result(&mut self.0)
            .await
            .unwrap();
        n.n
    }

    /// `SELECT {n}::bigint`, run as a raw read the library keeps prepared.
    pub async fn kept_prepared_select(&mut self, n: i64) -> i64 {
        use onpace::db::KeepPrepared;
        let v: N = diesel::sql_query(format!("SELECT {n}::bigint AS n"))
            .keep_prepared()
            .get_result(&mut self.0)
            .await
            .unwrap();
        v.n
    }

    /// Whether the workers' shared connection to database `db` is encrypted
    /// exactly when this one is (both follow the URL's `sslmode`).
    pub async fn same_transport_as_shared(&mut self, db: &str) -> bool {
        #[derive(QueryableByName)]
        struct Same {
            #[diesel(sql_type = diesel::sql_types::Nullable<Bool>)]
            same: Option<bool>,
        }
        let v: Same = diesel::sql_query(
            "SELECT (SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
                      WHERE a.datname = $1 AND a.application_name = $2) \
                  = (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS same",
        )
        .bind::<diesel::sql_types::Text, _>(db)
        .bind::<diesel::sql_types::Text, _>(SHARED_APPLICATION_NAME)
        .get_result(&mut self.0)
        .await
        .unwrap();
        v.same == Some(true)
    }
}

/// The database backend behind a read on `c`, after sleeping `secs` there.
pub async fn backend_after(mut c: &AsyncPgConnection, secs: f64) -> diesel::QueryResult<i32> {
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let q = diesel::sql_query("SELECT pg_backend_pid() AS pid FROM pg_sleep($1)")
        .bind::<diesel::sql_types::Double, _>(secs);
    let p: Pid = q.get_result(&mut c).await?;
    Ok(p.pid)
}

/// Counts, from now on, the statements run on the connection of `pool`, which
/// must hold one (a configuration with `db_pool_size: 1`): this checks it out,
/// marks it and gives it back.
pub async fn count_statements(
    pool: &onpace::db::PgPool,
) -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    let mut conn = pool.get().await.expect("the pool's connection");
    counting(&mut conn)
}

/// Counts, from now on, the statements `c` runs.
fn counting(c: &mut AsyncPgConnection) -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    use diesel::connection::InstrumentationEvent;
    use diesel_async::AsyncConnection;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let n = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    c.set_instrumentation(move |e: InstrumentationEvent<'_>| {
        if matches!(e, InstrumentationEvent::StartQuery { .. }) {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    n
}

/// The organisation's admin `admin` as a caller of the library.
fn admin_caller(org: Uuid, admin: Uuid) -> onpace::auth::Principal {
    onpace::auth::Principal {
        org_id: org,
        actor: onpace::auth::Actor::User {
            id: admin,
            role: onpace::auth::Role::Admin,
        },
        org: None,
    }
}

/// How many statements the library sends for one batch of activities pushed by
/// the organisation's admin `admin` (`items` as in `POST /v1/activities`),
/// counted on a connection of its own; the batch is committed.
pub async fn statements_for_activities(
    url: &str,
    org: Uuid,
    admin: Uuid,
    items: serde_json::Value,
) -> usize {
    let items: Vec<onpace::results::dto::ActivityItem> =
        serde_json::from_value(items).expect("activity items");
    let p = admin_caller(org, admin);
    let mut c = connect(url).await;
    let n = counting(&mut c);
    onpace::db::transaction_on(&mut c, async |c| {
        onpace::results::service::push_activities(c, &p, &items).await
    })
    .await
    .expect("the batch is stored");
    std::sync::atomic::AtomicUsize::load(&n, std::sync::atomic::Ordering::SeqCst)
}

/// The agenda of `review` as the organisation's admin reads it, on a
/// connection of its own, and how many statements it ran there.
pub async fn agenda_statements(
    url: &str,
    org: Uuid,
    admin: Uuid,
    review: Uuid,
) -> (usize, serde_json::Value) {
    let mut c = connect(url).await;
    let n = counting(&mut c);
    let agenda =
        onpace::reviews::service::agenda::agenda_on(&mut c, &admin_caller(org, admin), review)
            .await
            .unwrap();
    (
        std::sync::atomic::AtomicUsize::load(&n, std::sync::atomic::Ordering::SeqCst),
        serde_json::to_value(agenda).unwrap(),
    )
}

/// The statements a scorecard costs (asked as the admin, straight of the
/// service, so that no sign-in or caller check counts), and the scorecard;
/// `frames`: what the instance remembers of the scorecards read lately.
/// `pool` must hold one connection, so that the counter sees them all.
pub async fn scorecard_statements(
    pool: &onpace::db::PgPool,
    frames: &onpace::progress::service::Frames,
    org: Uuid,
    admin: Uuid,
    query: serde_json::Value,
) -> (usize, serde_json::Value) {
    let n = count_statements(pool).await;
    let q: onpace::progress::dto::ScorecardQuery = serde_json::from_value(query).unwrap();
    let card = onpace::progress::service::scorecard(pool, frames, admin_caller(org, admin), q)
        .await
        .unwrap();
    (
        std::sync::atomic::AtomicUsize::load(&n, std::sync::atomic::Ordering::SeqCst),
        serde_json::to_value(card).unwrap(),
    )
}

/// A new person created by the organisation's admin `admin` through the
/// library (`body` as in `POST /v1/users`, without a password), in a
/// transaction on a connection of its own that is then rolled back.
pub async fn create_user_rolled_back(url: &str, org: Uuid, admin: Uuid, body: serde_json::Value) {
    let b: onpace::users::dto::CreateUser = serde_json::from_value(body).expect("a new person");
    let p = admin_caller(org, admin);
    let mut c = connect(url).await;
    let r: Result<(), onpace::error::AppError> = onpace::db::transaction_on(&mut c, async |c| {
        onpace::users::service::write::create_on(c, &p, &b, None).await?;
        Err(onpace::error::AppError::internal("rolled back on purpose"))
    })
    .await;
    assert!(r.is_err());
}

/// A use case held open: a transaction on a connection of its own in which
/// the organisation's admin `admin` has created a person (`body` as in
/// `POST /v1/users`), its events published but not yet committed.
pub struct HeldOpen(AsyncPgConnection);

impl HeldOpen {
    pub async fn create_user(url: &str, org: Uuid, admin: Uuid, body: serde_json::Value) -> Self {
        let b: onpace::users::dto::CreateUser = serde_json::from_value(body).expect("a new person");
        let p = admin_caller(org, admin);
        let mut c = connect(url).await;
        diesel::sql_query("BEGIN")
            .execute(&mut c)
            .await
            .expect("begin");
        onpace::users::service::write::create_on(&mut c, &p, &b, None)
            .await
            .expect("the person is created");
        HeldOpen(c)
    }

    pub async fn commit(mut self) {
        diesel::sql_query("COMMIT")
            .execute(&mut self.0)
            .await
            .expect("commit");
    }
}

/// Purges the events older than `days` (the periodic purge's work, once).
pub async fn purge_expired_events(pool: &onpace::db::PgPool, days: u32) -> usize {
    onpace::events::service::purge_expired(pool, days)
        .await
        .expect("purged")
}
