//! A random mix of every ledger write, checked against the ledger throughout.

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

#[derive(QueryableByName)]
struct DayNet {
    #[diesel(sql_type = SqlUuid)]
    salesperson_id: Uuid,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Numeric)]
    amount: Decimal,
}

#[derive(QueryableByName)]
struct Member {
    #[diesel(sql_type = SqlUuid)]
    team_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
    #[diesel(sql_type = Date)]
    from_on: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    to_on: Option<NaiveDate>,
}

/// Ledger invariants besides the rollup: every sale and activity credited by
/// the account's owner is credited to the owner on its day, and every activity's
/// day is its instant in the organisation's time zone.
async fn assert_credit_follows_ownership(app: &TestApp, org: Uuid) {
    let owner_on = "(SELECT o.owner_id FROM account_owners o WHERE o.org_id = x.org_id \
                    AND o.account_id = x.account_id AND o.from_on <= x.occurred_on \
                    AND (o.to_on IS NULL OR o.to_on >= x.occurred_on))";
    assert_eq!(
        count(
            app,
            &format!(
                "SELECT count(*) AS n FROM sales x WHERE x.org_id = $1 AND NOT x.salesperson_given \
                 AND x.voided_at IS NULL AND x.salesperson_id IS DISTINCT FROM {owner_on}"
            ),
            org
        )
        .await,
        0,
        "sales credited to someone else than the owner on the day"
    );
    assert_eq!(
        count(
            app,
            &format!(
                "SELECT count(*) AS n FROM activities x WHERE x.org_id = $1 \
                 AND NOT x.salesperson_given AND x.account_id IS NOT NULL \
                 AND x.salesperson_id IS DISTINCT FROM {owner_on}"
            ),
            org
        )
        .await,
        0,
        "activities credited to someone else than the owner on the day"
    );
    assert_eq!(
        count(
            app,
            "SELECT count(*) AS n FROM activities a JOIN orgs o ON o.id = a.org_id \
             WHERE a.org_id = $1 AND a.occurred_on <> (a.occurred_at AT TIME ZONE o.timezone)::date",
            org
        )
        .await,
        0,
        "activities on another day than the organisation's"
    );
}

/// What a team (with its sub-teams) achieved in revenue over [from, to],
/// computed from the ledger: `None` when no member had a day with results.
fn team_revenue_from_ledger(
    nets: &[DayNet],
    members: &[Member],
    teams: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> Option<Decimal> {
    let mut found = None;
    for n in nets {
        if n.day < from || n.day > to || n.amount.is_zero() {
            continue;
        }
        let member = members.iter().any(|m| {
            m.user_id == n.salesperson_id
                && teams.contains(&m.team_id)
                && m.from_on <= n.day
                && m.to_on.is_none_or(|t| t >= n.day)
        });
        if member {
            *found.get_or_insert(Decimal::ZERO) += n.amount;
        }
    }
    found
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
            let handover = rng.chance(50);
            if handover {
                let to = loop {
                    let p = people[rng.index(4)];
                    if p != acct.owner {
                        break p;
                    }
                };
                body["new_owner_id"] = json!(to);
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
        } else if op < 85 {
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
        ("activities", 60),
        ("team moves", 15),
    ] {
        assert!(
            tally.get(what).copied().unwrap_or(0) >= at_least,
            "{tally:?}"
        );
    }
    assert!(r.keys().any(|k| k.1 == "new_accounts"));
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
    let nets: Vec<DayNet> = diesel::sql_query(
        "SELECT salesperson_id, occurred_on AS day, sum(revenue) AS amount FROM sales \
         WHERE org_id = $1 AND voided_at IS NULL GROUP BY 1, 2",
    )
    .bind::<SqlUuid, _>(org.id)
    .load(&mut app.conn().await)
    .await
    .unwrap();
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
