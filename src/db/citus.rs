//! Distributing the schema on Citus, as the last step of `onpace migrate`.
//!
//! When the `citus` extension is installed in the database, every table of the
//! `public` schema is placed once:
//!
//! - a tenant table (it has `org_id`, and its primary key leads with it) is
//!   distributed by `org_id`, colocated with the other tenant tables, so that
//!   every query of a request (each carries `org_id`) runs on one worker, joins
//!   and foreign keys between tenant tables included;
//! - every other table becomes a reference table, copied to every node:
//!   `orgs`, the sign-in throttle, and the sign-in lookups `logins` and
//!   `client_logins` (they carry `org_id` as a value, keyed by their own key,
//!   to find the organisation before it is known);
//! - diesel's `__diesel_schema_migrations` stays a plain table on the
//!   coordinator: only `onpace migrate` reads it there.
//!
//! Citus distributes a table only while no foreign key joins it to a plain
//! table, so the foreign keys of the tables being placed are read from the
//! catalog (`pg_get_constraintdef`), dropped, and added back once every table
//! is placed; all of it in one transaction. Tables placed already are left as
//! they are, so the step runs after every migration: the tables a later
//! migration adds are placed the next time. (A migration that adds a tenant
//! table with a foreign key into another tenant table must distribute it
//! itself before adding that key, on a database that is distributed already:
//! Citus refuses a key from a plain table into a distributed one.)
//!
//! Without the extension nothing is read or changed but `pg_extension`.

use diesel::connection::LoadConnection;
use diesel::pg::Pg;
use diesel::sql_types::{Bool, Text};
use diesel::{Connection, QueryResult, QueryableByName, RunQueryDsl};

/// What one run placed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Placed {
    /// Tenant tables distributed by `org_id`.
    pub distributed: Vec<String>,
    /// Tables made reference tables.
    pub reference: Vec<String>,
    /// Foreign keys dropped and added back.
    pub foreign_keys: usize,
}

impl Placed {
    /// Whether every table was placed already.
    pub fn is_empty(&self) -> bool {
        self.distributed.is_empty() && self.reference.is_empty()
    }
}

/// One line for `onpace migrate`.
impl std::fmt::Display for Placed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_empty() {
            return write!(f, "every table is distributed or a reference table already");
        }
        let listed = |n: &[String]| match n {
            [] => String::new(),
            n => format!(" ({})", n.join(", ")),
        };
        write!(
            f,
            "{} table(s) distributed by org_id{}, {} reference table(s){}, {} foreign key(s) dropped and added back",
            self.distributed.len(),
            listed(&self.distributed),
            self.reference.len(),
            listed(&self.reference),
            self.foreign_keys
        )
    }
}

/// The tables Citus does not know yet, and how each is to be placed.
const UNPLACED: &str = "
    SELECT quote_ident(t.relname) AS name,
           EXISTS (SELECT 1 FROM pg_attribute a
                   WHERE a.attrelid = t.oid AND a.attname = 'org_id' AND NOT a.attisdropped)
           AND EXISTS (SELECT 1 FROM pg_constraint k
                       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                       WHERE k.conrelid = t.oid AND k.contype = 'p' AND a.attname = 'org_id')
             AS tenant
    FROM pg_class t
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public' AND t.relkind IN ('r', 'p') AND NOT t.relispartition
      AND t.relname <> '__diesel_schema_migrations'
      AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p
                      WHERE p.logicalrelid = t.oid
                        AND (p.partmethod = 'h' OR p.repmodel = 't'))
    ORDER BY t.relname";

/// A tenant table distributed already, for the new ones to be colocated with.
const COLOCATED_WITH: &str = "
    SELECT quote_ident(t.relname) AS name
    FROM pg_dist_partition p
    JOIN pg_class t ON t.oid = p.logicalrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public' AND p.partmethod = 'h'
      AND p.partkey IS NOT NULL AND column_to_column_name(p.logicalrelid, p.partkey) = 'org_id'
    ORDER BY t.relname
    LIMIT 1";

