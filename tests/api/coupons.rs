//! Coupons: admins manage them, customers apply them to the cart or an order, each error
//! says why a coupon cannot be used, and a usage limit holds however many customers race.

use std::sync::Arc;

use api_types::ErrorCode;
use api_types::coupons::{CouponChanges, CouponKind, NewCoupon};
use api_types::orders::{OrderStatus, PlaceOrder};
use api_types::page::PageParams;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::assert_refused;
use rigmaster_tests::coupons::{flat_coupon, percentage_coupon};
use rigmaster_tests::orders::order_of;
use rigmaster_tests::shop::{all_at_once, new_key, register_customers, spawn_shop};
use uuid::Uuid;

/// An admin, and a customer whose cart holds 2 × ₹1,000 (18% GST).
async fn shop_with_cart(app: &TestApp) -> (TestUser, TestUser, Uuid) {
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, 10).await;
    app.fill_cart(&customer, &[(product, 2)]).await;
    (admin, customer, product)
}

#[tokio::test]
async fn a_coupon_created_in_capitals_applies_in_any_case_and_can_be_taken_off() {
    let app = spawn_shop().await;
    let (admin, customer, _) = shop_with_cart(&app).await;

    let created = admin.api.create_coupon(&percentage_coupon("SAVE10", 1000)).await.unwrap();
    let applied = customer.api.apply_coupon("save10").await.unwrap();
    let removed = customer.api.remove_coupon().await.unwrap();

    assert_eq!(
        (created.code.as_str(), created.kind, created.value, created.used_count, created.is_active),
        ("SAVE10", CouponKind::Percentage, 1000, 0, true)
    );
    let coupon = applied.coupon.as_ref().expect("a coupon on the cart");
    assert!(coupon.code.eq_ignore_ascii_case("SAVE10"), "{applied:?}");
    assert_eq!(coupon.discount_paise, 20_000, "10% of the ₹2,000 subtotal");
    assert_eq!(applied.discount_paise, 20_000);
    assert_eq!(applied.total_paise, applied.subtotal_paise - applied.discount_paise + applied.tax_paise);
    assert_eq!((&removed.coupon, removed.discount_paise), (&None, 0));
}

#[tokio::test]
async fn a_code_already_taken_in_any_case_is_a_conflict() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    admin.api.create_coupon(&flat_coupon("SAVE10", 5_000)).await.unwrap();

    let duplicate = admin.api.create_coupon(&flat_coupon("save10", 7_000)).await;

    assert_refused(duplicate, StatusCode::CONFLICT, ErrorCode::Conflict);
    assert_eq!(app.coupon_by_code(&admin, "SAVE10").await.value, 5_000, "the first one is kept");
}

#[tokio::test]
async fn a_percentage_over_one_hundred_is_refused_by_field() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;

    let created = admin.api.create_coupon(&percentage_coupon("TOOMUCH", 10_001)).await;

    let error = assert_refused(created, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(error.details[0].field, "value", "{error:?}");
}

#[tokio::test]
async fn admins_list_coupons_and_a_deactivated_one_is_refused() {
    let app = spawn_shop().await;
    let (admin, customer, product) = shop_with_cart(&app).await;
    admin.api.create_coupon(&flat_coupon("FIRST50", 5_000)).await.unwrap();
    let second = admin.api.create_coupon(&flat_coupon("SECOND50", 5_000)).await.unwrap();

    let listed = admin.api.coupons(&PageParams::default()).await.unwrap();
    let deactivate = CouponChanges { is_active: Some(false), ..CouponChanges::default() };
    let patched = admin.api.change_coupon(second.id, &deactivate).await.unwrap();
    let applied = customer.api.apply_coupon("SECOND50").await;
    let with_coupon = PlaceOrder { coupon_code: Some("SECOND50".into()), ..order_of(product, 1) };
    let ordered = customer.api.place_order(&with_coupon, &new_key()).await;

    let mut codes: Vec<&str> = listed.items.iter().map(|c| c.code.as_str()).collect();
    codes.sort();
    assert_eq!(codes, ["FIRST50", "SECOND50"]);
    assert_eq!((patched.is_active, patched.code.as_str()), (false, "SECOND50"));
    assert_refused(applied, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CouponInvalid);
    assert_refused(ordered, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CouponInvalid);
    assert!(app.orders(&customer).await.is_empty());
    assert_eq!(app.stock_levels(product).await, (10, 0), "nothing held for a refused order");
}

