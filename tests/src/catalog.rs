//! Products made for a test, what the storefront shows of them, and the stock levels and
//! ledger behind them.

use api_types::catalog::NewProduct;
use api_types::inventory::SetStock;
use serde_json::json;
use uuid::Uuid;

use crate::app::{TestApp, TestUser};

/// A product in category `cpu` (HSN 854231) with this price (18% GST) and opening stock,
/// a SKU of its own and the specifications the PC builder reads from a CPU.
pub fn product_body(price_paise: i64, stock: i64) -> NewProduct {
    let specifications = json!({"vendor": "AMD", "socket": "AM5", "tdp_w": 65, "bundled_cooler": true});
    let sku = format!("CPU-{}", &Uuid::new_v4().simple().to_string()[..12]).to_uppercase();
    NewProduct {
        name: format!("Test Processor {sku}"),
        sku,
        slug: None,
        brand: "RigMaster".into(),
        category_id: None,
        category: Some("cpu".into()),
        base_price_paise: price_paise,
        discount: None,
        tax_rate_bps: 1800,
        hsn_code: "854231".into(),
        short_description: Some("A processor for checkout tests.".into()),
        description: None,
        specifications: specifications.as_object().cloned(),
        images: None,
        is_active: None,
        is_featured: None,
        initial_stock: Some(stock),
        low_stock_threshold: Some(0),
    }
}

impl TestApp {
    /// Creates an active product with this price and stock; returns its id.
    pub async fn create_stocked_product(&self, admin: &TestUser, price_paise: i64, stock: i64) -> Uuid {
        let created = admin.api.create_product(&product_body(price_paise, stock)).await.expect("a product");
        created.summary.id
    }

    /// Sets the product's units on hand as `admin`.
    pub async fn set_on_hand(&self, admin: &TestUser, product_id: Uuid, on_hand: i64) {
        let stock = SetStock { on_hand, low_stock_threshold: None };
        admin.api.set_stock(product_id, &stock).await.expect("the stock is set");
    }

    /// `(on_hand, reserved)` of a product, read from `inventory.stock`.
    pub async fn stock_levels(&self, product_id: Uuid) -> (i64, i64) {
        let pool = self.db.pool().await;
        let levels = sqlx::query_as("SELECT on_hand, reserved FROM inventory.stock WHERE product_id = $1")
            .bind(product_id)
            .fetch_one(&pool)
            .await
            .expect("a stock row");
        pool.close().await;
        levels
    }

    /// How many ledger entries of `kind` (`commit`, `release` …) name this order.
    pub async fn ledger_entries(&self, order_id: Uuid, kind: &str) -> i64 {
        let pool = self.db.pool().await;
        let count = sqlx::query_scalar("SELECT count(*) FROM inventory.ledger WHERE order_id = $1 AND kind = $2")
            .bind(order_id)
            .bind(kind)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        count
    }
}

/// Adds `copies` copies of every product (a new SKU, slug and name each, a few paise
/// dearer, a few minutes older), straight into the table: 28 copies of the demo store make
/// 10,000+ products, enough that PostgreSQL prefers an index when one fits.
pub async fn copy_every_product(pool: &sqlx::PgPool, copies: i32) {
    sqlx::query(
        "INSERT INTO catalog.products (id, sku, slug, name, brand, category_id, base_price_paise, tax_rate_bps,
                                       final_price_paise, specifications, hsn_code, created_at)
         SELECT gen_random_uuid(), p.sku || '-V' || g, p.slug || '-v' || g, p.name || ' v' || g, p.brand,
                p.category_id, p.base_price_paise + g, p.tax_rate_bps, p.final_price_paise + g, p.specifications,
                p.hsn_code, now() - make_interval(mins => g)
         FROM catalog.products p CROSS JOIN generate_series(1, $1) g",
    )
    .bind(copies)
    .execute(pool)
    .await
    .expect("copying the products");
}
