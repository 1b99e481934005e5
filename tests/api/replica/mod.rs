//! Dashboard reads on a real streaming replica (`ONPACE_READ_DATABASE_URL`):
//! where reads and writes go, and the fallback to the primary when the replica
//! is down or lags. Each test starts its own primary and replica (see
//! `cluster`); they are skipped, saying why, only when PostgreSQL's server
//! programs are not installed.

mod cluster;

use std::time::Duration;

use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::support::*;
use cluster::{until, Cluster};
use onpace::{AppState, Config};

struct Replicated {
    app: TestApp,
    cluster: Cluster,
    /// The app's database on the replica.
    replica_url: String,
    sp: Person,
    admin: String,
    account: String,
    target: String,
}

/// A primary and its replica, the app's database migrated on the primary
/// (and streamed to the replica), and the app reading dashboards from the
/// replica while it lags at most `max_lag_ms`. A salesperson has a 10,000
/// revenue target for Q4 2026 and sold 1,000 in November.
async fn replicated(max_lag_ms: u64) -> Option<Replicated> {
    if let Some(why) = cluster::missing() {
        eprintln!("skipped: the replica tests need PostgreSQL's server programs: {why}");
        return None;
    }
    let cluster = Cluster::start();
    let name = format!("onpace_r_{}", uuid::Uuid::new_v4().simple());
    let primary_url = cluster.url(cluster.primary_port, &name);
    onpace::db::prepare(&primary_url).expect("the app's database on the primary");
    let replica_url = cluster.url(cluster.replica_port, &name);
    let config = Config {
        read_database_url: Some(replica_url.clone()),
        read_max_lag: Duration::from_millis(max_lag_ms),
        ..config(&primary_url)
    };
    let state = AppState::new(config, keys());
    let db = TestDb {
        name,
        url: primary_url,
    };
    let app = TestApp::on(db, state).await;
    let s = Scenario::new("Acme")
        .salesperson("sp", "farmer")
        .customer("Contoso", "sp")
        .sales("admin", |s| {
            json!([{"external_id": "s1", "source": "crm", "account_id": s.id("Contoso"),
                    "occurred_on": "2026-11-02", "revenue": "1000", "gross_profit": "0"}])
        })
        .build(&app)
        .await;
    let sp = s.person("sp");
    let target = app
        .new_target(
            &s.org.admin,
            &json!({"title": "Q4", "subject_type": "user", "subject_id": sp.id,
                    "metric": "revenue", "value": "10000", "period": "2026-Q4"}),
        )
        .await
        .to_string();
    let r = Replicated {
        account: s.id("Contoso").to_string(),
        admin: s.org.admin.clone(),
        app,
        cluster,
        replica_url,
        sp,
        target,
    };
    r.serving(Duration::from_secs(20)).await;
    r.caught_up().await;
    Some(r)
}

impl Replicated {
    async fn readyz(&self) -> Value {
        self.app.get("/readyz").send().await.expect(200)
    }

    /// Waits until the replica serves reads again.
    async fn serving(&self, limit: Duration) -> Duration {
        until(limit, "the replica serves reads", async || {
            self.readyz().await["replica"]["status"] == "serving"
        })
        .await
    }

    /// The salesperson's actual on 26 November, read by them (the worker's
    /// shared connection) and by the admin (a pooled one): both the same.
    async fn actual(&self) -> String {
        let (own, admin) = self.actuals().await;
        assert_eq!(own, admin);
        own
    }

    /// The salesperson's and the admin's reads of the actual, one after the
    /// other: while the replica replays, they may differ.
    async fn actuals(&self) -> (String, String) {
        let path = format!("/v1/targets/{}/progress?as_of=2026-11-26", self.target);
        let mut read = Vec::new();
        for token in [&self.sp.token, &self.admin] {
            let v = self.app.get(&path).token(token).send().await.expect(200);
            read.push(v["actual"].as_str().unwrap().to_string());
        }
        (read[0].clone(), read[1].clone())
    }

