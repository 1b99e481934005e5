//! Every call the tests make into the library's insides rather than its HTTP
//! API or its configuration, each in one place, so that they follow the library
//! when those insides change. The library's store functions take a connection of
//! its own (synchronous) kind: `StoreConn` holds one.

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Bool};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use onpace::Config;
use uuid::Uuid;

pub use onpace::cli::DEMO_PASSWORD;
pub use onpace::db::pipeline::APPLICATION_NAME as PIPELINED_APPLICATION_NAME;
pub use onpace::db::{Pipeline, PipelineConfig};

/// Applies the migrations to the database at `url`.
pub fn migrate(url: &str) {
    onpace::db::migrate(url).expect("migrations apply");
}

/// A new organisation with its first admin, as `onpace bootstrap` makes it:
/// (organisation, admin).
pub fn create_org_with_admin(
    url: &str,
    name: &str,
    currency: &str,
    email: &str,
    admin_name: &str,
    password: &str,
) -> (Uuid, Uuid) {
    let mut c = PgConnection::establish(url).unwrap();
    onpace::cli::create_org_with_admin(&mut c, name, currency, email, admin_name, password).unwrap()
}

/// Fills the database at `url` with the demo organisation, as `onpace demo` does.
pub fn demo(url: &str) {
    onpace::cli::demo(&super::config(url)).unwrap();
}

/// Today in a timezone, as the organisation's day is worked out.
pub fn today_in(tz: &str) -> NaiveDate {
    onpace::org::rules::today_in(tz)
}

/// The configuration with the pipelined read connection switched off.
pub fn without_pipeline(c: Config) -> Config {
    Config {
        db_pipeline: false,
        ..c
    }
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A connection of the library's own kind, for its store functions.
pub struct StoreConn(PgConnection);

impl StoreConn {
    pub fn open(url: &str) -> Self {
        StoreConn(PgConnection::establish(url).unwrap())
    }

    /// The account's owner on a day.
    pub fn owner_on(&mut self, org: Uuid, account: Uuid, day: NaiveDate) -> Option<Uuid> {
        onpace::accounts::store::owner_on(&mut self.0, org, account, day).unwrap()
    }

    /// Whether a target with its holder's own actual is found.
    pub fn target_with_own_actual_found(&mut self, org: Uuid, id: Uuid, as_of: NaiveDate) -> bool {
        onpace::targets::store::get_with_own_actual(&mut self.0, org, id, as_of).is_ok()
    }

    /// A team and every team below it.
    pub fn subtree_ids(&mut self, org: Uuid, team: Uuid) -> Vec<Uuid> {
        onpace::teams::store::subtree_ids(&mut self.0, org, team).unwrap()
    }

    /// How many statements this connection keeps prepared.
    pub fn prepared_statements(&mut self) -> i64 {
        let n: N = diesel::sql_query("SELECT count(*) AS n FROM pg_prepared_statements")
            .get_result(&mut self.0)
            .unwrap();
        n.n
    }

    /// `SELECT {n}::bigint`, run as a raw read the library keeps prepared.
    pub fn kept_prepared_select(&mut self, n: i64) -> i64 {
        use onpace::db::KeepPrepared;
        let v: N = diesel::sql_query(format!("SELECT {n}::bigint AS n"))
            .keep_prepared()
            .get_result(&mut self.0)
            .unwrap();
        v.n
    }

    /// Whether the pipelined connection to database `db` is encrypted exactly
    /// when this one is (both follow the URL's `sslmode`).
    pub fn same_transport_as_pipelined(&mut self, db: &str) -> bool {
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
        .bind::<diesel::sql_types::Text, _>(PIPELINED_APPLICATION_NAME)
        .get_result(&mut self.0)
        .unwrap();
        v.same == Some(true)
    }
}

/// The database backend behind a pipelined read, after sleeping `secs` there.
pub fn backend_after(
    secs: f64,
) -> impl FnOnce(
    onpace::db::pipeline::Shared,
) -> futures_util::future::LocalBoxFuture<'static, diesel::QueryResult<i32>> {
    move |shared| {
        Box::pin(async move {
            #[derive(QueryableByName)]
            struct Pid {
                #[diesel(sql_type = diesel::sql_types::Integer)]
                pid: i32,
            }
            let mut c = shared.conn();
            let q = diesel::sql_query("SELECT pg_backend_pid() AS pid FROM pg_sleep($1)")
                .bind::<diesel::sql_types::Double, _>(secs);
            let p: Pid = diesel_async::RunQueryDsl::get_result(q, &mut c).await?;
            Ok(p.pid)
        })
    }
}
