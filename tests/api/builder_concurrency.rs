//! PC builds bought under churn, against the real database: customers checking out the
//! same build at once never oversell its scarcest part and get all of it or none of it,
//! while others cancel, pay and walk away and an admin edits stock, prices and
//! specifications; a customer adding and removing builds while checking out never orders
//! part of one. Nothing answers 5xx, and the books agree at the end.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use api_types::ErrorCode;
use api_types::builder::{AddBuildToCart, Platform, Slot};
use api_types::cart::{Cart, CartLine};
use api_types::catalog::ProductChanges;
use api_types::inventory::SetStock;
use api_types::orders::{Order, OrderStatus, PlacedOrder};
use client::Error;
use reqwest::StatusCode;
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::builder::{TestBuild, am5_specifications};
use rigmaster_tests::orders::{cart_order, verify_body};
use rigmaster_tests::polling::eventually;
use rigmaster_tests::shop::{all_at_once, new_key, register_customers, spawn_shop, spawn_shop_with};
use sqlx::PgPool;
use uuid::Uuid;

/// Units of every part but the cooler.
const PLENTY: i64 = 100;
/// Units of the cooler: far fewer than the customers who want it.
const COOLERS: i64 = 4;
/// Customers racing for the coolers: a quarter of them pay, a quarter cancel, a quarter
/// pay and then cancel, a quarter walk away and let the hold expire. Each places one order
/// at most, and the payers never let a cooler go, so at most `COOLERS + 3 × CUSTOMERS / 4`
/// customers can get an order: some are always refused.
const CUSTOMERS: usize = 24;
/// Checkouts a customer tries before giving up.
const ATTEMPTS: usize = 3;
/// The two prices the admin moves the power supply between while customers check out.
const PSU_PRICES: [i64; 2] = [1_000_000, 1_250_000];
/// The most edits of one kind the admin makes during a race.
const MAX_ADMIN_EDITS: usize = 300;

/// What a customer does with the order once it is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    Pay,
    Cancel,
    PayThenCancel,
    WalkAway,
}

impl Then {
    fn of_customer(n: usize) -> Then {
        [Then::Pay, Then::Cancel, Then::PayThenCancel, Then::WalkAway][n % 4]
    }
}

