//! The PC builder's scenarios, 32 clients each, over the demo store's reference builds
//! (`demo_data::reference_builds`: two per platform at each price tier), filled in the
//! builder's slot order as a customer fills them:
//! - `builder_options`: `GET /builder/{platform}/options?slot=…&<parts chosen before it>…&limit=20`
//!   for every slot of every build, both platforms;
//! - `builder_validate`: `POST /builder/validate` after each part is chosen, the last time
//!   with the whole build.
//!
//! `BENCH_SCENARIOS=builder` runs both.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use api_types::Page;
use api_types::catalog::ProductSummary;
use bytes::Bytes;
use catalog::builder::Slot;
use hyper::{Method, StatusCode};
use serde_json::{Map, Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::load::{self, Call, Connection};
use crate::pgbench::{self, Pgbench};
use crate::report::{Report, Target};

/// Shoppers at the builder at once.
pub const CLIENTS: usize = 32;
/// Each measured scenario is preceded by this much unmeasured load.
const WARM_UP: Duration = Duration::from_secs(2);
/// Options per request, as a builder's list shows them.
const OPTIONS_PER_PAGE: u32 = 20;

/// A reference build with its parts' product ids, in the builder's slot order.
#[derive(Debug, Clone)]
pub struct Chosen {
    platform: &'static str,
    parts: Vec<(Slot, Uuid)>,
}

/// Every reference build, its parts found by SKU in the seeded demo store through the
/// public listing (each component category, page by page: the bench's own products come
/// first, being newer).
pub async fn reference_builds(app: SocketAddr) -> anyhow::Result<Vec<Chosen>> {
    let builds = demo_data::reference_builds();
    let wanted: HashSet<&str> = builds.iter().flat_map(|build| build.skus.iter().map(|&(_, sku)| sku)).collect();
    let mut ids: HashMap<String, Uuid> = HashMap::new();
    let mut connection = Connection::open(app).await?;
    for slot in Slot::ALL {
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/products?category={}&limit=100", slot.category());
            if let Some(cursor) = &cursor {
                path.push_str("&cursor=");
                path.push_str(cursor);
            }
            let page = listing_page(&mut connection, &path).await?;
            ids.extend(page.items.into_iter().filter(|p| wanted.contains(p.sku.as_str())).map(|p| (p.sku, p.id)));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    builds
        .iter()
        .map(|build| {
            let parts = build
                .skus
                .iter()
                .map(|&(slot, sku)| {
                    let id = ids.get(sku).with_context(|| {
                        format!("the demo product {sku} of \"{}\" is not listed (was the store seeded?)", build.name)
                    })?;
                    Ok((slot, *id))
                })
                .collect::<anyhow::Result<_>>()?;
            Ok(Chosen { platform: build.platform.as_str(), parts })
        })
        .collect()
}

async fn listing_page(connection: &mut Connection, path: &str) -> anyhow::Result<Page<ProductSummary>> {
    let (status, body) = connection.get(path, &[]).await?;
    anyhow::ensure!(status == StatusCode::OK, "GET {path}: {status} {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).with_context(|| format!("GET {path}: the answer"))
}

/// A customer's walk through the builder, for every build: each slot's options given the
/// parts chosen before it (a slot the build leaves empty is still looked at).
fn options_paths(builds: &[Chosen]) -> Vec<String> {
    let mut paths = Vec::new();
    for build in builds {
        let mut chosen = String::new();
        for slot in Slot::ALL {
            paths.push(format!(
                "/api/v1/builder/{}/options?slot={slot}{chosen}&limit={OPTIONS_PER_PAGE}",
                build.platform
            ));
            if let Some((_, id)) = build.parts.iter().find(|(part, _)| *part == slot) {
                chosen.push_str(&format!("&{slot}={id}"));
            }
        }
    }
    paths
}

/// `{"platform": …, "components": {slot: product_id, …}}` of the first `count` parts.
fn validate_body(build: &Chosen, count: usize) -> Bytes {
    let components: Map<String, Value> =
        build.parts[..count].iter().map(|(slot, id)| (slot.as_str().to_owned(), json!(id))).collect();
    Bytes::from(json!({ "platform": build.platform, "components": components }).to_string())
}

/// Every build validated after each part is chosen; the last body of a build is all of it.
fn validate_bodies(builds: &[Chosen]) -> Vec<Bytes> {
    builds.iter().flat_map(|build| (1..=build.parts.len()).map(move |count| validate_body(build, count))).collect()
}

/// The ids of the component categories, for the options baseline.
async fn component_categories(pool: &PgPool) -> anyhow::Result<Vec<Uuid>> {
    let slugs: Vec<String> = Slot::ALL.iter().map(|slot| slot.category().to_owned()).collect();
    let ids = sqlx::query_scalar("SELECT id FROM catalog.categories WHERE slug = ANY($1) ORDER BY slug")
        .bind(slugs)
        .fetch_all(pool)
        .await?;
    Ok(ids)
}

pub async fn options(
    app: SocketAddr,
    pgbench: &Pgbench,
    report: &mut Report,
    pool: &PgPool,
    builds: &[Chosen],
    length: Duration,
) -> anyhow::Result<()> {
    let paths = Arc::new(options_paths(builds));
    let count = paths.len();
    let path_for = move |client: usize, n: usize| paths[(client * 13 + n) % paths.len()].clone();
    load::get_loop(app, CLIENTS, WARM_UP, path_for.clone()).await?;
    let outcome = load::get_loop(app, CLIENTS, length, path_for).await?;
    let scripts: Vec<String> = component_categories(pool).await?.into_iter().map(pgbench::options_query).collect();
    let baseline = pgbench.run("options", &scripts, CLIENTS, length.as_secs())?;
    let scenario = format!(
        "builder options `GET /builder/{{platform}}/options?slot=…&limit=20` ({} builds × 8 slots, {count} requests)",
        builds.len()
    );
    report.add(&scenario, CLIENTS, &outcome, Some(baseline), Target::NoFailures);
    Ok(())
}

pub async fn validate(
    app: SocketAddr,
    pgbench: &Pgbench,
    report: &mut Report,
    builds: &[Chosen],
    length: Duration,
) -> anyhow::Result<()> {
    check_reference_builds(app, report, builds).await?;
    let bodies = Arc::new(validate_bodies(builds));
    let count = bodies.len();
    let call_for = move |client: usize, n: usize| Call {
        method: Method::POST,
        path: "/api/v1/builder/validate".to_owned(),
        body: Some(bodies[(client * 13 + n) % bodies.len()].clone()),
    };
    load::send_loop(app, CLIENTS, WARM_UP, call_for.clone()).await?;
    let outcome = load::send_loop(app, CLIENTS, length, call_for).await?;
    let scripts: Vec<String> = builds
        .iter()
        .map(|build| pgbench::components_query(&build.parts.iter().map(|&(_, id)| id).collect::<Vec<_>>()))
        .collect();
    let baseline = pgbench.run("validate", &scripts, CLIENTS, length.as_secs())?;
    let scenario =
        format!("builder validate `POST /builder/validate` ({} builds part by part, {count} bodies)", builds.len());
    report.add(&scenario, CLIENTS, &outcome, Some(baseline), Target::NoFailures);
    Ok(())
}

/// Validates each whole reference build once and notes how many the server finds
/// compatible and purchasable (the demo store promises all of them).
async fn check_reference_builds(app: SocketAddr, report: &mut Report, builds: &[Chosen]) -> anyhow::Result<()> {
    let mut sound = 0;
    let mut first_unsound = None;
    for build in builds {
        let body = validate_body(build, build.parts.len());
        // A connection each: a server may close one after refusing a request.
        let mut connection = Connection::open(app).await?;
        let (status, answer) = connection.send(Method::POST, "/api/v1/builder/validate", &[], Some(body)).await?;
        let read: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
        if status == StatusCode::OK && read["compatible"] == json!(true) && read["purchasable"] == json!(true) {
            sound += 1;
        } else if first_unsound.is_none() {
            first_unsound = Some(format!("{} build: {status} {}", build.platform, String::from_utf8_lossy(&answer)));
        }
    }
    let verdict = match first_unsound {
        None => "all of them".to_owned(),
        Some(first) => format!("**not all**; the first other: {first}"),
    };
    report.note(format!(
        "Builder: {sound} of the demo store's {} reference builds validate as compatible and purchasable ({verdict}).",
        builds.len()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build() -> Chosen {
        Chosen {
            platform: "amd",
            parts: vec![(Slot::Cpu, Uuid::from_u128(1)), (Slot::Motherboard, Uuid::from_u128(2))],
        }
    }

    #[test]
    fn options_are_asked_slot_by_slot_with_the_parts_chosen_before() {
        let paths = options_paths(&[build()]);
        let cpu = Uuid::from_u128(1);
        let board = Uuid::from_u128(2);
        assert_eq!(paths.len(), Slot::ALL.len());
        assert_eq!(paths[0], "/api/v1/builder/amd/options?slot=cpu&limit=20");
        assert_eq!(paths[1], format!("/api/v1/builder/amd/options?slot=motherboard&cpu={cpu}&limit=20"));
        assert_eq!(paths[2], format!("/api/v1/builder/amd/options?slot=memory&cpu={cpu}&motherboard={board}&limit=20"));
    }

    #[test]
    fn validate_is_sent_after_each_part_the_last_time_with_the_whole_build() {
        let bodies = validate_bodies(&[build()]);
        let last: Value = serde_json::from_slice(&bodies[1]).unwrap();
        assert_eq!(bodies.len(), 2);
        assert_eq!(
            last,
            json!({"platform": "amd", "components": {
                "cpu": Uuid::from_u128(1).to_string(), "motherboard": Uuid::from_u128(2).to_string(),
            }})
        );
    }
}
