//! The test databases themselves: one template per set of migrations, shared by
//! every checkout, and each test's database gone when its test ends.

use std::path::Path;

use crate::support::*;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

async fn databases_named(name: &str) -> i64 {
    let url = std::env::var("ONPACE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let n: Count = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(&mut connect(&url).await)
        .await
        .unwrap();
    n.n
}

/// A copy of the folder, anywhere.
fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

#[test]
fn the_template_is_named_after_the_migrations_contents_only() {
    let name = template_name();
    assert!(name.starts_with("onpace_tmpl_"), "{name}");
    assert_eq!(name.len(), "onpace_tmpl_".len() + 16, "{name}");
    // The same migrations in another checkout: the same template.
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let elsewhere = std::env::temp_dir().join(format!("onpace-{}", uuid::Uuid::new_v4().simple()));
    copy(&here, &elsewhere);
    assert_eq!(template_name_of(&elsewhere), name);
    // One byte more in one migration: another template.
    let first = std::fs::read_dir(&elsewhere)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .expect("a migration folder");
    let up = first.join("up.sql");
    let mut sql = std::fs::read(&up).unwrap();
    sql.push(b'\n');
    std::fs::write(&up, sql).unwrap();
    let changed = template_name_of(&elsewhere);
    std::fs::remove_dir_all(&elsewhere).unwrap();
    assert_ne!(changed, name);
}

#[actix_web::test]
async fn one_template_per_set_of_migrations_and_each_test_database_is_dropped() {
    let db = TestDb::new().await;
    let name = template_name();
    assert_eq!(databases_named(&name).await, 1, "{name} exists once");
    assert_eq!(databases_named(&format!("{name}_building")).await, 0);
    assert_eq!(databases_named(&db.name).await, 1);
    let gone = db.name.clone();
    drop(db);
    assert_eq!(databases_named(&gone).await, 0, "{gone} was dropped");
}

#[actix_web::test]
async fn each_test_database_holds_every_migration() {
    let app = TestApp::new().await;
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let folders = std::fs::read_dir(&here)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count() as i64;
    let n: Count = diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .get_result(&mut app.conn().await)
        .await
        .unwrap();
    assert_eq!(n.n, folders, "every migration applied once");
    let orgs: Count = diesel::sql_query("SELECT count(*) AS n FROM orgs")
        .get_result(&mut app.conn().await)
        .await
        .unwrap();
    assert_eq!(orgs.n, 0, "a test starts on an empty database");
}

/// The scenario builder builds what it is told, as the API reads it back.
#[actix_web::test]
async fn a_scenario_is_built_as_written() {
    let app = TestApp::new().await;
    let s = Scenario::new("Built")
        .holidays(&["2026-12-25"])
        .manager("mgr")
        .salesperson("sp", "farmer")
        .named("Ann", "salesperson", Some("hunter"))
        .viewer("viewer")
        .team("North", Some("mgr"), &["sp"])
        .sub_team("North East", None, Some("North"), &[])
        .member("North East", "Ann", "2026-10-01")
        .client("crm", &["sales:write"])
        .customer("Contoso", "sp")
        .crm_customer("Globex", "Ann", "hubspot", "G-1")
        .prospect("Initech", "sp")
        .target("draft", "mgr", |s| {
            q4_target("Q4", "user", s.id("sp"), "revenue", "1000")
        })
        .agreed_target("agreed", "mgr", "sp", |s| {
            q4_target("Q4 profit", "user", s.id("sp"), "gross_profit", "500")
        })
        .sales("crm", |s| {
            json!([{"external_id": "S-1", "account_id": s.id("Contoso"), "occurred_on": "2026-11-02",
                    "revenue": "100", "gross_profit": "10"}])
        })
        .build(&app)
        .await;
    let read = |path: String| {
        let app = &app;
        let token = s.org.admin.clone();
        async move { app.get(&path).token(&token).send().await.expect(200) }
    };
    let org = read("/v1/org".into()).await;
    assert_eq!(
        (&org["name"], &org["holidays"]),
        (&json!("Built"), &json!(["2026-12-25"]))
    );
    assert_eq!(
        (s.id("admin"), s.token("admin")),
        (s.org.admin_id, s.org.admin.as_str())
    );

    let sp = read(format!("/v1/users/{}", s.id("sp"))).await;
    assert_eq!(
        (&sp["role"], &sp["selling_style"]),
        (&json!("salesperson"), &json!("farmer"))
    );
    let ann = read(format!("/v1/users/{}", s.id("Ann"))).await;
    assert_eq!(
        (&ann["name"], &ann["selling_style"]),
        (&json!("Ann"), &json!("hunter"))
    );
    let viewer = read(format!("/v1/users/{}", s.id("viewer"))).await;
    assert_eq!(viewer["role"], "viewer");
    let me = app
        .get("/v1/me")
        .token(s.token("sp"))
        .send()
        .await
        .expect(200);
    assert_eq!(me["id"], json!(s.id("sp")), "a person's token is theirs");

    let north = read(format!("/v1/teams/{}", s.id("North"))).await;
    assert_eq!(north["manager_id"], json!(s.id("mgr")));
    let ne = read(format!("/v1/teams/{}", s.id("North East"))).await;
    assert_eq!(
        (&ne["parent_team_id"], &ne["manager_id"]),
        (&json!(s.id("North")), &Value::Null)
    );
    let members = read(format!("/v1/teams/{}/members", s.id("North East"))).await;
    let joined: Vec<(&Value, &Value)> = members["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (&m["user_id"], &m["from"]))
        .collect();
    assert_eq!(joined, [(&json!(s.id("Ann")), &json!("2026-10-01"))]);

    let globex = read(format!("/v1/accounts/{}", s.id("Globex"))).await;
    assert_eq!(
        (
            &globex["owner_id"],
            &globex["external_source"],
            &globex["external_id"]
        ),
        (&json!(s.id("Ann")), &json!("hubspot"), &json!("G-1"))
    );
    let initech = read(format!("/v1/accounts/{}", s.id("Initech"))).await;
    assert_eq!(initech["kind"], "prospect");

    let draft = read(format!("/v1/targets/{}", s.id("draft"))).await;
    assert_eq!(draft["status"], "draft");
    let agreed = read(format!("/v1/targets/{}", s.id("agreed"))).await;
    assert_eq!(agreed["status"], "agreed");
    // The one sale, 100 on 2 November, is the draft's actual by 26 November.
    let progress = read(format!(
        "/v1/targets/{}/progress?as_of=2026-11-26",
        s.id("draft")
    ))
    .await;
    assert_eq!(progress["actual"], "100.00");
}
