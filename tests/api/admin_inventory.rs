//! Admin stock management over HTTP.

use reqwest::{Method, StatusCode};
use rigmaster_tests::app::{TestApp, TestUser, assert_error};
use rigmaster_tests::spawn_app;
use serde_json::{Value, json};

use crate::catalog::product;

async fn new_product(app: &TestApp, admin: &TestUser, sku: &str) -> String {
    let created = app.create_product(admin, &product(sku, &format!("Stock Card {sku}"))).await;
    created["id"].as_str().unwrap().to_owned()
}

async fn ledger(app: &TestApp, admin: &TestUser, id: &str) -> Vec<Value> {
    let page: Value =
        app.get_as(&format!("/api/v1/admin/inventory/{id}/ledger"), &admin.access_token).await.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn admins_set_and_adjust_stock_and_every_change_is_in_the_ledger() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let id = new_product(&app, &admin, "LEDGER-1").await;
    let token = &admin.access_token;

    let set = app
        .send_json_as(
            Method::PUT,
            &format!("/api/v1/admin/inventory/{id}"),
            token,
            &json!({"on_hand": 12, "low_stock_threshold": 4}),
        )
        .await;
    let set: Value = set.json().await.unwrap();
    let adjusted = app
        .send_json_as(
            Method::POST,
            &format!("/api/v1/admin/inventory/{id}/adjustments"),
            token,
            &json!({"delta": -3, "reason": "damaged in transit"}),
        )
        .await;
    assert_eq!(adjusted.status(), StatusCode::OK);
    let adjusted: Value = adjusted.json().await.unwrap();

    assert_eq!(
        set,
        json!({"product_id": id, "sku": "LEDGER-1", "name": "Stock Card LEDGER-1", "on_hand": 12, "reserved": 0,
               "available": 12, "low_stock_threshold": 4})
    );
    assert_eq!((adjusted["on_hand"].as_i64(), adjusted["available"].as_i64()), (Some(9), Some(9)));
    let entries = ledger(&app, &admin, &id).await;
    let summary: Vec<(&str, i64, i64)> = entries
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["delta"].as_i64().unwrap(), e["on_hand_after"].as_i64().unwrap()))
        .collect();
    assert_eq!(summary, vec![("adjustment", -3, 9), ("adjustment", 7, 12), ("restock", 5, 5)], "newest first");
    assert_eq!(entries[0]["reason"], "damaged in transit");
    assert_eq!(entries[0]["actor"], admin.id.as_str());
    let shown = app.get_json(&format!("/api/v1/products/{id}")).await;
    assert_eq!(shown["stock_available"], 9, "the catalog shows inventory's numbers");
}

#[tokio::test]
async fn stock_never_goes_below_what_is_reserved() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let id = new_product(&app, &admin, "HELD-1").await;
    let pool = app.db.pool().await;
    // Hold 4 of the 5 units, as a checkout would.
    let mut tx = pool.begin().await.unwrap();
    let product = uuid::Uuid::parse_str(&id).unwrap();
    let lines = [inventory::reservations::ReservationLine {
        product_id: product,
        quantity: kernel::Quantity::new(4, "q").unwrap(),
    }];
    inventory::reservations::StockReserver::reserve(
        &inventory::reservations::PgStockReserver,
        &mut tx,
        uuid::Uuid::now_v7(),
        &lines,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let token = &admin.access_token;

    let below =
        app.send_json_as(Method::PUT, &format!("/api/v1/admin/inventory/{id}"), token, &json!({"on_hand": 3})).await;
    let too_far = app
        .send_json_as(
            Method::POST,
            &format!("/api/v1/admin/inventory/{id}/adjustments"),
            token,
            &json!({"delta": -2, "reason": "count"}),
        )
        .await;
    let negative =
        app.send_json_as(Method::PUT, &format!("/api/v1/admin/inventory/{id}"), token, &json!({"on_hand": -1})).await;

    assert_error(below, StatusCode::CONFLICT, "conflict").await;
    assert_error(too_far, StatusCode::CONFLICT, "conflict").await;
    assert_error(negative, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let listed: Value = app.get_as("/api/v1/admin/inventory?category=gpu", token).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["on_hand"], 5, "nothing changed");
    assert_eq!((listed["items"][0]["reserved"].as_i64(), listed["items"][0]["available"].as_i64()), (Some(4), Some(1)));
    let kinds: Vec<String> =
        ledger(&app, &admin, &id).await.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, vec!["reservation", "restock"], "no entry for the refused changes");
}

#[tokio::test]
async fn the_stock_list_filters_by_low_stock_and_category() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let token = &admin.access_token;
    let low = new_product(&app, &admin, "LOW-1").await;
    let plenty = new_product(&app, &admin, "PLENTY-1").await;
    let mut keyboard = product("KEYS-1", "Clicky Keyboard");
    keyboard["category"] = json!("keyboards");
    let keys = app.create_product(&admin, &keyboard).await["id"].as_str().unwrap().to_owned();
    app.send_json_as(Method::PUT, &format!("/api/v1/admin/inventory/{low}"), token, &json!({"on_hand": 1})).await;
    app.send_json_as(Method::PUT, &format!("/api/v1/admin/inventory/{plenty}"), token, &json!({"on_hand": 50})).await;

    let ids = |page: &Value| -> Vec<String> {
        let mut ids: Vec<String> =
            page["items"].as_array().unwrap().iter().map(|i| i["product_id"].as_str().unwrap().to_owned()).collect();
        ids.sort();
        ids
    };
    let low_only: Value = app.get_as("/api/v1/admin/inventory?low_stock=true", token).await.json().await.unwrap();
    let accessories: Value =
        app.get_as("/api/v1/admin/inventory?category=accessories", token).await.json().await.unwrap();
    let all: Value = app.get_as("/api/v1/admin/inventory?limit=2", token).await.json().await.unwrap();
    let customer = app.register_customer().await;

    assert_eq!(ids(&low_only), vec![low.clone()]);
    assert_eq!(ids(&accessories), vec![keys]);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert!(all["next_cursor"].is_string(), "three rows, two per page");
    assert_error(
        app.get_as("/api/v1/admin/inventory", &customer.access_token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let unknown = app.get_as(&format!("/api/v1/admin/inventory/{}/ledger", uuid::Uuid::now_v7()), token).await;
    assert_error(unknown, StatusCode::NOT_FOUND, "not_found").await;
}
