//! The PC builder: options that fit, every issue at once, saved builds re-priced, and a
//! build bought as one group.

use std::collections::{BTreeMap, BTreeSet};

use api_types::ErrorCode;
use api_types::builder::{
    AddBuildToCart, BuildIssueCode, BuildRequest, BuilderOptionsQuery, Platform, SaveBuild, Slot,
};
use api_types::catalog::{Availability, ProductChanges};
use api_types::orders::OrderStatus;
use catalog::builder::{self as rules, Build, Component, IssueCode};
use reqwest::StatusCode;
use rigmaster_tests::builder::am5_specifications;
use rigmaster_tests::orders::cart_order;
use rigmaster_tests::shop::{new_key, spawn_shop};
use rigmaster_tests::{assert_refused, spawn_app};
use serde_json::{Map, Value, json};
use sqlx::PgPool;
use uuid::Uuid;

fn domain_slot(slot: Slot) -> rules::Slot {
    rules::Slot::parse(slot.as_str()).unwrap()
}

fn domain_platform(platform: Platform) -> rules::Platform {
    rules::Platform::parse(platform.as_str()).unwrap()
}

/// A product as the rules read it, straight from the database.
async fn component(pool: &PgPool, id: Uuid) -> Component {
    let (name, category, specifications): (String, String, sqlx::types::Json<Map<String, Value>>) = sqlx::query_as(
        "SELECT p.name, c.slug, p.specifications FROM catalog.products p
         JOIN catalog.categories c ON c.id = p.category_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap();
    Component { product_id: id, name, category, specifications: specifications.0 }
}

/// The sockets of the platform's CPUs on sale: a board or a cooler chosen before the CPU
/// must fit one of them.
async fn platform_sockets(pool: &PgPool, platform: Platform) -> BTreeSet<String> {
    let sockets: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT upper(p.specifications->>'socket') FROM catalog.products p
         JOIN catalog.categories c ON c.id = p.category_id
         WHERE c.slug = 'cpu' AND p.is_active AND lower(p.specifications->>'vendor') = $1",
    )
    .bind(platform.as_str())
    .fetch_all(pool)
    .await
    .unwrap();
    sockets.into_iter().collect()
}

/// The active, in-stock products of the slot that the rules accept beside `chosen`: what
/// the options must be, worked out in Rust from the rules alone (and, before a CPU is
/// chosen, a board or cooler for one of the platform's sockets).
async fn fitting_by_the_rules(
    pool: &PgPool,
    platform: Platform,
    slot: Slot,
    chosen: &BTreeMap<Slot, Uuid>,
) -> BTreeSet<Uuid> {
    let sockets = platform_sockets(pool, platform).await;
    let mut build = Build { platform: domain_platform(platform), components: BTreeMap::new() };
    for (&other, &id) in chosen {
        build.components.insert(domain_slot(other), component(pool, id).await);
    }
    let candidates: Vec<Uuid> = sqlx::query_scalar(
        "SELECT p.id FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id
         JOIN inventory.availability a ON a.product_id = p.id
         WHERE c.slug = $1 AND p.is_active AND a.available > 0",
    )
    .bind(slot.as_str())
    .fetch_all(pool)
    .await
    .unwrap();
    let mut fitting = BTreeSet::new();
    for id in candidates {
        let mut tried = build.clone();
        let candidate = component(pool, id).await;
        let of_the_platform = match (slot, chosen.contains_key(&Slot::Cpu)) {
            (Slot::Motherboard, false) => {
                sockets.contains(&candidate.specifications["socket"].as_str().unwrap().to_uppercase())
            }
            (Slot::Cooler, false) => candidate.specifications["sockets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|socket| sockets.contains(&socket.as_str().unwrap().to_uppercase())),
            _ => true,
        };
        tried.components.insert(domain_slot(slot), candidate);
        let fits = rules::check(&tried)
            .iter()
            .all(|issue| matches!(issue.code, IssueCode::SlotMissing | IssueCode::CoolerRequired));
        if fits && of_the_platform {
            fitting.insert(id);
        }
    }
    fitting
}

#[tokio::test]
async fn choosing_the_first_option_of_each_slot_in_turn_ends_in_a_compatible_build_on_each_platform() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let pool = app.db.pool().await;

    for platform in [Platform::Intel, Platform::Amd] {
        let mut chosen = BTreeMap::new();
        for slot in Slot::ALL {
            let options = app.all_options(platform, slot, &chosen).await;
            let offered: BTreeSet<Uuid> = options.iter().map(|product| product.id).collect();
            assert_eq!(offered.len(), options.len(), "{platform:?} {slot:?}: each product once");
            assert_eq!(
                offered,
                fitting_by_the_rules(&pool, platform, slot, &chosen).await,
                "{platform:?} {slot:?}: the options are exactly the in-stock products the rules accept",
            );
            assert!(options.iter().all(|product| product.availability == Availability::InStock));
            let prices: Vec<i64> = options.iter().map(|product| product.pricing.final_price_paise).collect();
            assert!(prices.is_sorted(), "{platform:?} {slot:?}: cheapest first");
            match options.first() {
                Some(first) => {
                    chosen.insert(slot, first.id);
                }
                None => assert!(matches!(slot, Slot::Gpu | Slot::Cooler), "{platform:?}: nothing for {slot:?}"),
            }
        }
        let verdict = app.api.validate_build(&BuildRequest { platform, components: chosen.clone() }).await.unwrap();
        assert!(verdict.compatible && verdict.purchasable, "{platform:?}: {:?}", verdict.issues);
        assert_eq!(verdict.issues, vec![]);
    }
}

