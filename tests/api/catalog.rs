//! The storefront catalog: pricing, listing, pagination, filters and typo-tolerant search.

use std::collections::{HashMap, HashSet};

use api_types::ErrorCode;
use api_types::catalog::{
    Availability, Category, Discount, DiscountKind, NewProduct, Pricing, ProductQuery, ProductSort, ProductSummary,
    Rating,
};
use reqwest::{Method, StatusCode};
use rigmaster_tests::app::TestApp;
use rigmaster_tests::{assert_error, assert_refused, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

/// A product an admin could create: a ₹1,000 GPU (18% GST, HSN 847330) with 5 units, two
/// images and two specifications; `sku` and `name` vary per test.
pub fn product(sku: &str, name: &str) -> NewProduct {
    let specifications = json!({"length_mm": 250, "tdp_w": 200});
    NewProduct {
        sku: sku.to_owned(),
        slug: None,
        name: name.to_owned(),
        brand: "RigMaster".into(),
        category_id: None,
        category: Some("gpu".into()),
        base_price_paise: 100_000,
        discount: None,
        tax_rate_bps: 1800,
        hsn_code: "847330".into(),
        short_description: Some("A test product.".into()),
        description: None,
        specifications: specifications.as_object().cloned(),
        images: Some(vec!["https://cdn.example.in/a.jpg".into(), "https://cdn.example.in/b.jpg".into()]),
        is_active: None,
        is_featured: None,
        initial_stock: Some(5),
        low_stock_threshold: Some(2),
    }
}

fn names(items: &[ProductSummary]) -> Vec<&str> {
    items.iter().map(|p| p.name.as_str()).collect()
}

/// Every page of `query` (which has no cursor yet), following `next_cursor`; `between`
/// runs before each request after the first.
async fn walk(app: &TestApp, query: ProductQuery, mut between: impl AsyncFnMut(usize)) -> Vec<ProductSummary> {
    let mut items = Vec::new();
    let mut query = query;
    for page_number in 0.. {
        if page_number > 0 {
            between(page_number).await;
        }
        let page = app.api.products(&query).await.unwrap();
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => query.cursor = Some(next),
            None => break,
        }
        assert!(page_number < 1000, "the walk ends");
    }
    items
}

/// Products of `category` in `sort` order, `limit` to a page.
fn sorted(category: &str, sort: ProductSort, limit: u32) -> ProductQuery {
    ProductQuery { category: Some(category.into()), sort: Some(sort), limit: Some(limit), ..ProductQuery::default() }
}

/// Every product (a hundred to a page) that `filter` leaves.
fn up_to_100(filter: ProductQuery) -> ProductQuery {
    ProductQuery { limit: Some(100), ..filter }
}

#[tokio::test]
async fn the_server_prices_a_product_and_ignores_prices_sent_by_the_client() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    // Raw: prices the typed product has no fields for.
    let mut body = serde_json::to_value(product("PRICE-1", "Priced Card")).unwrap();
    body["discount"] = json!({"type": "percentage", "value": 1000});
    body["final_price_paise"] = json!(1);
    body["unit_price_paise"] = json!(1);
    body["tax_paise"] = json!(0);

    let created = app.send_json_as(Method::POST, "/api/v1/admin/products", &admin.access_token, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    let shown = app.api.product(id).await.unwrap();

    let expected = json!({
        "base_price_paise": 100_000, "discount": {"type": "percentage", "value": 1000}, "tax_rate_bps": 1800,
        "unit_price_paise": 90_000, "tax_paise": 16_200, "final_price_paise": 106_200,
    });
    assert_eq!(created["pricing"], expected);
    let expected = Pricing {
        base_price_paise: 100_000,
        discount: Some(Discount { kind: DiscountKind::Percentage, value: 1000 }),
        tax_rate_bps: 1800,
        unit_price_paise: 90_000,
        tax_paise: 16_200,
        final_price_paise: 106_200,
    };
    assert_eq!(shown.summary.pricing, expected);
}

