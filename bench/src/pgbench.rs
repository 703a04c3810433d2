//! The raw-PostgreSQL baselines: pgbench running the bare SQL of a scenario on the same
//! database, for the same length, at the same concurrency.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;
use uuid::Uuid;

/// What pgbench reported.
#[derive(Debug, Clone, Copy)]
pub struct Baseline {
    pub tps: f64,
}

pub struct Pgbench {
    pub program: String,
    pub url: String,
    pub dir: PathBuf,
}

impl Pgbench {
    /// Runs the scripts (picked at random, equal weights) with `clients` clients.
    pub fn run(&self, name: &str, scripts: &[String], clients: usize, seconds: u64) -> anyhow::Result<Baseline> {
        let mut command = Command::new(&self.program);
        command.args(["-n", "-M", "prepared", "-c", &clients.to_string(), "-j", "2", "-T", &seconds.to_string()]);
        for (n, script) in scripts.iter().enumerate() {
            let path = self.dir.join(format!("{name}-{n}.sql"));
            std::fs::write(&path, script).with_context(|| format!("writing {}", path.display()))?;
            command.arg("-f").arg(format!("{}@1", path.display()));
        }
        let output = command.arg(&self.url).output().with_context(|| format!("starting {}", self.program))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        anyhow::ensure!(output.status.success(), "pgbench failed: {}", String::from_utf8_lossy(&output.stderr));
        Ok(Baseline { tps: value_after(&stdout, "tps = ").context("no tps in pgbench's output")? })
    }
}

fn value_after(text: &str, prefix: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(prefix)?.split_whitespace().next()?.parse().ok())
}

/// The storefront's category page as the catalog sends it (`crates/catalog/src/products/listing.rs`,
/// newest first, a page of 24 plus one to learn whether another page follows), for one
/// category.
pub fn page_query(category: Uuid) -> String {
    format!(
        "SELECT p.id, p.sku, p.slug, p.name, p.brand, p.category_id, c.slug AS category_slug, \
         c.name AS category_name, p.images[1] AS image, p.base_price_paise, p.discount_type, p.discount_value, \
         p.tax_rate_bps, p.is_active, p.is_featured, p.rating_count, p.rating_total, \
         COALESCE(a.available, 0) AS available, p.created_at, p.final_price_paise, lower(p.name) AS sort_name, \
         0::real AS rank \
         FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id \
         LEFT JOIN inventory.availability a ON a.product_id = p.id \
         WHERE true AND p.is_active AND p.category_id = '{category}' \
         ORDER BY p.created_at DESC, p.id DESC LIMIT 25;\n"
    )
}

/// The baseline of the builder's options: a page of 20 (plus one) of the slot's category,
/// active and in stock only, newest first. The fit to the parts already chosen is left
/// out: how the server filters is its own (an index over the specifications), and this
/// is the listing read it cannot do with less.
pub fn options_query(category: Uuid) -> String {
    format!(
        "SELECT p.id, p.sku, p.slug, p.name, p.brand, p.category_id, c.slug AS category_slug, \
         c.name AS category_name, p.images[1] AS image, p.base_price_paise, p.discount_type, p.discount_value, \
         p.tax_rate_bps, p.is_active, p.is_featured, p.rating_count, p.rating_total, \
         COALESCE(a.available, 0) AS available, p.created_at, p.final_price_paise \
         FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id \
         LEFT JOIN inventory.availability a ON a.product_id = p.id \
         WHERE p.is_active AND p.category_id = '{category}' AND COALESCE(a.available, 0) > 0 \
         ORDER BY p.created_at DESC, p.id DESC LIMIT 21;\n"
    )
}

/// The baseline of the builder's validate: the chosen products in one read, with what
/// the rules, the price and the purchasable flag need (specifications, pricing inputs,
/// whether active, units available).
pub fn components_query(products: &[Uuid]) -> String {
    let ids: Vec<String> = products.iter().map(Uuid::to_string).collect();
    format!(
        "SELECT p.id, p.sku, p.slug, p.name, p.brand, c.slug AS category_slug, p.images[1] AS image, \
         p.specifications, p.base_price_paise, p.discount_type, p.discount_value, p.tax_rate_bps, \
         p.is_active, COALESCE(a.available, 0) AS available \
         FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id \
         LEFT JOIN inventory.availability a ON a.product_id = p.id \
         WHERE p.id = ANY('{{{}}}'::uuid[]);\n",
        ids.join(",")
    )
}

/// The bare reserve transaction on one product: lock its stock row, hold a unit (stock,
/// reservation and ledger, as `PgStockReserver::reserve` writes them), and insert an order row.
pub fn reserve_transaction(product: Uuid, user: Uuid) -> String {
    format!(
        "BEGIN;
SELECT product_id, on_hand, reserved FROM inventory.stock WHERE product_id = '{product}' FOR UPDATE;
WITH owner AS (SELECT gen_random_uuid() AS id),
changed AS (UPDATE inventory.stock SET reserved = reserved + 1, updated_at = now() WHERE product_id = '{product}'
    RETURNING product_id, on_hand, reserved),
held AS (INSERT INTO inventory.reservations (id, owner_id, product_id, quantity, expires_at)
    SELECT gen_random_uuid(), owner.id, product_id, 1, now() + interval '15 minutes' FROM changed, owner),
ledger AS (INSERT INTO inventory.ledger (id, product_id, at, kind, delta, on_hand_after, reserved_after, order_id)
    SELECT gen_random_uuid(), product_id, clock_timestamp(), 'reservation', 1, on_hand, reserved, owner.id FROM changed, owner)
INSERT INTO orders.orders (id, order_number, user_id, status, subtotal_paise, discount_paise, tax_paise, shipping_paise,
    total_paise, from_cart, payment_method, payment_status, reservation_expires_at)
SELECT owner.id, 'PGB-' || nextval('orders.order_numbers'), '{user}', 'payment_pending', 100000, 0, 18000, 0, 118000,
    false, 'razorpay', 'pending', now() + interval '15 minutes' FROM owner;
COMMIT;
"
    )
}

/// Where the scripts go: a fresh folder under the system's temporary one.
pub fn script_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("rigmaster-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

pub fn remove_dir(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}
