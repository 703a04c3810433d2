//! Reading `GET /metrics`. The recorder is process-wide, so when several tests share a
//! process (`cargo test`) their requests count in the same counters: a test reads a
//! counter before and after what it does, and asserts the increase, never the value.

use std::fmt;

use crate::app::TestApp;

/// One reading of `/metrics` (Prometheus text format).
#[derive(Debug, Clone)]
pub struct Metrics(String);

impl Metrics {
    pub fn parse(text: String) -> Metrics {
        Metrics(text)
    }

    /// The sum of the series called `name` whose labels include every pair of `labels`;
    /// 0 when there is none yet.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.0
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.rsplit_once(' '))
            .filter(|(series, _)| is_series(series, name, labels))
            .filter_map(|(_, value)| value.parse::<f64>().ok())
            .sum()
    }

    /// How much the series called `name` with `labels` grew since `before`.
    pub fn increase_since(&self, before: &Metrics, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels) - before.value(name, labels)
    }

    /// Whether a line contains `needle` (a series, with or without its value).
    pub fn has(&self, needle: &str) -> bool {
        self.0.lines().any(|line| line.contains(needle))
    }
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `series` is `name` or `name{label="value",…}`.
fn is_series(series: &str, name: &str, labels: &[(&str, &str)]) -> bool {
    let (series_name, series_labels) = match series.split_once('{') {
        Some((series_name, rest)) => (series_name, rest.trim_end_matches('}')),
        None => (series, ""),
    };
    let pairs: Vec<&str> = series_labels.split(',').collect();
    series_name == name && labels.iter().all(|(key, value)| pairs.contains(&format!("{key}=\"{value}\"").as_str()))
}

impl TestApp {
    /// `GET /metrics`, read.
    pub async fn metrics(&self) -> Metrics {
        Metrics::parse(self.api.metrics().await.expect("the metrics"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# TYPE webhooks_total counter\n\
        webhooks_total{provider=\"razorpay\",outcome=\"signature_invalid\"} 7\n\
        webhooks_total{provider=\"razorpay\",outcome=\"processed\"} 2\n\
        db_pool_max_connections 10\n";

    #[test]
    fn a_series_is_found_by_name_and_some_of_its_labels() {
        let metrics = Metrics::parse(TEXT.to_owned());
        assert_eq!(metrics.value("webhooks_total", &[("outcome", "signature_invalid")]), 7.0);
        assert_eq!(metrics.value("webhooks_total", &[]), 9.0);
        assert_eq!(metrics.value("db_pool_max_connections", &[]), 10.0);
        assert_eq!(metrics.value("webhooks_total", &[("outcome", "already_seen")]), 0.0);
        assert_eq!(metrics.value("webhooks", &[]), 0.0);
    }

    #[test]
    fn the_increase_is_counted_from_an_earlier_reading() {
        let before = Metrics::parse(TEXT.to_owned());
        let after = Metrics::parse(TEXT.replace("} 7", "} 12"));
        assert_eq!(after.increase_since(&before, "webhooks_total", &[("outcome", "signature_invalid")]), 5.0);
    }
}