#[tokio::test]
async fn a_product_page_shows_everything_about_the_product() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let created = admin.api.create_product(&product("PAGE-1", "Zotac RTX Page Card")).await.unwrap();

    let by_slug = app.api.product("zotac-rtx-page-card").await.unwrap();

    let summary = &by_slug.summary;
    assert_eq!(summary.id, created.summary.id);
    assert_eq!(summary.sku, "PAGE-1");
    assert_eq!(summary.category.slug, "gpu");
    assert_eq!(summary.image.as_deref(), Some("https://cdn.example.in/a.jpg"));
    assert_eq!(by_slug.images.len(), 2);
    assert_eq!(Value::Object(by_slug.specifications.clone()), json!({"length_mm": 250, "tdp_w": 200}));
    assert_eq!((summary.availability, by_slug.stock_available), (Availability::InStock, 5));
    assert_eq!(summary.rating, Rating { average: None, count: 0 });
    let unknown = app.api.product("no-such-product").await;
    assert_refused(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound);
}

#[tokio::test]
async fn categories_follow_the_contract_tree_with_rolled_up_counts() {
    let app = spawn_app().await;
    let added = app.seed_demo().await;

    let categories = app.api.categories().await.unwrap();

    let by_slug: HashMap<&str, &Category> = categories.iter().map(|c| (c.slug.as_str(), c)).collect();
    for top in ["intel-custom", "amd-custom", "prebuilt", "laptops", "accessories", "components"] {
        assert_eq!(by_slug[top].parent_id, None, "{top} is top-level");
    }
    let components = Some(by_slug["components"].id);
    for child in ["cpu", "motherboard", "memory", "gpu", "storage", "psu", "case", "cooler"] {
        assert_eq!(by_slug[child].parent_id, components, "{child} is under components");
    }
    for child in ["keyboards", "mice", "headsets", "monitors"] {
        assert_eq!(by_slug[child].parent_id, Some(by_slug["accessories"].id), "{child} is under accessories");
    }
    let top_total: i64 = categories.iter().filter(|c| c.parent_id.is_none()).map(|c| c.product_count).sum();
    assert_eq!(top_total, added as i64, "each product counts once at the top of its branch");
}

#[tokio::test]
async fn walking_every_page_returns_each_active_product_once_even_while_products_are_added() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let admin = app.register_admin().await;
    let pool = app.db.pool().await;
    let expected: HashSet<Uuid> = sqlx::query_scalar(
        "SELECT p.id FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id
         LEFT JOIN catalog.categories parent ON parent.id = c.parent_id
         WHERE p.is_active AND (c.slug = 'components' OR parent.slug = 'components')",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    assert!(expected.len() > 200, "the demo store has many components");

    let mut added = 0;
    for sort in [ProductSort::Newest, ProductSort::PriceAsc, ProductSort::PriceDesc, ProductSort::Name] {
        let items = walk(&app, sorted("components", sort, 17), async |page| {
            // A new product lands between page requests: cheap, dear and newest, so
            // it falls before or after the cursor depending on the sort.
            let name = sort.as_str();
            let mut body = product(&format!("NEW-{name}-{page}"), &format!("Aardvark Card {name} {page}"));
            body.base_price_paise = if page % 2 == 0 { 1 } else { 900_000_000 };
            admin.api.create_product(&body).await.unwrap();
            added += 1;
        })
        .await;

        let seen: Vec<Uuid> = items.iter().map(|p| p.id).collect();
        let unique: HashSet<Uuid> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "{sort:?}: no product twice");
        assert!(expected.is_subset(&unique), "{sort:?}: every product that was there from the start");
        assert!(items.iter().all(|p| p.availability != Availability::Discontinued), "{sort:?}: active only");
    }
    assert!(added > 40, "products were added during the walks");
}

#[tokio::test]
async fn each_sort_orders_its_pages() {
    let app = spawn_app().await;
    app.seed_demo().await;

    let price = |p: &ProductSummary| p.pricing.final_price_paise;
    let asc = walk(&app, sorted("gpu", ProductSort::PriceAsc, 9), async |_| {}).await;
    assert!(asc.windows(2).all(|w| price(&w[0]) <= price(&w[1])), "price_asc");
    let desc = walk(&app, sorted("gpu", ProductSort::PriceDesc, 9), async |_| {}).await;
    assert!(desc.windows(2).all(|w| price(&w[0]) >= price(&w[1])), "price_desc");
    let by_name = walk(&app, sorted("gpu", ProductSort::Name, 9), async |_| {}).await;
    let lower = |p: &ProductSummary| p.name.to_lowercase();
    assert!(by_name.windows(2).all(|w| lower(&w[0]) <= lower(&w[1])), "name");
    let gpus = ProductQuery { category: Some("gpu".into()), ..ProductQuery::default() };
    let newest = app.api.products(&gpus).await.unwrap();
    assert_eq!(newest.items.len(), 24, "24 by default");
    assert_eq!(asc.len(), 40);
}

