//! Each store keeps to its resource's tables: it writes only those, and it reads
//! another resource's table only where that read is listed in [`READS`] with
//! its reason (a join that answers in one statement what asking the other
//! resource's service would answer in several, on a path that is measured).
//! A new foreign read or any foreign write fails the test, and so does a listed
//! read that is gone, so that the list only ever shrinks.

use std::collections::BTreeSet;

use super::{compare, sources, Room};

/// Which resource owns which tables.
const OWNERS: &[(&str, &[&str])] = &[
    ("org", &["orgs"]),
    ("users", &["users", "logins"]),
    ("teams", &["teams", "team_members"]),
    ("clients", &["api_clients", "client_logins"]),
    ("auth", &["refresh_tokens", "sign_in_throttle"]),
    ("accounts", &["accounts", "account_owners"]),
    ("targets", &["targets", "target_events"]),
    ("bonus", &["bonus_plans"]),
    (
        "results",
        &[
            "sales",
            "activities",
            "daily_rollup",
            "daily_sales",
            "sale_shares",
            "sale_credits",
            "account_split_rules",
            "account_split_shares",
        ],
    ),
    ("progress", &["milestones", "target_pace", "pace_sweeps"]),
    ("reviews", &["reviews", "review_items"]),
    ("idempotency", &["idempotency_keys"]),
    ("events", &["events"]),
    ("webhooks", &["webhooks", "webhook_deliveries"]),
];

/// The foreign tables a store reads, `store file: table`, each with its reason.
const READS: &[(&str, &str)] = &[
    // The fan-out reads the events its transaction just wrote, to make their
    // deliveries in the same statement that finds the endpoints.
    (
        "webhooks/store/fanout.rs: events",
        "the events just written become deliveries in one statement",
    ),
    // The caller of every request, their organisation and their client, in the
    // one statement the token check makes (cached for a second).
    (
        "auth/store.rs: api_clients",
        "the caller of every request in one statement",
    ),
    (
        "auth/store.rs: orgs",
        "the caller of every request in one statement",
    ),
    (
        "auth/store.rs: users",
        "the caller of every request in one statement",
    ),
    // Names shown beside ids in the same page (owner history, members).
    (
        "accounts/store.rs: users",
        "each owner's name in the owner history",
    ),
    (
        "teams/store/members.rs: users",
        "each member's name in the members list",
    ),
    (
        "progress/store.rs: users",
        "each member's name on a scorecard",
    ),
    (
        "reviews/store/feed.rs: users",
        "who was successful, in the successes feed",
    ),
    // Dated team membership joined to results, day by day: asking the teams
    // service for the members of every day would be one statement per day.
    (
        "results/store/achieved.rs: team_members",
        "a team's results by member and day",
    ),
    (
        "results/store/achieved.rs: teams",
        "a team's sub-teams in the same statement",
    ),
    (
        "results/store/rollup.rs: team_members",
        "a team's daily series by member and day",
    ),
    (
        "results/store/ledger.rs: team_members",
        "the ledger of a team's members on the day",
    ),
    (
        "progress/store.rs: team_members",
        "a scorecard's members over its period",
    ),
    (
        "progress/store.rs: teams",
        "a scorecard's team and sub-teams with their members, in one statement",
    ),
    (
        "reviews/store/feed.rs: team_members",
        "the successes of a team's members",
    ),
    (
        "reviews/store/feed.rs: teams",
        "the successes of a team and its sub-teams",
    ),
    (
        "reviews/store/feed.rs: milestones",
        "milestones are successes in the feed",
    ),
    // Credit is resolved at write time from dated ownership, under a key-share
    // lock on the accounts that a transfer waits for; accounts' service calls
    // results' to re-credit, so results cannot call back into accounts.
    (
        "results/store/mod.rs: accounts",
        "credit from dated ownership, locked with the write",
    ),
    (
        "results/store/mod.rs: account_owners",
        "credit from dated ownership, locked with the write",
    ),
    (
        "results/store/rollup.rs: accounts",
        "an account target's conversion day",
    ),
    // The hot progress read: a target and its own actual in one statement.
    (
        "targets/store.rs: daily_rollup",
        "a target with its actual in one statement",
    ),
    (
        "targets/store.rs: daily_sales",
        "a target with its actual in one statement",
    ),
    (
        "progress/store.rs: targets",
        "agreed targets a write may have taken to their value",
    ),
    (
        "progress/store.rs: orgs",
        "the daily pace sweep finds each organisation's day from its time zone",
    ),
    (
        "bonus/store.rs: targets",
        "plans listed by who may see their target, in the page's statement",
    ),
    // Lower resources that others build on ask nothing of those above them.
    (
        "teams/store/mod.rs: targets",
        "a team with targets is not deleted (targets build on teams)",
    ),
    (
        "org/store.rs: sales",
        "the currency is fixed once money was recorded (results build on org)",
    ),
    (
        "org/store.rs: targets",
        "the currency is fixed once money targets exist (targets build on org)",
    ),
];

