//! The audit trail: every admin write leaves one entry per changed entity (who, in which
//! request, the fields that changed), in the write's own transaction; and
//! `GET /admin/audit`, for admins only, filtered and paged newest first.

use api_types::ErrorCode;
use api_types::audit::{AuditEntity, AuditEntry, AuditQuery};
use api_types::catalog::{CategoryChanges, NewCategory, ProductChanges};
use api_types::coupons::CouponChanges;
use api_types::inventory::{SetStock, StockAdjustment};
use api_types::users::Role;
use reqwest::StatusCode;
use rigmaster_tests::audit::fresh_request_id;
use rigmaster_tests::catalog::product_body;
use rigmaster_tests::coupons::flat_coupon;
use rigmaster_tests::{TestApp, TestUser, assert_refused, spawn_app};
use serde_json::json;
use uuid::Uuid;

/// The one entry about this entity, asserting there is exactly one, made by `admin` in
/// the request `request_id`.
async fn only_entry(admin: &TestUser, entity: AuditEntity, id: Uuid, request_id: &str) -> AuditEntry {
    let entries = admin.audit_of(entity, id).await;
    assert_eq!(entries.len(), 1, "one entry about {entity:?} {id}: {entries:#?}");
    let entry = entries.into_iter().next().unwrap();
    assert_eq!(entry.actor_id, admin.id);
    assert_eq!(entry.actor_email.as_deref(), Some(admin.email.as_str()));
    assert_eq!(entry.request_id.as_deref(), Some(request_id));
    assert_eq!((entry.entity, entry.entity_id), (entity, id));
    entry
}

/// Every entry `admin` made, newest first.
async fn everything_by(reader: &TestUser, admin: &TestUser) -> Vec<AuditEntry> {
    let query = AuditQuery { actor_id: Some(admin.id), limit: Some(100), ..AuditQuery::default() };
    reader.api.audit_entries(&query).await.unwrap().items
}

async fn product_made_by(admin: &TestUser) -> (Uuid, String) {
    let product = admin.api.create_product(&product_body(1_000_000, 10)).await.unwrap();
    (product.summary.id, product.summary.name)
}

#[tokio::test]
async fn creating_a_product_records_the_admin_the_request_and_everything_the_product_is() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let request_id = fresh_request_id();
    let body = product_body(1_250_000, 7);

    let product = admin.in_request(&request_id).create_product(&body).await.unwrap();

    let entry = only_entry(&admin, AuditEntity::Product, product.summary.id, &request_id).await;
    assert_eq!(entry.action, "product.create");
    assert_eq!(entry.before, None);
    let after = entry.after.expect("what the product is");
    assert_eq!(after["sku"], json!(body.sku));
    assert_eq!(after["base_price_paise"], json!(1_250_000));
    assert_eq!(after["tax_rate_bps"], json!(1800));
    assert_eq!(after["is_active"], json!(true));
    assert_eq!((after["initial_stock"].clone(), after["low_stock_threshold"].clone()), (json!(7), json!(0)));
}

#[tokio::test]
async fn updating_a_product_records_who_changed_which_fields_in_the_request() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let (id, name) = product_made_by(&admin).await;
    let request_id = fresh_request_id();

    let changes = ProductChanges {
        name: Some("Renamed Processor".into()),
        base_price_paise: Some(900_000),
        brand: Some("RigMaster".into()), // as it already is: not a change
        ..ProductChanges::default()
    };
    admin.in_request(&request_id).change_product(id, &changes).await.unwrap();

    let entries = admin.audit_of(AuditEntity::Product, id).await;
    assert_eq!(entries.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["product.update", "product.create"]);
    let update = &entries[0];
    assert_eq!((update.actor_id, update.request_id.as_deref()), (admin.id, Some(request_id.as_str())));
    assert_eq!(update.before, Some(json!({"name": name, "base_price_paise": 1_000_000})));
    assert_eq!(update.after, Some(json!({"name": "Renamed Processor", "base_price_paise": 900_000})));
}

