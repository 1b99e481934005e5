//! A scenario builder: an organisation with its people, teams, accounts, targets
//! and sales, written in a few chained lines and built through the API, each
//! step asserting its own status.
//!
//! ```ignore
//! let s = Scenario::new("Acme")
//!     .manager("mgr")
//!     .salesperson("sp", "farmer")
//!     .team("North", Some("mgr"), &["sp"])
//!     .customer("Contoso", "sp")
//!     .target("q4", "mgr", |s| q4_target("Q4", "user", s.id("sp"), "revenue", "1000"))
//!     .sales("admin", |s| json!([{ "external_id": "s1", "account_id": s.id("Contoso"), … }]))
//!     .build(&app)
//!     .await;
//! ```
//!
//! Every name (a person's, a team's, an account's, a target's) is a key to read
//! it back with; `"admin"` is the organisation's admin. People are members of
//! their teams from 2026-01-01 unless `member` says otherwise, and accounts are
//! owned from 2026-01-01.

use std::collections::HashMap;

use serde_json::{json, Value};
use uuid::Uuid;

use super::{account_body, Org, Person, TestApp};

type Body = Box<dyn Fn(&Built) -> Value>;

enum Step {
    Person {
        key: String,
        named: bool,
        role: &'static str,
        style: Option<String>,
    },
    Client {
        key: String,
        scopes: Vec<String>,
    },
    Team {
        name: String,
        manager: Option<String>,
        parent: Option<String>,
        members: Vec<String>,
    },
    Member {
        team: String,
        person: String,
        from: String,
    },
    Account {
        name: String,
        kind: &'static str,
        owner: String,
        crm: Option<(String, String)>,
    },
    Target {
        key: String,
        setter: String,
        agreer: Option<String>,
        body: Body,
    },
    Sales {
        by: String,
        items: Body,
    },
    Holidays(Vec<String>),
}

/// An organisation to build, step by step.
pub struct Scenario {
    name: String,
    steps: Vec<Step>,
}

/// What a scenario built: read back by the names it was written with.
pub struct Built {
    pub org: Org,
    people: HashMap<String, Person>,
    clients: HashMap<String, (Uuid, String)>,
    ids: HashMap<String, Uuid>,
}

impl Scenario {
    pub fn new(org: &str) -> Self {
        Scenario {
            name: org.to_string(),
            steps: Vec::new(),
        }
    }

    /// North (managed by `mgr`) with `sp` (a farmer) and `mate` (a hunter); South
    /// (managed by `mgr2`) with `other` (a hybrid); a `viewer`, and a `client`
    /// that reads.
    pub fn north_and_south(org: &str) -> Self {
        Scenario::new(org)
            .manager("mgr")
            .manager("mgr2")
            .salesperson("sp", "farmer")
            .salesperson("mate", "hunter")
            .salesperson("other", "hybrid")
            .viewer("viewer")
            .team("North", Some("mgr"), &["sp", "mate"])
            .team("South", Some("mgr2"), &["other"])
            .client("client", &["read"])
    }

    fn person(mut self, key: &str, role: &'static str, style: Option<&str>) -> Self {
        self.steps.push(Step::Person {
            key: key.into(),
            named: false,
            role,
            style: style.map(str::to_string),
        });
        self
    }
    /// A person called `name` (other people are called after their role).
    pub fn named(mut self, name: &str, role: &'static str, style: Option<&str>) -> Self {
        self.steps.push(Step::Person {
            key: name.into(),
            named: true,
            role,
            style: style.map(str::to_string),
        });
        self
    }
    pub fn manager(self, key: &str) -> Self {
        self.person(key, "manager", None)
    }
    pub fn salesperson(self, key: &str, style: &str) -> Self {
        self.person(key, "salesperson", Some(style))
    }
    pub fn viewer(self, key: &str) -> Self {
        self.person(key, "viewer", None)
    }

    /// An integration client with these scopes, and a token it could have been granted.
    pub fn client(mut self, key: &str, scopes: &[&str]) -> Self {
        self.steps.push(Step::Client {
            key: key.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        });
        self
    }

    /// A top-level team with its manager and members.
    pub fn team(self, name: &str, manager: Option<&str>, members: &[&str]) -> Self {
        self.sub_team(name, manager, None, members)
    }

    /// A team under `parent` (or at the top).
    pub fn sub_team(
        mut self,
        name: &str,
        manager: Option<&str>,
        parent: Option<&str>,
        members: &[&str],
    ) -> Self {
        self.steps.push(Step::Team {
            name: name.into(),
            manager: manager.map(str::to_string),
            parent: parent.map(str::to_string),
            members: members.iter().map(|m| m.to_string()).collect(),
        });
        self
    }

    /// `person` joins `team` on `from`.
    pub fn member(mut self, team: &str, person: &str, from: &str) -> Self {
        self.steps.push(Step::Member {
            team: team.into(),
            person: person.into(),
            from: from.into(),
        });
        self
    }

    fn account(mut self, name: &str, kind: &'static str, owner: &str) -> Self {
        self.steps.push(Step::Account {
            name: name.into(),
            kind,
            owner: owner.into(),
            crm: None,
        });
        self
    }
    /// A customer that a CRM knows by `external_id`.
    pub fn crm_customer(
        mut self,
        name: &str,
        owner: &str,
        source: &str,
        external_id: &str,
    ) -> Self {
        self.steps.push(Step::Account {
            name: name.into(),
            kind: "customer",
            owner: owner.into(),
            crm: Some((source.into(), external_id.into())),
        });
        self
    }
    pub fn customer(self, name: &str, owner: &str) -> Self {
        self.account(name, "customer", owner)
    }
    pub fn prospect(self, name: &str, owner: &str) -> Self {
        self.account(name, "prospect", owner)
    }

