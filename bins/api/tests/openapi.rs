//! The OpenAPI document against the router it describes.

use std::collections::BTreeSet;

use rigmaster_api::openapi::document;
use rigmaster_api::routes::endpoints;
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

#[test]
fn every_route_of_the_router_is_in_the_document_and_nothing_else_is() {
    let routes: BTreeSet<(String, String)> =
        endpoints().into_iter().map(|e| (e.method.as_str().to_owned(), e.path)).collect();
    let documented = documented_operations(&document());

    let undocumented: Vec<_> = routes.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routes).collect();
    assert!(undocumented.is_empty(), "served but not documented: {undocumented:#?}");
    assert!(unrouted.is_empty(), "documented but not served: {unrouted:#?}");
    assert!(routes.len() >= 50, "the router lists its routes ({} found)", routes.len());
}

#[test]
fn the_document_is_openapi_3_1_and_every_operation_is_named_tagged_and_answered() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut operation_ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(operation) = item.get(method) else { continue };
            let name = format!("{method} {path}");
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{name} has no operationId"));
            assert!(operation_ids.insert(id.to_owned()), "{name}: operationId {id} is used twice");
            assert!(operation["tags"].as_array().is_some_and(|t| !t.is_empty()), "{name} has no tag");
            assert!(operation["summary"].as_str().is_some_and(|s| !s.is_empty()), "{name} has no summary");
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.keys().any(|status| status.starts_with('2')), "{name} documents no success");
        }
    }
}

#[test]
fn every_error_answer_of_every_operation_is_the_envelope() {
    let doc = document();
    let envelope = "#/components/schemas/ErrorEnvelope";
    let shared = doc["components"]["responses"].as_object().unwrap();
    for (name, response) in shared {
        assert_eq!(response["content"]["application/json"]["schema"]["$ref"], envelope, "components/responses/{name}");
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(operation) = item.get(method) else { continue };
            for (status, response) in operation["responses"].as_object().unwrap() {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                let answer = match response["$ref"].as_str() {
                    Some(reference) => {
                        let name = reference.strip_prefix("#/components/responses/").expect("a response ref");
                        &shared[name]
                    }
                    None => response,
                };
                assert_eq!(
                    answer["content"]["application/json"]["schema"]["$ref"], envelope,
                    "{method} {path} {status} is not the error envelope"
                );
            }
            let responses = operation["responses"].as_object().unwrap();
            for status in ["400", "500"] {
                assert!(responses.contains_key(status), "{method} {path} does not document {status}");
            }
        }
    }
}

#[test]
fn operations_that_need_a_token_say_so_and_admin_operations_name_the_admin_role() {
    let doc = document();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(operation) = item.get(method) else { continue };
            let security = operation["security"].as_array().cloned().unwrap_or_default();
            let roles: Vec<&Value> = security.iter().filter_map(|r| r.get("bearer")).collect();
            if path.starts_with("/api/v1/admin/") {
                assert!(
                    roles.iter().any(|r| r.as_array().unwrap().contains(&Value::from("admin"))),
                    "{method} {path} is an admin operation but does not require the admin role"
                );
            }
            if path.starts_with("/api/v1/me") || path.starts_with("/api/v1/cart") || path.starts_with("/api/v1/orders")
            {
                assert!(!roles.is_empty(), "{method} {path} needs a token but has no bearer requirement");
                assert!(responses_has(operation, "401"), "{method} {path} does not document 401");
            }
        }
    }
}

fn responses_has(operation: &Value, status: &str) -> bool {
    operation["responses"].get(status).is_some()
}

#[test]
fn exactly_the_rate_limited_routes_document_429_with_retry_after() {
    let doc = document();
    let limited: BTreeSet<(String, String)> = endpoints()
        .into_iter()
        .filter(|e| e.limit.is_some())
        .map(|e| (e.method.as_str().to_lowercase(), e.path))
        .collect();
    assert!(limited.len() >= 9, "the auth, order, payment, coupon and newsletter routes are limited: {limited:#?}");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(operation) = item.get(method) else { continue };
            let is_limited = limited.contains(&(method.to_owned(), path.clone()));
            let response = &operation["responses"]["429"];
            assert_eq!(!response.is_null(), is_limited, "{method} {path}: 429 documented iff rate-limited");
            if is_limited {
                let name =
                    response["$ref"].as_str().expect("the shared 429").trim_start_matches("#/components/responses/");
                let shared = &doc["components"]["responses"][name];
                assert!(!shared["headers"]["Retry-After"].is_null(), "{method} {path}: 429 without Retry-After");
            }
        }
    }
}
