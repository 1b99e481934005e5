//! The command line, run as a user runs it.

use std::process::Command;

use crate::support::*;
use onpace::AppState;

fn onpace(db_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_onpace"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("ONPACE_LOG", "warn")
        .env_remove("ONPACE_ADMIN_PASSWORD")
        .output()
        .expect("the binary runs")
}

#[test]
fn openapi_prints_the_committed_document() {
    let out = onpace("postgres://unused@127.0.0.1:1/none", &["openapi"]);
    assert!(out.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), committed);
}

#[test]
fn an_unreachable_database_is_one_clear_line_with_the_remedy() {
    let out = onpace("postgres://postgres@127.0.0.1:1/onpace", &["migrate"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("DATABASE_URL") && err.contains("docker compose up -d db"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
}

/// Runs `onpace migrate` with one setting added.
fn with_setting(name: &str, value: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_onpace"))
        .arg("migrate")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
        .env("ONPACE_LOG", "warn")
        .env(name, value)
        .output()
        .expect("the binary runs")
}

#[test]
fn a_bad_setting_is_one_line_naming_it_and_what_is_allowed() {
    for (name, value, allowed) in [
        ("ONPACE_DB_TIMEOUT_MS", "0", "from 1 to 600000"),
        ("ONPACE_LISTEN", "8080", "host:port"),
        ("ONPACE_METRICS_LISTEN", "9100", "host:port"),
        (
            "ONPACE_CORS_ORIGINS",
            "https://dash.example.com/",
            "scheme://host[:port]",
        ),
        ("ONPACE_DB_POOL_SIZE", "0", "from 1 to 1000"),
    ] {
        let out = with_setting(name, value);
        assert_eq!(out.status.code(), Some(2), "{name}={value}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains(&format!("{name}={value:?}")) && err.contains(allowed),
            "{err}"
        );
    }
}

#[test]
fn a_connection_string_is_never_shown_with_its_password() {
    let out = with_setting(
        "DATABASE_URL",
        "host=db user=u password='s3cr3t pw' sslmode",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("DATABASE_URL=") && err.contains("password=***"),
        "{err}"
    );
    assert!(!err.contains("s3cr3t"), "{err}");
    // A readable one that cannot connect: the message names it without its password.
    let out = with_setting(
        "DATABASE_URL",
        "host=127.0.0.1 port=1 user=u password=s3cr3t dbname=none connect_timeout=2",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("password=***") && !err.contains("s3cr3t"),
        "{err}"
    );
}

#[actix_web::test]
async fn any_origin_is_allowed_with_a_star_and_without_credentials() {
    let out = with_setting("ONPACE_CORS_ORIGINS", "*");
    // Past the configuration: only the database is missing.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = TestApp::with(|mut c| {
        c.cors_origins = vec!["*".into()];
        c
    })
    .await;
    let r = app
        .req(actix_web::http::Method::OPTIONS, "/v1/org")
        .header("origin", "https://any.example.net")
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "authorization")
        .send()
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(r.header("access-control-allow-credentials").is_none());
}