#[tokio::test]
async fn filters_narrow_the_list_and_combine() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let pool = app.db.pool().await;
    let all_of = async |filter: ProductQuery| walk(&app, up_to_100(filter), async |_| {}).await;

    let asus = all_of(ProductQuery { brand: Some("asus".into()), ..ProductQuery::default() }).await;
    let asus_count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM catalog.products WHERE lower(brand) = 'asus' AND is_active")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(asus.len() as i64, asus_count);
    assert!(asus.iter().all(|p| p.brand == "ASUS"));

    let priced = all_of(ProductQuery {
        category: Some("memory".into()),
        min_price_paise: Some(500_000),
        max_price_paise: Some(1_000_000),
        ..ProductQuery::default()
    })
    .await;
    assert!(!priced.is_empty());
    assert!(
        priced
            .iter()
            .all(|p| { (500_000..=1_000_000).contains(&p.pricing.final_price_paise) && p.category.slug == "memory" })
    );

    let in_stock = all_of(ProductQuery { in_stock: Some(true), ..ProductQuery::default() }).await;
    let out_of_stock = all_of(ProductQuery { in_stock: Some(false), ..ProductQuery::default() }).await;
    let all = all_of(ProductQuery::default()).await;
    assert!(in_stock.iter().all(|p| p.availability == Availability::InStock));
    assert!(!out_of_stock.is_empty() && out_of_stock.iter().all(|p| p.availability == Availability::OutOfStock));
    assert_eq!(in_stock.len() + out_of_stock.len(), all.len());

    let featured = all_of(ProductQuery { featured: Some(true), ..ProductQuery::default() }).await;
    assert!(!featured.is_empty() && featured.iter().all(|p| p.is_featured));

    let combined = ProductQuery {
        category: Some("cpu".into()),
        brand: Some("AMD".into()),
        q: Some("ryzen 9".into()),
        in_stock: Some(true),
        ..ProductQuery::default()
    };
    let combined = app.api.products(&combined).await.unwrap().items;
    assert!(names(&combined).iter().all(|n| n.contains("Ryzen 9")), "{:?}", names(&combined));
}

/// The first `limit` products matching what a shopper typed.
async fn search(app: &TestApp, typed: &str, limit: u32) -> Vec<ProductSummary> {
    let query = ProductQuery { q: Some(typed.into()), limit: Some(limit), ..ProductQuery::default() };
    app.api.products(&query).await.unwrap().items
}

#[tokio::test]
async fn typos_still_find_the_intended_products() {
    let app = spawn_app().await;
    app.seed_demo().await;
    // (what a shopper typed, what the top results must include)
    let cases = [
        ("ryzn 7", "Ryzen 7"),
        ("rtx4070", "RTX 4070"),
        ("geforse rtx", "GeForce RTX"),
        ("corsiar", "Corsair"),
        ("samsng 990", "Samsung 990"),
        ("logitec mouse", "Logitech"),
        ("kingstn fury", "Kingston Fury"),
        ("thermalrite", "Thermalright"),
        ("deepcol ak620", "Deepcool AK620"),
        ("noctau", "Noctua"),
        ("radeon rx7800xt", "RX 7800 XT"),
        ("motherbord b650", "B650"),
        ("macbok", "MacBook"),
        ("intel cor i5", "Core i5"),
    ];
    for (typed, intended) in cases {
        let page = search(&app, typed, 5).await;
        let found = names(&page);
        assert!(!found.is_empty(), "{typed:?} found nothing");
        assert!(found[0].contains(intended), "{typed:?}: the best match is {:?}", found[0]);
        assert!(found.iter().filter(|n| n.contains(intended)).count() >= found.len().min(3), "{typed:?}: {found:?}");
    }
}