/// Walking the slots backwards checks each rule from its other side (a CPU for the chosen
/// cooler and power supply, a board for the chosen kit and case…), taking the cheapest or
/// the dearest option each time.
#[tokio::test]
async fn options_match_the_rules_whatever_the_order_parts_are_chosen_in() {
    use api_types::catalog::ProductSort;

    let app = spawn_app().await;
    app.seed_demo().await;
    let pool = app.db.pool().await;
    for platform in [Platform::Intel, Platform::Amd] {
        for sort in [ProductSort::PriceAsc, ProductSort::PriceDesc] {
            let mut chosen = BTreeMap::new();
            for slot in Slot::ALL.into_iter().rev() {
                let mut query = BuilderOptionsQuery::new(slot, &chosen);
                query.sort = Some(sort);
                query.limit = Some(100);
                let options = app.api.builder_options(platform, &query).await.unwrap();
                assert_eq!(options.next_cursor, None, "the demo store has fewer than 100 parts of a slot");
                let offered: BTreeSet<Uuid> = options.items.iter().map(|product| product.id).collect();
                assert_eq!(
                    offered,
                    fitting_by_the_rules(&pool, platform, slot, &chosen).await,
                    "{platform:?} {sort:?} {slot:?} after {chosen:?}",
                );
                if let Some(first) = options.items.first() {
                    chosen.insert(slot, first.id);
                }
            }
        }
    }
}

#[tokio::test]
async fn after_an_am5_cpu_motherboards_are_am5_only_and_memory_follows_the_chosen_board() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let pool = app.db.pool().await;
    let am5_cpu: Uuid = sqlx::query_scalar(
        "SELECT p.id FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id
         JOIN inventory.availability a ON a.product_id = p.id
         WHERE c.slug = 'cpu' AND p.specifications->>'socket' = 'AM5' AND a.available > 0 LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();

    let chosen = BTreeMap::from([(Slot::Cpu, am5_cpu)]);
    let boards = app.all_options(Platform::Amd, Slot::Motherboard, &chosen).await;
    assert!(!boards.is_empty());
    for board in &boards {
        assert_eq!(component(&pool, board.id).await.specifications["socket"], "AM5", "{}", board.name);
    }
    let all_boards = app.all_options(Platform::Amd, Slot::Motherboard, &BTreeMap::new()).await;
    assert!(all_boards.len() > boards.len(), "without a CPU, AM4 boards are offered too");

    for board in &boards {
        let takes = component(&pool, board.id).await.specifications["memory_type"].as_str().unwrap().to_owned();
        let chosen = BTreeMap::from([(Slot::Cpu, am5_cpu), (Slot::Motherboard, board.id)]);
        for kit in app.all_options(Platform::Amd, Slot::Memory, &chosen).await {
            let kind = component(&pool, kit.id).await.specifications["memory_type"].as_str().unwrap().to_owned();
            assert!(takes.split('/').any(|taken| taken == kind), "{} takes {takes}, offered {kind}", board.name);
        }
    }
}