/// One customer's checkout and what followed it.
struct Checkout {
    customer: TestUser,
    then: Then,
    /// The order placed, if an attempt succeeded.
    placed: Option<PlacedOrder>,
    /// Every attempt refused.
    refusals: Vec<Error>,
    /// Every answer, by route.
    answers: Vec<(&'static str, u16)>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_build_checkouts_never_oversell_a_scarce_part_and_reserve_all_or_nothing() {
    let app = Arc::new(
        spawn_shop_with(|settings| {
            // A wait for one of the pool's connections is not what this test is about.
            settings.database.acquire_timeout_ms = 30_000;
            // The expiry job releases a walked-away customer's hold while the others buy.
            settings.inventory.expiry_interval_seconds = 1;
        })
        .await,
    );
    let pool = app.db.pool().await;
    let admin = app.register_admin().await;
    let build = app.create_build(&admin, PLENTY).await;
    let cooler = build.parts[&Slot::Cooler];
    app.set_on_hand(&admin, cooler, COOLERS).await;
    let customers = register_customers(&app, CUSTOMERS).await;
    for customer in &customers {
        let cart = customer.api.add_build_to_cart(&add_to_cart(&build)).await.expect("the build is added");
        assert_whole_build(&cart, &build);
    }
    let churning = Arc::new(AtomicBool::new(true));

    let checkouts = all_at_once(customers.into_iter().enumerate().map(|(n, customer)| {
        let (app, pool) = (app.clone(), pool.clone());
        async move { check_out_and_churn(&app, &pool, customer, Then::of_customer(n)).await }
    }));
    // Spawned now, so that the admin edits while the customers buy.
    let admin_edits = [
        AdminEdit::Stock(build.parts[&Slot::Gpu]),
        AdminEdit::Price(build.parts[&Slot::Psu]),
        AdminEdit::Specifications(build.parts[&Slot::Case]),
    ]
    .map(|edit| tokio::spawn(edit_while(admin.clone(), edit, churning.clone())));
    let checkouts = checkouts.await;
    churning.store(false, Ordering::Relaxed);
    let mut admin_answers: Vec<(&str, u16)> = Vec::new();
    for edits in admin_edits {
        admin_answers.extend(edits.await.unwrap());
    }

    let mut answers: Vec<(&str, u16)> = admin_answers.clone();
    let (mut placed, mut refused, mut refusals) = (Vec::new(), Vec::new(), Vec::new());
    for checkout in checkouts {
        answers.extend(checkout.answers.iter().copied());
        refusals.extend(checkout.refusals);
        match checkout.placed {
            Some(order) => placed.push((checkout.customer, checkout.then, order)),
            None => refused.push(checkout.customer),
        }
    }
    assert!(answers.iter().all(|&(_, status)| (200..500).contains(&status)), "no server error: {}", tally(&answers));
    assert!(
        answers.iter().all(|&(route, status)| match route {
            "POST /orders" => status == 201 || status == 409,
            "PUT /admin/inventory" => status == 200 || status == 409,
            _ => status == 200,
        }),
        "what each route may answer: {}",
        tally(&answers),
    );
    assert!(admin_answers.len() >= 3, "the admin edited while customers bought: {}", tally(&admin_answers));
    assert!(placed.len() >= COOLERS as usize, "every cooler was bought at least once: {}", placed.len());
    assert!(!refused.is_empty(), "more customers than coolers: some are refused every time");

    // Each refusal: out of stock for the cooler alone.
    for error in &refusals {
        let body = match error {
            Error::Api { status: StatusCode::CONFLICT, error, .. } if error.code == ErrorCode::OutOfStock => error,
            other => panic!("a refused checkout is 409 out_of_stock: {other}"),
        };
        let shortages = body.shortages.as_ref().expect("the shortages");
        let short: Vec<(Uuid, i64)> = shortages.iter().map(|s| (s.product_id, s.requested)).collect();
        assert_eq!(short, vec![(cooler, 1)], "only the cooler is short: {body:?}");
    }
    // Refused every time: nothing ordered, the build still whole in the cart.
    for customer in &refused {
        assert!(app.orders(customer).await.is_empty(), "a refused checkout orders nothing");
        assert_whole_build(&customer.api.cart().await.unwrap(), &build);
    }

    // Placed: all eight parts, one each, at a price the admin really set; then settled as
    // the customer chose.
    for (customer, then, placed) in &placed {
        assert_holds_builds(&placed.order, &build, 1);
        let psu_line = placed.order.items.iter().find(|line| line.product_id == build.parts[&Slot::Psu]).unwrap();
        assert!(PSU_PRICES.contains(&psu_line.unit_price_paise), "priced as listed: {psu_line:?}");
        let settled = settled(&app, customer, *then, placed.order.id).await;
        assert_holds_builds(&settled, &build, 1);
        // Paid, the build left the cart; not paid, it is still there, whole.
        let cart = customer.api.cart().await.unwrap();
        let paid = settled.history.iter().any(|event| event.status == OrderStatus::Paid);
        if paid {
            assert!(cart.items.is_empty() && cart.builds.is_empty(), "{then:?}: bought, so gone: {cart:?}");
        } else {
            assert_whole_build(&cart, &build);
        }
        assert!(paid || *then != Then::Pay, "{then:?}: {settled:?}");
    }

    let ordered: BTreeSet<Uuid> = placed.iter().map(|(_, _, placed)| placed.order.id).collect();
    let in_database: BTreeSet<Uuid> =
        sqlx::query_scalar("SELECT id FROM orders.orders").fetch_all(&pool).await.unwrap().into_iter().collect();
    assert_eq!(in_database, ordered, "exactly the orders answered 201 exist");
    let holding_coolers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orders.orders o JOIN orders.order_items i ON i.order_id = o.id
         WHERE i.product_id = $1 AND o.status IN ('payment_pending', 'paid', 'confirmed')",
    )
    .bind(cooler)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(holding_coolers <= COOLERS, "{holding_coolers} orders hold or bought one of {COOLERS} coolers");

