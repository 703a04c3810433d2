//! Reservations per second through `PgStockReserver`, next to pgbench running the bare
//! SQL of the same reserve transaction on the same database. Run with
//! `make bench-inventory` (it sets DATABASE_URL, PGBENCH and BENCH_SECONDS).

use std::io::Write as _;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use inventory::reservations::{PgStockReserver, ReservationLine, StockReserver as _};
use kernel::Quantity;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

const SPREAD_PRODUCTS: u128 = 1_000;
const CONCURRENCY: [u32; 4] = [1, 8, 32, 64];

/// Product `n` of the benchmark: the UUID whose hex digits spell `n` in decimal
/// (`…0000000123` for 123), so pgbench can name it with `lpad(:p::text, 32, '0')`.
/// Product 0 is the hot one.
fn product(n: u128) -> Uuid {
    Uuid::from_u128(u128::from_str_radix(&n.to_string(), 16).expect("decimal digits are hex digits"))
}

#[derive(Clone, Copy)]
enum Scenario {
    Hot,
    Spread,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Hot => "one hot product",
            Scenario::Spread => "1,000 products",
        }
    }

    fn pick(self, counter: u64) -> Uuid {
        match self {
            Scenario::Hot => product(0),
            Scenario::Spread => product(1 + u128::from(counter.wrapping_mul(7919)) % SPREAD_PRODUCTS),
        }
    }

    fn pgbench_product(self) -> &'static str {
        match self {
            Scenario::Hot => "\\set p 0\n",
            Scenario::Spread => "\\set p random(1, 1000)\n",
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL")?;
    let pgbench = std::env::var("PGBENCH").unwrap_or_else(|_| "pgbench".into());
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let setup = PgPoolOptions::new().max_connections(2).connect(&url).await?;
    let mut conn = setup.acquire().await?;
    for n in 0..=SPREAD_PRODUCTS {
        inventory::stock::open_stock(&mut conn, product(n), 1_000_000_000, 0).await?;
    }
    drop(conn);
    let script = std::env::temp_dir().join(format!("reserve-{}.sql", std::process::id()));

    println!("reservations per second, {seconds} s per cell (PgStockReserver vs pgbench on the same SQL)");
    println!("{:<16} {:>6} {:>12} {:>12} {:>7}", "scenario", "tasks", "rigmaster/s", "pgbench/s", "ratio");
    for scenario in [Scenario::Hot, Scenario::Spread] {
        std::fs::File::create(&script)?.write_all(pgbench_script(scenario).as_bytes())?;
        for tasks in CONCURRENCY {
            let ours = run_reserver(&url, scenario, tasks, Duration::from_secs(seconds)).await?;
            let bare = run_pgbench(&pgbench, &url, &script, tasks, seconds)?;
            println!("{:<16} {:>6} {:>12.0} {:>12.0} {:>7.2}", scenario.name(), tasks, ours, bare, ours / bare);
        }
    }
    let _ = std::fs::remove_file(&script);
    Ok(())
}

async fn run_reserver(url: &str, scenario: Scenario, tasks: u32, length: Duration) -> anyhow::Result<f64> {
    let pool: PgPool = PgPoolOptions::new().max_connections(tasks).min_connections(tasks).connect(url).await?;
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + length;
    let workers: Vec<_> = (0..tasks)
        .map(|worker| {
            let (pool, done) = (pool.clone(), done.clone());
            tokio::spawn(async move {
                let mut counter = u64::from(worker) * 1_000_003;
                while Instant::now() < deadline {
                    counter += 1;
                    let line = ReservationLine { product_id: scenario.pick(counter), quantity: Quantity::new(1, "q")? };
                    let mut tx = pool.begin().await?;
                    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
                    PgStockReserver.reserve(&mut tx, Uuid::now_v7(), &[line], expires).await?;
                    tx.commit().await?;
                    done.fetch_add(1, Ordering::Relaxed);
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    let rate = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    pool.close().await;
    Ok(rate)
}

/// The reserve transaction as `PgStockReserver::reserve` sends it for one line: one
/// statement that locks, checks and holds (see `RESERVE` in `src/reservations.rs`).
fn pgbench_script(scenario: Scenario) -> String {
    format!(
        "{}BEGIN;
WITH lines AS (SELECT lpad(:p::text, 32, '0')::uuid AS product_id, 1::bigint AS quantity),
owner AS (SELECT gen_random_uuid() AS id),
locked AS (SELECT product_id, on_hand, reserved FROM inventory.stock WHERE product_id = ANY(ARRAY[lpad(:p::text, 32, '0')::uuid]) ORDER BY product_id FOR UPDATE),
existing AS (SELECT EXISTS (SELECT 1 FROM inventory.reservations, owner WHERE owner_id = owner.id AND status IN ('held', 'committed')) AS held),
levels AS (SELECT lines.product_id, lines.quantity, locked.on_hand, locked.reserved, COALESCE(locked.on_hand - locked.reserved, 0) AS available FROM lines LEFT JOIN locked USING (product_id)),
changed AS (UPDATE inventory.stock s SET on_hand = levels.on_hand, reserved = levels.reserved + levels.quantity, updated_at = now() FROM levels WHERE s.product_id = levels.product_id AND (SELECT count(*) FROM levels WHERE levels.available < levels.quantity) = 0 AND NOT (SELECT held FROM existing) RETURNING s.product_id, levels.quantity, s.on_hand, s.reserved),
held AS (INSERT INTO inventory.reservations (id, owner_id, product_id, quantity, expires_at) SELECT gen_random_uuid(), owner.id, product_id, quantity, now() + interval '1 hour' FROM changed, owner),
logged AS (INSERT INTO inventory.ledger (id, product_id, at, kind, delta, on_hand_after, reserved_after, reason, order_id) SELECT gen_random_uuid(), product_id, clock_timestamp(), 'reservation', quantity, on_hand, reserved, NULL, owner.id FROM changed, owner)
SELECT product_id, quantity, available, (SELECT held FROM existing) FROM levels;
COMMIT;
",
        scenario.pgbench_product()
    )
}

fn run_pgbench(pgbench: &str, url: &str, script: &std::path::Path, clients: u32, seconds: u64) -> anyhow::Result<f64> {
    let output = Command::new(pgbench)
        .args(["-n", "-M", "prepared", "-c", &clients.to_string(), "-j", &clients.min(4).to_string()])
        .args(["-T", &seconds.to_string(), "-f"])
        .arg(script)
        .arg(url)
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(output.status.success(), "pgbench failed: {}", String::from_utf8_lossy(&output.stderr));
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("tps = ").and_then(|rest| rest.split_whitespace().next()?.parse().ok()))
        .ok_or_else(|| anyhow::anyhow!("no tps in pgbench output: {stdout}"))
}
