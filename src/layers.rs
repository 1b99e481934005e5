//! The house's rules, read off the source tree (see the design's "The shape"):
//!
//! - a handler module (`api`) never imports another resource's handler module;
//! - a store imports nothing above `db/`: no service, no handler, no other
//!   resource's store (its own rows, pure rules, `db`, `error` and plain values
//!   only);
//! - a handler calls its service, never a store (its own included);
//! - nothing outside a resource reaches into its store: another resource's
//!   data is asked of that resource's service;
//! - `rules` is pure: no `actix_web`, no `diesel`, no `crate::error`;
//! - no source file over 600 lines;
//! - a store writes only its resource's tables and reads another's only where
//!   `tables::READS` says why (see `tables.rs`).
//!
//! What breaks a rule today and is still to be moved is listed in `KNOWN`
//! (and `LONG`): a new break fails the test, and so does a listed one that is
//! gone, so that the lists only ever shrink.

mod tables;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Breaks still to be mended: `file: what it imports` (or `file: uses X`).
const KNOWN: &[&str] = &[];

/// Files still over 600 lines.
const LONG: &[&str] = &[];

const MAX_LINES: usize = 600;

/// Resources whose store other resources may read directly (none: another
/// resource's data is asked of its service).
const OPEN_STORES: &[&str] = &[];