    let mut opening: BTreeMap<Uuid, i64> = build.parts.values().map(|&part| (part, PLENTY)).collect();
    opening.insert(cooler, COOLERS);
    // The admin set the graphics card's stock: its ledger, not its opening, accounts for it.
    opening.remove(&build.parts[&Slot::Gpu]);
    assert_books_agree(&pool, &build, &opening).await;
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn adding_and_removing_builds_while_checking_out_never_orders_part_of_a_build() {
    const ROUNDS: usize = 40;
    let app = Arc::new(
        spawn_shop_with(|settings| {
            settings.database.acquire_timeout_ms = 30_000;
            // Room for an order of all five builds a cart may hold.
            settings.limits.max_units_per_order = 40;
        })
        .await,
    );
    let pool = app.db.pool().await;
    let admin = app.register_admin().await;
    let build = app.create_build(&admin, 1_000).await;
    let customer = app.register_customer().await;

    let adding = tokio::spawn({
        let (api, request) = (customer.api.clone(), add_to_cart(&build));
        async move {
            let mut answers = Vec::new();
            for _ in 0..ROUNDS {
                let added = api.add_build_to_cart(&request).await;
                answers.push(("POST /cart/builds", added.as_ref().map_or_else(status_of, |_| 200)));
            }
            answers
        }
    });
    let removing = tokio::spawn({
        let api = customer.api.clone();
        async move {
            let mut answers = Vec::new();
            for _ in 0..ROUNDS {
                let cart = api.cart().await;
                answers.push(("GET /cart", cart.as_ref().map_or_else(status_of, |_| 200)));
                for group in cart.map(|cart| cart.builds).unwrap_or_default() {
                    let removed = api.remove_build_from_cart(group.id).await;
                    answers.push(("DELETE /cart/builds/{id}", removed.as_ref().map_or_else(status_of, |_| 200)));
                }
            }
            answers
        }
    });
    let checking_out = tokio::spawn({
        let (app, api) = (app.clone(), customer.api.clone());
        async move {
            let (mut answers, mut refusals, mut orders) = (Vec::new(), Vec::new(), Vec::new());
            for round in 0..ROUNDS {
                let placed = match api.place_order(&cart_order(), &new_key()).await {
                    Ok(answer) => answer.body,
                    Err(error) => {
                        answers.push(("POST /orders", status_of(&error)));
                        refusals.push(error.code());
                        continue;
                    }
                };
                answers.push(("POST /orders", 201));
                // Paying takes the bought lines out of the cart: it races the edits too.
                let paid = round % 3 != 0;
                if paid {
                    app.pay(&placed, "success", "normal").await;
                }
                orders.push((placed.order, paid));
            }
            (answers, refusals, orders)
        }
    });
    let mut answers = adding.await.unwrap();
    let removals = removing.await.unwrap();
    let (checkouts, refusals, orders) = checking_out.await.unwrap();
    answers.extend(removals.into_iter().chain(checkouts));

    assert!(answers.iter().all(|&(_, status)| (200..500).contains(&status)), "no server error: {}", tally(&answers));
    assert!(
        refusals.iter().all(|code| *code == Some(ErrorCode::CartEmpty)),
        "a checkout is refused only for an empty cart: {refusals:?}"
    );
    assert!(!orders.is_empty(), "some checkouts found builds in the cart: {}", tally(&answers));
    for (order, _) in &orders {
        assert_holds_builds(order, &build, order.items.first().map_or(0, |line| line.quantity));
    }
    for (order, paid) in &orders {
        let status = if *paid { OrderStatus::Paid } else { OrderStatus::PaymentPending };
        let order = app.wait_for_order_status(&customer, order.id, status).await;
        assert_holds_builds(&order, &build, order.items.first().map_or(0, |line| line.quantity));
    }
    assert_whole_builds(&customer.api.cart().await.unwrap(), &build);
    let opening = build.parts.values().map(|&part| (part, 1_000)).collect();
    assert_books_agree(&pool, &build, &opening).await;
    pool.close().await;
}

/// Each answer to `POST /cart/builds` shows the cart: many customers adding builds at once
/// (more than the database pool has connections) are all answered, each with their build.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn more_customers_than_database_connections_adding_builds_at_once_are_all_answered() {
    let app = Arc::new(spawn_shop().await);
    let admin = app.register_admin().await;
    let build = app.create_build(&admin, PLENTY).await;
    let customers = register_customers(&app, CUSTOMERS).await;

