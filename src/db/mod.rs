//! The connection pool, database creation and the embedded migrations.

mod changes;
pub mod citus;
pub mod connect;
mod like;
mod page;
pub mod pool;
pub mod replica;
pub mod retry;
pub mod schema;
pub mod shared;
pub mod text_enum;

pub use changes::Changes;
pub use connect::Connector;
pub use like::escape_like;
pub use page::Page;
pub use pool::{pool, Conn, PgPool};
pub use replica::{Reads, Side};
pub use retry::tx_retrying;
pub use shared::Reader;
pub(crate) use text_enum::text_enum;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::Untyped;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, RunQueryDsl, TransactionManager};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

diesel::define_sql_function!(/// SQL `lower(text)`.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Why the database could not be prepared, said in one line with the remedy.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("cannot reach PostgreSQL at {url}: {cause}. Set DATABASE_URL to a reachable server, or start one with `docker compose up -d db`")]
    Unreachable { url: String, cause: String },
    #[error("DATABASE_URL is not a usable PostgreSQL URL ({0})")]
    BadUrl(String),
    #[error("cannot create database {name}: {cause}")]
    Create { name: String, cause: String },
    #[error("migrations failed: {0}")]
    Migrate(String),
    #[error("distributing the schema on Citus failed: {0}")]
    Distribute(String),
}

/// Whether `url` (parsed as `u`) names its server after `//`, as a connection
/// URL does (`postgres://…`, `postgres:///db`).
pub(crate) fn has_authority(url: &str, u: &url::Url) -> bool {
    url.get(u.scheme().len() + 1..)
        .is_some_and(|rest| rest.starts_with("//"))
}

/// Hides the password of a connection string for messages: a URL's own
/// (`postgres://user:password@…`) or its `password` query parameter, or the
/// `password` of a libpq keyword string (`host=… password='…'`, quoted values
/// included). What cannot be read either way is hidden whole from where
/// reading stopped.
pub fn redact(url: &str) -> String {
    if let Ok(mut u) = url::Url::parse(url) {
        if !has_authority(url, &u) {
            // Not a connection URL (`postgres:/u:pw@db`, `jdbc:postgresql://…`):
            // where a password would stand cannot be told.
            return format!("{}:***", u.scheme());
        }
        if u.password().is_some() {
            let _ = u.set_password(Some("***"));
        }
        if u.query_pairs().any(|(k, _)| k == "password") {
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k == "password" { "***".into() } else { v };
                    (k.into_owned(), v.into_owned())
                })
                .collect();
            u.query_pairs_mut().clear().extend_pairs(pairs);
        }
        return u.to_string();
    }
    if let Some((scheme, _)) = url.split_once("://") {
        // A URL that does not parse (`postgres://u:a/b=c@db`): none of it after
        // the scheme is shown.
        return format!("{scheme}://***");
    }
    let (pairs, complete) = keyword_values(url);
    let read = if complete {
        url.len()
    } else {
        pairs.last().map_or(0, |(_, value)| value.end)
    };
    let mut shown = String::new();
    let mut from = 0;
    for (key, value) in pairs {
        if key.eq_ignore_ascii_case("password") {
            shown.push_str(&url[from..value.start]);
            shown.push_str("***");
            from = value.end;
        }
    }
    shown.push_str(&url[from..read]);
    if !complete {
        shown.push_str(" ...");
    }
    shown
}

/// The `key = value` pairs of a libpq keyword string, each value's place
/// (quotes included), and whether the whole string was read. A value is bare or
/// in single quotes, where `\'` and `\\` stand for themselves.
pub fn keyword_values(s: &str) -> (Vec<(String, std::ops::Range<usize>)>, bool) {
    let mut pairs = Vec::new();
    let mut chars = s.char_indices().peekable();
    let blank = |c: &(usize, char)| c.1.is_whitespace();
    loop {
        while chars.next_if(blank).is_some() {}
        let key: String = std::iter::from_fn(|| chars.next_if(|c| c.1 != '=' && !blank(c)))
            .map(|(_, c)| c)
            .collect();
        if key.is_empty() {
            return (pairs, chars.peek().is_none());
        }
        while chars.next_if(blank).is_some() {}
        if chars.next_if(|c| c.1 == '=').is_none() {
            return (pairs, false);
        }
        while chars.next_if(blank).is_some() {}
        let start = chars.peek().map_or(s.len(), |c| c.0);
        if chars.next_if(|c| c.1 == '\'').is_some() {
            let mut closed = false;
            while let Some((_, c)) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '\'' => {
                        closed = true;
                        break;
                    }
                    _ => {}
                }
            }
            if !closed {
                return (pairs, false);
            }
        } else {
            while let Some((_, c)) = chars.next_if(|c| !blank(c)) {
                if c == '\\' {
                    chars.next();
                }
            }
        }
        let end = chars.peek().map_or(s.len(), |c| c.0);
        pairs.push((key, start..end));
    }
}

