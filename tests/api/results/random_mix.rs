//! A random mix of every ledger write, checked against the ledger throughout.

use super::random_mix_checks::*;
use super::*;

/// SplitMix64: small, deterministic, good enough to shuffle a test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }
    fn day(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        from + Duration::days(self.below(((to - from).num_days() + 1) as u64) as i64)
    }
}

struct Acct {
    id: Uuid,
    owner: Uuid,
    from: NaiveDate,
    prospect: bool,
}

/// What was last accepted for a key, and whether it is voided.
struct Known {
    id: Uuid,
    last: Value,
    voided: bool,
}

/// Distinct people, `n` of them, at random.
fn some_of(rng: &mut Rng, people: &[Uuid], n: usize) -> Vec<Uuid> {
    let mut out = Vec::new();
    while out.len() < n {
        let p = people[rng.index(people.len())];
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

fn share(who: Uuid, hundredths: i64, kind: &str) -> Value {
    json!({"salesperson_id": who, "share_pct": Decimal::new(hundredths, 2).to_string(), "type": kind})
}

/// A sale's own splits: revenue 2 or 3 ways totalling 100 (to the hundredth),
/// now and then an overlay share besides.
fn random_splits(rng: &mut Rng, people: &[Uuid]) -> Value {
    let k = 2 + rng.index(2);
    let mut left = 10_000i64;
    let mut out = Vec::new();
    for (i, p) in some_of(rng, people, k).into_iter().enumerate() {
        let later = (k - i - 1) as i64;
        let pct = if later == 0 {
            left
        } else {
            1 + rng.below((left - later) as u64) as i64
        };
        left -= pct;
        out.push(share(p, pct, "revenue"));
    }
    if rng.chance(30) {
        out.push(share(
            people[rng.index(people.len())],
            1 + rng.below(10_000) as i64,
            "overlay",
        ));
    }
    json!(out)
}

/// An account's split rule: one or two revenue shares of up to 50% each (now
/// and then one of 100%, leaving the owner nothing), sometimes an overlay.
fn random_rule(rng: &mut Rng, people: &[Uuid]) -> Vec<Value> {
    let n = 1 + rng.index(2);
    let mut out: Vec<Value> = some_of(rng, people, n)
        .into_iter()
        .map(|p| share(p, 1 + rng.below(5_000) as i64, "revenue"))
        .collect();
    if n == 1 && rng.chance(15) {
        out[0]["share_pct"] = json!("100");
    }
    if rng.chance(30) {
        out.push(share(
            people[rng.index(people.len())],
            1 + rng.below(10_000) as i64,
            "overlay",
        ));
    }
    out
}

/// Whether [from, to] meets a listed rule (`to`: `None` when open).
fn meets(rule: &Value, from: NaiveDate, to: Option<NaiveDate>) -> bool {
    let r_from = day(rule["from"].as_str().unwrap());
    let r_to = rule["to"].as_str().map(day);
    r_to.is_none_or(|t| t >= from) && to.is_none_or(|t| t >= r_from)
}

#[actix_web::test]
async fn the_rollup_equals_the_ledger_after_a_random_mix_of_every_write() {
    let app = TestApp::new().await;
    let org = app.org("Random").await;
    app.patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"timezone": "Europe/Berlin"}))
        .send()
        .await
        .expect(200);
    let mut people = Vec::new();
    for _ in 0..4 {
        people.push(app.person(&org, "salesperson", None).await.id);
    }
    let company = app.team(&org, "Company", None, None).await;
    let east = app.team(&org, "East", None, Some(company)).await;
    let west = app.team(&org, "West", None, Some(company)).await;
    let solo = app.team(&org, "Solo", None, None).await;
    let teams = [east, west, solo, company];
    let start = day("2026-01-01");
    // (team, first day) of each person's current membership.
    let mut membership: Vec<(Uuid, NaiveDate)> =
        vec![(east, start), (east, start), (west, start), (solo, start)];
    for (p, (t, _)) in people.iter().zip(&membership) {
        app.join(&org, *t, *p, "2026-01-01").await;
    }
    let mut accounts = Vec::new();
    for i in 0..8 {
        let prospect = i >= 5;
        let owner = people[i % 4];
        let id = account(
            &app,
            &org,
            &format!("Account {i}"),
            if prospect { "prospect" } else { "customer" },
            owner,
            "2026-01-01",
            None,
        )
        .await;
        accounts.push(Acct {
            id,
            owner,
            from: start,
            prospect,
        });
    }
    let (_, crm) = api_client(&app, &org, "crm", &["sales:write", "activities:write"]).await;
    let today = today();
    let last_sale_day = day("2026-11-20").min(today);
    let mut rng = Rng(0x00DD_BA11_5EED);
    let mut sales: Vec<(String, Known)> = Vec::new();
    let mut acts: Vec<(String, Known)> = Vec::new();
    let mut next_key = 0usize;
    let mut tally: BTreeMap<&str, usize> = BTreeMap::new();

    for step in 0..300 {
        let op = rng.below(100);
        if op < 32 {
            // A batch of sales: new keys, updates, identical re-sends, voided keys.
            let n = 1 + rng.index(4);
            let mut items = Vec::new();
            let mut expect = Vec::new();
            let mut used = BTreeSet::new();
            for _ in 0..n {
                let existing = !sales.is_empty() && rng.chance(50);
                let key = if existing {
                    sales[rng.index(sales.len())].0.clone()
                } else {
                    next_key += 1;
                    format!("S{next_key:04}")
                };
                if !used.insert(key.clone()) {
                    continue;
                }
                let known = sales.iter().position(|(k, _)| *k == key);
                if let (Some(i), true) = (known, rng.chance(20)) {
                    items.push(sales[i].1.last.clone());
                    expect.push(if sales[i].1.voided {
                        "rejected"
                    } else {
                        "unchanged"
                    });
                    continue;
                }
                let a = &accounts[rng.index(accounts.len())];
                let cents = 100 + rng.below(1_000_000) as i64;
                let revenue = Decimal::new(cents, 2);
                let mut item = json!({
                    "external_id": key, "account_id": a.id,
                    "occurred_on": rng.day(start, last_sale_day).to_string(),
                    "revenue": revenue.to_string(),
                });
                if rng.chance(70) {
                    let gp = Decimal::new(cents * rng.below(101) as i64 / 100, 2);
                    item["gross_profit"] = json!(gp.to_string());
                } else {
                    let cost = Decimal::new(cents * rng.below(130) as i64 / 100, 2);
                    item["cost"] = json!(cost.to_string());
                }
                if rng.chance(20) {
                    item["kind"] = json!("credit_note");
                }
                let mut valid = true;
                if rng.chance(25) {
                    item["currency"] = json!("USD");
                    if rng.chance(85) {
                        let rate = ["0.9", "1.1", "1.2345", "0.87654321"][rng.index(4)];
                        item["fx_rate"] = json!(rate);
                    } else {
                        valid = false;
                    }
                }
                if rng.chance(20) {
                    item["salesperson_id"] = json!(people[rng.index(4)]);
                } else if rng.chance(20) {
                    item["splits"] = random_splits(&mut rng, &people);
                }
                expect.push(match known {
                    _ if !valid => "rejected",
                    Some(i) if sales[i].1.voided => "rejected",
                    Some(_) => "updated",
                    None => "created",
                });
                items.push(item);
            }
            let v = pushed(&app, &crm, json!(items)).await;
            assert_eq!(statuses(&v), strs(&expect), "step {step}: {v}");
            for (i, item) in items.iter().enumerate() {
                let key = item["external_id"].as_str().unwrap().to_string();
                match expect[i] {
                    "created" => sales.push((
                        key,
                        Known {
                            id: id_of(&v, i),
                            last: item.clone(),
                            voided: false,
                        },
                    )),
                    "updated" | "unchanged" => {
                        let k = sales.iter_mut().find(|(k, _)| *k == key).unwrap();
                        assert_eq!(k.1.id, id_of(&v, i));
                        k.1.last = item.clone();
                    }
                    _ => {}
                }
            }
            *tally.entry("sales").or_default() += 1;
        } else if op < 42 {
            // A void (now and then of a voided sale).
            if sales.is_empty() {
                continue;
            }
            let i = rng.index(sales.len());
            let r = void(&app, &crm, sales[i].1.id, None).await;
            if sales[i].1.voided {
                r.problem(409, "already_voided");
            } else {
                r.expect(200);
                sales[i].1.voided = true;
            }
            *tally.entry("voids").or_default() += 1;
        } else if op < 52 {
            // A transfer, often effective in the past.
            let a = rng.index(accounts.len());
            let acct = &mut accounts[a];
            let to = loop {
                let p = people[rng.index(4)];
                if p != acct.owner {
                    break p;
                }
            };
            let on = rng.day(acct.from, today);
            transfer(&app, &org, acct.id, to, &on.to_string()).await;
            acct.owner = to;
            acct.from = on;
            *tally.entry("transfers").or_default() += 1;
        } else if op < 57 {
            // A prospect won, perhaps handed over.
            let Some(a) = accounts.iter().position(|a| a.prospect) else {
                continue;
            };
            let acct = &mut accounts[a];
            let on = rng.day(acct.from, today);
            let mut body = json!({"converted_on": on.to_string()});
            let handover = rng.chance(70);
            if handover {
                let to = loop {
                    let p = people[rng.index(4)];
                    if p != acct.owner {
                        break p;
                    }
                };
                body["new_owner_id"] = json!(to);
                if rng.chance(75) {
                    let until = on + Duration::days(rng.below(60) as i64);
                    body["hunter_share"] = json!({
                        "share_pct": (1 + rng.below(99)).to_string(), "until": until.to_string()
                    });
                    *tally.entry("hunter shares").or_default() += 1;
                }
                acct.owner = to;
                acct.from = on;
            }
            app.post(&format!("/v1/accounts/{}/convert", acct.id))
                .token(&org.admin)
                .json(&body)
                .send()
                .await
                .expect(200);
            acct.prospect = false;
            *tally.entry("conversions").or_default() += 1;
        } else if op < 80 {
            // A batch of activities.
            let n = 1 + rng.index(3);
            let mut items = Vec::new();
            let mut expect = Vec::new();
            let mut used = BTreeSet::new();
            for _ in 0..n {
                let existing = !acts.is_empty() && rng.chance(40);
                let key = if existing {
                    acts[rng.index(acts.len())].0.clone()
                } else {
                    next_key += 1;
                    format!("A{next_key:04}")
                };
                if !used.insert(key.clone()) {
                    continue;
                }
                let known = acts.iter().position(|(k, _)| *k == key);
                if let (Some(i), true) = (known, rng.chance(20)) {
                    items.push(acts[i].1.last.clone());
                    expect.push("unchanged");
                    continue;
                }
                let on = rng.day(start, last_sale_day);
                let kind = ["call", "meeting", "demo", "site_visit"][rng.index(4)];
                let mut item = json!({
                    "external_id": key,
                    "kind": kind,
                    "occurred_at": format!("{on}T{:02}:{:02}:00Z", rng.below(24), rng.below(60)),
                    "count": 1 + rng.below(5),
                });
                if rng.chance(70) {
                    item["account_id"] = json!(accounts[rng.index(accounts.len())].id);
                }
                if item.get("account_id").is_none() || rng.chance(20) {
                    item["salesperson_id"] = json!(people[rng.index(4)]);
                }
                expect.push(if known.is_some() {
                    "updated"
                } else {
                    "created"
                });
                items.push(item);
            }
            let v = push_activities(&app, &crm, json!(items)).await.expect(200);
            assert_eq!(statuses(&v), strs(&expect), "step {step}: {v}");
            for (i, item) in items.iter().enumerate() {
                let key = item["external_id"].as_str().unwrap().to_string();
                match acts.iter_mut().find(|(k, _)| *k == key) {
                    Some(k) => k.1.last = item.clone(),
                    None => acts.push((
                        key,
                        Known {
                            id: id_of(&v, i),
                            last: item.clone(),
                            voided: false,
                        },
                    )),
                }
            }
            *tally.entry("activities").or_default() += 1;
        } else if op < 88 {
            // A split rule added to a customer (refused when it meets another),
            // or one removed.
            let customers: Vec<Uuid> = accounts
                .iter()
                .filter(|a| !a.prospect)
                .map(|a| a.id)
                .collect();
            let url = format!(
                "/v1/accounts/{}/splits",
                customers[rng.index(customers.len())]
            );
            let listed = app.get(&url).token(&org.admin).send().await.expect(200);
            let current = listed["data"].as_array().unwrap();
            if !current.is_empty() && rng.chance(40) {
                let rule = current[rng.index(current.len())]["id"].as_str().unwrap();
                app.delete(&format!("{url}/{rule}"))
                    .token(&org.admin)
                    .send()
                    .await
                    .expect(204);
                *tally.entry("split rules removed").or_default() += 1;
                continue;
            }
            let from = rng.day(start, today);
            let to = rng
                .chance(60)
                .then(|| from + Duration::days(rng.below(90) as i64));
            let mut body =
                json!({"from": from.to_string(), "splits": random_rule(&mut rng, &people)});
            if let Some(t) = to {
                body["to"] = json!(t.to_string());
            }
            let r = app.post(&url).token(&org.admin).json(&body).send().await;
            if current.iter().any(|c| meets(c, from, to)) {
                r.problem(409, "split_rules_overlap");
            } else {
                r.expect(201);
                *tally.entry("split rules added").or_default() += 1;
            }
        } else {
            // Someone moves to another team, from a day in the past.
            let p = rng.index(people.len());
            let (current, from) = membership[p];
            if from >= today {
                continue;
            }
            let team = loop {
                let t = teams[rng.index(3)];
                if t != current {
                    break t;
                }
            };
            let on = rng.day(from + Duration::days(1), today);
            app.join(&org, team, people[p], &on.to_string()).await;
            membership[p] = (team, on);
            *tally.entry("team moves").or_default() += 1;
        }
        if step % 7 == 6 {
            assert_rollup_is_ledger(&app, org.id).await;
            assert_credit_follows_ownership(&app, org.id).await;
        }
    }
    let r = assert_rollup_is_ledger(&app, org.id).await;
    assert_credit_follows_ownership(&app, org.id).await;
    // The mix really was a mix.
    for (what, at_least) in [
        ("sales", 60),
        ("voids", 15),
        ("transfers", 15),
        ("conversions", 3),
        ("activities", 50),
        ("team moves", 15),
        ("split rules added", 5),
        ("split rules removed", 2),
        ("hunter shares", 1),
    ] {
        assert!(
            tally.get(what).copied().unwrap_or(0) >= at_least,
            "{tally:?}"
        );
    }
    assert!(r.keys().any(|k| k.1 == "new_accounts"));
    assert!(
        r.keys().any(|k| k.1 == "overlay:revenue"),
        "overlay credits"
    );
    assert!(
        count(
            &app,
            "SELECT count(*) AS n FROM sales WHERE org_id = $1 AND splits_given",
            org.id
        )
        .await
            > 0
    );
    assert!(
        r.values().any(|v| v.is_sign_negative()),
        "credit notes count negative"
    );
    assert!(
        count(
            &app,
            "SELECT count(*) AS n FROM sales WHERE org_id = $1 AND currency = 'USD'",
            org.id
        )
        .await
            > 0
    );

    // Team figures, read through the attainability of Q4 targets, match the
    // ledger counted through dated membership.
    let nets = revenue_nets(&app, org.id).await;
    let members: Vec<Member> = diesel::sql_query(
        "SELECT team_id, user_id, from_on, to_on FROM team_members WHERE org_id = $1",
    )
    .bind::<SqlUuid, _>(org.id)
    .load(&mut app.conn().await)
    .await
    .unwrap();
    let quarters = [
        ("2026-07-01", "2026-09-30"),
        ("2026-04-01", "2026-06-30"),
        ("2026-01-01", "2026-03-31"),
        ("2025-10-01", "2025-12-31"),
    ];
    let value = dec("50000");
    for (team, subtree) in [
        (company, vec![company, east, west]),
        (east, vec![east]),
        (west, vec![west]),
        (solo, vec![solo]),
    ] {
        let history: Vec<Decimal> = quarters
            .iter()
            .filter_map(|(f, t)| {
                team_revenue_from_ledger(&nets, &members, &subtree, day(f), day(t))
            })
            .collect();
        let id = target(&app, &org, q4("team", team, "revenue", "50000")).await;
        let got = attainable(&app, &org, id).await;
        let sum: Decimal = history.iter().copied().sum();
        if history.is_empty() || sum <= Decimal::ZERO {
            assert_eq!((got.0.as_str(), got.1), ("no_history", None), "{history:?}");
            continue;
        }
        let exact = value / (sum / Decimal::from(history.len() as u64));
        let rating = if exact <= dec("1.2") {
            "realistic"
        } else if exact <= dec("1.5") {
            "stretch"
        } else {
            "unrealistic"
        };
        assert_eq!(got.0, rating, "{got:?} against {history:?}");
        assert_eq!(
            got.1,
            Some(exact.round_dp(2)),
            "{got:?} against {history:?}"
        );
        assert!(
            got.2
                .contains(&format!("previous {} quarters", history.len())),
            "{got:?}"
        );
    }
}