    let carts = all_at_once(customers.iter().map(|customer| {
        let (api, request) = (customer.api.clone(), add_to_cart(&build));
        async move { api.add_build_to_cart(&request).await }
    }))
    .await;

    let answers: Vec<(&str, u16)> =
        carts.iter().map(|cart| ("POST /cart/builds", cart.as_ref().map_or_else(status_of, |_| 200))).collect();
    assert!(answers.iter().all(|&(_, status)| status == 200), "every build added: {}", tally(&answers));
    for cart in carts {
        assert_whole_build(&cart.unwrap(), &build);
    }
}

/// A cart is shown as it is at one moment: while builds come and go, every answer shows
/// each build with all its lines, and no line of a build it does not show.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cart_shows_each_build_whole_while_builds_are_added_and_removed() {
    const ROUNDS: usize = 40;
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let build = app.create_build(&admin, PLENTY).await;
    let customer = app.register_customer().await;

    let adding = tokio::spawn({
        let (api, request) = (customer.api.clone(), add_to_cart(&build));
        async move {
            let mut carts = Vec::new();
            for _ in 0..ROUNDS {
                carts.extend(api.add_build_to_cart(&request).await.ok());
            }
            carts
        }
    });
    let removing = tokio::spawn({
        let api = customer.api.clone();
        async move {
            let mut carts = Vec::new();
            for _ in 0..ROUNDS {
                let cart = api.cart().await.expect("the cart");
                if let Some(first) = cart.builds.first() {
                    carts.extend(api.remove_build_from_cart(first.id).await.ok());
                }
                carts.push(cart);
            }
            carts
        }
    });
    let mut carts = adding.await.unwrap();
    carts.extend(removing.await.unwrap());

    assert!(carts.len() >= ROUNDS, "answered: {}", carts.len());
    let torn: Vec<&Cart> = carts.iter().filter(|cart| !shows_whole_builds(cart, &build)).collect();
    assert!(torn.is_empty(), "{} of {} answers show part of a build, such as {:#?}", torn.len(), carts.len(), torn[0]);
}

