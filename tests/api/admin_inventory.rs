//! Admin stock management over HTTP.

use api_types::ErrorCode;
use api_types::Page;
use api_types::inventory::{InventoryQuery, LedgerEntry, LedgerKind, SetStock, StockAdjustment, StockLevel};
use api_types::page::PageParams;
use reqwest::StatusCode;
use rigmaster_tests::app::TestUser;
use rigmaster_tests::{assert_refused, spawn_app};
use uuid::Uuid;

use crate::catalog::product;

async fn new_product(admin: &TestUser, sku: &str) -> Uuid {
    let created = admin.api.create_product(&product(sku, &format!("Stock Card {sku}"))).await.unwrap();
    created.summary.id
}

async fn ledger(admin: &TestUser, id: Uuid) -> Vec<LedgerEntry> {
    admin.api.stock_ledger(id, &PageParams::default()).await.unwrap().items
}

fn set_to(on_hand: i64) -> SetStock {
    SetStock { on_hand, low_stock_threshold: None }
}

fn adjustment(delta: i64, reason: &str) -> StockAdjustment {
    StockAdjustment { delta, reason: reason.to_owned() }
}

#[tokio::test]
async fn admins_set_and_adjust_stock_and_every_change_is_in_the_ledger() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let id = new_product(&admin, "LEDGER-1").await;

    let set = admin.api.set_stock(id, &SetStock { on_hand: 12, low_stock_threshold: Some(4) }).await.unwrap();
    let adjusted = admin.api.adjust_stock(id, &adjustment(-3, "damaged in transit")).await.unwrap();

    assert_eq!(
        set,
        StockLevel {
            product_id: id,
            sku: Some("LEDGER-1".into()),
            name: Some("Stock Card LEDGER-1".into()),
            on_hand: 12,
            reserved: 0,
            available: 12,
            low_stock_threshold: 4,
        }
    );
    assert_eq!((adjusted.on_hand, adjusted.available), (9, 9));
    let entries = ledger(&admin, id).await;
    let summary: Vec<(LedgerKind, i64, i64)> = entries.iter().map(|e| (e.kind, e.delta, e.on_hand_after)).collect();
    assert_eq!(
        summary,
        vec![(LedgerKind::Adjustment, -3, 9), (LedgerKind::Adjustment, 7, 12), (LedgerKind::Restock, 5, 5)],
        "newest first"
    );
    assert_eq!(entries[0].reason.as_deref(), Some("damaged in transit"));
    assert_eq!(entries[0].actor, admin.id.to_string());
    let shown = app.api.product(&id.to_string()).await.unwrap();
    assert_eq!(shown.stock_available, 9, "the catalog shows inventory's numbers");
}

#[tokio::test]
async fn stock_never_goes_below_what_is_reserved() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let id = new_product(&admin, "HELD-1").await;
    let pool = app.db.pool().await;
    // Hold 4 of the 5 units, as a checkout would.
    let mut tx = pool.begin().await.unwrap();
    let lines =
        [inventory::reservations::ReservationLine { product_id: id, quantity: kernel::Quantity::new(4, "q").unwrap() }];
    inventory::reservations::StockReserver::reserve(
        &inventory::reservations::PgStockReserver,
        &mut tx,
        Uuid::now_v7(),
        &lines,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let below = admin.api.set_stock(id, &set_to(3)).await;
    let too_far = admin.api.adjust_stock(id, &adjustment(-2, "count")).await;
    let negative = admin.api.set_stock(id, &set_to(-1)).await;

    assert_refused(below, StatusCode::CONFLICT, ErrorCode::Conflict);
    assert_refused(too_far, StatusCode::CONFLICT, ErrorCode::Conflict);
    assert_refused(negative, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    let gpus = InventoryQuery { category: Some("gpu".into()), ..InventoryQuery::default() };
    let listed = admin.api.inventory(&gpus).await.unwrap();
    assert_eq!(listed.items[0].on_hand, 5, "nothing changed");
    assert_eq!((listed.items[0].reserved, listed.items[0].available), (4, 1));
    let kinds: Vec<LedgerKind> = ledger(&admin, id).await.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![LedgerKind::Reservation, LedgerKind::Restock], "no entry for the refused changes");
}

#[tokio::test]
async fn the_stock_list_filters_by_low_stock_and_category() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let low = new_product(&admin, "LOW-1").await;
    let plenty = new_product(&admin, "PLENTY-1").await;
    let mut keyboard = product("KEYS-1", "Clicky Keyboard");
    keyboard.category = Some("keyboards".into());
    let keys = admin.api.create_product(&keyboard).await.unwrap().summary.id;
    admin.api.set_stock(low, &set_to(1)).await.unwrap();
    admin.api.set_stock(plenty, &set_to(50)).await.unwrap();

    let ids = |page: &Page<StockLevel>| -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = page.items.iter().map(|i| i.product_id).collect();
        ids.sort();
        ids
    };
    let list = async |query: InventoryQuery| admin.api.inventory(&query).await.unwrap();
    let low_only = list(InventoryQuery { low_stock: Some(true), ..InventoryQuery::default() }).await;
    let accessories = list(InventoryQuery { category: Some("accessories".into()), ..InventoryQuery::default() }).await;
    let all = list(InventoryQuery { limit: Some(2), ..InventoryQuery::default() }).await;
    let customer = app.register_customer().await;

    assert_eq!(ids(&low_only), vec![low]);
    assert_eq!(ids(&accessories), vec![keys]);
    assert_eq!(all.items.len(), 2);
    assert!(all.next_cursor.is_some(), "three rows, two per page");
    let as_customer = customer.api.inventory(&InventoryQuery::default()).await;
    assert_refused(as_customer, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    let unknown = admin.api.stock_ledger(Uuid::now_v7(), &PageParams::default()).await;
    assert_refused(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound);
}
