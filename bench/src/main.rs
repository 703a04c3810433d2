//! `rigmaster-bench`: the load half of `make bench` (deploy/bench/run.sh starts the
//! database, the simulator and a release `rigmaster`, then this). It loads a store of
//! 10,000+ products, runs each scenario against the HTTP API and pgbench's bare SQL
//! beside it, checks that nothing was oversold, and writes the table to
//! `bench/results/latest.md`.

mod analytics;
mod builder;
mod load;
mod pgbench;
mod report;
mod scenarios;
mod setup;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::pgbench::Pgbench;
use crate::report::Report;

/// What the run needs from its environment (all set by deploy/bench/run.sh).
pub struct Settings {
    pub app: SocketAddr,
    pub simulator: SocketAddr,
    pub database_url: String,
    pub app_pid: u32,
    pub seconds: u64,
    pub products: usize,
    pub admin_email: String,
    pub admin_password: String,
    pub results: PathBuf,
    /// Seconds per measured row of the analytics scenario (42 rows).
    pub analytics_seconds: u64,
    /// The scenarios to run (`BENCH_SCENARIOS=catalog,detail,checkout,purchase,builder_options,builder_validate,analytics`,
    /// `builder` for both builder scenarios); all by default.
    pub scenarios: Vec<String>,
}

impl Settings {
    pub fn wants(&self, scenario: &str) -> bool {
        self.scenarios.is_empty() || self.scenarios.iter().any(|s| s == scenario)
    }

    /// Whether any of these names is asked for (a scenario, or a group of them).
    pub fn wants_any(&self, names: &[&str]) -> bool {
        names.iter().any(|name| self.wants(name))
    }
}

fn var(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set (run `make bench`)"))
}

fn var_or<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name) {
        Ok(raw) => raw.parse().map_err(|_| anyhow::anyhow!("{name} is not valid: {raw}")),
        Err(_) => Ok(default),
    }
}

impl Settings {
    fn from_env() -> anyhow::Result<Settings> {
        Ok(Settings {
            app: var("BENCH_APP_ADDR")?.parse().context("BENCH_APP_ADDR")?,
            simulator: var("BENCH_SIM_ADDR")?.parse().context("BENCH_SIM_ADDR")?,
            database_url: var("DATABASE_URL")?,
            app_pid: var("BENCH_APP_PID")?.parse().context("BENCH_APP_PID")?,
            seconds: var_or("BENCH_SECONDS", 20)?,
            products: var_or("BENCH_PRODUCTS", 10_000)?,
            analytics_seconds: var_or("BENCH_ANALYTICS_SECONDS", 3)?,
            admin_email: var("BENCH_ADMIN_EMAIL")?,
            admin_password: var("BENCH_ADMIN_PASSWORD")?,
            results: var_or("BENCH_RESULTS", PathBuf::from("bench/results/latest.md"))?,
            scenarios: var_or("BENCH_SCENARIOS", String::new())?
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    // Two threads, like the machine the targets are set on; the server, the database and
    // this generator share its cores, as pgbench shares them with the database.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(run(settings))
}

async fn run(settings: Settings) -> anyhow::Result<()> {
    let started = Instant::now();
    let pgbench = Pgbench { program: var("PGBENCH")?, url: settings.database_url.clone(), dir: pgbench::script_dir()? };
    wait_for_health(settings.app).await?;
    let mut report = Report::new(&settings);
    let outcome = scenarios::run_all(&settings, &pgbench, &mut report).await;
    pgbench::remove_dir(&pgbench.dir);
    outcome?;
    report.finish(Duration::from_secs(started.elapsed().as_secs()));
    let table = report.to_markdown();
    println!("{table}");
    if let Some(folder) = settings.results.parent() {
        std::fs::create_dir_all(folder)?;
    }
    std::fs::write(&settings.results, &table).with_context(|| format!("writing {}", settings.results.display()))?;
    eprintln!("bench: written to {}", settings.results.display());
    Ok(())
}

/// Waits up to 10 s for the server's `GET /health` to answer 200.
async fn wait_for_health(app: SocketAddr) -> anyhow::Result<()> {
    for _ in 0..100 {
        if let Ok(mut connection) = load::Connection::open(app).await
            && let Ok((hyper::StatusCode::OK, _)) = connection.get("/health", &[]).await
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("rigmaster did not answer /health at {app} within 10 s (see target/bench-logs/rigmaster.log)")
}