#[tokio::test]
async fn an_intel_cpu_in_an_amd_build_ddr4_on_a_ddr5_board_and_no_psu_are_three_issues_in_one_answer() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let intel_cpu = app
        .create_part(
            &admin,
            Slot::Cpu,
            json!({"vendor": "Intel", "socket": "AM5", "tdp_w": 65, "bundled_cooler": true}),
            5,
        )
        .await;
    let ddr5_board = app.create_part(&admin, Slot::Motherboard, am5_specifications(Slot::Motherboard), 5).await;
    let ddr4_kit = app.create_part(&admin, Slot::Memory, json!({"memory_type": "DDR4", "modules": 2}), 5).await;
    let storage = app.create_part(&admin, Slot::Storage, am5_specifications(Slot::Storage), 5).await;
    let case = app.create_part(&admin, Slot::Case, am5_specifications(Slot::Case), 5).await;
    let components = BTreeMap::from([
        (Slot::Cpu, intel_cpu),
        (Slot::Motherboard, ddr5_board),
        (Slot::Memory, ddr4_kit),
        (Slot::Storage, storage),
        (Slot::Case, case),
    ]);

    let verdict = app.api.validate_build(&BuildRequest { platform: Platform::Amd, components }).await.unwrap();

    let issues: Vec<(Slot, BuildIssueCode)> = verdict.issues.iter().map(|issue| (issue.slot, issue.code)).collect();
    assert_eq!(
        issues,
        vec![
            (Slot::Psu, BuildIssueCode::SlotMissing),
            (Slot::Cpu, BuildIssueCode::CpuPlatformMismatch),
            (Slot::Memory, BuildIssueCode::MemoryTypeMismatch),
        ]
    );
    assert!(verdict.issues[2].message.contains("DDR5") && verdict.issues[2].message.contains("DDR4"));
    assert!(!verdict.compatible && !verdict.purchasable);
    // 65 W CPU, no graphics card, 75 W for the rest.
    assert_eq!(verdict.estimated_wattage, 140);
    let each = 1_000_000 + 180_000;
    assert_eq!(verdict.pricing.total_paise, 5 * each);
    assert_eq!(verdict.pricing.subtotal_paise + verdict.pricing.tax_paise, verdict.pricing.total_paise);
}

#[tokio::test]
async fn a_saved_build_is_repriced_after_a_price_change_and_reports_a_part_that_went_out_of_stock() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let build = app.create_build(&admin, 3).await;
    let saved = app
        .api
        .save_build(&SaveBuild {
            platform: Platform::Amd,
            components: build.parts.clone(),
            name: Some("Gaming rig".into()),
        })
        .await
        .unwrap();
    assert!(saved.verdict.purchasable, "{:?}", saved.verdict.issues);
    assert!(saved.share_url.ends_with(&format!("/builds/{}", saved.id)), "{}", saved.share_url);
    let before = saved.verdict.pricing.total_paise;

    let gpu = build.parts[&Slot::Gpu];
    let changes = ProductChanges { base_price_paise: Some(2_000_000), ..ProductChanges::default() };
    admin.api.change_product(gpu, &changes).await.unwrap();
    app.set_on_hand(&admin, build.parts[&Slot::Psu], 0).await;

    let opened = app.api.anonymous().saved_build(saved.id).await.unwrap();
    assert_eq!(opened.name, "Gaming rig");
    assert_eq!(opened.verdict.pricing.total_paise, before + 1_180_000, "the GPU's new price, with GST");
    assert!(opened.verdict.compatible, "still fits together");
    assert!(!opened.verdict.purchasable);
    let issues: Vec<(Slot, BuildIssueCode)> =
        opened.verdict.issues.iter().map(|issue| (issue.slot, issue.code)).collect();
    assert_eq!(issues, vec![(Slot::Psu, BuildIssueCode::OutOfStock)]);
    assert_refused(app.api.saved_build(Uuid::new_v4()).await, StatusCode::NOT_FOUND, ErrorCode::NotFound);
}

