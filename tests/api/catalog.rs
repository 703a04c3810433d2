//! The storefront catalog: pricing, listing, pagination, filters and typo-tolerant search.

use std::collections::{HashMap, HashSet};

use reqwest::StatusCode;
use rigmaster_tests::app::{TestApp, assert_error};
use rigmaster_tests::spawn_app;
use serde_json::{Value, json};

/// A product body an admin could send; `sku` and `name` vary per test.
pub fn product(sku: &str, name: &str) -> Value {
    json!({
        "sku": sku, "name": name, "brand": "RigMaster", "category": "gpu",
        "base_price_paise": 100_000, "tax_rate_bps": 1800, "initial_stock": 5, "low_stock_threshold": 2,
        "short_description": "A test product.", "specifications": {"length_mm": 250, "tdp_w": 200},
        "images": ["https://cdn.example.in/a.jpg", "https://cdn.example.in/b.jpg"],
    })
}

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
}

/// Every page of `path` (which has no cursor yet), following `next_cursor`; `between`
/// runs before each request after the first.
async fn walk(app: &TestApp, path: &str, mut between: impl AsyncFnMut(usize)) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for page_number in 0.. {
        if page_number > 0 {
            between(page_number).await;
        }
        let url = match &cursor {
            Some(cursor) => format!("{path}&cursor={cursor}"),
            None => path.to_owned(),
        };
        let page = app.get_json(&url).await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(page_number < 1000, "the walk ends");
    }
    items
}

#[tokio::test]
async fn the_server_prices_a_product_and_ignores_prices_sent_by_the_client() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let mut body = product("PRICE-1", "Priced Card");
    body["discount"] = json!({"type": "percentage", "value": 1000});
    body["final_price_paise"] = json!(1);
    body["unit_price_paise"] = json!(1);
    body["tax_paise"] = json!(0);

    let created = app.create_product(&admin, &body).await;
    let shown = app.get_json(&format!("/api/v1/products/{}", created["id"].as_str().unwrap())).await;

    let expected = json!({
        "base_price_paise": 100_000, "discount": {"type": "percentage", "value": 1000}, "tax_rate_bps": 1800,
        "unit_price_paise": 90_000, "tax_paise": 16_200, "final_price_paise": 106_200,
    });
    assert_eq!(created["pricing"], expected);
    assert_eq!(shown["pricing"], expected);
}

