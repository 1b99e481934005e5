//! The least a progress read can cost on this stack, for `bench/progress.sh`:
//! actix-web answering `GET /sum/{person}` with that person's revenue from the
//! daily rollup between two days, and nothing else (no token, no target row,
//! no pace). Its requests per second, next to pgbench running the same
//! statement, show what actix and diesel-async allow, apart from what the
//! service itself costs.
//!
//! The statement is built with diesel's query builder, so each connection
//! prepares it once and keeps it, like `pgbench -M prepared`. Connections are
//! opened as the service opens them (`onpace::db::Connector`): for `sslmode`
//! `prefer` (the default), over TLS when the server offers it, as pgbench
//! connects too.
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
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use onpace::db::schema::daily_sales;
use onpace::db::{Connector, PgPool};
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
    connector: Connector,
    org: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    pool: Option<PgPool>,
}

thread_local! {
    /// The worker's own connection (`--pool shared`), opened by its first request.
    static SHARED: Rc<OnceCell<AsyncPgConnection>> = Rc::new(OnceCell::new());
}

type Failure = Box<dyn std::error::Error>;

/// The person's revenue between the two days, on the worker's connection or a
/// pooled one.
async fn revenue(read: &Read, person: Uuid) -> Result<Option<Decimal>, Failure> {
    use daily_sales::dsl as r;
    let query = r::daily_sales
        .filter(r::org_id.eq(read.org))
        .filter(r::salesperson_id.eq(person))
        .filter(r::day.between(read.from, read.to))
        .select(sum(r::revenue));
    match &read.pool {
        Some(pool) => {
            let mut conn = pool.get().await?;
            Ok(query.get_result(&mut conn).await?)
        }
        None => {
            let cell = SHARED.with(Rc::clone);
            let mut conn: &AsyncPgConnection =
                cell.get_or_try_init(|| read.connector.connect()).await?;
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
    // Connections are opened as the service opens them (TLS as `sslmode` asks).
    let connector = Connector::new(&args.database_url).map_err(std::io::Error::other)?;
    let pool = match args.pool {
        PoolKind::Shared => None,
        PoolKind::Deadpool => Some(onpace::db::pool(
            &connector,
            args.pool_size as u32,
            std::time::Duration::from_secs(2),
        )),
    };
    let read = Read {
        connector,
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