#[tokio::test]
async fn buying_a_build_with_one_short_part_is_409_and_reserves_nothing_then_every_part_is_reserved_and_paid_together()
{
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let build = app.create_build(&admin, 2).await;
    let cart = customer
        .api
        .add_build_to_cart(&AddBuildToCart {
            platform: Some(Platform::Amd),
            components: Some(build.parts.clone()),
            ..AddBuildToCart::default()
        })
        .await
        .unwrap();
    assert_eq!(cart.builds.len(), 1);
    assert_eq!(cart.items.len(), 8);
    assert!(cart.items.iter().all(|line| line.build_id == Some(cart.builds[0].id) && line.quantity == 1));
    assert_eq!(cart.builds[0].total_paise, cart.total_paise);

    // Another customer takes the last units of the cooler.
    let other = app.register_customer().await;
    let cooler = build.parts[&Slot::Cooler];
    app.fill_cart(&other, &[(cooler, 2)]).await;
    app.checkout(&other, &cart_order()).await;

    let refused = customer.api.place_order(&cart_order(), &new_key()).await;
    let error = assert_refused(refused, StatusCode::CONFLICT, ErrorCode::OutOfStock);
    let shortages = error.shortages.unwrap();
    assert_eq!(shortages.len(), 1);
    assert_eq!(shortages[0].product_id, cooler);
    for (&slot, &part) in &build.parts {
        let reserved = if slot == Slot::Cooler { 2 } else { 0 };
        assert_eq!(app.stock_levels(part).await, (2, reserved), "{slot:?}: nothing reserved for the build");
    }

    app.set_on_hand(&admin, cooler, 3).await;
    let placed = app.checkout(&customer, &cart_order()).await;
    assert_eq!(placed.order.items.len(), 8);
    for &part in build.parts.values() {
        let (_, reserved) = app.stock_levels(part).await;
        assert!(reserved >= 1, "every part reserved by the one order");
    }
    app.pay(&placed, "success", "normal").await;
    app.wait_for_order_status(&customer, placed.order.id, OrderStatus::Paid).await;
    for (&slot, &part) in &build.parts {
        let expected = if slot == Slot::Cooler { (2, 2) } else { (1, 0) };
        assert_eq!(app.stock_levels(part).await, expected, "{slot:?}: sold with the rest");
    }
    let cart = customer.api.cart().await.unwrap();
    assert!(cart.items.is_empty() && cart.builds.is_empty(), "the build left the cart once paid");
}

#[tokio::test]
async fn an_incompatible_build_is_refused_with_every_issue_and_nothing_is_added() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let mut build = app.create_build(&admin, 5).await;
    let weak_psu = app.create_part(&admin, Slot::Psu, json!({"wattage_w": 300}), 5).await;
    build.parts.insert(Slot::Psu, weak_psu);
    build.parts.remove(&Slot::Storage);

    let refused = customer
        .api
        .add_build_to_cart(&AddBuildToCart {
            platform: Some(Platform::Amd),
            components: Some(build.parts.clone()),
            ..AddBuildToCart::default()
        })
        .await;

    let error = assert_refused(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::BuildIncompatible);
    let codes: Vec<(Slot, BuildIssueCode)> =
        error.issues.unwrap().iter().map(|issue| (issue.slot, issue.code)).collect();
    assert_eq!(codes, vec![(Slot::Storage, BuildIssueCode::SlotMissing), (Slot::Psu, BuildIssueCode::PsuTooWeak)]);
    let fields: Vec<&str> = error.details.iter().map(|detail| detail.field.as_str()).collect();
    assert_eq!(fields, vec!["components.storage", "components.psu"]);
    let cart = customer.api.cart().await.unwrap();
    assert!(cart.items.is_empty() && cart.builds.is_empty());
}