/// Creates the database named by `url` when it does not exist yet.
async fn ensure_database(url: &str, connector: &Connector) -> Result<(), DbSetupError> {
    match connector.connect().await {
        Ok(_) => return Ok(()),
        Err(ConnectionError::BadConnection(msg)) if msg.contains("does not exist") => {}
        Err(e) => {
            return Err(DbSetupError::Unreachable {
                url: redact(url),
                cause: first_line(&e.to_string()),
            })
        }
    }
    let mut parsed = url::Url::parse(url).map_err(|e| DbSetupError::BadUrl(e.to_string()))?;
    let name = parsed.path().trim_start_matches('/').to_string();
    if name.is_empty() {
        return Err(DbSetupError::BadUrl("no database name".into()));
    }
    parsed.set_path("/postgres");
    let unreachable = |e: &dyn std::fmt::Display| DbSetupError::Unreachable {
        url: redact(url),
        cause: first_line(&e.to_string()),
    };
    let mut admin = Connector::new(parsed.as_str())
        .map_err(DbSetupError::BadUrl)?
        .connect()
        .await
        .map_err(|e| unreachable(&e))?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    match diesel::sql_query(format!("CREATE DATABASE {quoted}"))
        .execute(&mut admin)
        .await
    {
        Ok(_) => Ok(()),
        // Another process created it meanwhile.
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("already exists") =>
        {
            Ok(())
        }
        Err(e) => Err(DbSetupError::Create {
            name,
            cause: first_line(&e.to_string()),
        }),
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().trim().to_string()
}

/// What setting up the database did.
#[derive(Debug)]
pub struct SetUp {
    /// How many migrations ran.
    pub applied: usize,
    /// On a database with the `citus` extension, the tables placed (see
    /// [`citus`]); `None` without it.
    pub citus: Option<citus::Placed>,
}

/// Applies every pending migration, then, on Citus, places the tables it does
/// not know yet.
pub fn migrate(url: &str) -> Result<SetUp, DbSetupError> {
    set_up(url, false)
}

/// Creates the database if needed, applies pending migrations and, on Citus,
/// places the tables it does not know yet.
pub fn prepare(url: &str) -> Result<SetUp, DbSetupError> {
    set_up(url, true)
}

/// Set-up runs before anything else, from the command line or a test, on a
/// thread and runtime of its own: diesel's migrations are synchronous, and run
/// on the async connection through [`AsyncConnectionWrapper`].
fn set_up(url: &str, create: bool) -> Result<SetUp, DbSetupError> {
    let connector = Connector::new(url).map_err(DbSetupError::BadUrl)?;
    std::thread::scope(|s| {
        s.spawn(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .map_err(|e| DbSetupError::Migrate(e.to_string()))?;
            if create {
                runtime.block_on(ensure_database(url, &connector))?;
            }
            let conn =
                runtime
                    .block_on(connector.connect())
                    .map_err(|e| DbSetupError::Unreachable {
                        url: redact(url),
                        cause: first_line(&e.to_string()),
                    })?;
            // The wrapper blocks on this runtime, whose worker reads the
            // connection's messages.
            let _entered = runtime.enter();
            let mut conn: AsyncConnectionWrapper<AsyncPgConnection> = conn.into();
            let applied = conn
                .run_pending_migrations(MIGRATIONS)
                .map_err(|e| DbSetupError::Migrate(e.to_string()))?
                .len();
            let citus = citus::distribute(&mut conn)
                .map_err(|e| DbSetupError::Distribute(first_line(&e.to_string())))?;
            Ok(SetUp { applied, citus })
        })
        .join()
        .unwrap_or_else(|_| Err(DbSetupError::Migrate("the migrations panicked".into())))
    })
}

/// A connection from the pool; 503 when none comes within the pool's timeout.
pub async fn conn(pool: &PgPool) -> Result<Conn, AppError> {
    pool.get().await.map_err(|e| {
        tracing::warn!(error = %e, "no database connection");
        AppError::unavailable()
    })
}

/// Runs database reads with a connection from the pool. When the work failed
/// because its connection was dead (the server restarted, or ended it), it runs
/// once more on a fresh connection: reads change nothing. A statement's own
/// error is never run again.
pub async fn run<T, F>(pool: &PgPool, f: F) -> Result<T, AppError>
where
    F: AsyncFn(&mut AsyncPgConnection) -> Result<T, AppError>,
{
    let mut first = conn(pool).await?;
    match f(&mut first).await {
        Err(e) if e.code == UNAVAILABLE => {
            drop(first);
            let mut fresh = conn(pool).await?;
            f(&mut fresh).await
        }
        done => done,
    }
}

pub(crate) const UNAVAILABLE: &str = "database_unavailable";

