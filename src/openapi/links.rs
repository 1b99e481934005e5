//! OpenAPI `links`: from each operation that creates something to the operations
//! that read, change or act on it, so that a generated client (or a stateful test
//! tool) knows where the ids in a path come from.

use std::collections::BTreeMap;

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, PathItem};
use utoipa::openapi::OpenApi;

/// Something an operation creates: where it lives from then on, and where its id
/// is in the answer.
struct Created {
    /// The operation that creates it (its `operationId`).
    by: &'static str,
    /// The statuses of the answers that carry it.
    statuses: &'static [&'static str],
    /// Its path; its last parameter is the new id, the others come from the
    /// creating request's own path.
    at: &'static str,
    /// A JSON pointer to the new id in the answer.
    id: &'static str,
}

const CREATED: &[Created] = &[
    Created {
        by: "users_create",
        statuses: &["201"],
        at: "/v1/users/{id}",
        id: "/id",
    },
    Created {
        by: "teams_create",
        statuses: &["201"],
        at: "/v1/teams/{id}",
        id: "/id",
    },
    Created {
        by: "teams_put_member",
        statuses: &["200"],
        at: "/v1/teams/{id}/members/{user_id}",
        id: "/user_id",
    },
    Created {
        by: "clients_create",
        statuses: &["201"],
        at: "/v1/clients/{id}",
        id: "/id",
    },
    Created {
        by: "accounts_create",
        statuses: &["201"],
        at: "/v1/accounts/{id}",
        id: "/id",
    },
    Created {
        by: "accounts_put_external",
        statuses: &["200", "201"],
        at: "/v1/accounts/{id}",
        id: "/account/id",
    },
    Created {
        by: "accounts_add_split_rule",
        statuses: &["201"],
        at: "/v1/accounts/{id}/splits/{rule_id}",
        id: "/id",
    },
    Created {
        by: "targets_create",
        statuses: &["201"],
        at: "/v1/targets/{id}",
        id: "/id",
    },
    Created {
        by: "targets_revise",
        statuses: &["201"],
        at: "/v1/targets/{id}",
        id: "/id",
    },
    Created {
        by: "bonus-plans_create",
        statuses: &["201"],
        at: "/v1/bonus-plans/{id}",
        id: "/id",
    },
    Created {
        by: "reviews_create",
        statuses: &["201"],
        at: "/v1/reviews/{id}",
        id: "/id",
    },
    Created {
        by: "reviews_add_item",
        statuses: &["201"],
        at: "/v1/reviews/{id}/items/{item_id}",
        id: "/id",
    },
    Created {
        by: "webhooks_create",
        statuses: &["201"],
        at: "/v1/webhooks/{id}",
        id: "/id",
    },
    Created {
        by: "webhooks_test",
        statuses: &["202"],
        at: "/v1/webhooks/{id}/deliveries/{delivery_id}",
        id: "/id",
    },
    Created {
        by: "results_sale",
        statuses: &["200", "201"],
        at: "/v1/sales/{id}",
        id: "/sale/id",
    },
];

/// The `{name}`s of a path, in order.
fn params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