/// Top-level modules a store may import besides its own resource's (and any
/// resource's pure `rules`).
const BELOW_STORES: &[&str] = &["db", "error", "values"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Room {
    Api,
    Store,
    Rules,
    Other,
}

struct Source {
    /// Relative to `src/`, with `/`.
    path: String,
    /// The module path (`targets::service::agree`).
    module: Vec<String>,
    room: Room,
    code: String,
    lines: usize,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let path = f
                .strip_prefix(&root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&f).expect("readable source");
            let mut module: Vec<String> = path
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_string)
                .collect();
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            let room = module
                .iter()
                .skip(1)
                .find_map(|m| match m.as_str() {
                    "api" => Some(Room::Api),
                    "store" => Some(Room::Store),
                    "rules" => Some(Room::Rules),
                    _ => None,
                })
                .unwrap_or(Room::Other);
            Source {
                lines: text.lines().count(),
                code: without_comments(&text),
                path,
                module,
                room,
            }
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code without `//` comments (doc comments included) and without the
/// file's unit tests, which may reach anywhere.
fn without_comments(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// Every module path the code names, as absolute paths (`crate::…` and
/// `super::…` resolved against the file's module; `use` groups expanded one
/// level: `crate::a::{b, c::d}` gives `a::b` and `a::c::d`).
fn imports(s: &Source) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let code = &s.code;
    for (start, _) in code
        .match_indices("crate::")
        .chain(code.match_indices("super::"))
    {
        if start > 0 {
            let before = code[..start].chars().next_back().unwrap_or(' ');
            if before.is_alphanumeric() || before == '_' || before == ':' {
                continue;
            }
        }
        let rest = &code[start..];
        let (mut base, rest) = if let Some(r) = rest.strip_prefix("crate::") {
            (Vec::new(), r)
        } else {
            // `super::` chains, from the file's module.
            let mut base = s.module.clone();
            let mut r = rest;
            while let Some(next) = r.strip_prefix("super::") {
                base.pop();
                r = next;
            }
            (base, r)
        };
        let path: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let after = &rest[path.len()..];
        let path = path.trim_end_matches(':');
        base.extend(
            path.split("::")
                .filter(|p| !p.is_empty())
                .map(str::to_string),
        );
        if let Some(group) = after.strip_prefix('{') {
            let group: String = group.chars().take_while(|c| *c != '}').collect();
            for item in group.split(',') {
                let item = item.split_whitespace().next().unwrap_or("");
                let mut full = base.clone();
                full.extend(
                    item.split("::")
                        .filter(|p| !p.is_empty() && *p != "self")
                        .map(str::to_string),
                );
                found.insert(full.join("::"));
            }
        } else {
            found.insert(base.join("::"));
        }
    }
    found
}

/// Paths named through a module brought in by `use` (`use crate::{users, teams
/// as t};` then `users::store::insert(..)` or `t::store::get(..)`), resolved to
/// absolute paths.
fn through_aliases(s: &Source, direct: &BTreeSet<String>) -> BTreeSet<String> {
    let mut aliases: Vec<(String, String)> = Vec::new();
    for import in direct {
        if !import.is_empty() && !import.contains("::") {
            aliases.push((import.clone(), import.clone()));
        }
    }
    // `x as y` inside a group or after a path.
    for (at, _) in s.code.match_indices(" as ") {
        let before: String = s.code[..at]
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let after: String = s.code[at + 4..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let target = before.trim_start_matches("crate::");
        if !after.is_empty() && direct.iter().any(|d| d == target) {
            aliases.push((after, target.to_string()));
        }
    }
    let mut found = BTreeSet::new();
    for (alias, target) in aliases {
        let needle = format!("{alias}::");
        for (start, _) in s.code.match_indices(&needle) {
            let prev = s.code[..start].chars().next_back().unwrap_or(' ');
            if prev.is_alphanumeric() || prev == '_' || prev == ':' {
                continue;
            }
            let rest: String = s.code[start + needle.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let rest = rest.trim_end_matches(':');
            if !rest.is_empty() {
                found.insert(format!("{target}::{rest}"));
            }
        }
    }
    found
}

fn breaks() -> (BTreeSet<String>, BTreeSet<String>) {
    let mut broken = BTreeSet::new();
    let mut long = BTreeSet::new();
    for s in sources() {
        if s.lines > MAX_LINES {
            long.insert(s.path.clone());
        }
        if s.path == "layers.rs" {
            // Its own test names imports as examples.
            continue;
        }
        let own = s.module.first().cloned().unwrap_or_default();
        let direct = imports(&s);
        let aliased = through_aliases(&s, &direct);
        for import in direct.into_iter().chain(aliased) {
            let parts: Vec<&str> = import.split("::").collect();
            let resource = parts.first().copied().unwrap_or("");
            let room = parts.get(1).copied().unwrap_or("");
            let wrong = match s.room {
                Room::Api => (resource != own && room == "api") || room == "store",
                Room::Store => {
                    matches!(room, "api" | "service")
                        || (resource != own && room != "rules" && !BELOW_STORES.contains(&resource))
                }
                Room::Rules => resource == "error",
                Room::Other => {
                    resource != own && room == "store" && !OPEN_STORES.contains(&resource)
                }
            };
            if wrong {
                broken.insert(format!("{}: {}", s.path, import));
            }
        }
        if s.room == Room::Rules {
            for banned in ["actix_web", "diesel"] {
                if s.code.contains(&format!("{banned}::")) {
                    broken.insert(format!("{}: uses {banned}", s.path));
                }
            }
        }
    }
    (broken, long)
}

fn compare(what: &str, found: &BTreeSet<String>, known: &[&str]) -> Vec<String> {
    let known: BTreeSet<String> = known.iter().map(|k| k.to_string()).collect();
    let mut problems = Vec::new();
    for new in found.difference(&known) {
        problems.push(format!("{what}, new: {new}"));
    }
    for gone in known.difference(found) {
        problems.push(format!("{what}, mended (take it off the list): {gone}"));
    }
    problems
}

#[test]
fn handlers_stores_and_rules_keep_to_their_layers() {
    let (broken, long) = breaks();
    let mut problems = compare("import rule broken", &broken, KNOWN);
    problems.extend(compare("file over 600 lines", &long, LONG));
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn the_rules_catch_what_they_are_for() {
    let source = |path: &str, code: &str| {
        let mut module: Vec<String> = path
            .trim_end_matches(".rs")
            .split('/')
            .map(str::to_string)
            .collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        Source {
            path: path.into(),
            room: match module.get(1).map(String::as_str) {
                Some("api") => Room::Api,
                Some("store") => Room::Store,
                Some("rules") => Room::Rules,
                _ => Room::Other,
            },
            module,
            code: without_comments(code),
            lines: code.lines().count(),
        }
    };
    let s = source(
        "targets/store.rs",
        "use super::rules::Status;\nuse crate::{db, teams::store as teams};\n// crate::progress::api\nlet x = crate::progress::service::measure(c);\n",
    );
    let found = imports(&s);
    assert!(found.contains("targets::rules::Status"), "{found:?}");
    assert!(found.contains("db"), "{found:?}");
    assert!(found.contains("teams::store"), "{found:?}");
    assert!(found.contains("progress::service::measure"), "{found:?}");
    assert!(
        !found.iter().any(|f| f.starts_with("progress::api")),
        "comments are not code"
    );
    let s = source(
        "demo/mod.rs",
        "use crate::{teams, users as people};\nlet t = teams::store::insert(c);\npeople::store::get(c);\n",
    );
    let direct = imports(&s);
    let aliased = through_aliases(&s, &direct);
    assert!(
        aliased.contains("teams::store::insert") && aliased.contains("users::store::get"),
        "{aliased:?}"
    );
    let s = source(
        "reviews/service/agenda.rs",
        "use super::super::store;\nuse super::items;\n",
    );
    let found = imports(&s);
    assert!(
        found.contains("reviews::store") && found.contains("reviews::service::items"),
        "{found:?}"
    );
}