#[tokio::test]
async fn deleting_a_product_records_its_deactivation_once() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let (id, _) = product_made_by(&admin).await;
    let request_id = fresh_request_id();

    admin.in_request(&request_id).delete_product(id).await.unwrap();
    admin.api.delete_product(id).await.unwrap(); // already hidden: nothing changes

    let entries = admin.audit_of(AuditEntity::Product, id).await;
    assert_eq!(entries.len(), 2, "the creation and one deactivation: {entries:#?}");
    let deactivation = &entries[0];
    assert_eq!(
        (deactivation.action.as_str(), deactivation.request_id.as_deref()),
        ("product.deactivate", Some(request_id.as_str()))
    );
    assert_eq!(deactivation.before, Some(json!({"is_active": true})));
    assert_eq!(deactivation.after, Some(json!({"is_active": false})));
}

#[tokio::test]
async fn a_refused_or_empty_write_leaves_no_entry() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let (id, _) = product_made_by(&admin).await;
    let taken = admin.api.admin_product(id).await.unwrap().summary.sku;

    let duplicate = admin.api.create_product(&product_body(500_000, 1)).await.unwrap();
    let same_sku = ProductChanges { sku: Some(taken.clone()), ..ProductChanges::default() };
    assert_refused(
        admin.api.change_product(duplicate.summary.id, &same_sku).await,
        StatusCode::CONFLICT,
        ErrorCode::SkuTaken,
    );
    let again = product_body(500_000, 1);
    let again = api_types::catalog::NewProduct { sku: taken, ..again };
    assert_refused(admin.api.create_product(&again).await, StatusCode::CONFLICT, ErrorCode::SkuTaken);
    let no_price = ProductChanges { base_price_paise: Some(-1), ..ProductChanges::default() };
    assert_refused(
        admin.api.change_product(id, &no_price).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    );
    let below_zero = StockAdjustment { delta: -11, reason: "more than there is".into() };
    assert_refused(admin.api.adjust_stock(id, &below_zero).await, StatusCode::CONFLICT, ErrorCode::Conflict);
    assert_refused(admin.api.set_user_role(admin.id, Role::Customer).await, StatusCode::CONFLICT, ErrorCode::Conflict);
    admin.api.change_product(id, &ProductChanges::default()).await.unwrap();
    admin.api.set_user_role(customer.id, Role::Customer).await.unwrap();

    let actions: Vec<String> = everything_by(&admin, &admin).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["product.create", "product.create"], "only the two products made");
}

#[tokio::test]
async fn category_writes_record_their_creation_change_and_deletion() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let new = NewCategory {
        slug: Some("capture-cards".into()),
        name: "Capture cards".into(),
        parent_id: None,
        position: Some(4),
    };
    let (created, changed, deleted) = (fresh_request_id(), fresh_request_id(), fresh_request_id());

    let category = admin.in_request(&created).create_category(&new).await.unwrap();
    let rename = CategoryChanges { name: Some("Capture & streaming".into()), ..CategoryChanges::default() };
    admin.in_request(&changed).change_category(category.id, &rename).await.unwrap();
    admin.in_request(&deleted).delete_category(category.id).await.unwrap();

    let entries = admin.audit_of(AuditEntity::Category, category.id).await;
    let seen: Vec<(&str, Option<&str>)> =
        entries.iter().map(|e| (e.action.as_str(), e.request_id.as_deref())).collect();
    assert_eq!(
        seen,
        [
            ("category.delete", Some(deleted.as_str())),
            ("category.update", Some(changed.as_str())),
            ("category.create", Some(created.as_str()))
        ]
    );
    let whole = json!({"slug": "capture-cards", "name": "Capture cards", "parent_id": null, "position": 4});
    assert_eq!((entries[2].before.clone(), entries[2].after.clone()), (None, Some(whole)));
    assert_eq!(entries[1].before, Some(json!({"name": "Capture cards"})));
    assert_eq!(entries[1].after, Some(json!({"name": "Capture & streaming"})));
    let last = json!({"slug": "capture-cards", "name": "Capture & streaming", "parent_id": null, "position": 4});
    assert_eq!((entries[0].before.clone(), entries[0].after.clone()), (Some(last), None));
}

