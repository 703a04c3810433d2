//! What the shared rate limiter costs a request: the one upsert a limited request makes
//! (its client IP and its customer, two keys), timed hit by hit against a scratch database
//! in the given cluster, beside a bare `SELECT 1` on the same pool for comparison.
//!
//!     cargo run --release -p rigmaster-api --example rate_limiter_cost
//!     LIMITER_ADMIN_URL=postgres://postgres@127.0.0.1:55432/postgres LIMITER_HITS=20000 …

use std::time::{Duration, Instant};

use anyhow::Context as _;
use rigmaster_api::db::edge;
use rigmaster_api::rate_limit::{PgRateLimiter, Quota, RateLimiter as _};
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, Connection as _, PgConnection};

/// Clients the hits are spread over, so most hits update a row and some start a window.
const CLIENTS: usize = 1000;
/// Tasks hitting at once in the concurrent run.
const CONCURRENCY: usize = 8;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let admin_url =
        std::env::var("LIMITER_ADMIN_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:55432/postgres".into());
    let hits: usize = std::env::var("LIMITER_HITS").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let database = format!("rate_limiter_cost_{}", std::process::id());
    let mut admin = PgConnection::connect(&admin_url).await.context("connecting to the cluster")?;
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {database}"))).execute(&mut admin).await?;
    let url = format!("{}/{database}", admin_url.rsplit_once('/').context("a database in the URL")?.0);
    let outcome = measure(&url, hits).await;
    sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE {database} WITH (FORCE)"))).execute(&mut admin).await?;
    outcome
}

async fn measure(url: &str, hits: usize) -> anyhow::Result<()> {
    let pool = PgPoolOptions::new().max_connections(CONCURRENCY as u32).connect(url).await?;
    edge::migrator().run(&pool).await?;
    let limiter = PgRateLimiter::new(pool.clone(), Duration::from_secs(60));
    let quotas = |n: usize| {
        let client = n % CLIENTS;
        vec![
            Quota { key: format!("orders:ip:198.51.{}.{}", client / 256, client % 256), limit: u32::MAX },
            Quota { key: format!("orders:customer:{client:032x}"), limit: u32::MAX },
        ]
    };
    // Every limit is u32::MAX: nothing is refused, every hit is counted.
    // Warm the pool and the table.
    for n in 0..CLIENTS {
        limiter.hit(&quotas(n)).await?.map_err(|_| anyhow::anyhow!("refused"))?;
    }

    let mut baseline = Vec::with_capacity(hits);
    let mut limited = Vec::with_capacity(hits);
    for n in 0..hits {
        let started = Instant::now();
        sqlx::query("SELECT 1").execute(&pool).await?;
        baseline.push(started.elapsed());
        let started = Instant::now();
        limiter.hit(&quotas(n)).await?.map_err(|_| anyhow::anyhow!("refused"))?;
        limited.push(started.elapsed());
    }
    report("SELECT 1 (one round trip, for comparison)", &mut baseline);
    report("rate-limit hit, 2 keys", &mut limited);

    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|task| {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                // Every task hits the same few hot keys too: the row lock is the contention.
                for n in (task..hits).step_by(CONCURRENCY) {
                    limiter.hit(&quotas(n % 10)).await?.map_err(|_| anyhow::anyhow!("refused"))?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await?.map_err(|_| anyhow::anyhow!("refused"))?;
    }
    let elapsed = started.elapsed();
    println!(
        "{CONCURRENCY} tasks at once on 10 hot clients: {hits} hits in {:.2} s = {:.0} hits/s",
        elapsed.as_secs_f64(),
        hits as f64 / elapsed.as_secs_f64()
    );
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM edge.rate_limit_windows").fetch_one(&pool).await?;
    println!("rows in edge.rate_limit_windows: {rows} (2 per client)");
    pool.close().await;
    Ok(())
}

fn report(what: &str, samples: &mut [Duration]) {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    println!("{what}: {} samples, p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs", samples.len(), at(0.5), at(0.99), at(1.0));
}
