//! Coupons: admins manage them, customers apply them to the cart or an order, each error
//! says why a coupon cannot be used, and a usage limit holds however many customers race.

use std::sync::Arc;

use chrono::{Duration, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use rigmaster_tests::app::{TestApp, TestUser, assert_error};
use rigmaster_tests::shop::{
    all_at_once, items, json_body, new_key, order_id, order_of, register_customers, spawn_shop,
};
use serde_json::{Value, json};

/// An admin, and a customer whose cart holds 2 × ₹1,000 (18% GST).
async fn shop_with_cart(app: &TestApp) -> (TestUser, TestUser, String) {
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, 10).await;
    app.fill_cart(&customer, &[(product.clone(), 2)]).await;
    (admin, customer, product)
}

fn rfc3339(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[tokio::test]
async fn a_coupon_created_in_capitals_applies_in_any_case_and_can_be_taken_off() {
    let app = spawn_shop().await;
    let (admin, customer, _) = shop_with_cart(&app).await;

    let created = app.create_coupon(&admin, &json!({"code": "SAVE10", "type": "percentage", "value": 1000})).await;
    let applied = json_body(app.apply_coupon(&customer, "save10").await, StatusCode::OK).await;
    let removed = app.delete_as("/api/v1/cart/coupon", &customer.access_token).await;
    let removed = json_body(removed, StatusCode::OK).await;

    assert!(created["id"].is_string(), "{created}");
    assert_eq!(
        (&created["code"], &created["type"], &created["value"], &created["used_count"], &created["is_active"]),
        (&json!("SAVE10"), &json!("percentage"), &json!(1000), &json!(0), &json!(true))
    );
    assert!(applied["coupon"]["code"].as_str().is_some_and(|code| code.eq_ignore_ascii_case("SAVE10")), "{applied}");
    assert_eq!(applied["coupon"]["discount_paise"], 20_000, "10% of the ₹2,000 subtotal");
    assert_eq!(applied["discount_paise"], 20_000);
    let money = |field: &str| applied[field].as_i64().unwrap();
    assert_eq!(money("total_paise"), money("subtotal_paise") - money("discount_paise") + money("tax_paise"));
    assert_eq!((&removed["coupon"], &removed["discount_paise"]), (&Value::Null, &json!(0)));
}

#[tokio::test]
async fn a_code_already_taken_in_any_case_is_a_conflict() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    app.create_coupon(&admin, &json!({"code": "SAVE10", "type": "flat", "value": 5_000})).await;

    let duplicate = app.post_coupon(&admin, &json!({"code": "save10", "type": "flat", "value": 7_000})).await;

    assert_error(duplicate, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(app.coupon_by_code(&admin, "SAVE10").await["value"], 5_000, "the first one is kept");
}

#[tokio::test]
async fn a_percentage_over_one_hundred_is_refused_by_field() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;

    let response = app.post_coupon(&admin, &json!({"code": "TOOMUCH", "type": "percentage", "value": 10_001})).await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error["details"][0]["field"], "value", "{error}");
}

#[tokio::test]
async fn admins_list_coupons_and_a_deactivated_one_is_refused() {
    let app = spawn_shop().await;
    let (admin, customer, product) = shop_with_cart(&app).await;
    app.create_coupon(&admin, &json!({"code": "FIRST50", "type": "flat", "value": 5_000})).await;
    let second = app.create_coupon(&admin, &json!({"code": "SECOND50", "type": "flat", "value": 5_000})).await;

    let listed = json_body(app.get_as("/api/v1/admin/coupons", &admin.access_token).await, StatusCode::OK).await;
    let path = format!("/api/v1/admin/coupons/{}", second["id"].as_str().unwrap());
    let patched = app.send_json_as(Method::PATCH, &path, &admin.access_token, &json!({"is_active": false})).await;
    let patched = json_body(patched, StatusCode::OK).await;
    let applied = app.apply_coupon(&customer, "SECOND50").await;
    let ordered = app
        .place_order(
            &customer,
            &new_key(),
            &json!({"items": [{"product_id": product, "quantity": 1}], "payment_method": "razorpay",
                    "coupon_code": "SECOND50"}),
        )
        .await;

    let mut codes: Vec<String> = items(&listed).iter().map(|c| c["code"].as_str().unwrap().to_owned()).collect();
    codes.sort();
    assert_eq!(codes, ["FIRST50", "SECOND50"]);
    assert_eq!((patched["is_active"].as_bool(), patched["code"].as_str()), (Some(false), Some("SECOND50")));
    assert_error(applied, StatusCode::UNPROCESSABLE_ENTITY, "coupon_invalid").await;
    assert_error(ordered, StatusCode::UNPROCESSABLE_ENTITY, "coupon_invalid").await;
    assert!(app.orders(&customer).await.is_empty());
    assert_eq!(app.stock_levels(&product).await, (10, 0), "nothing held for a refused order");
}