#[tokio::test]
async fn a_product_page_shows_everything_about_the_product() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let created = app.create_product(&admin, &product("PAGE-1", "Zotac RTX Page Card")).await;

    let by_slug = app.get_json("/api/v1/products/zotac-rtx-page-card").await;

    assert_eq!(by_slug["id"], created["id"]);
    assert_eq!(by_slug["sku"], "PAGE-1");
    assert_eq!(by_slug["category"]["slug"], "gpu");
    assert_eq!(by_slug["image"], "https://cdn.example.in/a.jpg");
    assert_eq!(by_slug["images"].as_array().unwrap().len(), 2);
    assert_eq!(by_slug["specifications"], json!({"length_mm": 250, "tdp_w": 200}));
    assert_eq!((by_slug["availability"].as_str(), by_slug["stock_available"].as_i64()), (Some("in_stock"), Some(5)));
    assert_eq!(by_slug["rating"], json!({"average": null, "count": 0}));
    assert!(by_slug["created_at"].as_str().is_some() && by_slug["updated_at"].as_str().is_some());
    let unknown = app.get("/api/v1/products/no-such-product").await;
    assert_error(unknown, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn categories_follow_the_contract_tree_with_rolled_up_counts() {
    let app = spawn_app().await;
    let added = app.seed_demo().await;

    let categories = app.get_json("/api/v1/categories").await;

    let by_slug: HashMap<&str, &Value> =
        categories["items"].as_array().unwrap().iter().map(|c| (c["slug"].as_str().unwrap(), c)).collect();
    for top in ["intel-custom", "amd-custom", "prebuilt", "laptops", "accessories", "components"] {
        assert_eq!(by_slug[top]["parent_id"], Value::Null, "{top} is top-level");
    }
    let components = &by_slug["components"]["id"];
    for child in ["cpu", "motherboard", "memory", "gpu", "storage", "psu", "case", "cooler"] {
        assert_eq!(&by_slug[child]["parent_id"], components, "{child} is under components");
    }
    for child in ["keyboards", "mice", "headsets", "monitors"] {
        assert_eq!(by_slug[child]["parent_id"], by_slug["accessories"]["id"], "{child} is under accessories");
    }
    let top_total: i64 = categories["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["parent_id"].is_null())
        .map(|c| c["product_count"].as_i64().unwrap())
        .sum();
    assert_eq!(top_total, added as i64, "each product counts once at the top of its branch");
}

#[tokio::test]
async fn walking_every_page_returns_each_active_product_once_even_while_products_are_added() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let admin = app.register_admin().await;
    let pool = app.db.pool().await;
    let expected: HashSet<String> = sqlx::query_scalar(
        "SELECT p.id::text FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id
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
    for sort in ["newest", "price_asc", "price_desc", "name"] {
        let path = format!("/api/v1/products?category=components&sort={sort}&limit=17");
        let items = walk(&app, &path, async |page| {
            // A new product lands between page requests: cheap, dear and newest, so
            // it falls before or after the cursor depending on the sort.
            let mut body = product(&format!("NEW-{sort}-{page}"), &format!("Aardvark Card {sort} {page}"));
            body["base_price_paise"] = json!(if page % 2 == 0 { 1 } else { 900_000_000 });
            app.create_product(&admin, &body).await;
            added += 1;
        })
        .await;

        let seen: Vec<String> = items.iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
        let unique: HashSet<String> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: no product twice");
        assert!(expected.is_subset(&unique), "{sort}: every product that was there from the start");
        assert!(items.iter().all(|p| p["availability"] != "discontinued"), "{sort}: active only");
    }
    assert!(added > 40, "products were added during the walks");
}

#[tokio::test]
async fn each_sort_orders_its_pages() {
    let app = spawn_app().await;
    app.seed_demo().await;

    let price = |p: &Value| p["pricing"]["final_price_paise"].as_i64().unwrap();
    let asc = walk(&app, "/api/v1/products?category=gpu&sort=price_asc&limit=9", async |_| {}).await;
    assert!(asc.windows(2).all(|w| price(&w[0]) <= price(&w[1])), "price_asc");
    let desc = walk(&app, "/api/v1/products?category=gpu&sort=price_desc&limit=9", async |_| {}).await;
    assert!(desc.windows(2).all(|w| price(&w[0]) >= price(&w[1])), "price_desc");
    let by_name = walk(&app, "/api/v1/products?category=gpu&sort=name&limit=9", async |_| {}).await;
    let lower = |p: &Value| p["name"].as_str().unwrap().to_lowercase();
    assert!(by_name.windows(2).all(|w| lower(&w[0]) <= lower(&w[1])), "name");
    let newest = app.get_json("/api/v1/products?category=gpu").await;
    assert_eq!(newest["items"].as_array().unwrap().len(), 24, "24 by default");
    assert_eq!(asc.len(), 40);
}

#[tokio::test]
async fn filters_narrow_the_list_and_combine() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let pool = app.db.pool().await;

    let asus = walk(&app, "/api/v1/products?brand=asus&limit=100", async |_| {}).await;
    let asus_count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM catalog.products WHERE lower(brand) = 'asus' AND is_active")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(asus.len() as i64, asus_count);
    assert!(asus.iter().all(|p| p["brand"] == "ASUS"));

    let priced = walk(
        &app,
        "/api/v1/products?category=memory&min_price_paise=500000&max_price_paise=1000000&limit=100",
        async |_| {},
    )
    .await;
    assert!(!priced.is_empty());
    assert!(priced.iter().all(|p| {
        let price = p["pricing"]["final_price_paise"].as_i64().unwrap();
        (500_000..=1_000_000).contains(&price) && p["category"]["slug"] == "memory"
    }));

    let in_stock = walk(&app, "/api/v1/products?in_stock=true&limit=100", async |_| {}).await;
    let out_of_stock = walk(&app, "/api/v1/products?in_stock=false&limit=100", async |_| {}).await;
    let all = walk(&app, "/api/v1/products?limit=100", async |_| {}).await;
    assert!(in_stock.iter().all(|p| p["availability"] == "in_stock"));
    assert!(!out_of_stock.is_empty() && out_of_stock.iter().all(|p| p["availability"] == "out_of_stock"));
    assert_eq!(in_stock.len() + out_of_stock.len(), all.len());

    let featured = walk(&app, "/api/v1/products?featured=true&limit=100", async |_| {}).await;
    assert!(!featured.is_empty() && featured.iter().all(|p| p["is_featured"] == true));

    let combined = app.get_json("/api/v1/products?category=cpu&brand=AMD&q=ryzen%209&in_stock=true").await;
    assert!(names(&combined).iter().all(|n| n.contains("Ryzen 9")), "{:?}", names(&combined));
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
        let page = app.get_json(&format!("/api/v1/products?q={}&limit=5", typed.replace(' ', "%20"))).await;
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

    let items = walk(&app, "/api/v1/products?q=rtx&limit=7", async |_| {}).await;

    let ids: Vec<&str> = items.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    assert!(items.len() > 30, "every RTX card, laptop and PC: {}", items.len());
}

#[tokio::test]
async fn suggestions_are_few_and_match_by_prefix_or_likeness() {
    let app = spawn_app().await;
    app.seed_demo().await;

    let prefix = app.get_json("/api/v1/search/suggest?q=ryz").await;
    let fuzzy = app.get_json("/api/v1/search/suggest?q=thermalrite").await;

    assert_eq!(prefix["items"].as_array().unwrap().len(), 10, "at most ten");
    assert!(names(&prefix).iter().all(|n| n.contains("Ryzen")), "{:?}", names(&prefix));
    let first = &prefix["items"][0];
    assert!(first["id"].is_string() && first["slug"].is_string() && first["category"]["slug"].is_string());
    assert!(!names(&fuzzy).is_empty() && names(&fuzzy).iter().all(|n| n.starts_with("Thermalright")));
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
        app.create_product(&admin, &product(&format!("CUR-{i}"), &format!("Cursor Card {i}"))).await;
    }
    let page = app.get_json("/api/v1/products?sort=price_asc&limit=1").await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let other = app.get(&format!("/api/v1/products?sort=name&limit=1&cursor={cursor}")).await;
    assert_error(other, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn every_listing_shape_reads_an_index_not_the_whole_table() {
    use catalog::categories::CategoryKey;
    use catalog::ports::NoStock;
    use catalog::products::{PgProductStore, ProductQuery, ProductStore as _, Sort};

    let app = spawn_app().await;
    app.seed_demo().await;
    let pool = app.db.pool().await;
    // 10,000+ products: enough that PostgreSQL prefers an index when one fits.
    sqlx::query(
        "INSERT INTO catalog.products (id, sku, slug, name, brand, category_id, base_price_paise, tax_rate_bps,
                                       final_price_paise, specifications, created_at)
         SELECT gen_random_uuid(), p.sku || '-V' || g, p.slug || '-v' || g, p.name || ' v' || g, p.brand,
                p.category_id, p.base_price_paise + g, p.tax_rate_bps, p.final_price_paise + g, p.specifications,
                now() - make_interval(mins => g)
         FROM catalog.products p CROSS JOIN generate_series(1, 28) g",
    )
    .execute(&pool)
    .await
    .unwrap();
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
