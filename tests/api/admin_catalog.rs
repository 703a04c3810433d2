//! Admin product and category management.

use std::collections::HashMap;
use std::sync::Arc;

use catalog::pricing::{Discount, price};
use chrono::{DateTime, Utc};
use kernel::Money;
use reqwest::{Method, StatusCode};
use rigmaster_tests::app::{TestApp, TestUser, assert_error};
use rigmaster_tests::shop::{all_at_once, json_body};
use rigmaster_tests::spawn_app;
use serde_json::{Value, json};

use crate::catalog::product;

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool().await).await.unwrap()
}

async fn patch(app: &TestApp, admin: &TestUser, path: &str, body: &Value) -> reqwest::Response {
    app.send_json_as(Method::PATCH, path, &admin.access_token, body).await
}

#[tokio::test]
async fn creating_a_product_opens_its_stock_in_the_same_step() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;

    let created = app.create_product(&admin, &product("STOCK-1", "Stocked Card")).await;

    let (on_hand, threshold): (i64, i64) =
        sqlx::query_as("SELECT on_hand, low_stock_threshold FROM inventory.stock WHERE product_id = $1::uuid")
            .bind(created["id"].as_str().unwrap())
            .fetch_one(&app.db.pool().await)
            .await
            .unwrap();
    assert_eq!((on_hand, threshold), (5, 2));
    assert_eq!(count(&app, "SELECT count(*) FROM inventory.ledger WHERE kind = 'restock' AND delta = 5").await, 1);
    assert_eq!(created["stock_available"], 5);
}