#[tokio::test]
async fn stock_writes_record_the_levels_they_changed() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let (id, _) = product_made_by(&admin).await;
    let (set, adjusted) = (fresh_request_id(), fresh_request_id());

    let levels = SetStock { on_hand: 25, low_stock_threshold: Some(3) };
    admin.in_request(&set).set_stock(id, &levels).await.unwrap();
    let sold_elsewhere = StockAdjustment { delta: -5, reason: "sold at the counter".into() };
    admin.in_request(&adjusted).adjust_stock(id, &sold_elsewhere).await.unwrap();

    let entries = admin.audit_of(AuditEntity::Stock, id).await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    assert_eq!(
        (entries[0].action.as_str(), entries[0].request_id.as_deref()),
        ("stock.adjust", Some(adjusted.as_str()))
    );
    assert_eq!(entries[0].before, Some(json!({"on_hand": 25})));
    assert_eq!(entries[0].after, Some(json!({"on_hand": 20})));
    assert_eq!((entries[1].action.as_str(), entries[1].request_id.as_deref()), ("stock.set", Some(set.as_str())));
    assert_eq!(entries[1].before, Some(json!({"on_hand": 10, "low_stock_threshold": 0})));
    assert_eq!(entries[1].after, Some(json!({"on_hand": 25, "low_stock_threshold": 3})));
}

#[tokio::test]
async fn coupon_writes_record_the_code_and_the_rules_that_changed() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let (created, changed) = (fresh_request_id(), fresh_request_id());

    let coupon = admin.in_request(&created).create_coupon(&flat_coupon("AUDIT500", 50_000)).await.unwrap();
    let limited = CouponChanges { usage_limit: Some(Some(5)), is_active: Some(false), ..CouponChanges::default() };
    admin.in_request(&changed).change_coupon(coupon.id, &limited).await.unwrap();
    let duplicate = admin.api.create_coupon(&flat_coupon("audit500", 100)).await;
    assert_refused(duplicate, StatusCode::CONFLICT, ErrorCode::Conflict);

    let entries = admin.audit_of(AuditEntity::Coupon, coupon.id).await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    assert_eq!(
        (entries[0].action.as_str(), entries[0].request_id.as_deref()),
        ("coupon.update", Some(changed.as_str()))
    );
    assert_eq!(entries[0].before, Some(json!({"usage_limit": null, "is_active": true})));
    assert_eq!(entries[0].after, Some(json!({"usage_limit": 5, "is_active": false})));
    assert_eq!(
        (entries[1].action.as_str(), entries[1].request_id.as_deref()),
        ("coupon.create", Some(created.as_str()))
    );
    let after = entries[1].after.clone().expect("the new coupon");
    assert_eq!((&after["code"], &after["type"], &after["value"]), (&json!("AUDIT500"), &json!("flat"), &json!(50_000)));
    let coupons = AuditQuery { entity: Some(AuditEntity::Coupon), ..AuditQuery::default() };
    assert_eq!(admin.api.audit_entries(&coupons).await.unwrap().items.len(), 2, "the refused duplicate left nothing");
}

#[tokio::test]
async fn changing_a_users_role_records_the_role_before_and_after() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let request_id = fresh_request_id();

    admin.in_request(&request_id).set_user_role(customer.id, Role::Admin).await.unwrap();

    let entry = only_entry(&admin, AuditEntity::User, customer.id, &request_id).await;
    assert_eq!(entry.action, "user.role");
    assert_eq!((entry.before, entry.after), (Some(json!({"role": "customer"})), Some(json!({"role": "admin"}))));
}

/// Two admins' writes: `first` makes a category and a product, `second` changes the
/// product's stock twice.
async fn two_admins_at_work(app: &TestApp) -> (TestUser, TestUser, Uuid, Uuid) {
    let (first, second) = (app.register_admin().await, app.register_admin().await);
    let new = NewCategory { slug: Some("fans".into()), name: "Fans".into(), parent_id: None, position: None };
    let category = first.api.create_category(&new).await.unwrap();
    let (product, _) = product_made_by(&first).await;
    for on_hand in [3, 4] {
        second.api.set_stock(product, &SetStock { on_hand, low_stock_threshold: None }).await.unwrap();
    }
    (first, second, category.id, product)
}

