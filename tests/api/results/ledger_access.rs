//! Who sees which part of the ledger: that of progress. A salesperson their own
//! results; a manager those credited to the members of their teams (sub-teams
//! included) on the result's day; admins, viewers and `read` clients everything.
//! What the caller does not see is 404 by id and absent from lists and exports.

use super::ledger::{crm_sale, csv};
use super::*;

#[actix_web::test]
async fn each_role_sees_what_progress_shows_it() {
    let app = TestApp::new().await;
    // North (mgr): sp, mate, and North-East (no manager of its own) with ne;
    // mover was in North until 2026-10-31 and is in South (mgr2) from 2026-11-01.
    let s = Scenario::north_and_south("Seen Co")
        .salesperson("ne", "farmer")
        .salesperson("mover", "hybrid")
        .sub_team("North-East", None, Some("North"), &["ne"])
        .member("North", "mover", "2026-01-01")
        .client("writer", &["sales:write"])
        .customer("Contoso", "sp")
        .customer("Fabrikam", "mate")
        .customer("Initech", "other")
        .customer("NE Co", "ne")
        .customer("Mover Co", "mover")
        .build(&app)
        .await;
    app.delete(&format!(
        "/v1/teams/{}/members/{}?to=2026-10-31",
        s.id("North"),
        s.id("mover")
    ))
    .token(&s.org.admin)
    .send()
    .await
    .expect(200);
    app.join(&s.org, s.id("South"), s.id("mover"), "2026-11-01")
        .await;
    let v = app
        .push_sales(
            &s.org.admin,
            &json!([
                crm_sale("SP", s.id("Contoso"), "2026-10-01", "100", "10"),
                crm_sale("MATE", s.id("Fabrikam"), "2026-10-01", "200", "20"),
                crm_sale("OTHER", s.id("Initech"), "2026-10-01", "300", "30"),
                crm_sale("NE", s.id("NE Co"), "2026-10-01", "400", "40"),
                crm_sale("MOVER-OCT", s.id("Mover Co"), "2026-10-15", "500", "50"),
                crm_sale("MOVER-NOV", s.id("Mover Co"), "2026-11-15", "600", "60"),
            ]),
        )
        .await;
    let [sp, mate, other, ne, oct, nov] = [0, 1, 2, 3, 4, 5].map(|i| id_of(&v, i));
    let everything = set(&[sp, mate, other, ne, oct, nov]);

    let stranger = app.org("Elsewhere").await;
    let who: Vec<(&str, &str, BTreeSet<Uuid>)> = vec![
        ("admin", s.token("admin"), everything.clone()),
        ("viewer", s.token("viewer"), everything.clone()),
        ("read client", s.token("client"), everything.clone()),
        ("sp", s.token("sp"), set(&[sp])),
        ("mate", s.token("mate"), set(&[mate])),
        ("ne", s.token("ne"), set(&[ne])),
        ("mover", s.token("mover"), set(&[oct, nov])),
        // Members on the day: mover's October sale was North's, November's South's.
        ("mgr", s.token("mgr"), set(&[sp, mate, ne, oct])),
        ("mgr2", s.token("mgr2"), set(&[other, nov])),
        ("another organisation", &stranger.admin, BTreeSet::new()),
    ];
    for (name, token, seen) in &who {
        let listed = app.listed(token, "/v1/sales", "").await;
        assert_eq!(&listed, seen, "{name} lists");
        let (_, recs) = csv(&app, token, "/v1/sales").await;
        let exported: BTreeSet<Uuid> = recs.iter().map(|r| r[0].parse().unwrap()).collect();
        assert_eq!(&exported, seen, "{name} exports");
        for id in &everything {
            let r = app
                .get(&format!("/v1/sales/{id}"))
                .token(token)
                .send()
                .await;
            if seen.contains(id) {
                assert_eq!(r.expect(200)["id"], json!(id), "{name}");
            } else {
                r.problem(404, "not_found");
            }
        }
    }

    // Filters naming people or teams the caller does not see list nothing.
    let unseen: &[(&str, String)] = &[
        ("sp", format!("&salesperson_id={}", s.id("mate"))),
        ("mgr", format!("&salesperson_id={}", s.id("other"))),
        ("mgr", format!("&team_id={}", s.id("South"))),
        ("mgr2", format!("&team_id={}", s.id("North"))),
    ];
    for (caller, query) in unseen {
        let listed = app.listed(s.token(caller), "/v1/sales", query).await;
        assert!(listed.is_empty(), "{caller} {query}: {listed:?}");
    }
    // sp filtering by their own team sees their own part of it.
    let q = format!("&team_id={}", s.id("North"));
    assert_eq!(app.listed(s.token("sp"), "/v1/sales", &q).await, set(&[sp]));
    // Team filters follow dated membership, sub-teams included.
    assert_eq!(
        app.listed(s.token("admin"), "/v1/sales", &q).await,
        set(&[sp, mate, ne, oct])
    );
    let q = format!("&team_id={}", s.id("South"));
    assert_eq!(
        app.listed(s.token("viewer"), "/v1/sales", &q).await,
        set(&[other, nov])
    );
    let q = format!("&team_id={}", s.id("North-East"));
    assert_eq!(
        app.listed(s.token("mgr"), "/v1/sales", &q).await,
        set(&[ne])
    );

    // A client that only pushes does not read.
    for url in ["/v1/sales", "/v1/activities"] {
        app.get(url)
            .token(s.token("writer"))
            .send()
            .await
            .problem(403, "forbidden");
    }
    app.get(&format!("/v1/sales/{sp}"))
        .token(s.token("writer"))
        .send()
        .await
        .problem(403, "forbidden");
}