/// The customer removes the build from the cart just as its payment lands. Paying takes
/// the bought lines out of the cart and then drops the builds it left empty; removing a
/// build drops the build and then (by cascade) its lines. Both are answered, neither with a
/// server error, and the cart ends empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn removing_a_build_from_the_cart_as_its_payment_lands_is_answered_without_a_server_error() {
    let app = Arc::new(spawn_shop().await);
    let pool = app.db.pool().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let build = app.create_build(&admin, 5).await;
    let build_id = customer.api.add_build_to_cart(&add_to_cart(&build)).await.unwrap().builds[0].id;
    let placed = app.checkout(&customer, &cart_order()).await;
    // No webhook: the checkout page's verify call is what pays the order.
    let handler = app.pay(&placed, "success", "none").await;
    let verify = verify_body(&handler);

    // Another session holds the build's lines for a moment, so that the payment and the
    // removal are both under way when it lets go: the payment first, then the removal.
    let other_session = holding_the_lines_of(&pool, build_id).await;
    let paying = tokio::spawn({
        let api = customer.api.clone();
        async move { api.verify_payment(placed.order.id, &verify).await }
    });
    waiting_on_a_lock(&pool, "DELETE FROM orders.cart_builds WHERE user_id = $1 AND id = ANY").await;
    let removing = tokio::spawn({
        let api = customer.api.clone();
        async move { api.remove_build_from_cart(build_id).await }
    });
    waiting_on_a_lock(&pool, "DELETE FROM orders.cart_builds WHERE user_id = $1 AND id = $2").await;
    other_session.rollback().await.unwrap();
    let paid = paying.await.unwrap();
    let removed = removing.await.unwrap();

    let answers = [
        ("POST /orders/{id}/payment/verify", paid.as_ref().map_or_else(status_of, |_| 200)),
        ("DELETE /cart/builds/{id}", removed.as_ref().map_or_else(status_of, |_| 200)),
    ];
    assert!(answers.iter().all(|&(_, status)| (200..500).contains(&status)), "no server error: {answers:?}");
    assert_eq!(paid.unwrap().status, OrderStatus::Paid);
    let cart = customer.api.cart().await.unwrap();
    assert!(cart.items.is_empty() && cart.builds.is_empty(), "{cart:?}");
}

/// Emptying the cart as the payment of its build lands: both take the cart's build rows
/// before any line, so neither waits on the other in a cycle.
#[tokio::test]
async fn clearing_the_cart_as_its_payment_lands_is_answered_without_a_server_error() {
    let app = Arc::new(spawn_shop().await);
    let pool = app.db.pool().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let build = app.create_build(&admin, 5).await;
    let build_id = customer.api.add_build_to_cart(&add_to_cart(&build)).await.unwrap().builds[0].id;
    // A loose line of a part of the build: the payment removes it too, after the build.
    app.fill_cart(&customer, &[(build.parts[&Slot::Storage], 1)]).await;
    let placed = app.checkout(&customer, &cart_order()).await;
    let handler = app.pay(&placed, "success", "none").await;
    let verify = verify_body(&handler);

    let other_session = holding_the_lines_of(&pool, build_id).await;
    let paying = tokio::spawn({
        let api = customer.api.clone();
        async move { api.verify_payment(placed.order.id, &verify).await }
    });
    waiting_on_a_lock(&pool, "DELETE FROM orders.cart_builds WHERE user_id = $1 AND id = ANY").await;
    let clearing = tokio::spawn({
        let api = customer.api.clone();
        async move { api.clear_cart().await }
    });
    waiting_on_a_lock(&pool, "DELETE FROM orders.cart_builds WHERE user_id = $1").await;
    other_session.rollback().await.unwrap();
    let paid = paying.await.unwrap();
    let cleared = clearing.await.unwrap();

    let answers = [
        ("POST /orders/{id}/payment/verify", paid.as_ref().map_or_else(status_of, |_| 200)),
        ("DELETE /cart", cleared.as_ref().map_or_else(status_of, |_| 204)),
    ];
    assert!(answers.iter().all(|&(_, status)| (200..500).contains(&status)), "no server error: {answers:?}");
    assert_eq!(paid.unwrap().status, OrderStatus::Paid);
    let cart = customer.api.cart().await.unwrap();
    assert!(cart.items.is_empty() && cart.builds.is_empty(), "{cart:?}");
}