/// Runs `f` inside one transaction on a connection from the pool: committed
/// when it answers `Ok`, rolled back otherwise. A transaction whose `BEGIN` met
/// a dead connection starts again on a fresh one (its work had not begun); once
/// the work has begun, a failure is the answer.
///
/// When the request is dropped half-way (its client went away), its connection
/// is closed rather than put back with the transaction open: PostgreSQL rolls
/// the work back and releases its locks at once, and a retry finds nothing
/// half-done.
pub async fn tx<T, F>(pool: &PgPool, f: F) -> Result<T, AppError>
where
    F: AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, AppError>,
{
    let mut conn = conn(pool).await?;
    if let Err(e) = begin(&mut conn).await {
        if !pool::is_connection_error(&e) {
            return Err(e.into());
        }
        drop(conn);
        conn = self::conn(pool).await?;
        begin(&mut conn).await?;
    }
    let mut open = Open(Some(conn));
    let done = in_transaction(open.0.as_mut().expect("open"), f).await;
    open.0.take();
    done
}

/// A pooled connection inside a transaction; closed if dropped so.
struct Open(Option<Conn>);

impl Drop for Open {
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            drop(deadpool::managed::Object::take(conn));
        }
    }
}

async fn begin(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    <AnsiTransactionManager as TransactionManager<AsyncPgConnection>>::begin_transaction(conn).await
}

/// Runs `f` in the transaction just begun on `conn`, and ends it.
async fn in_transaction<T, E, F>(conn: &mut AsyncPgConnection, f: F) -> Result<T, E>
where
    F: AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    type Tm = AnsiTransactionManager;
    match f(conn).await {
        Ok(value) => {
            <Tm as TransactionManager<AsyncPgConnection>>::commit_transaction(conn).await?;
            Ok(value)
        }
        Err(e) => {
            // A rollback that fails leaves the connection broken; the pool
            // drops it. The work's own error is the answer.
            let _ = <Tm as TransactionManager<AsyncPgConnection>>::rollback_transaction(conn).await;
            Err(e)
        }
    }
}

/// One transaction on `conn`: committed when `f` answers `Ok`, rolled back
/// otherwise. Inside a transaction, a savepoint.
pub async fn transaction_on<T, E, F>(conn: &mut AsyncPgConnection, f: F) -> Result<T, E>
where
    F: AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    begin(conn).await?;
    in_transaction(conn, f).await
}

/// Whether the database answers.
pub async fn ping(conn: &mut AsyncPgConnection) -> Result<(), AppError> {
    diesel::sql_query("SELECT 1").execute(conn).await?;
    Ok(())
}

/// Raw SQL (`diesel::sql_query`) that diesel keeps prepared on each connection,
/// as it does its query builder's statements: PostgreSQL parses and plans it
/// once per connection instead of on every call. diesel never caches
/// `sql_query` on its own, because its text could be built at run time; call
/// this only on a query whose text is a literal, and name its columns rather
/// than `*`, so that a migration cannot change the shape of a statement that
/// was prepared before it.
pub trait KeepPrepared: Sized {
    fn keep_prepared(self) -> Prepared<Self> {
        Prepared(self)
    }
}

impl<Q: Query<SqlType = Untyped>> KeepPrepared for Q {}

/// See [`KeepPrepared`].
#[derive(Debug, Clone)]
pub struct Prepared<Q>(Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }

    fn is_safe_to_cache_prepared(&self, _: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

/// Cached by its text: there is no type of its own to key it by.
impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_hidden_in_every_form_of_connection_string() {
        for (given, shown) in [
            (
                "postgres://u:secret@db:5432/onpace",
                "postgres://u:***@db:5432/onpace",
            ),
            ("postgres://u@db/onpace", "postgres://u@db/onpace"),
            (
                "postgres://db/onpace?user=u&password=secret&sslmode=require",
                "postgres://db/onpace?user=u&password=***&sslmode=require",
            ),
            (
                "host=db user=u password=secret dbname=onpace",
                "host=db user=u password=*** dbname=onpace",
            ),
            (
                "host=db password = 'se cret \\' x' dbname=onpace",
                "host=db password = *** dbname=onpace",
            ),
            ("password=secret", "password=***"),
            ("host=db PASSWORD=secret", "host=db PASSWORD=***"),
            ("host=db user=u", "host=db user=u"),
            ("postgres:/u:secret@db/x", "postgres:***"),
            ("jdbc:postgresql://u:secret@db/x", "jdbc:***"),
            ("postgres://u:a/b=c@secret/x", "postgres://***"),
            ("postgres:///onpace", "postgres:///onpace"),
        ] {
            assert_eq!(redact(given), shown, "{given}");
            assert!(!redact(given).contains("secret") && !redact(given).contains("cret"));
        }
    }
}
