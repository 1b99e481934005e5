//! The least a progress read can cost on this stack, for `bench/progress.sh`:
//! actix-web answering `GET /sum/{person}` with that person's revenue from the
//! daily rollup between two days, and nothing else (no token, no target row,
//! no pace). Its requests per second, next to pgbench running the same
//! statement, show what actix and diesel-async allow, apart from what the
//! service itself costs.
//!
//! The statement is built with diesel's query builder, so each connection
//! prepares it once and keeps it, like `pgbench -M prepared`. Connections are
//! opened as libpq opens them for the URL's `sslmode` (`prefer` when it names
//! none): over TLS when the server offers it, its certificate not checked, as
//! the service and pgbench connect.
//!
//! Two ways to reach PostgreSQL, chosen with `--pool`:
//!
//! - `shared`: each actix worker opens one `AsyncPgConnection` on its first
//!   request and every request of that worker runs its statement on it through
//!   `&AsyncPgConnection`, so concurrent statements are pipelined (sent without
//!   waiting for one another's answers). A broken connection is not replaced:
//!   this is a measuring tool, not a service.
//! - `deadpool`: one deadpool pool of `--pool-size` connections shared by the
//!   workers; each request checks a connection out and gives it back (no test
//!   query on checkout, like the service's pool).
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1/onpace_bench \
//!   cargo run --release --features bench --example minimal_progress -- \
//!   --listen 127.0.0.1:18791 --org <uuid> --from 2026-10-01 --to 2026-11-26 --pool shared
//! curl http://127.0.0.1:18791/sum/<person uuid>
//! ```

use std::rc::Rc;

use actix_web::{web, App, HttpResponse, HttpServer};
use chrono::NaiveDate;
use clap::{Parser, ValueEnum};
use diesel::dsl::sum;
use diesel::prelude::*;
use diesel::ConnectionError;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use onpace::db::schema::daily_rollup;
use postgres_native_tls::MakeTlsConnector;
use rust_decimal::Decimal;
use tokio::sync::OnceCell;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum PoolKind {
    /// One connection per actix worker, shared by its requests (pipelined).
    Shared,
    /// A deadpool checkout per request.
    Deadpool,
}

/// A person's revenue between two days, behind actix-web and nothing else.
#[derive(Debug, Parser)]
struct Args {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:18791")]
    listen: String,
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The organisation whose rollup is read.
    #[arg(long)]
    org: Uuid,
    /// First day summed.
    #[arg(long)]
    from: NaiveDate,
    /// Last day summed.
    #[arg(long)]
    to: NaiveDate,
    /// How requests reach PostgreSQL.
    #[arg(long, value_enum)]
    pool: PoolKind,
    /// Connections in the pool (`--pool deadpool`).
    #[arg(long, default_value_t = 10)]
    pool_size: usize,
}

/// What every request reads with, the same in every worker.
#[derive(Clone)]
struct Read {
    url: String,
    org: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    pool: Option<Pool<AsyncPgConnection>>,
}

thread_local! {
    /// The worker's own connection (`--pool shared`), opened by its first request.
    static SHARED: Rc<OnceCell<AsyncPgConnection>> = Rc::new(OnceCell::new());
}

type Failure = Box<dyn std::error::Error>;

/// Opens a connection, over TLS when the URL's `sslmode` asks for it or prefers it.
async fn connect(url: String) -> diesel::ConnectionResult<AsyncPgConnection> {
    let broken = |e: &dyn std::fmt::Display| ConnectionError::BadConnection(e.to_string());
    let tls = native_tls::TlsConnector::builder()
        .danger_accept_invalid_certs(true)
        .danger_accept_invalid_hostnames(true)
        .build()
        .map_err(|e| broken(&e))?;
    let (client, connection) = tokio_postgres::connect(&url, MakeTlsConnector::new(tls))
        .await
        .map_err(|e| broken(&e))?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

/// The person's revenue between the two days, on the worker's connection or a
/// pooled one.
async fn revenue(read: &Read, person: Uuid) -> Result<Option<Decimal>, Failure> {
    use daily_rollup::dsl as r;
    let query = r::daily_rollup
        .filter(r::org_id.eq(read.org))
        .filter(r::salesperson_id.eq(person))
        .filter(r::metric.eq("revenue"))
        .filter(r::day.between(read.from, read.to))
        .select(sum(r::amount));
    match &read.pool {
        Some(pool) => {
            let mut conn = pool.get().await?;
            Ok(query.get_result(&mut conn).await?)
        }
        None => {
            let cell = SHARED.with(Rc::clone);
            let mut conn: &AsyncPgConnection =
                cell.get_or_try_init(|| connect(read.url.clone())).await?;
            Ok(query.get_result(&mut conn).await?)
        }
    }
}

async fn sum_handler(read: web::Data<Read>, person: web::Path<Uuid>) -> HttpResponse {
    match revenue(&read, person.into_inner()).await {
        Ok(actual) => HttpResponse::Ok()
            .content_type("application/json")
            .body(format!(r#"{{"actual":"{}"}}"#, actual.unwrap_or_default())),
        Err(e) => HttpResponse::ServiceUnavailable().body(e.to_string()),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let pool = match args.pool {
        PoolKind::Shared => None,
        PoolKind::Deadpool => {
            let mut config = ManagerConfig::default();
            config.recycling_method = RecyclingMethod::Fast;
            config.custom_setup = Box::new(|url| Box::pin(connect(url.to_owned())));
            let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
                &args.database_url,
                config,
            );
            let pool = Pool::builder(manager)
                .max_size(args.pool_size)
                .build()
                .map_err(std::io::Error::other)?;
            Some(pool)
        }
    };
    let read = Read {
        url: args.database_url,
        org: args.org,
        from: args.from,
        to: args.to,
        pool,
    };
    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(read.clone()))
            .route("/sum/{person}", web::get().to(sum_handler))
    })
    .bind(&args.listen)?
    .run()
    .await
}
