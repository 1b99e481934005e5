//! Databases for tests: a template migrated once per set of migrations, and a
//! fresh copy of it per test, dropped when the test ends. The tests' own SQL goes
//! through `diesel_async` (tokio-postgres), never through libpq.

use diesel::sql_types::BigInt;
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use uuid::Uuid;

/// The server the tests use (its `postgres` database).
pub fn server_url() -> String {
    std::env::var("ONPACE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The same server, another database.
pub fn url_for(db: &str) -> String {
    let mut u = url::Url::parse(&server_url()).expect("ONPACE_TEST_DATABASE_URL is a URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

/// A connection of the tests' own to a database.
pub async fn connect(url: &str) -> AsyncPgConnection {
    AsyncPgConnection::establish(url).await.unwrap_or_else(|e| {
        panic!("tests need PostgreSQL at {url} (set ONPACE_TEST_DATABASE_URL): {e}")
    })
}

async fn admin() -> AsyncPgConnection {
    connect(&server_url()).await
}

async fn run(c: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A row of one number, `n`: what `SELECT count(*) AS n …` returns.
#[derive(QueryableByName)]
pub struct Count {
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// The template's name: a hash of the migrations' names and contents (relative to
/// the migrations folder), so every checkout of one set of migrations shares it.
pub fn template_name() -> String {
    template_name_of(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"))
}

/// The template's name for the migrations in `dir`.
pub fn template_name_of(dir: &std::path::Path) -> String {
    let mut files = walk(dir);
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        let rel = f.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        h.update((rel.len() as u64).to_le_bytes());
        h.update(rel.as_bytes());
        let body = std::fs::read(&f).unwrap();
        h.update((body.len() as u64).to_le_bytes());
        h.update(&body);
    }
    let hex: String = h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("onpace_tmpl_{hex}")
}

/// The migrated template database, made once (by whichever run comes first).
async fn template() -> &'static str {
    static NAME: OnceCell<String> = OnceCell::const_new();
    NAME.get_or_init(|| async {
        let name = template_name();
        let mut c = admin().await;
        run(&mut c, "SELECT pg_advisory_lock(727274)").await;
        let exists: Count = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'"
        ))
        .get_result(&mut c)
        .await
        .unwrap();
        if exists.n == 0 {
            let building = format!("{name}_building");
            run(
                &mut c,
                &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
            )
            .await;
            run(&mut c, &format!("CREATE DATABASE {building}")).await;
            let url = url_for(&building);
            tokio::task::spawn_blocking(move || crate::support::internals::migrate(&url))
                .await
                .unwrap();
            run(
                &mut c,
                &format!("ALTER DATABASE {building} RENAME TO {name}"),
            )
            .await;
        }
        run(&mut c, "SELECT pg_advisory_unlock(727274)").await;
        name
    })
    .await
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A fresh database copied from the template; dropped with this value.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// An empty database, with no migration applied.
    pub async fn empty() -> Self {
        let name = format!("onpace_t_{}", Uuid::new_v4().simple());
        run(&mut admin().await, &format!("CREATE DATABASE {name}")).await;
        TestDb {
            url: url_for(&name),
            name,
        }
    }

    pub async fn new() -> Self {
        let tmpl = template().await;
        let name = format!("onpace_t_{}", Uuid::new_v4().simple());
        run(
            &mut admin().await,
            &format!("CREATE DATABASE {name} TEMPLATE {tmpl}"),
        )
        .await;
        TestDb {
            url: url_for(&name),
            name,
        }
    }
}

impl Drop for TestDb {
    /// Drops the database on a thread of its own: a test's runtime may be gone
    /// or busy by now, and a runtime cannot be started inside another.
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut c) = AsyncPgConnection::establish(&server_url()).await {
                    let _ = diesel::sql_query(sql).execute(&mut c).await;
                }
            })
        });
        let _ = dropped.join();
    }
}