#[tokio::test]
async fn removing_a_build_removes_all_its_lines_and_leaves_the_loose_ones() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let build = app.create_build(&admin, 5).await;
    let storage = build.parts[&Slot::Storage];
    app.fill_cart(&customer, &[(storage, 2)]).await;
    let saved = app
        .api
        .save_build(&SaveBuild { platform: Platform::Amd, components: build.parts.clone(), name: None })
        .await
        .unwrap();
    let cart = customer
        .api
        .add_build_to_cart(&AddBuildToCart { build_id: Some(saved.id), ..AddBuildToCart::default() })
        .await
        .unwrap();
    assert_eq!(cart.items.len(), 9, "the loose drive and the build's eight parts");
    assert_eq!(cart.item_count, 10);
    assert_eq!(cart.builds[0].saved_build_id, Some(saved.id));
    assert_eq!(cart.builds[0].name, "My AMD custom build");

    // The loose line is changed alone; the build's drive stays.
    let cart = customer.api.set_cart_quantity(storage, 1).await.unwrap();
    assert_eq!(cart.item_count, 9);

    let cart = customer.api.remove_build_from_cart(cart.builds[0].id).await.unwrap();
    assert!(cart.builds.is_empty());
    assert_eq!(cart.items.len(), 1);
    assert_eq!((cart.items[0].product_id, cart.items[0].quantity, cart.items[0].build_id), (storage, 1, None));
    assert_refused(
        customer.api.remove_build_from_cart(Uuid::new_v4()).await,
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn a_product_loose_and_in_a_build_is_ordered_once_with_its_units_added_up() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let build = app.create_build(&admin, 5).await;
    let storage = build.parts[&Slot::Storage];
    app.fill_cart(&customer, &[(storage, 2)]).await;
    customer
        .api
        .add_build_to_cart(&AddBuildToCart {
            platform: Some(Platform::Amd),
            components: Some(build.parts.clone()),
            name: Some("Two drives".into()),
            ..AddBuildToCart::default()
        })
        .await
        .unwrap();

    let placed = app.checkout(&customer, &cart_order()).await;

    assert_eq!(placed.order.items.len(), 8);
    let drive = placed.order.items.iter().find(|line| line.product_id == storage).unwrap();
    assert_eq!(drive.quantity, 3);
    assert_eq!(app.stock_levels(storage).await, (5, 3));
}

