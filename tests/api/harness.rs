//! The test databases themselves: one template per set of migrations, shared by
//! every checkout, and each test's database gone when its test ends.

use std::path::Path;

use crate::support::*;
use diesel_async::RunQueryDsl;

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
