//! Filters and pages

use super::*;

#[actix_web::test]
async fn filters_by_role_activity_and_text() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let ada = id_of(&create(&app, &org, json!({"email": "ada@example.com", "name": "Ada Lovelace", "role": "salesperson", "selling_style": "farmer"})).await).to_string();
    let grace = id_of(&create(&app, &org, json!({"email": "grace@navy.example.org", "name": "Grace Hopper", "role": "salesperson"})).await).to_string();
    let alan = id_of(
        &create(
            &app,
            &org,
            json!({"email": "alan@example.com", "name": "Alan Turing", "role": "manager"}),
        )
        .await,
    )
    .to_string();
    let percy = id_of(
        &create(
            &app,
            &org,
            json!({"email": "percy@example.com", "name": "Percy 100%", "role": "viewer"}),
        )
        .await,
    )
    .to_string();
    let admin = org.admin_id.to_string();
    app.delete(&format!("/v1/users/{grace}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);

    let q = |query: &'static str| {
        let app = &app;
        let token = org.admin.clone();
        async move {
            let s: BTreeSet<String> = all_ids(app, &token, query).await.into_iter().collect();
            s
        }
    };
    let s = |ids: &[&String]| {
        ids.iter()
            .map(|x| x.to_string())
            .collect::<BTreeSet<String>>()
    };

    assert_eq!(q("").await, s(&[&admin, &ada, &grace, &alan, &percy]));
    assert_eq!(q("role=salesperson").await, s(&[&ada, &grace]));
    assert_eq!(q("role=admin").await, s(&[&admin]));
    assert_eq!(q("role=manager").await, s(&[&alan]));
    assert_eq!(q("role=viewer").await, s(&[&percy]));
    assert_eq!(q("active=false").await, s(&[&grace]));
    assert_eq!(q("active=true").await, s(&[&admin, &ada, &alan, &percy]));
    assert_eq!(q("role=salesperson&active=true").await, s(&[&ada]));
    // Name or email, any case, any part.
    assert_eq!(q("q=lovelace").await, s(&[&ada]));
    assert_eq!(q("q=TURING").await, s(&[&alan]));
    assert_eq!(q("q=ing").await, s(&[&alan]));
    assert_eq!(q("q=NAVY").await, s(&[&grace]));
    assert_eq!(q("q=example.com").await, s(&[&admin, &ada, &alan, &percy]));
    assert_eq!(q("q=nobody-has-this").await, s(&[]));
    // LIKE wildcards are taken literally.
    assert_eq!(q("q=%25").await, s(&[&percy]));
    assert_eq!(q("q=100%25").await, s(&[&percy]));
    assert_eq!(q("q=_").await, s(&[]));
    assert_eq!(q("q=%5C").await, s(&[]));
    // Blank text is no filter.
    assert_eq!(
        q("q=%20%20").await,
        s(&[&admin, &ada, &grace, &alan, &percy])
    );
    // Combined.
    assert_eq!(q("q=a&role=manager").await, s(&[&alan]));
    assert_eq!(q("q=hopper&active=true").await, s(&[]));

    // Filters do not widen what a caller may see.
    let seller = app.person(&org, "salesperson", None).await;
    let v = app
        .get("/v1/users?role=salesperson")
        .token(&seller.token)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), vec![seller.id.to_string()]);

    // Unreadable filters.
    app.get("/v1/users?role=boss")
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
    app.get("/v1/users?active=maybe")
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
}

#[actix_web::test]
async fn pages_walk_every_person_once() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let mut created = vec![org.admin_id.to_string()];
    for i in 0..6 {
        let role = ["salesperson", "manager", "viewer"][i % 3];
        let v = create(&app, &org, json!({"email": format!("p{i}@example.com"), "name": format!("Person {i}"), "role": role})).await;
        created.push(v["id"].as_str().unwrap().to_string());
    }
    assert_eq!(created.len(), 7);

    // One by one: seven pages of one, the last without a cursor.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 1..=7 {
        let url = match &cursor {
            Some(c) => format!("/v1/users?limit=1&cursor={c}"),
            None => "/v1/users?limit=1".to_string(),
        };
        let v = app.get(&url).token(&org.admin).send().await.expect(200);
        let ids = page_ids(&v);
        assert_eq!(ids.len(), 1, "page {page}: {v}");
        seen.extend(ids);
        cursor = v["next_cursor"].as_str().map(str::to_string);
        if page < 7 {
            assert!(cursor.is_some(), "page {page} has a next cursor");
        } else {
            assert_eq!(v["next_cursor"], Value::Null, "the last page has none");
        }
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), 7, "no duplicates: {seen:?}");
    // UUID v7 ids sort by creation: pages come in the order people were added.
    assert_eq!(seen, created);

    // Pages of three: 3, 3, 1.
    let v = app
        .get("/v1/users?limit=3")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), created[0..3].to_vec());
    let c = v["next_cursor"].as_str().unwrap().to_string();
    let v = app
        .get(&format!("/v1/users?limit=3&cursor={c}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), created[3..6].to_vec());
    let c = v["next_cursor"].as_str().unwrap().to_string();
    let v = app
        .get(&format!("/v1/users?limit=3&cursor={c}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), created[6..7].to_vec());
    assert_eq!(v["next_cursor"], Value::Null);

    // A page exactly as long as the list has no next cursor; one shorter has.
    let v = app
        .get("/v1/users?limit=7")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v).len(), 7);
    assert_eq!(v["next_cursor"], Value::Null);
    let v = app
        .get("/v1/users?limit=6")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v).len(), 6);
    assert!(v["next_cursor"].is_string());
    // Default page size is 50, maximum 200.
    let v = app
        .get("/v1/users")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), created);
    assert_eq!(v["next_cursor"], Value::Null);
    app.get("/v1/users?limit=200")
        .token(&org.admin)
        .send()
        .await
        .expect(200);

    // Pages combine with filters: the two salespeople (p0, p3) one at a time.
    let walked = all_ids(&app, &org.admin, "role=salesperson&limit=1").await;
    assert_eq!(walked, vec![created[1].clone(), created[4].clone()]);

    // Out-of-range limits and foreign cursors.
    for limit in ["0", "201", "-1"] {
        let v = app
            .get(&format!("/v1/users?limit={limit}"))
            .token(&org.admin)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            field_codes(&v),
            pairs(&[("limit", "out_of_range")]),
            "limit={limit}"
        );
    }
    app.get("/v1/users?limit=ten")
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
    // Not base64; base64 of something that is not an id; an id that is not base64-encoded.
    for cursor in ["garbage!!", "aGVsbG8", &created[1]] {
        app.get(&format!("/v1/users?cursor={cursor}"))
            .token(&org.admin)
            .send()
            .await
            .problem(400, "invalid_cursor");
    }
    // An empty cursor is the first page.
    let v = app
        .get("/v1/users?cursor=&limit=2")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), created[0..2].to_vec());
}