fn tables() -> Vec<&'static str> {
    OWNERS.iter().flat_map(|(_, t)| t.iter().copied()).collect()
}

fn owner(table: &str) -> &'static str {
    OWNERS
        .iter()
        .find(|(_, t)| t.contains(&table))
        .map_or("", |(r, _)| r)
}

/// The words of the code, lower-cased (identifiers and SQL keywords alike).
fn words(code: &str) -> Vec<String> {
    code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The tables the code reads or writes: named through `schema::` (diesel), or
/// after `FROM`, `JOIN`, `INTO`, `UPDATE` (SQL).
fn named(code: &str) -> BTreeSet<String> {
    let known = tables();
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("schema::") {
        let rest = &code[i + "schema::".len()..];
        let list = match rest.strip_prefix('{') {
            Some(group) => group.split('}').next().unwrap_or(""),
            None => rest
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or(""),
        };
        for name in list
            .split(',')
            .map(|n| n.split_whitespace().next().unwrap_or(""))
        {
            if known.contains(&name) {
                found.insert(name.to_string());
            }
        }
    }
    let w = words(code);
    for pair in w.windows(2) {
        if matches!(pair[0].as_str(), "from" | "join" | "into" | "update")
            && known.contains(&pair[1].as_str())
        {
            found.insert(pair[1].clone());
        }
    }
    found
}

/// The tables the code writes: `insert_into(t::table)`, `update(t::table…)`,
/// `delete(t::table…)` (diesel) and `INSERT INTO t`, `UPDATE t`, `DELETE FROM t`.
fn written(code: &str) -> BTreeSet<String> {
    let known = tables();
    let w = words(code);
    let mut found = BTreeSet::new();
    for (i, word) in w.iter().enumerate() {
        let next = |k: usize| w.get(i + k).map(String::as_str).unwrap_or("");
        let table = match word.as_str() {
            "insert_into" | "delete" | "update" if next(2) == "table" => next(1),
            "insert" if next(1) == "into" => next(2),
            "delete" if next(1) == "from" => next(2),
            "update" => next(1),
            _ => "",
        };
        if known.contains(&table) {
            found.insert(table.to_string());
        }
    }
    found
}

/// (foreign reads, foreign writes) of every store, as `file: table`.
fn foreign() -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut reads, mut writes) = (BTreeSet::new(), BTreeSet::new());
    for s in sources().into_iter().filter(|s| s.room == Room::Store) {
        let own = s.module.first().cloned().unwrap_or_default();
        let theirs = |t: &String| owner(t) != own;
        for t in written(&s.code).iter().filter(|t| theirs(t)) {
            writes.insert(format!("{}: {t}", s.path));
        }
        for t in named(&s.code).iter().filter(|t| theirs(t)) {
            reads.insert(format!("{}: {t}", s.path));
        }
    }
    (reads, writes)
}

#[test]
fn stores_write_only_their_own_tables_and_read_others_only_where_listed() {
    let (reads, writes) = foreign();
    assert!(READS.iter().all(|(_, why)| !why.is_empty()));
    let listed: Vec<&str> = READS.iter().map(|(r, _)| *r).collect();
    let mut problems = compare("a store reads another resource's table", &reads, &listed);
    for w in &writes {
        problems.push(format!("a store writes another resource's table: {w}"));
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn the_table_rules_catch_what_they_are_for() {
    let code = "use crate::db::schema::{accounts, users as people};\n\
        use crate::users::rules::Role;\n\
        diesel::update(accounts::table.find(id)).set(x);\n\
        diesel::insert_into(sales::table).values(v);\n\
        sql_query(\"UPDATE daily_rollup SET amount = 0 FROM team_members m \
        WHERE true ON CONFLICT DO UPDATE SET amount = 1\");\n\
        sql_query(\"DELETE FROM milestones WHERE org_id = $1\");";
    let n = named(code);
    for t in [
        "accounts",
        "users",
        "daily_rollup",
        "team_members",
        "milestones",
    ] {
        assert!(n.contains(t), "{t}: {n:?}");
    }
    let w = written(code);
    let expected: BTreeSet<String> = ["accounts", "sales", "daily_rollup", "milestones"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(w, expected);
    assert_eq!(owner("team_members"), "teams");
    assert_eq!(owner("idempotency_keys"), "idempotency");
}
