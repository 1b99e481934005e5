//! README's "A week in the life of a manager", run as written: the shell block
//! between the walkthrough markers is read command by command (curl calls,
//! variables, the `json` helper, `date`) and sent to the application on the
//! demo organisation, and every `# =>` line is checked against the answer.

use std::collections::HashMap;

use crate::support::*;
use actix_web::http::Method;
use chrono::{Duration, Utc};
use serde_json::Value;

type Env = HashMap<String, String>;

/// The shell block of the walkthrough, with continued lines joined.
fn walkthrough() -> Vec<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- walkthrough:begin -->")
        .expect("README has the walkthrough's begin marker");
    let end = readme
        .find("<!-- walkthrough:end -->")
        .expect("README has the walkthrough's end marker");
    let block = &readme[start..end];
    let body = block
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.rsplit_once("```"))
        .expect("the walkthrough is a ```sh block")
        .0;
    body.replace("\\\n", " ")
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn expand_var(chars: &[char], i: &mut usize, env: &Env, out: &mut String) {
    // At a `$`: `$NAME` or `${NAME}`.
    *i += 1;
    let braced = chars.get(*i) == Some(&'{');
    if braced {
        *i += 1;
    }
    let begin = *i;
    while *i < chars.len() && (chars[*i].is_ascii_alphanumeric() || chars[*i] == '_') {
        *i += 1;
    }
    let name: String = chars[begin..*i].iter().collect();
    if braced {
        assert_eq!(chars.get(*i), Some(&'}'), "unclosed ${{");
        *i += 1;
    }
    assert!(!name.is_empty(), "a lone $ in the walkthrough");
    let value = env
        .get(&name)
        .unwrap_or_else(|| panic!("${name} is used before it is set"));
    out.push_str(value);
}

/// Shell words: quotes, backslash escapes and variables, as sh reads them.
fn words(src: &str, env: &Env) -> Vec<String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => {
                out.extend(cur.take());
                i += 1;
            }
            '#' if cur.is_none() => break,
            '\'' => {
                let w = cur.get_or_insert_with(String::new);
                i += 1;
                while chars[i] != '\'' {
                    w.push(chars[i]);
                    i += 1;
                }
                i += 1;
            }
            '"' => {
                let w = cur.get_or_insert_with(String::new);
                i += 1;
                while chars[i] != '"' {
                    match chars[i] {
                        '\\' if matches!(chars[i + 1], '"' | '\\' | '$') => {
                            w.push(chars[i + 1]);
                            i += 2;
                        }
                        '$' => expand_var(&chars, &mut i, env, w),
                        ch => {
                            w.push(ch);
                            i += 1;
                        }
                    }
                }
                i += 1;
            }
            '\\' => {
                cur.get_or_insert_with(String::new).push(chars[i + 1]);
                i += 2;
            }
            '$' => expand_var(&chars, &mut i, env, cur.get_or_insert_with(String::new)),
            ch => {
                cur.get_or_insert_with(String::new).push(ch);
                i += 1;
            }
        }
    }
    out.extend(cur);
    out
}

/// Splits at `|` outside quotes.
fn pipeline(src: &str) -> Vec<&str> {
    let (mut single, mut double, mut escaped) = (false, false, false);
    let mut parts = Vec::new();
    let mut from = 0;
    for (i, c) in src.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if !single => escaped = true,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '|' if !single && !double => {
                parts.push(src[from..i].trim());
                from = i + 1;
            }
            _ => {}
        }
    }
    parts.push(src[from..].trim());
    parts
}

/// `json '["data"][0]["id"]'`: the value at that path, printed as python prints it.
fn json_path(v: &Value, path: &str) -> String {
    let mut cur = v;
    let mut rest = path.trim();
    while let Some(r) = rest.strip_prefix('[') {
        let (key, after) = r.split_once(']').expect("a closed [");
        cur = match key.strip_prefix('"') {
            Some(k) => &cur[k.trim_end_matches('"')],
            None => &cur[key.parse::<usize>().expect("an index")],
        };
        rest = after;
    }
    assert!(!cur.is_null(), "json '{path}' finds nothing in {v}");
    match cur {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether `actual` holds everything `expected` shows: objects by key, arrays
/// element by element.
fn holds(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| holds(av, ev))),
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(av, ev)| holds(av, ev))
        }
        _ => actual == expected,
    }
}

fn at_path<'a>(v: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted
        .split('.')
        .try_fold(v, |cur, key| match key.parse::<usize>() {
            Ok(i) => cur.get(i),
            Err(_) => cur.get(key),
        })
}

struct Shell<'a> {
    app: &'a TestApp,
    env: Env,
    last: Option<(String, Res)>,
    checked: usize,
}