#[tokio::test]
async fn only_admins_manage_coupons() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let coupon = app.create_coupon(&admin, &json!({"code": "ADMINONLY", "type": "flat", "value": 100})).await;
    let body = json!({"code": "MINE", "type": "flat", "value": 100_000});
    let path = format!("/api/v1/admin/coupons/{}", coupon["id"].as_str().unwrap());

    let anonymous = app.post_json("/api/v1/admin/coupons", &body).await;
    let created = app.post_coupon(&customer, &body).await;
    let listed = app.get_as("/api/v1/admin/coupons", &customer.access_token).await;
    let patched = app.send_json_as(Method::PATCH, &path, &customer.access_token, &json!({"value": 100_000})).await;

    assert_error(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    for response in [created, listed, patched] {
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    assert_eq!(app.coupon_by_code(&admin, "ADMINONLY").await["value"], 100);
}

#[tokio::test]
async fn each_coupon_error_says_why_the_coupon_cannot_be_used() {
    let app = spawn_shop().await;
    let (admin, customer, _) = shop_with_cart(&app).await;
    let now = Utc::now();
    app.create_coupon(
        &admin,
        &json!({"code": "BYGONE", "type": "flat", "value": 5_000,
                "starts_at": rfc3339(now - Duration::days(2)), "expires_at": rfc3339(now - Duration::days(1))}),
    )
    .await;
    app.create_coupon(
        &admin,
        &json!({"code": "BIGSPENDER", "type": "flat", "value": 5_000, "min_order_paise": 1_000_000}),
    )
    .await;

    for (code, error) in
        [("NOSUCHCODE", "coupon_invalid"), ("BYGONE", "coupon_expired"), ("BIGSPENDER", "coupon_min_order_not_met")]
    {
        let response = app.apply_coupon(&customer, code).await;
        assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, error).await;
    }
    let cart = app.get_cart(&customer).await;
    assert_eq!((&cart["coupon"], &cart["discount_paise"]), (&Value::Null, &json!(0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_customers_racing_for_a_coupon_limited_to_three_get_exactly_three() {
    let app = Arc::new(spawn_shop().await);
    let admin = app.register_admin().await;
    let product = app.create_stocked_product(&admin, 100_000, 50).await;
    app.create_coupon(&admin, &json!({"code": "FIRST3", "type": "flat", "value": 10_000, "usage_limit": 3})).await;
    let customers = register_customers(&app, 20).await;

    let answers = all_at_once(customers.into_iter().map(|customer| {
        let app = app.clone();
        let mut body = order_of(&product, 1);
        body["coupon_code"] = json!("FIRST3");
        async move {
            let response = app.place_order(&customer, &new_key(), &body).await;
            (customer, response)
        }
    }))
    .await;

    let mut placed = Vec::new();
    for (customer, response) in answers {
        if response.status() == StatusCode::CREATED {
            placed.push((customer, json_body(response, StatusCode::CREATED).await));
        } else {
            assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "coupon_usage_exhausted").await;
        }
    }
    assert_eq!(placed.len(), 3, "exactly three orders carry the coupon");
    for (_, order) in &placed {
        assert_eq!(
            (order["order"]["coupon_code"].as_str(), order["order"]["discount_paise"].as_i64()),
            (Some("FIRST3"), Some(10_000))
        );
    }
    assert_eq!(app.stock_levels(&product).await, (50, 3), "only the three orders hold stock");

    for (_, order) in &placed {
        app.pay(order, "success", "normal").await;
    }
    for (customer, order) in &placed {
        app.wait_for_order_status(customer, &order_id(order), "paid").await;
    }
    assert_eq!(app.coupon_by_code(&admin, "FIRST3").await["used_count"], 3);
}