#[tokio::test]
async fn bad_product_input_is_refused_by_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    app.create_product(&admin, &product("TAKEN-1", "Existing Card")).await;
    let with = |key: &str, value: Value| {
        let mut body = product("FRESH-1", "Fresh Card");
        body[key] = value;
        body
    };
    let cases = [
        (
            with("base_price_paise", json!(-1)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "base_price_paise",
        ),
        (
            with("discount", json!({"type": "percentage", "value": 10_001})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "discount.value",
        ),
        (with("tax_rate_bps", json!(2801)), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "tax_rate_bps"),
        (
            with("category", json!("no-such-category")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "category_id",
        ),
        (with("sku", json!("taken-1")), StatusCode::CONFLICT, "sku_taken", "sku"),
        (with("name", json!("x".repeat(10_000))), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "name"),
        (
            with("images", json!(["javascript:alert(1)"])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "images[0]",
        ),
        (
            with("specifications", json!([1, 2])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "specifications",
        ),
    ];
    for (body, status, code, field) in cases {
        let response = app.send_json_as(Method::POST, "/api/v1/admin/products", &admin.access_token, &body).await;
        let error = assert_error(response, status, code).await;
        let fields: Vec<&str> =
            error["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&field), "{code}: expected {field} in {fields:?}");
    }
    assert_eq!(count(&app, "SELECT count(*) FROM catalog.products").await, 1, "only the first product");
    assert_eq!(count(&app, "SELECT count(*) FROM inventory.stock").await, 1, "and only its stock");
}

#[tokio::test]
async fn only_admins_manage_the_catalog() {
    let app = spawn_app().await;
    let customer = app.register_customer().await;
    let body = product("AUTH-1", "Auth Card");

    let anonymous = app.post_json("/api/v1/admin/products", &body).await;
    let as_customer = app.send_json_as(Method::POST, "/api/v1/admin/products", &customer.access_token, &body).await;

    assert_error(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_error(as_customer, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(count(&app, "SELECT count(*) FROM catalog.products").await, 0);
}

#[tokio::test]
async fn a_partial_update_changes_only_what_it_names_and_reprices() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let mut body = product("EDIT-1", "Editable Card");
    body["discount"] = json!({"type": "flat", "value": 10_000});
    let created = app.create_product(&admin, &body).await;
    let path = format!("/api/v1/admin/products/{}", created["id"].as_str().unwrap());

    let repriced = patch(&app, &admin, &path, &json!({"base_price_paise": 200_000, "is_featured": true})).await;
    let repriced: Value = repriced.json().await.unwrap();
    let undiscounted: Value = patch(&app, &admin, &path, &json!({"discount": null})).await.json().await.unwrap();

    assert_eq!(repriced["pricing"]["unit_price_paise"], 190_000);
    assert_eq!(repriced["pricing"]["final_price_paise"], 224_200);
    assert_eq!((repriced["is_featured"].as_bool(), repriced["name"].as_str()), (Some(true), Some("Editable Card")));
    assert_eq!(undiscounted["pricing"]["discount"], Value::Null);
    assert_eq!(undiscounted["pricing"]["final_price_paise"], 236_000);
    assert_eq!(undiscounted["sku"], "EDIT-1");
    let listed = app.get_json("/api/v1/products?min_price_paise=236000&max_price_paise=236000").await;
    assert_eq!(listed["items"][0]["id"], created["id"], "price filters see the new price");
}

/// The fields eight racing admins change, two admins to a field.
const RACED_FIELDS: [&str; 4] = ["base_price_paise", "discount", "name", "is_featured"];

/// The field `writer` changes in `round`, and a value no other write of the test sends
/// (but for `is_featured`, where the field's two writers send opposite values).
fn racing_edit(round: i64, writer: i64) -> (&'static str, Value) {
    let field = RACED_FIELDS[(writer % 4) as usize];
    let n = round * 10 + writer;
    let value = match field {
        "base_price_paise" => json!(100_000 + n),
        "discount" => json!({"type": "percentage", "value": 100 + n}),
        "name" => json!(format!("Raced Card {n}")),
        _ => json!(writer < 4),
    };
    (field, value)
}

/// A raced field as a `Product` body shows it.
fn shown(product: &Value, field: &str) -> Value {
    match field {
        "base_price_paise" | "discount" => product["pricing"][field].clone(),
        _ => product[field].clone(),
    }
}

/// Asserts the stored final price is the pricing function's for the stored inputs.
async fn assert_priced_by_the_pricing_function(app: &TestApp, id: &str) {
    let (base, discount_bps, tax_rate_bps, final_price): (i64, Option<i64>, i32, i64) = sqlx::query_as(
        "SELECT base_price_paise, discount_value, tax_rate_bps, final_price_paise FROM catalog.products WHERE id = $1::uuid",
    )
    .bind(id)
    .fetch_one(&app.db.pool().await)
    .await
    .unwrap();
    let discount = discount_bps.map(|bps| Discount::Percentage { bps: u32::try_from(bps).unwrap() });
    let priced = price(Money::from_paise(base), discount, u32::try_from(tax_rate_bps).unwrap()).unwrap();
    assert_eq!(final_price, priced.final_price.paise(), "base {base}, discount {discount:?}, tax {tax_rate_bps}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_of_one_product_all_succeed_and_each_field_keeps_its_last_write() {
    let app = Arc::new(spawn_app().await);
    let admin = app.register_admin().await;
    let id = app.create_product(&admin, &product("RACE-1", "Raced Card")).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/admin/products/{id}");

    for round in 0..5 {
        let answers = all_at_once((0..8).map(|writer| {
            let (app, admin, path) = (app.clone(), admin.clone(), path.clone());
            let (field, value) = racing_edit(round, writer);
            async move {
                let response = patch(&app, &admin, &path, &json!({ field: value })).await;
                (field, value, json_body(response, StatusCode::OK).await)
            }
        }))
        .await;

        // Writes are applied one at a time; the latest `updated_at` is the last one.
        let mut last_writes: HashMap<&str, (DateTime<Utc>, Value)> = HashMap::new();
        for (field, value, answer) in answers {
            assert_eq!(shown(&answer, field), value, "round {round}: a write answers with its own change");
            let at: DateTime<Utc> = answer["updated_at"].as_str().unwrap().parse().unwrap();
            if last_writes.get(field).is_none_or(|(last, _)| at > *last) {
                last_writes.insert(field, (at, value));
            }
        }
        let stored = json_body(app.get_as(&path, &admin.access_token).await, StatusCode::OK).await;
        for (field, (_, value)) in &last_writes {
            assert_eq!(&shown(&stored, field), value, "round {round}: {field} holds its last write");
        }
        assert_priced_by_the_pricing_function(&app, &id).await;
    }
}

#[tokio::test]
async fn updates_refuse_a_taken_sku_and_unknown_products() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    app.create_product(&admin, &product("FIRST-1", "First Card")).await;
    let second = app.create_product(&admin, &product("SECOND-1", "Second Card")).await;
    let path = format!("/api/v1/admin/products/{}", second["id"].as_str().unwrap());

    let taken = patch(&app, &admin, &path, &json!({"sku": "first-1"})).await;
    let unknown =
        patch(&app, &admin, &format!("/api/v1/admin/products/{}", uuid::Uuid::now_v7()), &json!({"name": "X"})).await;
    let over = patch(&app, &admin, &path, &json!({"discount": {"type": "percentage", "value": 20_000}})).await;

    assert_error(taken, StatusCode::CONFLICT, "sku_taken").await;
    assert_error(unknown, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(over, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let unchanged = app.get_json(&format!("/api/v1/products/{}", second["id"].as_str().unwrap())).await;
    assert_eq!((unchanged["sku"].as_str(), &unchanged["pricing"]["discount"]), (Some("SECOND-1"), &Value::Null));
}

#[tokio::test]
async fn a_deleted_product_leaves_the_store_but_not_the_admin_panel() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let keep = app.create_product(&admin, &product("KEEP-1", "Quokka Keeper Card")).await;
    let gone = app.create_product(&admin, &product("GONE-1", "Quokka Retired Card")).await;
    let id = gone["id"].as_str().unwrap();

    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/admin/products/{id}")))
        .bearer_auth(&admin.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    assert_error(app.get(&format!("/api/v1/products/{id}")).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(app.get("/api/v1/products/quokka-retired-card").await, StatusCode::NOT_FOUND, "not_found").await;
    let listed = app.get_json("/api/v1/products?category=gpu").await;
    let searched = app.get_json("/api/v1/products?q=quokka").await;
    let suggested = app.get_json("/api/v1/search/suggest?q=quokka").await;
    for (what, page) in [("list", &listed), ("search", &searched), ("suggest", &suggested)] {
        let ids: Vec<&Value> = page["items"].as_array().unwrap().iter().map(|p| &p["id"]).collect();
        assert_eq!(ids, vec![&keep["id"]], "{what}");
    }
    let as_admin: Value =
        app.get_as(&format!("/api/v1/admin/products/{id}"), &admin.access_token).await.json().await.unwrap();
    assert_eq!(
        (as_admin["availability"].as_str(), as_admin["is_active"].as_bool()),
        (Some("discontinued"), Some(false))
    );
    let all: Value =
        app.get_as("/api/v1/admin/products?include_inactive=true", &admin.access_token).await.json().await.unwrap();
    let active_only: Value = app.get_as("/api/v1/admin/products", &admin.access_token).await.json().await.unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert_eq!(active_only["items"].as_array().unwrap().len(), 1);
    let categories = app.get_json("/api/v1/categories").await;
    let gpu = categories["items"].as_array().unwrap().iter().find(|c| c["slug"] == "gpu").unwrap();
    assert_eq!(gpu["product_count"], 1, "counts are of active products");
}

#[tokio::test]
async fn categories_can_be_added_renamed_moved_and_removed_when_empty() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let token = &admin.access_token;
    let categories = app.get_json("/api/v1/categories").await;
    let id_of =
        |slug: &str| categories["items"].as_array().unwrap().iter().find(|c| c["slug"] == slug).unwrap()["id"].clone();

    let created = app
        .send_json_as(
            Method::POST,
            "/api/v1/admin/categories",
            token,
            &json!({"name": "Mouse Pads", "parent_id": id_of("accessories")}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let path = format!("/api/v1/admin/categories/{}", created["id"].as_str().unwrap());
    let renamed: Value =
        patch(&app, &admin, &path, &json!({"name": "Desk Mats", "slug": "desk-mats"})).await.json().await.unwrap();
    let duplicate =
        app.send_json_as(Method::POST, "/api/v1/admin/categories", token, &json!({"name": "GPU", "slug": "gpu"})).await;
    let cycle = patch(
        &app,
        &admin,
        &format!("/api/v1/admin/categories/{}", id_of("accessories").as_str().unwrap()),
        &json!({"parent_id": created["id"]}),
    )
    .await;
    let mut body = product("MAT-1", "Big Desk Mat");
    body["category"] = json!("desk-mats");
    app.create_product(&admin, &body).await;
    let in_use = app.client.delete(app.url(&path)).bearer_auth(token).send().await.unwrap();
    let parent_in_use = app
        .client
        .delete(app.url(&format!("/api/v1/admin/categories/{}", id_of("components").as_str().unwrap())))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();

    assert_eq!((renamed["slug"].as_str(), renamed["name"].as_str()), (Some("desk-mats"), Some("Desk Mats")));
    assert_eq!(renamed["parent_id"], id_of("accessories"));
    assert_error(duplicate, StatusCode::CONFLICT, "conflict").await;
    assert_error(cycle, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_error(in_use, StatusCode::CONFLICT, "conflict").await;
    assert_error(parent_in_use, StatusCode::CONFLICT, "conflict").await;

    let empty: Value = app
        .send_json_as(
            Method::POST,
            "/api/v1/admin/categories",
            token,
            &json!({"name": "Webcams", "parent_id": id_of("accessories")}),
        )
        .await
        .json()
        .await
        .unwrap();
    let removed = app
        .client
        .delete(app.url(&format!("/api/v1/admin/categories/{}", empty["id"].as_str().unwrap())))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let after = app.get_json("/api/v1/categories").await;
    assert!(after["items"].as_array().unwrap().iter().all(|c| c["slug"] != "webcams"));
}