#[tokio::test]
async fn only_admins_manage_coupons() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let coupon = admin.api.create_coupon(&flat_coupon("ADMINONLY", 100)).await.unwrap();
    let mine = flat_coupon("MINE", 100_000);

    let anonymous = app.api.create_coupon(&mine).await;
    let created = customer.api.create_coupon(&mine).await;
    let listed = customer.api.coupons(&PageParams::default()).await;
    let raise = CouponChanges { value: Some(100_000), ..CouponChanges::default() };
    let patched = customer.api.change_coupon(coupon.id, &raise).await;

    assert_refused(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    assert_refused(created, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    assert_refused(listed, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    assert_refused(patched, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    assert_eq!(app.coupon_by_code(&admin, "ADMINONLY").await.value, 100);
}

#[tokio::test]
async fn each_coupon_error_says_why_the_coupon_cannot_be_used() {
    let app = spawn_shop().await;
    let (admin, customer, _) = shop_with_cart(&app).await;
    let now = Utc::now();
    let bygone = NewCoupon {
        starts_at: Some(now - Duration::days(2)),
        expires_at: Some(now - Duration::days(1)),
        ..flat_coupon("BYGONE", 5_000)
    };
    admin.api.create_coupon(&bygone).await.unwrap();
    let big_spender = NewCoupon { min_order_paise: Some(1_000_000), ..flat_coupon("BIGSPENDER", 5_000) };
    admin.api.create_coupon(&big_spender).await.unwrap();

    for (code, error) in [
        ("NOSUCHCODE", ErrorCode::CouponInvalid),
        ("BYGONE", ErrorCode::CouponExpired),
        ("BIGSPENDER", ErrorCode::CouponMinOrderNotMet),
    ] {
        let applied = customer.api.apply_coupon(code).await;
        assert_refused(applied, StatusCode::UNPROCESSABLE_ENTITY, error);
    }
    let cart = customer.api.cart().await.unwrap();
    assert_eq!((&cart.coupon, cart.discount_paise), (&None, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_customers_racing_for_a_coupon_limited_to_three_get_exactly_three() {
    let app = Arc::new(spawn_shop().await);
    let admin = app.register_admin().await;
    let product = app.create_stocked_product(&admin, 100_000, 50).await;
    let first3 = NewCoupon { usage_limit: Some(3), ..flat_coupon("FIRST3", 10_000) };
    admin.api.create_coupon(&first3).await.unwrap();
    let customers = register_customers(&app, 20).await;

    let answers = all_at_once(customers.into_iter().map(|customer| async move {
        let order = PlaceOrder { coupon_code: Some("FIRST3".into()), ..order_of(product, 1) };
        let placed = customer.api.place_order(&order, &new_key()).await;
        (customer, placed)
    }))
    .await;

    let mut placed = Vec::new();
    for (customer, answer) in answers {
        match answer {
            Ok(answer) => {
                assert_eq!(answer.status, StatusCode::CREATED);
                placed.push((customer, answer.body));
            }
            refused => {
                assert_refused(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CouponUsageExhausted);
            }
        }
    }
    assert_eq!(placed.len(), 3, "exactly three orders carry the coupon");
    for (_, placed) in &placed {
        assert_eq!((placed.order.coupon_code.as_deref(), placed.order.discount_paise), (Some("FIRST3"), 10_000));
    }
    assert_eq!(app.stock_levels(product).await, (50, 3), "only the three orders hold stock");

    for (_, placed) in &placed {
        app.pay(placed, "success", "normal").await;
    }
    for (customer, placed) in &placed {
        app.wait_for_order_status(customer, placed.order.id, OrderStatus::Paid).await;
    }
    assert_eq!(app.coupon_by_code(&admin, "FIRST3").await.used_count, 3);
}