    /// A sale of `revenue` on 20 November, written through the API.
    async fn sell(&self, ext: &str, revenue: &str) -> Value {
        self.app
            .post("/v1/sales")
            .token(&self.admin)
            .json(
                &json!({"external_id": ext, "source": "crm", "account_id": self.account,
                          "occurred_on": "2026-11-20", "revenue": revenue, "gross_profit": "0"}),
            )
            .send()
            .await
            .expect(201)
    }

    /// When the app last finished the progress read (the statement of a target
    /// with its actual) on the replica, in microseconds (0: never): from the
    /// replica's own `pg_stat_activity`, where nothing of the primary's shows.
    /// (A standby keeps no table statistics of the reads it serves; the
    /// statement is told by its start, as `pg_stat_activity` keeps only the
    /// first kilobyte of a query.)
    async fn replica_reads(&self) -> i64 {
        let mut c = connect(&self.replica_url).await;
        let q = "SELECT coalesce(max((extract(epoch FROM state_change) * 1e6)::bigint), 0) AS n \
                 FROM pg_stat_activity WHERE datname = current_database() \
                 AND application_name IN ('onpace replica reads', 'onpace shared reads') \
                 AND query LIKE 'SELECT t.org_id, t.id, t.title, %' AND state = 'idle'";
        diesel::sql_query(q)
            .get_result::<Count>(&mut c)
            .await
            .unwrap()
            .n
    }

    /// Waits until the replica has replayed everything the primary wrote so far.
    async fn caught_up(&self) {
        let primary = "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint AS n";
        let replayed =
            "SELECT coalesce(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0'), 0)::bigint AS n";
        let mut c = connect(&self.app.db.url).await;
        let written = diesel::sql_query(primary)
            .get_result::<Count>(&mut c)
            .await
            .unwrap()
            .n;
        let mut c = connect(&self.replica_url).await;
        until(
            Duration::from_secs(5),
            "the replica catches up",
            async || {
                diesel::sql_query(replayed)
                    .get_result::<Count>(&mut c)
                    .await
                    .unwrap()
                    .n
                    >= written
            },
        )
        .await;
    }

    /// How many events the admin reads in the feed.
    async fn events(&self) -> usize {
        self.listed("/v1/events?limit=100").await
    }

    /// How many rows the admin's read of `path` lists.
    async fn listed(&self, path: &str) -> usize {
        let v = self
            .app
            .get(path)
            .token(&self.admin)
            .send()
            .await
            .expect(200);
        v["data"].as_array().unwrap().len()
    }

    /// Runs `sql` on the replica.
    async fn on_replica(&self, sql: &str) {
        let mut c = connect(&self.replica_url).await;
        diesel::sql_query(sql).execute(&mut c).await.unwrap();
    }
}

#[actix_web::test]
async fn dashboard_reads_go_to_the_replica_and_writes_to_the_primary() {
    let Some(r) = replicated(60_000).await else {
        return;
    };
    let v = r.readyz().await;
    assert_eq!(v["status"], "ready");
    assert_eq!(v["primary"], "reachable");
    assert_eq!(v["replica"]["status"], "serving");
    assert_eq!(v["replica"]["serving_reads"], true);
    assert_eq!(v["replica"]["max_lag_ms"], 60_000);
    assert_eq!(v["replica"]["replay_paused"], false);
    assert!(v["replica"]["lag_ms"].as_u64().unwrap() < 1000, "{v}");

    // The progress reads run on the replica.
    let before = r.replica_reads().await;
    assert_eq!(r.actual().await, "1000.00");
    until(
        Duration::from_secs(5),
        "the replica serves the progress reads",
        async || r.replica_reads().await > before,
    )
    .await;

    // With the replica's replay paused (its lag limit is a minute), a sale is
    // written, and read back in the same request, on the primary; the
    // dashboard still reads the replica, which has not seen it yet.
    let events = r.events().await;
    r.on_replica("SELECT pg_wal_replay_pause()").await;
    let sale = r.sell("s2", "500").await;
    assert_eq!(sale["sale"]["revenue"], "500.00", "{sale}");
    assert_eq!(r.actual().await, "1000.00", "read on the replica");
    until(
        Duration::from_secs(1),
        "the pause is reported",
        async || {
            let v = r.readyz().await;
            v["replica"]["replay_paused"] == true && v["replica"]["status"] == "serving"
        },
    )
    .await;
    // The ledger and the event feed are dashboard reads too.
    assert_eq!(r.listed("/v1/sales").await, 1);
    assert_eq!(
        r.events().await,
        events,
        "the sale's events are not replayed yet"
    );
    r.on_replica("SELECT pg_wal_replay_resume()").await;
    until(
        Duration::from_secs(5),
        "the replica replays the sale",
        async || r.actuals().await == ("1500.00".into(), "1500.00".into()),
    )
    .await;
    assert_eq!(r.listed("/v1/sales").await, 2);
    assert!(r.events().await > events);
}