#[tokio::test]
async fn the_builder_names_what_it_refuses() {
    let app = spawn_app().await;
    let slots = app.api.builder_slots(Platform::Intel).await.unwrap();
    let names: Vec<(Slot, bool)> = slots.items.iter().map(|slot| (slot.slot, slot.required)).collect();
    assert_eq!(names[0], (Slot::Cpu, true));
    assert_eq!(names.iter().filter(|(_, required)| !required).count(), 2, "gpu and cooler are optional");

    let unknown = BuildRequest { platform: Platform::Amd, components: BTreeMap::from([(Slot::Cpu, Uuid::new_v4())]) };
    let error = assert_refused(
        app.api.validate_build(&unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(error.details[0].field, "components.cpu");

    let mut query = BuilderOptionsQuery::new(Slot::Motherboard, &BTreeMap::from([(Slot::Cpu, Uuid::new_v4())]));
    let error = assert_refused(
        app.api.builder_options(Platform::Amd, &query).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(error.details[0].field, "cpu");
    query.cpu = None;
    query.sort = Some(api_types::catalog::ProductSort::Relevance);
    let error = assert_refused(
        app.api.builder_options(Platform::Amd, &query).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(error.details[0].field, "sort");

    let body = app.get("/api/v1/builder/options?slot=cpu").await;
    assert_eq!(body.status(), StatusCode::NOT_FOUND);
    let response = app.get("/api/v1/builder/sparc/options?slot=cpu").await;
    rigmaster_tests::assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.get("/api/v1/builder/amd/options?slot=").await;
    let body = rigmaster_tests::assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "slot");
}

#[tokio::test]
async fn options_read_an_index() {
    use catalog::builder::fit::fits;
    use catalog::categories::CategoryKey;
    use catalog::ports::NoStock;
    use catalog::products::{PgProductStore, ProductQuery, ProductStore as _, Sort};

    let app = spawn_app().await;
    app.seed_demo().await;
    let pool = app.db.pool().await;
    rigmaster_tests::catalog::copy_every_product(&pool, 28).await;
    // Every copy in stock: options read only products that can be bought.
    sqlx::query(
        "INSERT INTO inventory.stock (product_id, on_hand) SELECT id, 10 FROM catalog.products
         ON CONFLICT (product_id) DO UPDATE SET on_hand = inventory.stock.reserved + 10",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE catalog.products, inventory.stock").execute(&pool).await.unwrap();
    let store = PgProductStore::new(pool.clone(), NoStock);
    let category = |slug: &str| {
        let store = store.clone();
        let key = CategoryKey::Slug(slug.to_owned());
        async move { store.category_id(&key).await.unwrap().unwrap() }
    };
    let cpu_category = category("cpu").await;
    let am5_cpu: Uuid =
        sqlx::query_scalar("SELECT id FROM catalog.products WHERE category_id = $1 AND fit_socket = 'AM5' LIMIT 1")
            .bind(cpu_category)
            .fetch_one(&pool)
            .await
            .unwrap();
    let cpu = component(&pool, am5_cpu).await;

    let with_cpu = Build { platform: rules::Platform::Amd, components: BTreeMap::from([(rules::Slot::Cpu, cpu)]) };
    let nothing = Build { platform: rules::Platform::Amd, components: BTreeMap::new() };
    for (slot, build) in [
        (rules::Slot::Cpu, &nothing),
        (rules::Slot::Motherboard, &nothing),
        (rules::Slot::Motherboard, &with_cpu),
        (rules::Slot::Cooler, &with_cpu),
        (rules::Slot::Psu, &with_cpu),
    ] {
        let ids = [category(slot.category()).await];
        for sort in [Sort::PriceAsc, Sort::Newest, Sort::Name] {
            let query = ProductQuery {
                in_stock: Some(true),
                sort: Some(sort),
                fits: fits(slot, build, cpu_category),
                ..ProductQuery::default()
            };
            let plan = store.explain_list(&query, Some(&ids)).await.unwrap().join("\n");
            assert!(!plan.contains("Seq Scan on products"), "{slot:?} {sort:?}:\n{plan}");
            assert!(plan.contains("Index") && plan.contains("on products p"), "{slot:?} {sort:?}:\n{plan}");
            if slot == rules::Slot::Motherboard && !build.components.is_empty() && sort == Sort::PriceAsc {
                assert!(plan.contains("products_fit_socket"), "boards for the CPU's socket, cheapest first:\n{plan}");
            }
        }
    }
}

/// The options' SQL at each rule's edge, from both sides: exactly what the rules accept.
#[tokio::test]
async fn options_hold_each_rule_at_its_boundary() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let part = |slot, specifications| {
        let app = &app;
        let admin = &admin;
        async move { app.create_part(admin, slot, specifications, 5).await }
    };
    let cpu = |tdp: i64| json!({"vendor": "AMD", "socket": "AM5", "tdp_w": tdp, "bundled_cooler": true});
    // 650 W gives 6500 tenths: a 200 W card leaves 225 W for the CPU (500 W × 1.3 = 650 W).
    let psu_650 = part(Slot::Psu, json!({"wattage_w": 650})).await;
    let psu_649 = part(Slot::Psu, json!({"wattage_w": 649})).await;
    let gpu_200 = part(Slot::Gpu, json!({"tdp_w": 200, "length_mm": 330})).await;
    let gpu_201 = part(Slot::Gpu, json!({"tdp_w": 201, "length_mm": 331})).await;
    let cpu_225 = part(Slot::Cpu, cpu(225)).await;
    let cpu_226 = part(Slot::Cpu, cpu(226)).await;
    let case_330 = part(Slot::Case, json!({"form_factors": ["ATX"], "max_gpu_length_mm": 330})).await;
    let ids = |products: Vec<api_types::catalog::ProductSummary>| -> BTreeSet<Uuid> {
        products.into_iter().map(|product| product.id).collect()
    };
    let options = |slot, chosen: &[(Slot, Uuid)]| {
        let chosen: BTreeMap<Slot, Uuid> = chosen.iter().copied().collect();
        let app = &app;
        async move { ids(app.all_options(Platform::Amd, slot, &chosen).await) }
    };

    assert_eq!(options(Slot::Cpu, &[(Slot::Psu, psu_650), (Slot::Gpu, gpu_200)]).await, BTreeSet::from([cpu_225]));
    assert_eq!(options(Slot::Gpu, &[(Slot::Psu, psu_650), (Slot::Cpu, cpu_225)]).await, BTreeSet::from([gpu_200]));
    assert_eq!(options(Slot::Psu, &[(Slot::Cpu, cpu_225), (Slot::Gpu, gpu_200)]).await, BTreeSet::from([psu_650]));
    assert_eq!(
        options(Slot::Psu, &[(Slot::Cpu, cpu_226), (Slot::Gpu, gpu_201)]).await,
        BTreeSet::new(),
        "(226 + 201 + 75) × 1.3 = 652.6 W: neither supply"
    );
    assert_eq!(options(Slot::Gpu, &[(Slot::Case, case_330)]).await, BTreeSet::from([gpu_200]));
    assert_eq!(options(Slot::Case, &[(Slot::Gpu, gpu_201)]).await, BTreeSet::new());
    assert_eq!(options(Slot::Case, &[(Slot::Gpu, gpu_200)]).await, BTreeSet::from([case_330]));
    assert!(options(Slot::Psu, &[]).await.contains(&psu_649), "75 W alone needs 97.5 W");
    let verdict = app
        .api
        .validate_build(&BuildRequest {
            platform: Platform::Amd,
            components: BTreeMap::from([(Slot::Cpu, cpu_225), (Slot::Gpu, gpu_200), (Slot::Psu, psu_649)]),
        })
        .await
        .unwrap();
    let codes: Vec<BuildIssueCode> = verdict.issues.iter().map(|issue| issue.code).collect();
    assert!(codes.contains(&BuildIssueCode::PsuTooWeak), "{codes:?}");
    assert_eq!(verdict.estimated_wattage, 500);
}

#[tokio::test]
async fn paying_for_a_build_takes_it_out_of_the_cart_but_never_cuts_a_build_added_since() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let build = app.create_build(&admin, 5).await;
    let whole = |components: BTreeMap<Slot, Uuid>| AddBuildToCart {
        platform: Some(Platform::Amd),
        components: Some(components),
        ..AddBuildToCart::default()
    };
    customer.api.add_build_to_cart(&whole(build.parts.clone())).await.unwrap();
    let placed = app.checkout(&customer, &cart_order()).await;
    // After ordering, the customer starts another build sharing seven parts with the first.
    let mut second = build.parts.clone();
    second.insert(Slot::Gpu, app.create_part(&admin, Slot::Gpu, am5_specifications(Slot::Gpu), 5).await);
    customer.api.add_build_to_cart(&whole(second.clone())).await.unwrap();

    app.pay(&placed, "success", "normal").await;
    app.wait_for_order_status(&customer, placed.order.id, OrderStatus::Paid).await;

    let cart = customer.api.cart().await.unwrap();
    assert_eq!(cart.builds.len(), 1, "the paid build left; the new one stayed");
    let lines: BTreeSet<Uuid> = cart.items.iter().map(|line| line.product_id).collect();
    assert_eq!(lines, second.values().copied().collect(), "every part of the new build is still there");
}

#[tokio::test]
async fn a_part_needs_stock_for_every_line_of_it_in_the_cart_and_the_cart_stays_within_an_orders_units() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let build = app.create_build(&admin, 2).await;
    let storage = build.parts[&Slot::Storage];
    app.fill_cart(&customer, &[(storage, 1)]).await;
    let add = AddBuildToCart {
        platform: Some(Platform::Amd),
        components: Some(build.parts.clone()),
        ..AddBuildToCart::default()
    };
    customer.api.add_build_to_cart(&add).await.unwrap();

    // Two drives are in the cart (loose and in the build): a second build needs a third.
    let refused = customer.api.add_build_to_cart(&add).await;
    let error = assert_refused(refused, StatusCode::CONFLICT, ErrorCode::OutOfStock);
    let shortages = error.shortages.unwrap();
    let short: Vec<(Uuid, i64, i64)> = shortages.iter().map(|s| (s.product_id, s.requested, s.available)).collect();
    assert_eq!(short, vec![(storage, 3, 2)]);
    let refused = customer.api.set_cart_quantity(storage, 2).await;
    assert_refused(refused, StatusCode::CONFLICT, ErrorCode::OutOfStock);

    // The default order holds at most 20 units: 9 here, 8 more fit once, not twice.
    app.set_on_hand(&admin, storage, 10).await;
    customer.api.add_build_to_cart(&add).await.unwrap();
    let refused = customer.api.add_build_to_cart(&add).await;
    let error = assert_refused(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(error.details[0].field, "components");
    let cart = customer.api.cart().await.unwrap();
    assert_eq!((cart.builds.len(), cart.item_count), (2, 17));
    let placed = app.checkout(&customer, &cart_order()).await;
    assert_eq!(placed.order.items.iter().find(|line| line.product_id == storage).unwrap().quantity, 3);
}
