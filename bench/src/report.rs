//! The results table: each figure, the pgbench figure beside it, the ratio and the target.

use std::fmt::Write as _;
use std::time::Duration;

use crate::Settings;
use crate::load::Outcome;
use crate::pgbench::Baseline;

/// A design target a row is held to (`design.md`, "Performance targets").
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// At least this multiple of the pgbench rate, and (when given) p99 under this many ms.
    Ratio { at_least: f64, p99_ms: Option<f64> },
    /// p99 under this many ms, nothing failing (no baseline to compare with).
    P99 { ms: f64 },
    /// Every request answered `200 OK` (the figures are for reading).
    NoFailures,
    /// No target: the figure is for reading.
    None,
}

struct Row {
    scenario: String,
    clients: usize,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    failures: u64,
    baseline: Option<Baseline>,
    target: Target,
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        self.baseline.map(|b| self.rate / b.tps)
    }

    fn met(&self) -> Option<bool> {
        match self.target {
            Target::None => None,
            Target::P99 { ms } => Some(self.failures == 0 && self.p99_ms < ms),
            Target::NoFailures => Some(self.failures == 0),
            Target::Ratio { at_least, p99_ms } => Some(
                self.failures == 0
                    && self.ratio().is_some_and(|ratio| ratio >= at_least)
                    && p99_ms.is_none_or(|limit| self.p99_ms < limit),
            ),
        }
    }

    fn target_text(&self) -> String {
        match self.target {
            Target::None => "–".to_owned(),
            Target::P99 { ms } => format!("p99 < {ms:.0} ms"),
            Target::NoFailures => "none failed".to_owned(),
            Target::Ratio { at_least, p99_ms: None } => format!("≥ {at_least:.1}×"),
            Target::Ratio { at_least, p99_ms: Some(p99) } => format!("≥ {at_least:.1}×, p99 < {p99:.0} ms"),
        }
    }
}

pub struct Report {
    rows: Vec<Row>,
    notes: Vec<String>,
    machine: String,
    seconds: u64,
    products: usize,
    peak_rss_mib: Option<f64>,
    took: Duration,
}

impl Report {
    pub fn new(settings: &Settings) -> Report {
        Report {
            rows: Vec::new(),
            notes: Vec::new(),
            machine: machine(),
            seconds: settings.seconds,
            products: settings.products,
            peak_rss_mib: None,
            took: Duration::ZERO,
        }
    }

    pub fn add(
        &mut self,
        scenario: &str,
        clients: usize,
        outcome: &Outcome,
        baseline: Option<Baseline>,
        target: Target,
    ) {
        let row = Row {
            scenario: scenario.to_owned(),
            clients,
            rate: outcome.rate(),
            p50_ms: outcome.percentile_ms(0.50),
            p99_ms: outcome.percentile_ms(0.99),
            failures: outcome.failures,
            baseline,
            target,
        };
        eprintln!(
            "bench: {scenario}: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, {} failed{}{}",
            row.rate,
            row.p50_ms,
            row.p99_ms,
            row.failures,
            baseline.map(|b| format!("; pgbench {:.0}/s", b.tps)).unwrap_or_default(),
            outcome.first_failure.as_ref().map(|f| format!("; first failure: {f}")).unwrap_or_default(),
        );
        self.rows.push(row);
    }

    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        eprintln!("bench: {note}");
        self.notes.push(note);
    }

    pub fn peak_rss(&mut self, mib: f64) {
        self.peak_rss_mib = Some(mib);
    }

    pub fn finish(&mut self, took: Duration) {
        self.took = took;
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# `make bench`: latest results\n");
        let _ = writeln!(
            out,
            "{} · {} products · {} s per measured scenario · the load generator, rigmaster, the simulator and PostgreSQL share the machine.\n",
            self.machine, self.products, self.seconds
        );
        let _ = writeln!(
            out,
            "| scenario | clients | rigmaster /s | p50 ms | p99 ms | failed | pgbench /s | ratio | target | met |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
        for row in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {:.2} | {:.2} | {} | {} | {} | {} | {} |",
                row.scenario,
                row.clients,
                row.rate,
                row.p50_ms,
                row.p99_ms,
                row.failures,
                row.baseline.map_or("–".to_owned(), |b| format!("{:.0}", b.tps)),
                row.ratio().map_or("–".to_owned(), |r| format!("{r:.2}×")),
                row.target_text(),
                match row.met() {
                    None => "–",
                    Some(true) => "yes",
                    Some(false) => "**no**",
                },
            );
        }
        if let Some(mib) = self.peak_rss_mib {
            let met = if mib < 150.0 { "yes" } else { "**no**" };
            let _ =
                writeln!(out, "| peak resident memory of rigmaster | – | {mib:.1} MiB | | | | | | < 150 MiB | {met} |");
        }
        let _ = writeln!(out);
        for note in &self.notes {
            let _ = writeln!(out, "- {note}");
        }
        let _ = writeln!(out, "- The whole run (set-up, scenarios and baselines) took {} s.", self.took.as_secs());
        out
    }
}

/// The CPU, its cores and the PostgreSQL version's host, in one line.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name").and_then(|rest| rest.split(':').nth(1)))
        .map_or_else(|| "unknown CPU".to_owned(), |m| m.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date = chrono::Utc::now().format("%Y-%m-%d");
    format!("{date} · {model} · {cores} cores")
}