/// Paying for an order takes the lines it bought out of the cart; a build added after the
/// checkout, sharing parts with the one bought, is not bought, and stays whole.
#[tokio::test]
async fn paying_for_a_build_leaves_a_build_added_after_checkout_whole_in_the_cart() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let first = app.create_build(&admin, 5).await;
    let mut second = TestBuild { parts: first.parts.clone() };
    let other_gpu = app.create_part(&admin, Slot::Gpu, am5_specifications(Slot::Gpu), 5).await;
    second.parts.insert(Slot::Gpu, other_gpu);
    customer.api.add_build_to_cart(&add_to_cart(&first)).await.unwrap();
    let placed = app.checkout(&customer, &cart_order()).await;

    let cart = customer.api.add_build_to_cart(&add_to_cart(&second)).await.unwrap();
    let second_id = cart.builds.last().unwrap().id;
    app.pay(&placed, "success", "normal").await;
    app.wait_for_order_status(&customer, placed.order.id, OrderStatus::Paid).await;

    let cart = customer.api.cart().await.unwrap();
    assert_eq!(cart.builds.iter().map(|b| b.id).collect::<Vec<_>>(), vec![second_id], "the second build is left");
    assert_whole_build(&cart, &second);
    let again = app.checkout(&customer, &cart_order()).await;
    assert_holds_builds(&again.order, &second, 1);
}

/// `POST /cart/builds` for the build.
fn add_to_cart(build: &TestBuild) -> AddBuildToCart {
    AddBuildToCart { platform: Some(Platform::Amd), components: Some(build.parts.clone()), ..AddBuildToCart::default() }
}

/// Checks the cart out, then does what `then` says with the order placed.
async fn check_out_and_churn(app: &TestApp, pool: &PgPool, customer: TestUser, then: Then) -> Checkout {
    let (mut answers, mut refusals, mut placed) = (Vec::new(), Vec::new(), None);
    // Refused, a customer tries again (coolers come back as others cancel or walk away).
    for _ in 0..ATTEMPTS {
        match customer.api.place_order(&cart_order(), &new_key()).await {
            Ok(answer) => {
                answers.push(("POST /orders", answer.status.as_u16()));
                placed = Some(answer.body);
                break;
            }
            Err(error) => {
                answers.push(("POST /orders", status_of(&error)));
                refusals.push(error);
            }
        }
    }
    if let Some(order) = &placed {
        if matches!(then, Then::Pay | Then::PayThenCancel) {
            app.pay(order, "success", "normal").await;
        }
        if matches!(then, Then::Cancel | Then::PayThenCancel) {
            let cancelled = customer.api.cancel_order(order.order.id, Some("changed my mind")).await;
            answers.push(("POST /orders/{id}/cancel", cancelled.as_ref().map_or_else(status_of, |_| 200)));
        }
        if then == Then::WalkAway {
            // As if the hold's fifteen minutes had passed: the app's expiry job lets it go.
            sqlx::query("UPDATE inventory.reservations SET expires_at = now() WHERE owner_id = $1 AND status = 'held'")
                .bind(order.order.id)
                .execute(pool)
                .await
                .unwrap();
        }
    }
    Checkout { customer, then, placed, refusals, answers }
}

/// The order once it has settled as `then` says: paid, cancelled by the customer (and
/// refunded if the payment won), or cancelled by the expiry job.
async fn settled(app: &TestApp, customer: &TestUser, then: Then, order_id: Uuid) -> Order {
    let settled: fn(&Order) -> bool = match then {
        Then::Pay => |order| order.status == OrderStatus::Paid,
        Then::Cancel | Then::WalkAway => |order| order.status == OrderStatus::Cancelled,
        Then::PayThenCancel => |order| matches!(order.status, OrderStatus::Cancelled | OrderStatus::Refunded),
    };
    app.wait_for_order(customer, order_id, &format!("settled after {then:?}"), settled).await
}

/// What the admin edits while customers buy, over and over.
#[derive(Debug, Clone, Copy)]
enum AdminEdit {
    /// Sets the product's stock up and down, never below what can be held (a 409 there
    /// would be a fair answer).
    Stock(Uuid),
    /// Moves the product's price between [`PSU_PRICES`].
    Price(Uuid),
    /// Edits the case's specifications, keeping the build compatible.
    Specifications(Uuid),
}

