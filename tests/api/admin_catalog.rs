//! Admin product and category management.

use std::collections::HashMap;
use std::sync::Arc;

use api_types::ErrorCode;
use api_types::catalog::{
    AdminProductQuery, Availability, Category, CategoryChanges, Discount, DiscountKind, NewCategory, NewDiscount,
    Product, ProductChanges, ProductQuery,
};
use api_types::error::ErrorBody;
use catalog::pricing::{Discount as DomainDiscount, price};
use chrono::{DateTime, Utc};
use kernel::Money;
use reqwest::{Method, StatusCode};
use rigmaster_tests::app::TestApp;
use rigmaster_tests::catalog::product_body;
use rigmaster_tests::orders::order_of;
use rigmaster_tests::shop::{all_at_once, new_key};
use rigmaster_tests::{assert_error, assert_refused, spawn_app};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::catalog::product;

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool().await).await.unwrap()
}

#[tokio::test]
async fn creating_a_product_opens_its_stock_in_the_same_step() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;

    let created = admin.api.create_product(&product("STOCK-1", "Stocked Card")).await.unwrap();

    let (on_hand, threshold): (i64, i64) =
        sqlx::query_as("SELECT on_hand, low_stock_threshold FROM inventory.stock WHERE product_id = $1")
            .bind(created.summary.id)
            .fetch_one(&app.db.pool().await)
            .await
            .unwrap();
    assert_eq!((on_hand, threshold), (5, 2));
    assert_eq!(count(&app, "SELECT count(*) FROM inventory.ledger WHERE kind = 'restock' AND delta = 5").await, 1);
    assert_eq!(created.stock_available, 5);
}

#[tokio::test]
async fn bad_product_input_is_refused_by_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    admin.api.create_product(&product("TAKEN-1", "Existing Card")).await.unwrap();
    // Raw bodies: some of these values (specifications that are a list) the typed product
    // cannot hold.
    let with = |key: &str, value: Value| {
        let mut body = serde_json::to_value(product("FRESH-1", "Fresh Card")).unwrap();
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

    let anonymous = app.api.create_product(&body).await;
    let as_customer = customer.api.create_product(&body).await;

    assert_refused(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    assert_refused(as_customer, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    assert_eq!(count(&app, "SELECT count(*) FROM catalog.products").await, 0);
}

#[tokio::test]
async fn a_partial_update_changes_only_what_it_names_and_reprices() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let mut body = product("EDIT-1", "Editable Card");
    body.discount = Some(NewDiscount::flat(10_000));
    let id = admin.api.create_product(&body).await.unwrap().summary.id;

    let repriced = ProductChanges { base_price_paise: Some(200_000), is_featured: Some(true), ..Default::default() };
    let repriced = admin.api.change_product(id, &repriced).await.unwrap().summary;
    let undiscounted = ProductChanges { discount: Some(None), ..ProductChanges::default() };
    let undiscounted = admin.api.change_product(id, &undiscounted).await.unwrap().summary;

    assert_eq!(repriced.pricing.unit_price_paise, 190_000);
    assert_eq!(repriced.pricing.final_price_paise, 224_200);
    assert_eq!((repriced.is_featured, repriced.name.as_str()), (true, "Editable Card"));
    assert_eq!(undiscounted.pricing.discount, None);
    assert_eq!(undiscounted.pricing.final_price_paise, 236_000);
    assert_eq!(undiscounted.sku, "EDIT-1");
    let at_the_new_price =
        ProductQuery { min_price_paise: Some(236_000), max_price_paise: Some(236_000), ..ProductQuery::default() };
    let listed = app.api.products(&at_the_new_price).await.unwrap();
    assert_eq!(listed.items[0].id, id, "price filters see the new price");
}

/// One racing admin's change: a field and the value written to it.
#[derive(Debug, Clone, PartialEq)]
enum Edit {
    BasePrice(i64),
    Discount(Option<Discount>),
    Name(String),
    Featured(bool),
}

impl Edit {
    /// The change of `writer` in `round`: eight racing admins, two to a field, each with a
    /// value no other write of the test sends (but for `is_featured`, where the field's two
    /// writers send opposite values).
    fn racing(round: i64, writer: i64) -> Edit {
        let n = round * 10 + writer;
        match writer % 4 {
            0 => Edit::BasePrice(100_000 + n),
            1 => Edit::Discount(Some(Discount { kind: DiscountKind::Percentage, value: 100 + n })),
            2 => Edit::Name(format!("Raced Card {n}")),
            _ => Edit::Featured(writer < 4),
        }
    }

    fn field(&self) -> &'static str {
        match self {
            Edit::BasePrice(_) => "base_price_paise",
            Edit::Discount(_) => "discount",
            Edit::Name(_) => "name",
            Edit::Featured(_) => "is_featured",
        }
    }

    fn changes(&self) -> ProductChanges {
        let mut changes = ProductChanges::default();
        match self.clone() {
            Edit::BasePrice(paise) => changes.base_price_paise = Some(paise),
            Edit::Discount(discount) => changes.discount = Some(discount.map(NewDiscount::from)),
            Edit::Name(name) => changes.name = Some(name),
            Edit::Featured(featured) => changes.is_featured = Some(featured),
        }
        changes
    }

    /// The same field, as `product` shows it.
    fn shown_in(&self, product: &Product) -> Edit {
        let summary = &product.summary;
        match self {
            Edit::BasePrice(_) => Edit::BasePrice(summary.pricing.base_price_paise),
            Edit::Discount(_) => Edit::Discount(summary.pricing.discount),
            Edit::Name(_) => Edit::Name(summary.name.clone()),
            Edit::Featured(_) => Edit::Featured(summary.is_featured),
        }
    }
}