fn methods(item: &PathItem) -> impl Iterator<Item = (HttpMethod, &Operation)> {
    [
        (HttpMethod::Get, item.get.as_ref()),
        (HttpMethod::Put, item.put.as_ref()),
        (HttpMethod::Post, item.post.as_ref()),
        (HttpMethod::Delete, item.delete.as_ref()),
        (HttpMethod::Patch, item.patch.as_ref()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
}

/// Every operation by its id: its path and method.
fn by_id(doc: &OpenApi) -> BTreeMap<String, (String, HttpMethod)> {
    let mut all = BTreeMap::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in methods(item) {
            if let Some(id) = &op.operation_id {
                all.insert(id.clone(), (path.clone(), method));
            }
        }
    }
    all
}

/// The links of one created thing: to every other operation under its path.
fn links_of(created: &Created, doc: &OpenApi) -> Vec<(String, Vec<(String, String)>)> {
    let new_id = params(created.at).last().copied().unwrap_or_default();
    let all = by_id(doc);
    let source = all
        .get(created.by)
        .map(|(path, _)| params(path))
        .unwrap_or_default();
    let mut links = Vec::new();
    for (id, (path, _)) in &all {
        let under = path == created.at || path.starts_with(&format!("{}/", created.at));
        if !under || id == created.by {
            continue;
        }
        // Only where every id of the path is known: the new one, or one of the
        // creating request's own (a review's items need an item's id too).
        let known = params(path)
            .into_iter()
            .map(|p| {
                if p == new_id {
                    Some((p.to_string(), format!("$response.body#{}", created.id)))
                } else {
                    source
                        .contains(&p)
                        .then(|| (p.to_string(), format!("$request.path.{p}")))
                }
            })
            .collect::<Option<Vec<_>>>();
        if let Some(values) = known {
            links.push((id.clone(), values));
        }
    }
    links
}

/// Adds the links to the document (operation ids must be final).
pub fn add(doc: &mut OpenApi) {
    let all = by_id(doc);
    for created in CREATED {
        let links = links_of(created, doc);
        let Some((path, method)) = all.get(created.by) else {
            continue;
        };
        let Some(item) = doc.paths.paths.get_mut(path) else {
            continue;
        };
        let op = match method {
            HttpMethod::Get => item.get.as_mut(),
            HttpMethod::Put => item.put.as_mut(),
            HttpMethod::Post => item.post.as_mut(),
            HttpMethod::Delete => item.delete.as_mut(),
            HttpMethod::Patch => item.patch.as_mut(),
            _ => None,
        };
        let Some(op) = op else { continue };
        for status in created.statuses {
            let Some(utoipa::openapi::RefOr::T(response)) = op.responses.responses.get_mut(*status)
            else {
                continue;
            };
            for (target, values) in &links {
                let link = values
                    .iter()
                    .fold(LinkBuilder::new().operation_id(target), |l, (k, v)| {
                        l.parameter(k, v.as_str())
                    })
                    .description(format!("The created resource, through `{target}`"))
                    .build();
                response.links.insert(target.clone(), link.into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn doc() -> Value {
        serde_json::to_value(crate::server::openapi_document()).unwrap()
    }

    /// Every operation of the document: (operationId, path, operation).
    fn operations(doc: &Value) -> Vec<(String, String, Value)> {
        let mut all = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for op in item.as_object().unwrap().values() {
                if let Some(id) = op["operationId"].as_str() {
                    all.push((id.to_string(), path.clone(), op.clone()));
                }
            }
        }
        all
    }

    #[test]
    fn the_links_of_a_created_user_and_of_a_review_item_are_those_written_by_hand() {
        let doc = doc();
        let user = &doc["paths"]["/v1/users"]["post"]["responses"]["201"]["links"];
        assert_eq!(
            user["users_get_one"]["operationId"], "users_get_one",
            "{user}"
        );
        assert_eq!(
            user["users_get_one"]["parameters"]["id"],
            "$response.body#/id"
        );
        assert!(user.get("users_reactivate").is_some(), "{user}");
        assert!(user.get("users_list").is_none(), "{user}");

        let item = &doc["paths"]["/v1/reviews/{id}/items"]["post"]["responses"]["201"]["links"];
        let close = &item["reviews_close_item"]["parameters"];
        assert_eq!(close["id"], "$request.path.id");
        assert_eq!(close["item_id"], "$response.body#/id");

        let sync =
            &doc["paths"]["/v1/accounts/external/{source}/{external_id}"]["put"]["responses"];
        for status in ["200", "201"] {
            assert_eq!(
                sync[status]["links"]["accounts_transfer"]["parameters"]["id"],
                "$response.body#/account/id"
            );
        }
    }

    #[test]
    fn every_link_names_an_operation_and_gives_each_of_its_path_parameters() {
        let doc = doc();
        let all = operations(&doc);
        let mut count = 0;
        for (id, path, op) in &all {
            for response in op["responses"].as_object().unwrap().values() {
                let Some(links) = response["links"].as_object() else {
                    continue;
                };
                for link in links.values() {
                    count += 1;
                    let target = link["operationId"].as_str().unwrap();
                    let (_, target_path, _) = all
                        .iter()
                        .find(|(t, _, _)| t == target)
                        .unwrap_or_else(|| panic!("{id} links to an unknown {target}"));
                    let given = link["parameters"].as_object().unwrap();
                    let wanted = params(target_path);
                    assert_eq!(given.len(), wanted.len(), "{id} -> {target}");
                    for p in wanted {
                        let value = given[p].as_str().unwrap();
                        if let Some(name) = value.strip_prefix("$request.path.") {
                            assert!(params(path).contains(&name), "{id} -> {target}: {name}");
                        } else {
                            assert!(value.starts_with("$response.body#/"), "{value}");
                        }
                    }
                }
            }
        }
        assert!(count >= 40, "{count} links");
    }

    #[test]
    fn every_operation_that_creates_something_links_to_what_it_created() {
        let doc = doc();
        for (id, _, op) in operations(&doc) {
            let created = &op["responses"]["201"];
            if created.is_object() {
                assert!(
                    created["links"].as_object().is_some_and(|l| !l.is_empty()),
                    "{id} answers 201 without links"
                );
            }
        }
        for created in CREATED {
            let found = operations(&doc)
                .into_iter()
                .find(|(id, _, _)| id == created.by);
            let (_, _, op) = found.unwrap_or_else(|| panic!("no operation {}", created.by));
            for status in created.statuses {
                assert!(
                    op["responses"][*status].is_object(),
                    "{} {status}",
                    created.by
                );
            }
        }
    }
}