/// Makes `edit`, over and over, until the customers are done (at least once, at most
/// [`MAX_ADMIN_EDITS`] times); every answer, by route.
async fn edit_while(admin: TestUser, edit: AdminEdit, churning: Arc<AtomicBool>) -> Vec<(&'static str, u16)> {
    let mut answers = Vec::new();
    loop {
        let turn = answers.len();
        let answer = match edit {
            AdminEdit::Stock(product) => {
                let on_hand = [PLENTY - 10, PLENTY + 10, PLENTY][turn % 3];
                let set = admin.api.set_stock(product, &SetStock { on_hand, low_stock_threshold: None }).await;
                ("PUT /admin/inventory", set.map(|_| ()))
            }
            AdminEdit::Price(product) => {
                let changes = ProductChanges { base_price_paise: Some(PSU_PRICES[turn % 2]), ..Default::default() };
                ("PATCH /admin/products (price)", admin.api.change_product(product, &changes).await.map(|_| ()))
            }
            AdminEdit::Specifications(case) => {
                let mut specifications = am5_specifications(Slot::Case);
                specifications["max_gpu_length_mm"] = [330, 360][turn % 2].into();
                let changes =
                    ProductChanges { specifications: specifications.as_object().cloned(), ..Default::default() };
                ("PATCH /admin/products (specifications)", admin.api.change_product(case, &changes).await.map(|_| ()))
            }
        };
        answers.push((answer.0, answer.1.as_ref().map_or_else(status_of, |_| 200)));
        if !churning.load(Ordering::Relaxed) || answers.len() >= MAX_ADMIN_EDITS {
            return answers;
        }
    }
}

/// Waits until a statement starting with `statement` waits for a lock (10 s at most).
/// Another session holding a cart build's lines until it rolls back, so that requests
/// that reach them queue up in a known order.
async fn holding_the_lines_of(pool: &PgPool, build_id: Uuid) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut session = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM orders.cart_items WHERE build_id = $1 FOR UPDATE")
        .bind(build_id)
        .execute(&mut *session)
        .await
        .unwrap();
    session
}

async fn waiting_on_a_lock(pool: &PgPool, statement: &str) {
    let pattern = format!("{statement}%");
    eventually(&format!("{statement} waits for a lock"), async || {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1",
        )
        .bind(&pattern)
        .fetch_one(pool)
        .await
        .unwrap();
        (waiting > 0).then_some(())
    })
    .await;
}

/// The status a refused request was answered with (0 for no answer at all).
fn status_of(error: &Error) -> u16 {
    error.status().map_or(0, |status| status.as_u16())
}

fn tally(answers: &[(&str, u16)]) -> String {
    let mut counts = BTreeMap::new();
    for answer in answers {
        *counts.entry(answer).or_insert(0) += 1;
    }
    format!("{counts:?}")
}

/// The order holds `builds` of each of the build's parts and nothing else.
fn assert_holds_builds(order: &Order, build: &TestBuild, builds: i64) {
    let held: BTreeMap<Uuid, i64> = order.items.iter().map(|line| (line.product_id, line.quantity)).collect();
    let whole: BTreeMap<Uuid, i64> = build.parts.values().map(|&part| (part, builds)).collect();
    assert!(builds >= 1, "order {} holds {held:?}", order.id);
    assert_eq!(order.items.len(), whole.len(), "order {}: one line a part: {held:?}", order.id);
    assert_eq!(held, whole, "order {} holds whole builds only", order.id);
}

/// The cart holds the build, whole, and nothing else.
fn assert_whole_build(cart: &Cart, build: &TestBuild) {
    assert_eq!(cart.builds.len(), 1, "one build: {cart:?}");
    let lines: BTreeMap<Uuid, (i64, Option<Uuid>)> =
        cart.items.iter().map(|line| (line.product_id, (line.quantity, line.build_id))).collect();
    let whole: BTreeMap<Uuid, (i64, Option<Uuid>)> =
        build.parts.values().map(|&part| (part, (1, Some(cart.builds[0].id)))).collect();
    assert_eq!(cart.items.len(), whole.len(), "one line a part: {cart:?}");
    assert_eq!(lines, whole, "the whole build, nothing else");
}