impl Shell<'_> {
    /// Runs a command (`curl ... [| json '...']` or `date ...`) and returns what it prints.
    async fn run(&mut self, cmd: &str) -> String {
        let parts = pipeline(cmd);
        let argv = words(parts[0], &self.env);
        let out = match argv[0].as_str() {
            "date" => {
                let mut day = Utc::now().date_naive();
                if let Some(i) = argv.iter().position(|a| a == "-d") {
                    let n: i64 = argv[i + 1]
                        .trim_start_matches('+')
                        .trim_end_matches(" days")
                        .parse()
                        .expect("date -d '+N days'");
                    day += Duration::days(n);
                }
                assert_eq!(argv.last().map(String::as_str), Some("+%F"));
                return day.to_string();
            }
            "curl" => self.curl(&argv[1..]).await,
            other => panic!("the walkthrough runs curl and date, not {other}"),
        };
        match parts.get(1) {
            None => out,
            Some(filter) => {
                let argv = words(filter, &self.env);
                assert_eq!(argv[0], "json", "only the json helper filters");
                let (_, res) = self.last.as_ref().unwrap();
                assert!(
                    res.status.is_success(),
                    "`{cmd}` answered {}: {}",
                    res.status,
                    String::from_utf8_lossy(&res.body)
                );
                json_path(&res.json(), &argv[1])
            }
        }
    }

    async fn curl(&mut self, args: &[String]) -> String {
        let (mut method, mut path) = (None, None);
        let mut headers = Vec::new();
        let mut data = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-s" => {}
                "-X" => method = it.next().cloned(),
                "-H" => headers.push(it.next().expect("-H value").clone()),
                "-d" => data.push(it.next().expect("-d value").clone()),
                url if url.starts_with("http") => {
                    path = Some(
                        url.strip_prefix(&self.env["API"])
                            .expect("a URL of $API")
                            .to_string(),
                    )
                }
                other => panic!("curl option {other} is not understood here"),
            }
        }
        let method = method.unwrap_or_else(|| if data.is_empty() { "GET" } else { "POST" }.into());
        let path = path.expect("curl names a URL");
        let mut req = self
            .app
            .req(Method::from_bytes(method.as_bytes()).unwrap(), &path);
        let mut content_type = None;
        for h in &headers {
            let (k, v) = h.split_once(':').expect("Name: value");
            if k.eq_ignore_ascii_case("content-type") {
                content_type = Some(v.trim().to_string());
            } else {
                req = req.header(k.trim(), v.trim());
            }
        }
        if !data.is_empty() {
            let ct = content_type.unwrap_or_else(|| "application/x-www-form-urlencoded".into());
            req = req.body(&ct, data.join("&"));
        }
        let res = req.send().await;
        let body = String::from_utf8_lossy(&res.body).to_string();
        self.last = Some((format!("{method} {path}"), res));
        body
    }

    fn expect(&mut self, line: &str) {
        let rest = line.trim_start_matches("# =>").trim();
        let (status, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        let (what, res) = self
            .last
            .take()
            .unwrap_or_else(|| panic!("`{line}` follows no command"));
        let body = String::from_utf8_lossy(&res.body).to_string();
        assert_eq!(res.status.as_u16().to_string(), status, "{what}: {body}");
        let v = res.json();
        let rest = rest.trim();
        if let Some(keys) = rest.strip_prefix("with ") {
            for key in keys.split(',').map(str::trim) {
                assert!(at_path(&v, key).is_some(), "{what}: no {key} in {v}");
            }
        } else if !rest.is_empty() {
            let expected: Value =
                serde_json::from_str(rest).unwrap_or_else(|e| panic!("`{line}` is not JSON: {e}"));
            let expected = expand(&expected, &self.env);
            assert!(
                holds(&v, &expected),
                "{what}: {v}\ndoes not hold {expected}"
            );
        }
        self.checked += 1;
    }
}

/// `"$NAME"` strings in an expectation stand for the variable's value.
fn expand(v: &Value, env: &Env) -> Value {
    match v {
        Value::String(s) => match s.strip_prefix('$') {
            Some(name) => Value::String(env[name].clone()),
            None => v.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(|x| expand(x, env)).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, x)| (k.clone(), expand(x, env))).collect())
        }
        other => other.clone(),
    }
}

#[actix_web::test]
async fn a_week_in_the_life_of_a_manager_runs_as_the_readme_says() {
    let app = TestApp::new().await;
    internals::demo(&app.db.url);
    let mut sh = Shell {
        app: &app,
        env: Env::new(),
        last: None,
        checked: 0,
    };
    let lines = walkthrough();
    for (n, line) in lines.iter().enumerate() {
        if line.starts_with("# =>") {
            sh.expect(line);
        } else if line.starts_with('#') || line.starts_with("json()") {
            continue;
        } else if line.starts_with("curl ") {
            sh.run(line).await;
            assert!(
                lines.get(n + 1).is_some_and(|l| l.starts_with("# =>")),
                "`{line}` is not followed by a `# =>` line saying what it answers"
            );
        } else if let Some((name, value)) = line.split_once('=') {
            let value = match value.strip_prefix("$(").and_then(|v| v.strip_suffix(')')) {
                Some(cmd) => sh.run(cmd).await,
                None => words(value, &sh.env).concat(),
            };
            sh.env.insert(name.to_string(), value);
        } else {
            panic!("the walkthrough has a line this test does not run: {line}");
        }
    }
    assert!(sh.checked >= 10, "only {} answers checked", sh.checked);
}