    /// A target set (and left a draft) by `setter`, its body written with the ids
    /// built so far.
    pub fn target(
        mut self,
        key: &str,
        setter: &str,
        body: impl Fn(&Built) -> Value + 'static,
    ) -> Self {
        self.steps.push(Step::Target {
            key: key.into(),
            setter: setter.into(),
            agreer: None,
            body: Box::new(body),
        });
        self
    }

    /// A target set and proposed by `setter` and agreed by `agreer`.
    pub fn agreed_target(
        mut self,
        key: &str,
        setter: &str,
        agreer: &str,
        body: impl Fn(&Built) -> Value + 'static,
    ) -> Self {
        self.steps.push(Step::Target {
            key: key.into(),
            setter: setter.into(),
            agreer: Some(agreer.into()),
            body: Box::new(body),
        });
        self
    }

    /// A batch of sales pushed by `by`, every item created.
    pub fn sales(mut self, by: &str, items: impl Fn(&Built) -> Value + 'static) -> Self {
        self.steps.push(Step::Sales {
            by: by.into(),
            items: Box::new(items),
        });
        self
    }

    /// The organisation's holidays.
    pub fn holidays(mut self, days: &[&str]) -> Self {
        self.steps
            .push(Step::Holidays(days.iter().map(|d| d.to_string()).collect()));
        self
    }

    pub async fn build(self, app: &TestApp) -> Built {
        let mut b = Built {
            org: app.org(&self.name).await,
            people: HashMap::new(),
            clients: HashMap::new(),
            ids: HashMap::new(),
        };
        for step in self.steps {
            match step {
                Step::Person {
                    key,
                    named,
                    role,
                    style,
                } => {
                    let p = if named {
                        app.named(&b.org, &key, role, style.as_deref()).await
                    } else {
                        app.person(&b.org, role, style.as_deref()).await
                    };
                    b.people.insert(key, p);
                }
                Step::Client { key, scopes } => {
                    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
                    let client = app.client_token(&b.org, &scopes).await;
                    b.clients.insert(key, client);
                }
                Step::Team {
                    name,
                    manager,
                    parent,
                    members,
                } => {
                    let manager = manager.map(|m| b.id(&m));
                    let parent = parent.map(|p| b.id(&p));
                    let team = app.team(&b.org, &name, manager, parent).await;
                    for m in members {
                        app.join(&b.org, team, b.id(&m), "2026-01-01").await;
                    }
                    b.ids.insert(name, team);
                }
                Step::Member { team, person, from } => {
                    app.join(&b.org, b.id(&team), b.id(&person), &from).await;
                }
                Step::Account {
                    name,
                    kind,
                    owner,
                    crm,
                } => {
                    let mut body = account_body(&name, kind, b.id(&owner), "2026-01-01");
                    if let Some((source, external_id)) = crm {
                        body["external_source"] = json!(source);
                        body["external_id"] = json!(external_id);
                    }
                    let id = app.new_account(&b.org.admin, &body).await;
                    b.ids.insert(name, id);
                }
                Step::Target {
                    key,
                    setter,
                    agreer,
                    body,
                } => {
                    let (setter, body) = (b.token(&setter), body(&b));
                    let id = match agreer {
                        None => app.new_target(setter, &body).await,
                        Some(a) => app.agreed_target(setter, b.token(&a), &body).await,
                    };
                    b.ids.insert(key, id);
                }
                Step::Sales { by, items } => {
                    let items = items(&b);
                    let n = items.as_array().map_or(0, Vec::len);
                    let v = app.push_sales(b.token(&by), &items).await;
                    assert_eq!(v["created"], n, "{v}");
                    assert_eq!(v["rejected"], 0, "{v}");
                }
                Step::Holidays(days) => {
                    app.patch("/v1/org")
                        .token(&b.org.admin)
                        .json(&json!({ "holidays": days }))
                        .send()
                        .await
                        .expect(200);
                }
            }
        }
        b
    }
}

impl Built {
    /// A person by name.
    #[track_caller]
    pub fn person(&self, key: &str) -> Person {
        self.people
            .get(key)
            .unwrap_or_else(|| panic!("no person {key} in the scenario"))
            .clone()
    }

    /// The id of a person, team, account or target by name (`admin`: the admin).
    #[track_caller]
    pub fn id(&self, key: &str) -> Uuid {
        if key == "admin" {
            return self.org.admin_id;
        }
        if let Some(p) = self.people.get(key) {
            return p.id;
        }
        if let Some((id, _)) = self.clients.get(key) {
            return *id;
        }
        *self
            .ids
            .get(key)
            .unwrap_or_else(|| panic!("nothing named {key} in the scenario"))
    }

    /// A person's or a client's token by name (`admin`: the admin's).
    #[track_caller]
    pub fn token(&self, key: &str) -> &str {
        if key == "admin" {
            return &self.org.admin;
        }
        if let Some((_, token)) = self.clients.get(key) {
            return token;
        }
        &self
            .people
            .get(key)
            .unwrap_or_else(|| panic!("no person or client {key} in the scenario"))
            .token
    }
}
