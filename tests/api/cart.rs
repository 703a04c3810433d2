//! The server-side cart: today's catalog prices on every read, quantity limits, stock and
//! product checks, and the checkout of an empty cart.

use api_types::ErrorCode;
use api_types::cart::{AddCartItem, Cart};
use api_types::catalog::{Availability, ProductChanges};
use reqwest::StatusCode;
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::assert_refused;
use rigmaster_tests::orders::cart_order;
use rigmaster_tests::shop::{new_key, spawn_shop};
use uuid::Uuid;

/// An admin, a customer, and one ₹1,000 product (18% GST) with this stock.
async fn shop_with_product(app: &TestApp, stock: i64) -> (TestUser, TestUser, Uuid) {
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, stock).await;
    (admin, customer, product)
}

fn item(product_id: Uuid, quantity: i64) -> AddCartItem {
    AddCartItem { product_id, quantity }
}

/// `(subtotal, discount, tax, total)` of a cart.
fn totals(cart: &Cart) -> (i64, i64, i64, i64) {
    (cart.subtotal_paise, cart.discount_paise, cart.tax_paise, cart.total_paise)
}

fn quantities(cart: &Cart) -> Vec<(Uuid, i64)> {
    cart.items.iter().map(|line| (line.product_id, line.quantity)).collect()
}

fn assert_empty(cart: &Cart) {
    assert!(cart.items.is_empty(), "{cart:?}");
    assert_eq!(totals(cart), (0, 0, 0, 0));
    assert_eq!(cart.item_count, 0);
    assert_eq!(cart.coupon, None);
}

#[tokio::test]
async fn adding_to_the_cart_adds_to_the_line_and_prices_it_from_the_catalog() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 10).await;

    customer.api.add_to_cart(&item(product, 2)).await.unwrap();
    let cart = customer.api.add_to_cart(&item(product, 1)).await.unwrap();

    assert_eq!(quantities(&cart), [(product, 3)]);
    let line = &cart.items[0];
    assert_eq!((line.unit_price_paise, line.tax_paise), (100_000, 18_000));
    assert_eq!((line.availability, line.available), (Availability::InStock, 10));
    assert_eq!(totals(&cart), (300_000, 0, 54_000, 354_000));
    assert_eq!(cart.coupon, None);
    assert_eq!(customer.api.cart().await.unwrap(), cart, "reading it again gives the same cart");
}

#[tokio::test]
async fn a_line_holds_one_to_ten_units() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 50).await;

    for quantity in [11, 0, -1] {
        let added = customer.api.add_to_cart(&item(product, quantity)).await;
        let error = assert_refused(added, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
        assert_eq!(error.details[0].field, "quantity", "{quantity}: {error:?}");
    }
    customer.api.add_to_cart(&item(product, 10)).await.unwrap();
    let too_many = customer.api.set_cart_quantity(product, 11).await;

    assert_refused(too_many, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(quantities(&customer.api.cart().await.unwrap()), [(product, 10)]);
}

#[tokio::test]
async fn more_than_is_available_is_out_of_stock() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 3).await;

    let added = customer.api.add_to_cart(&item(product, 4)).await;

    assert_refused(added, StatusCode::CONFLICT, ErrorCode::OutOfStock);
    assert_empty(&customer.api.cart().await.unwrap());
}

#[tokio::test]
async fn unknown_and_inactive_products_cannot_be_added() {
    let app = spawn_shop().await;
    let (admin, customer, product) = shop_with_product(&app, 5).await;
    admin.api.delete_product(product).await.unwrap();

    let inactive = customer.api.add_to_cart(&item(product, 1)).await;
    let unknown = customer.api.add_to_cart(&item(Uuid::now_v7(), 1)).await;

    assert_refused(inactive, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_refused(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_empty(&customer.api.cart().await.unwrap());
}

#[tokio::test]
async fn lines_are_set_removed_and_the_whole_cart_cleared() {
    let app = spawn_shop().await;
    let (admin, customer, first) = shop_with_product(&app, 10).await;
    let second = app.create_stocked_product(&admin, 50_000, 10).await;
    app.fill_cart(&customer, &[(first, 1), (second, 1)]).await;

    let set = customer.api.set_cart_quantity(first, 4).await.unwrap();
    let zeroed = customer.api.set_cart_quantity(first, 0).await.unwrap();
    let deleted = customer.api.remove_from_cart(second).await.unwrap();

    let mut set_lines = quantities(&set);
    set_lines.sort();
    let mut expected = vec![(first, 4), (second, 1)];
    expected.sort();
    assert_eq!(set_lines, expected, "PATCH sets the quantity");
    assert_eq!(quantities(&zeroed), [(second, 1)], "0 removes the line");
    assert_empty(&deleted);

    app.fill_cart(&customer, &[(first, 2), (second, 3)]).await;
    customer.api.clear_cart().await.unwrap();
    assert_empty(&customer.api.cart().await.unwrap());
}

#[tokio::test]
async fn the_cart_shows_todays_price_after_an_admin_changes_it() {
    let app = spawn_shop().await;
    let (admin, customer, product) = shop_with_product(&app, 10).await;
    app.fill_cart(&customer, &[(product, 2)]).await;

    let repriced = ProductChanges { base_price_paise: Some(80_000), ..ProductChanges::default() };
    admin.api.change_product(product, &repriced).await.unwrap();
    let cart = customer.api.cart().await.unwrap();

    assert_eq!(cart.items[0].unit_price_paise, 80_000);
    assert_eq!(totals(&cart), (160_000, 0, 28_800, 188_800));
}

#[tokio::test]
async fn checking_out_an_empty_cart_is_refused() {
    let app = spawn_shop().await;
    let customer = app.register_customer().await;

    let placed = customer.api.place_order(&cart_order(), &new_key()).await;

    assert_refused(placed, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CartEmpty);
    assert!(app.orders(&customer).await.is_empty());
}