/// Every line of the cart belongs to one of its builds, and each build has one unit of
/// each of the build's parts.
fn shows_whole_builds(cart: &Cart, build: &TestBuild) -> bool {
    let whole: BTreeMap<Uuid, i64> = build.parts.values().map(|&part| (part, 1)).collect();
    let lines_of = |id: Uuid| -> BTreeMap<Uuid, i64> {
        cart.items
            .iter()
            .filter(|line| line.build_id == Some(id))
            .map(|line| (line.product_id, line.quantity))
            .collect()
    };
    let in_builds = |line: &CartLine| cart.builds.iter().any(|group| Some(group.id) == line.build_id);
    cart.builds.iter().all(|group| lines_of(group.id) == whole) && cart.items.iter().all(in_builds)
}

fn assert_whole_builds(cart: &Cart, build: &TestBuild) {
    assert!(shows_whole_builds(cart, build), "whole builds only: {cart:#?}");
}

/// In one snapshot, for every part: the stock row is within bounds and is what its ledger
/// adds up to; `reserved` is what held reservations add up to and what orders waiting for
/// payment hold; the units committed are what paid and confirmed orders bought; on hand is
/// the opening stock less what was sold (for the parts in `opening`, whose stock no admin
/// set). No cancelled, refunded or failed order holds anything.
async fn assert_books_agree(pool: &PgPool, build: &TestBuild, opening: &BTreeMap<Uuid, i64>) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(&mut *tx).await.unwrap();
    for (&slot, &part) in &build.parts {
        let (on_hand, reserved): (i64, i64) =
            sqlx::query_as("SELECT on_hand, reserved FROM inventory.stock WHERE product_id = $1")
                .bind(part)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
        assert!(0 <= reserved && reserved <= on_hand, "{slot:?}: on hand {on_hand}, reserved {reserved}");
        let ledger: (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(sum(delta) FILTER (WHERE kind IN ('adjustment', 'commit', 'restock')), 0)::bigint,
                    COALESCE(sum(delta) FILTER (WHERE kind IN ('reservation', 'release', 'commit')), 0)::bigint
             FROM inventory.ledger WHERE product_id = $1",
        )
        .bind(part)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert_eq!(ledger, (on_hand, reserved), "{slot:?}: the ledger adds up to the stock row");
        let (held, committed): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(sum(quantity) FILTER (WHERE status = 'held'), 0)::bigint,
                    COALESCE(sum(quantity - restocked) FILTER (WHERE status = 'committed'), 0)::bigint
             FROM inventory.reservations WHERE product_id = $1",
        )
        .bind(part)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        let (waiting, sold): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(sum(i.quantity) FILTER (WHERE o.status = 'payment_pending'), 0)::bigint,
                    COALESCE(sum(i.quantity) FILTER (WHERE o.status IN ('paid', 'confirmed')), 0)::bigint
             FROM orders.order_items i JOIN orders.orders o ON o.id = i.order_id WHERE i.product_id = $1",
        )
        .bind(part)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert_eq!((held, waiting), (reserved, reserved), "{slot:?}: reserved is what waiting orders hold");
        assert_eq!(committed, sold, "{slot:?}: committed is what paid orders bought");
        if let Some(&opening) = opening.get(&part) {
            assert_eq!(on_hand, opening - sold, "{slot:?}: on hand is the opening stock less what was sold");
        }
    }
    let live_for_closed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM inventory.reservations r JOIN orders.orders o ON o.id = r.owner_id
         WHERE r.status IN ('held', 'committed') AND o.status IN ('cancelled', 'refunded', 'payment_failed')",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(live_for_closed, 0, "a cancelled, refunded or failed order holds no stock");
    tx.rollback().await.unwrap();
}