#[actix_web::test]
async fn bootstrap_creates_an_organisation_whose_admin_can_sign_in() {
    let db = TestDb::new().await;
    let out = Command::new(env!("CARGO_BIN_EXE_onpace"))
        .args([
            "bootstrap",
            "--org",
            "Initech",
            "--currency",
            "USD",
            "--admin-email",
            "boss@initech.example.com",
        ])
        .env("DATABASE_URL", &db.url)
        .env("ONPACE_LOG", "warn")
        .env("ONPACE_ADMIN_PASSWORD", "a strong first password")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let org_id: uuid::Uuid = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .expect("prints the org id");

    let bad = Command::new(env!("CARGO_BIN_EXE_onpace"))
        .args([
            "bootstrap",
            "--org",
            "X",
            "--currency",
            "EURO",
            "--admin-email",
            "nobody",
        ])
        .env("DATABASE_URL", &db.url)
        .env("ONPACE_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8(bad.stderr).unwrap();
    assert!(
        err.contains("currency") && err.contains("admin-email"),
        "{err}"
    );

    let state = AppState::new(config(&db.url), keys());
    let app = TestApp::on(db, state).await;
    let v = app
        .login("boss@initech.example.com", "a strong first password")
        .await
        .expect(200);
    let token = v["access_token"].as_str().unwrap().to_string();
    let org = app.get("/v1/org").token(&token).send().await.expect(200);
    assert_eq!(org["id"], org_id.to_string());
    assert_eq!(
        (org["name"].as_str(), org["currency"].as_str()),
        (Some("Initech"), Some("USD"))
    );
    assert_eq!(
        app.get("/v1/me").token(&token).send().await.expect(200)["role"],
        "admin"
    );
}

async fn me_id(app: &TestApp, token: &str) -> String {
    app.get("/v1/me").token(token).send().await.expect(200)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[actix_web::test]
async fn demo_fills_an_organisation_once_and_its_people_can_sign_in() {
    let db = TestDb::new().await;
    let first = onpace(&db.url, &["demo"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let text = String::from_utf8(first.stdout).unwrap();
    assert!(
        text.contains("admin@demo.onpace.example.com") && text.contains("onpace-demo-2026"),
        "{text}"
    );
    let again = onpace(&db.url, &["demo"]);
    assert!(again.status.success());
    assert!(String::from_utf8(again.stdout)
        .unwrap()
        .contains("exists already"));
    // --reset drops it and builds it again; the checks below are on the new one.
    let reset = onpace(&db.url, &["demo", "--reset"]);
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let said = String::from_utf8(reset.stdout).unwrap();
    assert!(
        said.contains("dropped and is built again") && said.contains("created"),
        "{said}"
    );

    let state = AppState::new(config(&db.url), keys());
    let app = TestApp::on(db, state).await;
    let admin = app
        .login("admin@demo.onpace.example.com", "onpace-demo-2026")
        .await
        .expect(200);
    let admin = admin["access_token"].as_str().unwrap().to_string();
    let users = app.get("/v1/users").token(&admin).send().await.expect(200);
    assert_eq!(users["data"].as_array().unwrap().len(), 10);
    let styles: Vec<&str> = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["selling_style"].as_str())
        .collect();
    assert_eq!(styles.iter().filter(|s| **s == "farmer").count(), 3);
    assert_eq!(styles.iter().filter(|s| **s == "hunter").count(), 2);
    let teams = app.get("/v1/teams").token(&admin).send().await.expect(200);
    assert_eq!(teams["data"].as_array().unwrap().len(), 3);

    let fiona = app
        .login("fiona@demo.onpace.example.com", "onpace-demo-2026")
        .await
        .expect(200);
    let me = app
        .get("/v1/me")
        .token(fiona["access_token"].as_str().unwrap())
        .send()
        .await
        .expect(200);
    assert_eq!(me["selling_style"], "farmer");
    assert_eq!(me["teams"][0]["name"], "Farmers North");
    // Harper moved from North to South: two memberships, the first one closed.
    let harper = app
        .login("harper@demo.onpace.example.com", "onpace-demo-2026")
        .await
        .expect(200);
    let me = app
        .get("/v1/me")
        .token(harper["access_token"].as_str().unwrap())
        .send()
        .await
        .expect(200);
    assert_eq!(me["teams"][0]["name"], "Hunters South");
    let north = teams["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Farmers North")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let members = app
        .get(&format!("/v1/teams/{north}/members"))
        .token(&admin)
        .send()
        .await
        .expect(200);
    let closed: Vec<_> = members["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| !m["to"].is_null())
        .collect();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["name"], "Harper Hybrid");

    // Accounts: 13 customers (one of them a won prospect handed to Fiona), 7 prospects.
    let customers = app
        .get("/v1/accounts?kind=customer&limit=200")
        .token(&admin)
        .send()
        .await
        .expect(200);
    assert_eq!(customers["data"].as_array().unwrap().len(), 13);
    let prospects = app
        .get("/v1/accounts?kind=prospect&limit=200")
        .token(&admin)
        .send()
        .await
        .expect(200);
    assert_eq!(prospects["data"].as_array().unwrap().len(), 7);
    let won = customers["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Woodgrove Bank")
        .unwrap();
    assert!(won["converted_on"].is_string());
    let owners = app
        .get(&format!(
            "/v1/accounts/{}/owners",
            won["id"].as_str().unwrap()
        ))
        .token(&admin)
        .send()
        .await
        .expect(200);
    let names: Vec<&str> = owners["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["owner_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Hugo Hunter", "Fiona Farmer"]);
    // The plan: 32 targets for this quarter and its months, all agreed but one.
    let mut targets = Vec::new();
    let mut url = "/v1/targets?limit=200".to_string();
    loop {
        let page = app.get(&url).token(&admin).send().await.expect(200);
        targets.extend(page["data"].as_array().unwrap().clone());
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/v1/targets?limit=200&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(targets.len(), 32);
    assert_eq!(
        targets.iter().filter(|t| t["status"] == "agreed").count(),
        31
    );
    let company = targets.iter().find(|t| t["subject_type"] == "org").unwrap();
    let alloc = app
        .get(&format!(
            "/v1/targets/{}/allocation",
            company["id"].as_str().unwrap()
        ))
        .token(&admin)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (alloc["allocated"].as_str(), alloc["unallocated"].as_str()),
        (Some("550000.00"), Some("50000.00"))
    );
    // Two quarters of pushed sales give the quarter's personal targets a history.
    let fiona_id = me_id(&app, fiona["access_token"].as_str().unwrap()).await;
    let fiona_rev = targets
        .iter()
        .find(|t| {
            t["subject_id"] == fiona_id.as_str()
                && t["metric"] == "revenue"
                && t["period"].as_str().unwrap().contains('Q')
        })
        .unwrap();
    assert_ne!(
        fiona_rev["smart"]["attainable"]["rating"], "no_history",
        "{}",
        fiona_rev["smart"]
    );
    assert!(fiona_rev["smart"]["attainable"]["ratio"].is_string());
    let plans = app
        .get("/v1/bonus-plans")
        .token(&admin)
        .send()
        .await
        .expect(200);
    assert_eq!(plans["data"].as_array().unwrap().len(), 1);
    assert!(plans["data"][0]["gate"]["target_id"].is_string());
    // Set the way the rules require: nobody set a target they answer for, the one
    // accountable agreed it, and an admin made the bonus plan.
    let admin_id = me_id(&app, &admin).await;
    assert_eq!(plans["data"][0]["created_by"], admin_id.as_str());
    // Who set and who agreed each target, from the demo's structure: Maria runs
    // Farmers North (Fiona, Frank, Faye), Sam runs Hunters South (Hugo, Hana,
    // Harper), the company team above both has no manager, and there is one admin.
    let user_id = |local: &str| {
        let email = format!("{local}@demo.onpace.example.com");
        users["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email.as_str())
            .map(|u| u["id"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {email}"))
    };
    let team_id = |name: &str| {
        teams["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["id"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no team {name}"))
    };
    let (maria, sam) = (user_id("maria"), user_id("sam"));
    let (north, south) = (team_id("Farmers North"), team_id("Hunters South"));
    let farmers = ["fiona", "frank", "faye"].map(&user_id);
    let hunters = ["hugo", "hana", "harper"].map(&user_id);
    for t in &targets {
        let subject = t["subject_id"].as_str().unwrap_or("").to_string();
        // (setter, the one accountable who agrees)
        let (setter, agreer) = match t["subject_type"].as_str().unwrap() {
            "user" if farmers.contains(&subject) => (maria.clone(), subject.clone()),
            "user" if hunters.contains(&subject) => (sam.clone(), subject.clone()),
            "team" if subject == north => (admin_id.clone(), maria.clone()),
            "team" if subject == south => (admin_id.clone(), sam.clone()),
            // The organisation's: its only admin sets and agrees it.
            "org" => (admin_id.clone(), admin_id.clone()),
            other => panic!("a demo target nobody planned: {other} {t}"),
        };
        assert_eq!(t["created_by"], setter.as_str(), "{t}");
        if t["subject_type"] != "org" {
            assert_ne!(setter, agreer, "{t}");
        }
        if t["status"] == "agreed" {
            assert_eq!(t["agreed_by"], agreer.as_str(), "{t}");
        } else {
            assert!(t["agreed_by"].is_null(), "{t}");
        }
    }
    // Fiona sees only her own accounts: her 4 customers and the won one.
    let mine = app
        .get("/v1/accounts")
        .token(fiona["access_token"].as_str().unwrap())
        .send()
        .await
        .expect(200);
    assert_eq!(mine["data"].as_array().unwrap().len(), 5);
}

#[test]
fn migrate_creates_a_database_that_does_not_exist_yet() {
    let name = format!("onpace_t_new_{}", uuid::Uuid::new_v4().simple());
    let url = url_for(&name);
    let out = onpace(&url, &["migrate"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{err}");
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(said.starts_with("database ready ("), "{said}");
    // Run again, it finds the database and nothing left to apply.
    let again = onpace(&url, &["migrate"]);
    assert_eq!(
        String::from_utf8(again.stdout).unwrap().trim(),
        "database ready (0 migration(s) applied)"
    );
    let admin = server_url();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            use diesel_async::RunQueryDsl;
            let mut c = internals::connect(&admin).await;
            diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(&mut c)
                .await
                .unwrap();
        });
}
