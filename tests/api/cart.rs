//! The server-side cart: today's catalog prices on every read, quantity limits, stock and
//! product checks, and the checkout of an empty cart.

use reqwest::{Method, StatusCode};
use rigmaster_tests::app::{TestApp, TestUser, assert_error};
use rigmaster_tests::shop::{items, json_body, new_key, spawn_shop};
use serde_json::{Value, json};

/// An admin, a customer, and one ₹1,000 product (18% GST) with this stock.
async fn shop_with_product(app: &TestApp, stock: i64) -> (TestUser, TestUser, String) {
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, stock).await;
    (admin, customer, product)
}

/// `(subtotal, discount, tax, total)` of a cart.
fn totals(cart: &Value) -> (i64, i64, i64, i64) {
    let money = |field: &str| cart[field].as_i64().unwrap_or_else(|| panic!("{field} in {cart}"));
    (money("subtotal_paise"), money("discount_paise"), money("tax_paise"), money("total_paise"))
}

fn quantities(cart: &Value) -> Vec<(String, i64)> {
    items(cart)
        .iter()
        .map(|line| (line["product_id"].as_str().unwrap().to_owned(), line["quantity"].as_i64().unwrap()))
        .collect()
}

fn assert_empty(cart: &Value) {
    assert!(items(cart).is_empty(), "{cart}");
    assert_eq!(totals(cart), (0, 0, 0, 0));
    assert_eq!(cart["item_count"], 0);
    assert_eq!(cart["coupon"], Value::Null);
}

#[tokio::test]
async fn adding_to_the_cart_adds_to_the_line_and_prices_it_from_the_catalog() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 10).await;

    json_body(app.add_to_cart(&customer, &product, 2).await, StatusCode::OK).await;
    let cart = json_body(app.add_to_cart(&customer, &product, 1).await, StatusCode::OK).await;

    assert_eq!(quantities(&cart), [(product.clone(), 3)]);
    let line = &items(&cart)[0];
    assert_eq!((line["unit_price_paise"].as_i64(), line["tax_paise"].as_i64()), (Some(100_000), Some(18_000)));
    assert_eq!((line["availability"].as_str(), line["available"].as_i64()), (Some("in_stock"), Some(10)));
    assert_eq!(totals(&cart), (300_000, 0, 54_000, 354_000));
    assert_eq!(cart["coupon"], Value::Null);
    assert_eq!(app.get_cart(&customer).await, cart, "reading it again gives the same cart");
}

#[tokio::test]
async fn a_line_holds_one_to_ten_units() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 50).await;

    for quantity in [11, 0, -1] {
        let response = app.add_to_cart(&customer, &product, quantity).await;
        let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(error["details"][0]["field"], "quantity", "{quantity}: {error}");
    }
    json_body(app.add_to_cart(&customer, &product, 10).await, StatusCode::OK).await;
    let too_many = app.set_cart_quantity(&customer, &product, 11).await;

    assert_error(too_many, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(quantities(&app.get_cart(&customer).await), [(product, 10)]);
}

#[tokio::test]
async fn more_than_is_available_is_out_of_stock() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 3).await;

    let response = app.add_to_cart(&customer, &product, 4).await;

    assert_error(response, StatusCode::CONFLICT, "out_of_stock").await;
    assert_empty(&app.get_cart(&customer).await);
}

#[tokio::test]
async fn unknown_and_inactive_products_cannot_be_added() {
    let app = spawn_shop().await;
    let (admin, customer, product) = shop_with_product(&app, 5).await;
    let deleted = app.delete_as(&format!("/api/v1/admin/products/{product}"), &admin.access_token).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let inactive = app.add_to_cart(&customer, &product, 1).await;
    let unknown = app.add_to_cart(&customer, &uuid::Uuid::now_v7().to_string(), 1).await;

    assert_error(inactive, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(unknown, StatusCode::NOT_FOUND, "not_found").await;
    assert_empty(&app.get_cart(&customer).await);
}

#[tokio::test]
async fn lines_are_set_removed_and_the_whole_cart_cleared() {
    let app = spawn_shop().await;
    let (admin, customer, first) = shop_with_product(&app, 10).await;
    let second = app.create_stocked_product(&admin, 50_000, 10).await;
    app.fill_cart(&customer, &[(first.clone(), 1), (second.clone(), 1)]).await;

    let set = json_body(app.set_cart_quantity(&customer, &first, 4).await, StatusCode::OK).await;
    let zeroed = json_body(app.set_cart_quantity(&customer, &first, 0).await, StatusCode::OK).await;
    let path = format!("/api/v1/cart/items/{second}");
    let deleted = json_body(app.delete_as(&path, &customer.access_token).await, StatusCode::OK).await;

    let mut set_lines = quantities(&set);
    set_lines.sort();
    let mut expected = vec![(first.clone(), 4), (second.clone(), 1)];
    expected.sort();
    assert_eq!(set_lines, expected, "PATCH sets the quantity");
    assert_eq!(quantities(&zeroed), [(second.clone(), 1)], "0 removes the line");
    assert_empty(&deleted);

    app.fill_cart(&customer, &[(first, 2), (second, 3)]).await;
    let cleared = app.delete_as("/api/v1/cart", &customer.access_token).await;
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert_empty(&app.get_cart(&customer).await);
}

#[tokio::test]
async fn the_cart_shows_todays_price_after_an_admin_changes_it() {
    let app = spawn_shop().await;
    let (admin, customer, product) = shop_with_product(&app, 10).await;
    app.fill_cart(&customer, &[(product.clone(), 2)]).await;

    let repriced = app
        .send_json_as(
            Method::PATCH,
            &format!("/api/v1/admin/products/{product}"),
            &admin.access_token,
            &json!({"base_price_paise": 80_000}),
        )
        .await;
    json_body(repriced, StatusCode::OK).await;
    let cart = app.get_cart(&customer).await;

    assert_eq!(items(&cart)[0]["unit_price_paise"], 80_000);
    assert_eq!(totals(&cart), (160_000, 0, 28_800, 188_800));
}

#[tokio::test]
async fn checking_out_an_empty_cart_is_refused() {
    let app = spawn_shop().await;
    let customer = app.register_customer().await;

    let response = app.place_order(&customer, &new_key(), &json!({"payment_method": "razorpay"})).await;

    assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "cart_empty").await;
    assert!(app.orders(&customer).await.is_empty());
}
