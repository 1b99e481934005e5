//! The schema keeps every tenant's rows apart by `org_id`: every primary key,
//! unique constraint or index and foreign key of a table that has `org_id`
//! leads with it (so the database refuses a row pointing into another tenant,
//! and the tables can be distributed by `org_id`). The only tables keyed by
//! something else are the lookups of sign-in ([`LOOKUP_TABLES`]). Read off the
//! catalog of a migrated database.

use std::collections::BTreeSet;

use crate::support::*;
use diesel::sql_types::Text;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Lookup tables, keyed by their own key: they answer, before the caller's
/// organisation is known, which organisation a sign-in belongs to. They carry
/// `org_id` as a value, not as a key, and point into no tenant table (a
/// distributed schema makes them reference tables, or distributes them by their
/// own key). A refresh token names its organisation itself, so it needs none.
const LOOKUP_TABLES: &[(&str, &str)] = &[
    (
        "client_logins",
        "the client-credentials grant names a client id",
    ),
    ("logins", "a password sign-in names an email"),
];

/// `AND t.relname NOT IN (the lookup tables)`.
fn not_lookup() -> String {
    let names: Vec<String> = LOOKUP_TABLES
        .iter()
        .map(|(t, _)| format!("'{t}'"))
        .collect();
    format!("t.relname NOT IN ({})", names.join(", "))
}

async fn names(app: &TestApp, sql: &str) -> BTreeSet<String> {
    let rows: Vec<Name> = diesel::sql_query(sql)
        .load(&mut app.conn().await)
        .await
        .unwrap();
    rows.into_iter().map(|r| r.name).collect()
}

const TENANT: &str = "EXISTS (SELECT 1 FROM pg_attribute x WHERE x.attrelid = t.oid \
     AND x.attname = 'org_id' AND NOT x.attisdropped)";

/// The primary, unique and foreign keys of tenant tables (among `scope`) whose
/// first column is not `org_id`, or that point into another tenant table by
/// something else than its `org_id` first.
fn misled_constraints(scope: &str) -> String {
    format!(
        "SELECT t.relname || ': ' || c.conname AS name FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         LEFT JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1] \
         WHERE {scope} AND c.contype IN ('p', 'u', 'f') AND {TENANT} \
           AND (a.attname IS DISTINCT FROM 'org_id' \
                OR (c.contype = 'f' AND c.confrelid <> 'orgs'::regclass \
                    AND r.attname IS DISTINCT FROM 'org_id'))"
    )
}

#[actix_web::test]
async fn every_key_of_a_tenant_table_leads_with_org_id() {
    let app = TestApp::new().await;
    let tenant_tables = names(
        &app,
        &format!(
            "SELECT t.relname::text AS name FROM pg_class t \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = 'public' AND t.relkind = 'r' AND {TENANT} AND {}",
            not_lookup()
        ),
    )
    .await;
    for t in [
        "users",
        "teams",
        "accounts",
        "targets",
        "sales",
        "daily_rollup",
        "daily_sales",
        "reviews",
    ] {
        assert!(tenant_tables.contains(t), "{t}: {tenant_tables:?}");
    }
    let others = names(
        &app,
        &format!(
            "SELECT t.relname::text AS name FROM pg_class t \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = 'public' AND t.relkind = 'r' AND NOT {TENANT}"
        ),
    )
    .await;
    let expected: BTreeSet<String> = ["__diesel_schema_migrations", "orgs", "sign_in_throttle"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(others, expected, "tables without org_id");

    let constraints = names(
        &app,
        &misled_constraints(&format!("n.nspname = 'public' AND {}", not_lookup())),
    )
    .await;
    // Unique indexes too, constraint or not (an expression first is not org_id).
    let indexes = names(
        &app,
        &format!(
            "SELECT t.relname || ': ' || i.indexrelid::regclass::text AS name FROM pg_index i \
             JOIN pg_class t ON t.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
             WHERE n.nspname = 'public' AND i.indisunique AND {TENANT} AND {} \
               AND a.attname IS DISTINCT FROM 'org_id'",
            not_lookup()
        ),
    )
    .await;
    let found: BTreeSet<String> = constraints.union(&indexes).cloned().collect();
    assert_eq!(
        found,
        BTreeSet::new(),
        "keys of tenant tables that do not lead with org_id"
    );
}

#[actix_web::test]
async fn lookup_tables_are_keyed_by_their_own_key_and_point_nowhere() {
    let app = TestApp::new().await;
    for (table, why) in LOOKUP_TABLES {
        // Keyed by one column of its own, not org_id.
        let key = names(
            &app,
            &format!(
                "SELECT a.attname::text AS name FROM pg_constraint c \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
                 WHERE c.conrelid = '{table}'::regclass AND c.contype = 'p'"
            ),
        )
        .await;
        assert_eq!(key.len(), 1, "{table} ({why}): {key:?}");
        assert!(!key.contains("org_id"), "{table} ({why}): {key:?}");
        // No foreign key, to a tenant table or any other.
        let foreign = names(
            &app,
            &format!(
                "SELECT c.conname::text AS name FROM pg_constraint c \
                 WHERE c.conrelid = '{table}'::regclass AND c.contype = 'f'"
            ),
        )
        .await;
        assert_eq!(foreign, BTreeSet::new(), "{table} ({why})");
    }
    let keys = names(
        &app,
        "SELECT t.relname || ': ' || a.attname AS name FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         WHERE t.relname IN ('logins', 'client_logins') AND c.contype = 'p'",
    )
    .await;
    assert_eq!(
        keys.into_iter().collect::<Vec<_>>(),
        vec!["client_logins: client_id", "logins: email_key"]
    );
}

#[actix_web::test]
async fn a_key_that_does_not_lead_with_org_id_is_found() {
    // The check itself, on a table made for it: its unique key on `code` alone
    // and its foreign key into `probe` by `id` alone are found; its key on
    // (org_id, code) is not.
    let app = TestApp::new().await;
    diesel::sql_query(
        "CREATE TABLE probe (org_id uuid NOT NULL, id uuid NOT NULL, code text, \
         PRIMARY KEY (org_id, id), CONSTRAINT probe_code UNIQUE (code), \
         CONSTRAINT probe_org_code UNIQUE (org_id, code), \
         parent uuid, CONSTRAINT probe_id UNIQUE (id), \
         CONSTRAINT probe_parent FOREIGN KEY (org_id, parent) REFERENCES probe (org_id, id), \
         CONSTRAINT probe_loose FOREIGN KEY (parent) REFERENCES probe (id))",
    )
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    let found = names(&app, &misled_constraints("t.relname = 'probe'")).await;
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        vec!["probe: probe_code", "probe: probe_id", "probe: probe_loose"]
    );
}