/// The foreign keys from or into the tables about to be placed (`$1`, their
/// quoted names), each as `ALTER TABLE` would add it back.
const FOREIGN_KEYS: &str = "
    SELECT c.conrelid::regclass::text AS table_name,
           quote_ident(c.conname) AS name,
           pg_get_constraintdef(c.oid) AS definition
    FROM pg_constraint c
    JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = 'public' AND c.contype = 'f'
      AND (c.conrelid::regclass::text = ANY ($1) OR c.confrelid::regclass::text = ANY ($1))
    ORDER BY 1, 2";

#[derive(QueryableByName)]
struct Unplaced {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    tenant: bool,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct ForeignKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

#[derive(QueryableByName)]
struct Present {
    #[diesel(sql_type = Bool)]
    present: bool,
}

/// Whether the `citus` extension is installed in this database.
pub fn present<C>(c: &mut C) -> QueryResult<bool>
where
    C: Connection<Backend = Pg> + LoadConnection,
{
    let row: Present = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS present",
    )
    .get_result(c)?;
    Ok(row.present)
}

/// Places the tables Citus does not know yet (see the module's comment);
/// `None` without the extension.
pub fn distribute<C>(c: &mut C) -> QueryResult<Option<Placed>>
where
    C: Connection<Backend = Pg> + LoadConnection,
{
    if !present(c)? {
        return Ok(None);
    }
    c.transaction(|c| {
        // One `onpace migrate` at a time places tables; another waits here,
        // then finds them placed.
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('onpace: citus placement'))")
            .execute(c)?;
        // Citus runs the DDL on a table's shards over one connection per
        // worker, so that this transaction can go on using the shards it
        // has just created.
        diesel::sql_query("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'").execute(c)?;
        let unplaced: Vec<Unplaced> = diesel::sql_query(UNPLACED).load(c)?;
        if unplaced.is_empty() {
            return Ok(Some(Placed::default()));
        }
        let names: Vec<String> = unplaced.iter().map(|t| t.name.clone()).collect();
        let keys: Vec<ForeignKey> = diesel::sql_query(FOREIGN_KEYS)
            .bind::<diesel::sql_types::Array<Text>, _>(&names)
            .load(c)?;
        for k in &keys {
            diesel::sql_query(format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                k.table_name, k.name
            ))
            .execute(c)?;
        }
        let mut placed = Placed {
            foreign_keys: keys.len(),
            ..Placed::default()
        };
        // Reference tables first: tenant tables point into `orgs`.
        for t in unplaced.iter().filter(|t| !t.tenant) {
            diesel::sql_query(format!(
                "SELECT create_reference_table({})",
                literal(&t.name)
            ))
            .execute(c)?;
            placed.reference.push(t.name.clone());
        }
        // Colocated with the tenant tables distributed already; the very
        // first one starts a colocation group of its own.
        let mut anchor = diesel::sql_query(COLOCATED_WITH)
            .load::<Name>(c)?
            .pop()
            .map(|n| n.name);
        for t in unplaced.iter().filter(|t| t.tenant) {
            diesel::sql_query(format!(
                "SELECT create_distributed_table({}, 'org_id', colocate_with => {})",
                literal(&t.name),
                literal(anchor.as_deref().unwrap_or("none"))
            ))
            .execute(c)?;
            anchor.get_or_insert_with(|| t.name.clone());
            placed.distributed.push(t.name.clone());
        }
        for k in &keys {
            diesel::sql_query(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {}",
                k.table_name, k.name, k.definition
            ))
            .execute(c)?;
        }
        Ok(Some(placed))
    })
}

/// `s` as an SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::Placed;

    #[test]
    fn what_was_placed_is_one_line() {
        assert_eq!(
            Placed::default().to_string(),
            "every table is distributed or a reference table already"
        );
        let placed = Placed {
            distributed: vec!["notes".into(), "sales".into()],
            reference: vec![],
            foreign_keys: 3,
        };
        assert_eq!(
            placed.to_string(),
            "2 table(s) distributed by org_id (notes, sales), 0 reference table(s), 3 foreign key(s) dropped and added back"
        );
    }
}
