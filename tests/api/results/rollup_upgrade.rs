//! Upgrading a database whose rollup kept money as a row per person, metric and
//! day: the migration that brings in `daily_sales` moves those rows into a row
//! per person and day, leaves the counted metrics where they were, and
//! reverting it puts the money back.

use super::*;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use diesel_migrations::MigrationHarness;
use onpace::db::MIGRATIONS;

type Harness = AsyncConnectionWrapper<AsyncPgConnection>;

/// Runs `f` on a migration harness over `url`, on a thread and runtime of its
/// own, as `onpace migrate` does (diesel's migrations are synchronous).
fn with_harness<T: Send>(url: &str, f: impl FnOnce(&mut Harness) -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            let conn = rt.block_on(AsyncPgConnection::establish(url)).unwrap();
            let _entered = rt.enter();
            let mut h: Harness = conn.into();
            f(&mut h)
        })
        .join()
        .unwrap()
    })
}

/// The migration's folder name ends with this; its version is the next.
const THE_MIGRATION: &str = "daily_sales";
const THE_VERSION: &str = "20261205000010";

#[derive(QueryableByName, Debug, PartialEq)]
struct MoneyRow {
    #[diesel(sql_type = Text)]
    who: String,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Text)]
    revenue: String,
    #[diesel(sql_type = Text)]
    gross_profit: String,
    #[diesel(sql_type = Nullable<Text>)]
    overlay_revenue: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    overlay_gross_profit: Option<String>,
}

#[derive(QueryableByName, Debug, PartialEq)]
struct MetricRow {
    #[diesel(sql_type = Text)]
    who: String,
    #[diesel(sql_type = Text)]
    metric: String,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Text)]
    amount: String,
}

fn money(who: &str, day: &str, r: &str, gp: &str, or: Option<&str>, ogp: Option<&str>) -> MoneyRow {
    MoneyRow {
        who: who.into(),
        day: day.parse().unwrap(),
        revenue: r.into(),
        gross_profit: gp.into(),
        overlay_revenue: or.map(String::from),
        overlay_gross_profit: ogp.map(String::from),
    }
}

fn metric(who: &str, metric: &str, day: &str, amount: &str) -> MetricRow {
    MetricRow {
        who: who.into(),
        metric: metric.into(),
        day: day.parse().unwrap(),
        amount: amount.into(),
    }
}

async fn rollup_rows(c: &mut AsyncPgConnection) -> Vec<MetricRow> {
    diesel::sql_query(
        "SELECT right(salesperson_id::text, 2) AS who, metric, day, amount::text AS amount \
           FROM daily_rollup ORDER BY 1, 2, 3",
    )
    .load(c)
    .await
    .unwrap()
}

#[actix_web::test]
async fn an_upgrade_moves_the_rollups_money_into_a_row_a_person_and_day_and_back() {
    let db = TestDb::empty().await;
    // Every migration before the one that brings in daily_sales.
    let before = with_harness(&db.url, |h| {
        let mut applied = 0;
        loop {
            let pending = h.pending_migrations(MIGRATIONS).unwrap();
            assert!(
                !pending.is_empty(),
                "the migration is among the pending ones"
            );
            let next = &pending[0];
            if next.name().to_string().ends_with(THE_MIGRATION) {
                return applied;
            }
            h.run_migration(next.as_ref()).unwrap();
            applied += 1;
        }
    });
    assert!(before > 10, "{before} migrations before it");
    let mut c = connect(&db.url).await;
    // What such a database held: person a1 sold on two days (and had nothing
    // left of an overlay share on the first, a row at zero), a2 had an overlay
    // share in gross profit only, and counted metrics beside.
    diesel::sql_query(
        "INSERT INTO daily_rollup (org_id, salesperson_id, metric, day, amount) \
         SELECT '00000000-0000-4000-8000-000000000001', \
                ('00000000-0000-4000-8000-0000000000' || who)::uuid, metric, day::date, amount \
           FROM (VALUES ('a1', 'revenue', '2026-11-02', 1200.50), \
                        ('a1', 'gross_profit', '2026-11-02', 300.25), \
                        ('a1', 'overlay:revenue', '2026-11-02', 0), \
                        ('a1', 'revenue', '2026-11-03', -40), \
                        ('a1', 'gross_profit', '2026-11-03', -10), \
                        ('a1', 'activity:call', '2026-11-03', 4), \
                        ('a2', 'overlay:gross_profit', '2026-11-02', 7.5), \
                        ('a2', 'new_accounts', '2026-11-02', 1)) \
                AS x(who, metric, day, amount)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    let applied = with_harness(&db.url, |h| {
        h.run_pending_migrations(MIGRATIONS).unwrap().len()
    });
    assert!(applied >= 1);
    let moved: Vec<MoneyRow> = diesel::sql_query(
        "SELECT right(salesperson_id::text, 2) AS who, day, revenue::text AS revenue, \
                gross_profit::text AS gross_profit, overlay_revenue::text AS overlay_revenue, \
                overlay_gross_profit::text AS overlay_gross_profit \
           FROM daily_sales ORDER BY 1, 2",
    )
    .load(&mut c)
    .await
    .unwrap();
    assert_eq!(
        moved,
        vec![
            money("a1", "2026-11-02", "1200.50", "300.25", None, None),
            money("a1", "2026-11-03", "-40", "-10", None, None),
            money("a2", "2026-11-02", "0", "0", None, Some("7.5")),
        ]
    );
    assert_eq!(
        rollup_rows(&mut c).await,
        vec![
            metric("a1", "activity:call", "2026-11-03", "4"),
            metric("a2", "new_accounts", "2026-11-02", "1"),
        ]
    );
    // Back: the money returns as rows, the zeros left out.
    with_harness(&db.url, |h| {
        let reverted = h.revert_last_migration(MIGRATIONS).unwrap();
        assert_eq!(reverted.to_string(), THE_VERSION);
    });
    assert_eq!(
        rollup_rows(&mut c).await,
        vec![
            metric("a1", "activity:call", "2026-11-03", "4"),
            metric("a1", "gross_profit", "2026-11-02", "300.25"),
            metric("a1", "gross_profit", "2026-11-03", "-10"),
            metric("a1", "revenue", "2026-11-02", "1200.50"),
            metric("a1", "revenue", "2026-11-03", "-40"),
            metric("a2", "new_accounts", "2026-11-02", "1"),
            metric("a2", "overlay:gross_profit", "2026-11-02", "7.5"),
        ]
    );
}