/// Asserts the stored final price is the pricing function's for the stored inputs.
async fn assert_priced_by_the_pricing_function(app: &TestApp, id: Uuid) {
    let (base, discount_bps, tax_rate_bps, final_price): (i64, Option<i64>, i32, i64) = sqlx::query_as(
        "SELECT base_price_paise, discount_value, tax_rate_bps, final_price_paise FROM catalog.products WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.db.pool().await)
    .await
    .unwrap();
    let discount = discount_bps.map(|bps| DomainDiscount::Percentage { bps: u32::try_from(bps).unwrap() });
    let priced = price(Money::from_paise(base), discount, u32::try_from(tax_rate_bps).unwrap()).unwrap();
    assert_eq!(final_price, priced.final_price.paise(), "base {base}, discount {discount:?}, tax {tax_rate_bps}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_of_one_product_all_succeed_and_each_field_keeps_its_last_write() {
    let app = Arc::new(spawn_app().await);
    let admin = app.register_admin().await;
    let id = admin.api.create_product(&product("RACE-1", "Raced Card")).await.unwrap().summary.id;

    for round in 0..5 {
        let answers = all_at_once((0..8).map(|writer| {
            let (api, edit) = (admin.api.clone(), Edit::racing(round, writer));
            async move {
                let answer = api.change_product(id, &edit.changes()).await.unwrap();
                (edit, answer)
            }
        }))
        .await;

        // Writes are applied one at a time; the latest `updated_at` is the last one.
        let mut last_writes: HashMap<&str, (DateTime<Utc>, Edit)> = HashMap::new();
        for (edit, answer) in answers {
            assert_eq!(edit.shown_in(&answer), edit, "round {round}: a write answers with its own change");
            let at = answer.updated_at;
            if last_writes.get(edit.field()).is_none_or(|(last, _)| at > *last) {
                last_writes.insert(edit.field(), (at, edit));
            }
        }
        let stored = admin.api.admin_product(id).await.unwrap();
        for (field, (_, edit)) in &last_writes {
            assert_eq!(&edit.shown_in(&stored), edit, "round {round}: {field} holds its last write");
        }
        assert_priced_by_the_pricing_function(&app, id).await;
    }
}

#[tokio::test]
async fn updates_refuse_a_taken_sku_and_unknown_products() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    admin.api.create_product(&product("FIRST-1", "First Card")).await.unwrap();
    let second = admin.api.create_product(&product("SECOND-1", "Second Card")).await.unwrap().summary.id;

    let taken = ProductChanges { sku: Some("first-1".into()), ..ProductChanges::default() };
    let taken = admin.api.change_product(second, &taken).await;
    let renamed = ProductChanges { name: Some("X".into()), ..ProductChanges::default() };
    let unknown = admin.api.change_product(Uuid::now_v7(), &renamed).await;
    let over = ProductChanges { discount: Some(Some(NewDiscount::percentage(20_000))), ..ProductChanges::default() };
    let over = admin.api.change_product(second, &over).await;

    assert_refused(taken, StatusCode::CONFLICT, ErrorCode::SkuTaken);
    assert_refused(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_refused(over, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    let unchanged = app.api.product(&second.to_string()).await.unwrap().summary;
    assert_eq!((unchanged.sku.as_str(), &unchanged.pricing.discount), ("SECOND-1", &None));
}

#[tokio::test]
async fn a_deleted_product_leaves_the_store_but_not_the_admin_panel() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let keep = admin.api.create_product(&product("KEEP-1", "Quokka Keeper Card")).await.unwrap().summary.id;
    let gone = admin.api.create_product(&product("GONE-1", "Quokka Retired Card")).await.unwrap().summary.id;

    admin.api.delete_product(gone).await.unwrap();

    let by_id = app.api.product(&gone.to_string()).await;
    assert_refused(by_id, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let by_slug = app.api.product("quokka-retired-card").await;
    assert_refused(by_slug, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let gpus = ProductQuery { category: Some("gpu".into()), ..ProductQuery::default() };
    let listed: Vec<Uuid> = app.api.products(&gpus).await.unwrap().items.iter().map(|p| p.id).collect();
    let quokkas = ProductQuery { q: Some("quokka".into()), ..ProductQuery::default() };
    let searched: Vec<Uuid> = app.api.products(&quokkas).await.unwrap().items.iter().map(|p| p.id).collect();
    let suggested: Vec<Uuid> = app.api.suggest("quokka").await.unwrap().iter().map(|s| s.id).collect();
    for (what, ids) in [("list", listed), ("search", searched), ("suggest", suggested)] {
        assert_eq!(ids, [keep], "{what}");
    }
    let as_admin = admin.api.admin_product(gone).await.unwrap().summary;
    assert_eq!((as_admin.availability, as_admin.is_active), (Availability::Discontinued, false));
    let with_inactive = AdminProductQuery { include_inactive: Some(true), ..AdminProductQuery::default() };
    let all = admin.api.admin_products(&with_inactive).await.unwrap();
    let active_only = admin.api.admin_products(&AdminProductQuery::default()).await.unwrap();
    assert_eq!(all.items.len(), 2);
    assert_eq!(active_only.items.len(), 1);
    let categories = app.api.categories().await.unwrap();
    let gpu = categories.iter().find(|c| c.slug == "gpu").unwrap();
    assert_eq!(gpu.product_count, 1, "counts are of active products");
}

#[tokio::test]
async fn categories_can_be_added_renamed_moved_and_removed_when_empty() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let categories = app.api.categories().await.unwrap();
    let id_of = |slug: &str| categories.iter().find(|c| c.slug == slug).unwrap().id;
    let under_accessories = |name: &str| NewCategory {
        slug: None,
        name: name.into(),
        parent_id: Some(id_of("accessories")),
        position: None,
    };

    let created = admin.api.request(Method::POST, "/admin/categories").json(&under_accessories("Mouse Pads"));
    let created = admin.api.send_answer::<Category>(created).await.unwrap();
    assert_eq!(created.status, StatusCode::CREATED);
    let created = created.body;
    let rename =
        CategoryChanges { name: Some("Desk Mats".into()), slug: Some("desk-mats".into()), ..Default::default() };
    let renamed = admin.api.change_category(created.id, &rename).await.unwrap();
    let gpu_again = NewCategory { slug: Some("gpu".into()), name: "GPU".into(), parent_id: None, position: None };
    let duplicate = admin.api.create_category(&gpu_again).await;
    let under_its_child = CategoryChanges { parent_id: Some(Some(created.id)), ..CategoryChanges::default() };
    let cycle = admin.api.change_category(id_of("accessories"), &under_its_child).await;
    let mut body = product("MAT-1", "Big Desk Mat");
    body.category = Some("desk-mats".into());
    admin.api.create_product(&body).await.unwrap();
    let in_use = admin.api.delete_category(created.id).await;
    let parent_in_use = admin.api.delete_category(id_of("components")).await;

    assert_eq!((renamed.slug.as_str(), renamed.name.as_str()), ("desk-mats", "Desk Mats"));
    assert_eq!(renamed.parent_id, Some(id_of("accessories")));
    assert_refused(duplicate, StatusCode::CONFLICT, ErrorCode::Conflict);
    assert_refused(cycle, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_refused(in_use, StatusCode::CONFLICT, ErrorCode::Conflict);
    assert_refused(parent_in_use, StatusCode::CONFLICT, ErrorCode::Conflict);

    let empty = admin.api.create_category(&under_accessories("Webcams")).await.unwrap();
    admin.api.delete_category(empty.id).await.unwrap();
    let after = app.api.categories().await.unwrap();
    assert!(after.iter().all(|c| c.slug != "webcams"));
}

fn specifications(value: Value) -> Option<Map<String, Value>> {
    let Value::Object(specifications) = value else { panic!("specifications are an object") };
    Some(specifications)
}

/// Each refused field of an error, with its message.
fn problems(error: &ErrorBody) -> Vec<(&str, &str)> {
    error.details.iter().map(|detail| (detail.field.as_str(), detail.message.as_str())).collect()
}

#[tokio::test]
async fn creating_a_cpu_without_a_socket_names_specifications_socket() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let mut body = product_body(100_000, 5);
    body.specifications = specifications(json!({"vendor": "AMD", "tdp_w": 65, "bundled_cooler": true}));

    let refused = admin.api.create_product(&body).await;

    let error = assert_refused(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(problems(&error), [("specifications.socket", "is required for a cpu (the PC builder matches it)")]);
    assert_eq!(count(&app, "SELECT count(*) FROM catalog.products").await, 0, "no product");
    assert_eq!(count(&app, "SELECT count(*) FROM inventory.stock").await, 0, "no stock");
}

#[tokio::test]
async fn a_component_with_every_key_of_the_wrong_type_gets_every_problem_at_once() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let mut cpu = product_body(100_000, 5);
    cpu.specifications =
        specifications(json!({"vendor": "VIA", "socket": 1700, "tdp_w": "65 W", "bundled_cooler": "yes"}));
    let mut case = product_body(100_000, 5);
    case.category = Some("case".into());
    case.specifications = specifications(json!({"form_factors": "ATX", "max_gpu_length_mm": 360.5}));

    let cpu = admin.api.create_product(&cpu).await;
    let case = admin.api.create_product(&case).await;

    let cpu = assert_refused(cpu, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(
        problems(&cpu),
        [
            ("specifications.vendor", "must be Intel or AMD"),
            ("specifications.socket", "must be text of 1 to 40 characters"),
            ("specifications.tdp_w", "must be a whole number from 1 to 100000"),
            ("specifications.bundled_cooler", "must be true or false"),
        ]
    );
    let case = assert_refused(case, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    let fields: Vec<&str> = problems(&case).into_iter().map(|(field, _)| field).collect();
    assert_eq!(fields, ["specifications.form_factors", "specifications.max_gpu_length_mm"]);
    assert_eq!(count(&app, "SELECT count(*) FROM catalog.products").await, 0);
}

#[tokio::test]
async fn changing_a_cpu_s_specifications_is_checked_but_an_unrelated_change_is_not() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let id = admin.api.create_product(&product_body(100_000, 5)).await.unwrap().summary.id;
    // A CPU listed before the check: it has no socket.
    sqlx::query("UPDATE catalog.products SET specifications = specifications - 'socket' WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool().await)
        .await
        .unwrap();
    let without_socket = json!({"vendor": "Intel", "tdp_w": 125, "bundled_cooler": false});
    let with_socket = json!({"vendor": "Intel", "socket": "LGA1700", "tdp_w": 125, "bundled_cooler": false});

    let repriced = ProductChanges { base_price_paise: Some(90_000), ..ProductChanges::default() };
    let repriced = admin.api.change_product(id, &repriced).await;
    let still_unreadable = ProductChanges { specifications: specifications(without_socket), ..Default::default() };
    let still_unreadable = admin.api.change_product(id, &still_unreadable).await;
    let stored = admin.api.admin_product(id).await.unwrap();
    let completed = ProductChanges { specifications: specifications(with_socket.clone()), ..Default::default() };
    let completed = admin.api.change_product(id, &completed).await;

    assert_eq!(repriced.unwrap().summary.pricing.base_price_paise, 90_000);
    let error = assert_refused(still_unreadable, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(problems(&error), [("specifications.socket", "is required for a cpu (the PC builder matches it)")]);
    assert_eq!(
        Value::Object(stored.specifications),
        json!({"vendor": "AMD", "tdp_w": 65, "bundled_cooler": true}),
        "the refused change wrote nothing"
    );
    assert_eq!(Value::Object(completed.unwrap().specifications), with_socket);
}

#[tokio::test]
async fn moving_a_product_into_a_component_category_checks_its_keys() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let mut keyboard = product_body(100_000, 5);
    keyboard.category = Some("keyboards".into());
    keyboard.specifications = specifications(json!({"layout": "TKL", "switches": ["red"], "socket": 7}));
    let id = admin.api.create_product(&keyboard).await.expect("any specifications outside the builder").summary.id;

    let moved = ProductChanges { category: Some("cpu".into()), ..ProductChanges::default() };
    let moved = admin.api.change_product(id, &moved).await;
    let still_a_keyboard = admin.api.admin_product(id).await.unwrap().summary.category.slug;
    let cpu = json!({"vendor": "AMD", "socket": "AM4", "tdp_w": 65, "bundled_cooler": true});
    let moved_whole =
        ProductChanges { category: Some("cpu".into()), specifications: specifications(cpu), ..Default::default() };
    let moved_whole = admin.api.change_product(id, &moved_whole).await;

    let error = assert_refused(moved, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    let fields: Vec<&str> = problems(&error).into_iter().map(|(field, _)| field).collect();
    assert_eq!(
        fields,
        ["specifications.vendor", "specifications.socket", "specifications.tdp_w", "specifications.bundled_cooler"]
    );
    assert_eq!(still_a_keyboard, "keyboards");
    assert_eq!(moved_whole.unwrap().summary.category.slug, "cpu");
}

#[tokio::test]
async fn the_demo_catalog_meets_the_specifications_check() {
    let app = spawn_app().await;

    // Seeding goes through the same check as an admin's writes, and stops at a refusal.
    let added = app.seed_demo().await;

    assert!(added > 300, "the whole demo catalog: {added}");
    assert_eq!(count(&app, "SELECT count(*) FROM catalog.products").await, added as i64);
    assert_eq!(count(&app, "SELECT count(*) FROM catalog.products WHERE hsn_code IS NULL").await, 0, "HSN codes");
}

#[tokio::test]
async fn the_migration_gives_older_products_the_code_of_their_kind_and_others_none() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    app.seed_demo().await;
    let gadgets = NewCategory { slug: Some("gadgets".into()), name: "Gadgets".into(), parent_id: None, position: None };
    let gadgets = admin.api.create_category(&gadgets).await.unwrap().id;
    let mut gadget = product("GADGET-1", "Desk Gadget");
    gadget.category = None;
    gadget.category_id = Some(gadgets);
    let gadget = admin.api.create_product(&gadget).await.unwrap().summary.id;
    let pool = app.db.pool().await;
    let codes = async || -> Vec<(Uuid, Option<String>)> {
        sqlx::query_as("SELECT id, hsn_code FROM catalog.products ORDER BY id").fetch_all(&pool).await.unwrap()
    };
    let seeded = codes().await;
    let migration = include_str!("../../migrations/catalog/20261130100105_hsn_codes.sql");
    let back_fill = &migration[migration.find("UPDATE catalog.products").expect("the back-fill")..];

    sqlx::query("UPDATE catalog.products SET hsn_code = NULL").execute(&pool).await.unwrap();
    sqlx::query(back_fill).execute(&pool).await.unwrap();

    let expected: Vec<_> = seeded.into_iter().map(|(id, code)| (id, code.filter(|_| id != gadget))).collect();
    assert_eq!(codes().await, expected, "the demo's codes back, none for a category the migration does not know");
}

#[tokio::test]
async fn an_order_line_keeps_the_hsn_code_its_product_had_when_it_was_bought() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, 5).await;
    customer.api.place_order(&order_of(product, 1), &new_key()).await.unwrap();

    let reclassified = ProductChanges { hsn_code: Some("8542".into()), ..ProductChanges::default() };
    admin.api.change_product(product, &reclassified).await.unwrap();

    let kept: Option<String> = sqlx::query_scalar("SELECT hsn_code FROM orders.order_items WHERE product_id = $1")
        .bind(product)
        .fetch_one(&app.db.pool().await)
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("854231"), "the code of product_body's processor, as it was sold");
}

/// The fields a refusal names.
fn refused_fields(error: &Value) -> Vec<String> {
    error["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_product_without_an_hsn_code_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let mut body = serde_json::to_value(product("NO-HSN-1", "Unclassified Card")).unwrap();
    body.as_object_mut().unwrap().remove("hsn_code");

    let response = app.send_json_as(Method::POST, "/api/v1/admin/products", &admin.access_token, &body).await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(refused_fields(&error), ["hsn_code"]);
    assert_eq!(count(&app, "SELECT count(*) FROM catalog.products").await, 0);
}

#[tokio::test]
async fn a_malformed_hsn_code_is_refused() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let id = admin.api.create_product(&product("HSN-KEPT-1", "Classified Card")).await.unwrap().summary.id;
    let malformed = ["847", "84733", "8473301", "847330100", "84AB", "8473O0", "", " 8473", "8473\u{0}", "８４７３"];

    for code in malformed {
        let mut body = product("HSN-BAD-1", "Misclassified Card");
        body.hsn_code = code.to_owned();
        let created = admin.api.create_product(&body).await;
        let changes = ProductChanges { hsn_code: Some(code.to_owned()), ..ProductChanges::default() };
        let changed = admin.api.change_product(id, &changes).await;

        for refused in [created.map(|_| ()), changed.map(|_| ())] {
            let error = assert_refused(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
            let fields: Vec<&str> = problems(&error).into_iter().map(|(field, _)| field).collect();
            assert_eq!(fields, ["hsn_code"], "{code:?}");
        }
    }
    assert_eq!(count(&app, "SELECT count(*) FROM catalog.products").await, 1, "only the first product");
    assert_eq!(admin.api.admin_product(id).await.unwrap().hsn_code.as_deref(), Some("847330"), "unchanged");
}

#[tokio::test]
async fn an_hsn_code_is_stored_changed_and_shown() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let mut body = product("HSN-1", "Classified Monitor");
    body.hsn_code = "852852".into();

    let created = admin.api.create_product(&body).await.unwrap();
    let id = created.summary.id;
    let shown = app.api.product(&id.to_string()).await.unwrap();
    let changes = ProductChanges { hsn_code: Some("85285200".into()), ..ProductChanges::default() };
    let changed = admin.api.change_product(id, &changes).await.unwrap();
    let renamed = ProductChanges { name: Some("Renamed Monitor".into()), ..ProductChanges::default() };
    let renamed = admin.api.change_product(id, &renamed).await.unwrap();

    assert_eq!(created.hsn_code.as_deref(), Some("852852"));
    assert_eq!(shown.hsn_code.as_deref(), Some("852852"));
    assert_eq!(changed.hsn_code.as_deref(), Some("85285200"));
    assert_eq!(renamed.hsn_code.as_deref(), Some("85285200"), "a change without the code keeps it");
    assert_eq!(admin.api.admin_product(id).await.unwrap().hsn_code.as_deref(), Some("85285200"));
}