#[tokio::test]
async fn the_trail_is_filtered_by_entity_entity_id_and_actor_newest_first() {
    let app = spawn_app().await;
    let (first, second, category, product) = two_admins_at_work(&app).await;
    let read = |query: AuditQuery| {
        let api = first.api.clone();
        async move { api.audit_entries(&AuditQuery { limit: Some(100), ..query }).await.unwrap().items }
    };

    let everything = read(AuditQuery::default()).await;
    let actions: Vec<&str> = everything.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["stock.set", "stock.set", "product.create", "category.create"]);
    assert!(everything.windows(2).all(|pair| pair[0].at >= pair[1].at), "newest first");

    let by_second = read(AuditQuery { actor_id: Some(second.id), ..AuditQuery::default() }).await;
    assert!(by_second.len() == 2 && by_second.iter().all(|e| e.actor_id == second.id && e.entity_id == product));
    assert_eq!(by_second[0].actor_email.as_deref(), Some(second.email.as_str()));
    let categories = read(AuditQuery { entity: Some(AuditEntity::Category), ..AuditQuery::default() }).await;
    assert_eq!(categories.iter().map(|e| e.entity_id).collect::<Vec<_>>(), [category]);
    let about_product = read(AuditQuery { entity_id: Some(product), ..AuditQuery::default() }).await;
    assert_eq!(about_product.len(), 3, "its creation and its stock");
    let products = AuditQuery { entity: Some(AuditEntity::Product), entity_id: Some(product), ..AuditQuery::default() };
    assert_eq!(read(products).await.len(), 1);
}

#[tokio::test]
async fn the_trail_pages_newest_first_without_repeats() {
    let app = spawn_app().await;
    let (first, ..) = two_admins_at_work(&app).await;
    let everything = first.api.audit_entries(&AuditQuery::default()).await.unwrap().items;

    let mut seen = Vec::new();
    let mut query = AuditQuery { limit: Some(3), ..AuditQuery::default() };
    for _ in 0..everything.len() {
        let page = first.api.audit_entries(&query).await.unwrap();
        seen.extend(page.items.into_iter().map(|e| e.id));
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }

    assert_eq!(seen, everything.iter().map(|e| e.id).collect::<Vec<_>>());
}

#[tokio::test]
async fn an_unknown_entity_or_a_foreign_cursor_is_refused_naming_it() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;

    for (query, field) in
        [("entity=invoice", "entity"), ("cursor=not-a-cursor", "cursor"), ("entity_id=7", "entity_id")]
    {
        let response = app.get_as(&format!("/api/v1/admin/audit?{query}"), &admin.access_token).await;
        let error =
            rigmaster_tests::assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(error["details"][0]["field"], json!(field), "{query}: {error}");
    }
}

#[tokio::test]
async fn only_admins_read_the_trail() {
    let app = spawn_app().await;
    let customer = app.register_customer().await;
    let everything = AuditQuery::default();

    assert_refused(app.api.audit_entries(&everything).await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    assert_refused(customer.api.audit_entries(&everything).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
}

#[tokio::test]
async fn a_product_change_whose_entry_cannot_be_recorded_is_not_made() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let (id, name) = product_made_by(&admin).await;
    let pool = app.db.pool().await;
    // From now on no entry can be written (rows already there are not checked).
    sqlx::query("ALTER TABLE audit.entries ADD CONSTRAINT nothing_more CHECK (false) NOT VALID")
        .execute(&pool)
        .await
        .unwrap();

    let rename = ProductChanges { name: Some("Never Renamed".into()), ..ProductChanges::default() };
    let refused = admin.api.change_product(id, &rename).await;

    assert_refused(refused, StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal);
    assert_eq!(admin.api.admin_product(id).await.unwrap().summary.name, name, "the product is as it was");
    sqlx::query("ALTER TABLE audit.entries DROP CONSTRAINT nothing_more").execute(&pool).await.unwrap();
    assert_eq!(admin.audit_of(AuditEntity::Product, id).await.len(), 1, "only its creation");
}
