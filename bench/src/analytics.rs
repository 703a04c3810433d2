//! The analytics scenario: the admin dashboard's reads over a year of history
//! (deploy/bench/run.sh seeds `rigmaster seed-demo --orders 300000`, about a million order
//! lines, before the server starts). Each endpoint over a year's, a month's and a day's
//! range, cached (the same request again and again) and uncached (`Cache-Control:
//! no-cache`, which the endpoints honour by computing afresh), p50 and p99 against the
//! 50 ms p99 goal.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Duration as Days, FixedOffset, Utc};
use hyper::StatusCode;

use crate::Settings;
use crate::load::{self, Connection, Outcome, Tally};
use crate::report::{Report, Target};
use crate::setup::Bearer;

/// An admin dashboard is a handful of people, not a crowd.
pub const CLIENTS: usize = 4;
/// Each measured row is preceded by this much unmeasured load.
const WARM_UP: Duration = Duration::from_millis(500);
const GOAL: Target = Target::P99 { ms: 50.0 };

/// The endpoints that take a range: a name for the table and the path with its query so far.
const RANGED: [(&str, &str); 6] = [
    ("summary", "/api/v1/admin/analytics/summary?"),
    ("sales by day", "/api/v1/admin/analytics/sales?interval=day&"),
    ("sales by week", "/api/v1/admin/analytics/sales?interval=week&"),
    ("sales by month", "/api/v1/admin/analytics/sales?interval=month&"),
    ("top products", "/api/v1/admin/analytics/top-products?"),
    ("categories", "/api/v1/admin/analytics/categories?"),
];
const STOCK_ALERTS: &str = "/api/v1/admin/analytics/stock-alerts";

pub async fn dashboard_reads(settings: &Settings, report: &mut Report, admin: &Bearer) -> anyhow::Result<()> {
    let length = Duration::from_secs(settings.analytics_seconds);
    let today = Utc::now().with_timezone(&ist()).date_naive();
    let ranges = [("year", today - Days::days(364)), ("month", today - Days::days(29)), ("day", today)];
    let bearer = Arc::new(format!("Bearer {}", admin.0));
    for (name, path) in RANGED {
        for (range, from) in ranges {
            let path = format!("{path}from={from}&to={today}");
            for cached in [true, false] {
                let outcome = measure(settings.app, &bearer, &path, cached, length).await?;
                report.add(&row_name(name, range, cached), CLIENTS, &outcome, None, GOAL);
            }
        }
    }
    for cached in [true, false] {
        let outcome = measure(settings.app, &bearer, STOCK_ALERTS, cached, length).await?;
        report.add(&row_name("stock alerts", "–", cached), CLIENTS, &outcome, None, GOAL);
    }
    Ok(())
}

fn row_name(endpoint: &str, range: &str, cached: bool) -> String {
    let cache = if cached { "cached" } else { "uncached" };
    format!("analytics {endpoint} · {range} · {cache}")
}

fn ist() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600 + 30 * 60).unwrap_or_else(|| unreachable!("UTC+05:30 is an offset"))
}

async fn measure(
    app: SocketAddr,
    bearer: &Arc<String>,
    path: &str,
    cached: bool,
    length: Duration,
) -> anyhow::Result<Outcome> {
    read_loop(app, bearer.clone(), path.to_owned(), cached, WARM_UP).await?;
    read_loop(app, bearer.clone(), path.to_owned(), cached, length).await
}

/// `CLIENTS` connections each sending the admin's `GET path` until the deadline, with
/// `Cache-Control: no-cache` when not `cached`; a unit of work is one `200 OK`.
async fn read_loop(
    app: SocketAddr,
    bearer: Arc<String>,
    path: String,
    cached: bool,
    length: Duration,
) -> anyhow::Result<Outcome> {
    let path = Arc::new(path);
    load::run(CLIENTS, length, move |_, deadline, mut tally: Tally| {
        let (bearer, path) = (bearer.clone(), path.clone());
        async move {
            let mut connection = Connection::open(app).await?;
            let mut headers = vec![("authorization", bearer.as_str())];
            if !cached {
                headers.push(("cache-control", "no-cache"));
            }
            while Instant::now() < deadline {
                let started = Instant::now();
                match connection.get(&path, &headers).await {
                    Ok((StatusCode::OK, _)) => tally.ok(started),
                    Ok((status, body)) => {
                        tally.failed(|| format!("GET {path}: {status} {}", String::from_utf8_lossy(&body)));
                    }
                    Err(error) => {
                        tally.failed(|| format!("GET {path}: {error:#}"));
                        connection = Connection::open(app).await?;
                    }
                }
            }
            Ok(tally)
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn rows_name_the_endpoint_the_range_and_the_cache() {
        assert_eq!(row_name("summary", "year", false), "analytics summary · year · uncached");
    }

    #[test]
    fn the_day_in_india_is_five_and_a_half_hours_ahead() {
        let late = chrono::DateTime::parse_from_rfc3339("2026-11-26T18:31:00Z").unwrap().with_timezone(&ist());
        assert_eq!(late.date_naive(), NaiveDate::from_ymd_opt(2026, 11, 27).unwrap());
    }
}