#[tokio::test]
async fn relevance_pages_walk_without_repeats() {
    let app = spawn_app().await;
    app.seed_demo().await;

    let rtx = ProductQuery { q: Some("rtx".into()), limit: Some(7), ..ProductQuery::default() };
    let items = walk(&app, rtx, async |_| {}).await;

    let ids: Vec<Uuid> = items.iter().map(|p| p.id).collect();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    assert!(items.len() > 30, "every RTX card, laptop and PC: {}", items.len());
}

#[tokio::test]
async fn suggestions_are_few_and_match_by_prefix_or_likeness() {
    let app = spawn_app().await;
    app.seed_demo().await;

    let prefix = app.api.suggest("ryz").await.unwrap();
    let fuzzy = app.api.suggest("thermalrite").await.unwrap();

    assert_eq!(prefix.len(), 10, "at most ten");
    assert!(prefix.iter().all(|s| s.name.contains("Ryzen")), "{prefix:?}");
    let first = &prefix[0];
    assert!(!first.slug.is_empty() && !first.category.slug.is_empty(), "{first:?}");
    assert!(!fuzzy.is_empty() && fuzzy.iter().all(|s| s.name.starts_with("Thermalright")), "{fuzzy:?}");
    // Raw: the typed client always sends `q`.
    let missing = app.get("/api/v1/search/suggest").await;
    let error = assert_error(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error["details"][0]["field"], "q");
}

#[tokio::test]
async fn bad_list_queries_name_the_parameter() {
    let app = spawn_app().await;
    let cases = [
        ("sort=cheapest", "sort"),
        ("limit=0", "limit"),
        ("limit=lots", "limit"),
        ("min_price_paise=-5", "min_price_paise"),
        ("in_stock=maybe", "in_stock"),
        ("category=no-such-category", "category"),
        ("cursor=not-a-cursor", "cursor"),
        ("q=%21%21%21", "q"),
    ];
    for (query, field) in cases {
        let response = app.get(&format!("/api/v1/products?{query}")).await;
        let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(error["details"][0]["field"], field, "{query}");
    }
    // A cursor from one sort is not accepted by another.
    let admin = app.register_admin().await;
    for i in 0..3 {
        admin.api.create_product(&product(&format!("CUR-{i}"), &format!("Cursor Card {i}"))).await.unwrap();
    }
    let one = |sort| ProductQuery { sort: Some(sort), limit: Some(1), ..ProductQuery::default() };
    let page = app.api.products(&one(ProductSort::PriceAsc)).await.unwrap();
    let other = ProductQuery { cursor: page.next_cursor, ..one(ProductSort::Name) };
    assert_refused(app.api.products(&other).await, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
}

#[tokio::test]
async fn every_listing_shape_reads_an_index_not_the_whole_table() {
    use catalog::categories::CategoryKey;
    use catalog::ports::NoStock;
    use catalog::products::{PgProductStore, ProductQuery, ProductStore as _, Sort};

    let app = spawn_app().await;
    app.seed_demo().await;
    let pool = app.db.pool().await;
    rigmaster_tests::catalog::copy_every_product(&pool, 28).await;
    sqlx::query("ANALYZE catalog.products").execute(&pool).await.unwrap();
    let store = PgProductStore::new(pool.clone(), NoStock);

    for category in [None, Some("gpu"), Some("components")] {
        let ids = match category {
            Some(slug) => store.category_with_descendants(&CategoryKey::Slug(slug.into())).await.unwrap(),
            None => None,
        };
        // Searches are left to the planner: a term matching much of the store is rightly
        // a sequential scan (every match must be ranked), a rare one uses the GIN
        // indexes, and the choice flips with statistics; so only pages are asserted.
        for sort in [Sort::Newest, Sort::PriceAsc, Sort::PriceDesc, Sort::Name] {
            let query = ProductQuery { sort: Some(sort), ..ProductQuery::default() };
            let plan = store.explain_list(&query, ids.as_deref()).await.unwrap().join("\n");
            assert!(!plan.contains("Seq Scan on products"), "{category:?} {sort:?}:\n{plan}");
            assert!(plan.contains("Index"), "{category:?} {sort:?}:\n{plan}");
        }
    }
}