#[actix_web::test]
async fn a_stopped_replica_is_skipped_and_reads_answer_from_the_primary() {
    let Some(r) = replicated(5_000).await else {
        return;
    };
    assert_eq!(r.actual().await, "1000.00");
    r.cluster.stop_replica();
    // Before the monitor notices, a read that meets the dead replica runs
    // again on the primary.
    assert_eq!(r.actual().await, "1000.00");
    let noticed = until(
        Duration::from_secs(1),
        "the replica is reported down",
        async || r.readyz().await["replica"]["status"] == "unreachable",
    )
    .await;
    assert!(noticed < Duration::from_secs(1), "{noticed:?}");
    let v = r.readyz().await;
    assert_eq!(v["status"], "ready", "a replica down is not fatal: {v}");
    assert_eq!(v["primary"], "reachable");
    assert_eq!(v["replica"]["serving_reads"], false);
    assert!(v["replica"]["lag_ms"].is_null(), "{v}");
    // Reads answer from the primary, and see new writes.
    r.sell("s2", "250").await;
    assert_eq!(r.actual().await, "1250.00");
    assert_eq!(r.listed("/v1/sales?limit=10").await, 2);
    r.listed("/v1/events").await;
}

#[actix_web::test]
async fn a_replica_lagging_past_the_limit_is_skipped_until_it_catches_up() {
    let Some(r) = replicated(300).await else {
        return;
    };
    r.on_replica("SELECT pg_wal_replay_pause()").await;
    r.sell("s2", "700").await;
    // Behind since the sale: skipped once that is more than 300 ms ago.
    until(
        Duration::from_secs(2),
        "the replica is reported lagging",
        async || r.readyz().await["replica"]["status"] == "lagging",
    )
    .await;
    let v = r.readyz().await;
    assert_eq!(v["status"], "ready");
    assert!(v["replica"]["lag_ms"].as_u64().unwrap() > 300, "{v}");
    assert_eq!(v["replica"]["replay_paused"], true);
    assert_eq!(v["replica"]["serving_reads"], false);
    // Read on the primary: the sale is seen, and the replica serves nothing.
    let before = r.replica_reads().await;
    assert_eq!(r.actual().await, "1700.00");
    r.sell("s3", "100").await;
    assert_eq!(r.actual().await, "1800.00");
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(r.replica_reads().await, before, "no read on the replica");
    // Resumed, the replica catches up and serves again, with every sale.
    r.on_replica("SELECT pg_wal_replay_resume()").await;
    r.serving(Duration::from_secs(3)).await;
    assert_eq!(r.actual().await, "1800.00");
    until(
        Duration::from_secs(5),
        "the replica serves the progress reads",
        async || r.replica_reads().await > before,
    )
    .await;
}

#[actix_web::test]
async fn without_a_replica_readiness_says_so() {
    let app = TestApp::new().await;
    let v = app.get("/readyz").send().await.expect(200);
    assert_eq!(v["status"], "ready");
    assert_eq!(v["primary"], "reachable");
    assert_eq!(v["replica"]["status"], "not_configured");
    assert_eq!(v["replica"]["serving_reads"], false);
    assert!(v["replica"]["lag_ms"].is_null());
}
