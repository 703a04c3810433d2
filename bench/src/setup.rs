//! The store the benchmark runs against: 10,000+ products across the leaf categories,
//! a hot product, and customers, all made through the public and admin API.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use api_types::auth::{Login, Registration};
use api_types::catalog::NewProduct;
use client::Client;
use serde_json::{Map, Value, json};

pub use demo_data::LEAF_CATEGORIES;

const BRANDS: [&str; 8] = ["Corsair", "ASUS", "MSI", "Gigabyte", "Kingston", "Logitech", "Zotac", "Lenovo"];
const WORDS: [&str; 8] = ["Ryzen", "Core", "Vengeance", "Strix", "Aorus", "Fury", "Trinity", "Legion"];
/// Search terms for the search scenario: brands and product-name words.
pub const SEARCH_TERMS: [&str; 6] = ["corsair", "ryzen", "strix fury", "legion", "kingston", "aorus trinity"];
const PASSWORD: &str = "bench password 1";

/// A signed-in user's access token.
#[derive(Debug, Clone)]
pub struct Bearer(pub String);

/// The typed client of the store at `addr` (setup speaks through it; the measured loops
/// use raw connections, see `load`).
fn store(addr: SocketAddr) -> Client {
    Client::new(format!("http://{addr}"))
}

pub async fn sign_in(addr: SocketAddr, email: &str, password: &str) -> anyhow::Result<Bearer> {
    let session = store(addr).login(&Login { email: email.to_owned(), password: password.to_owned() }).await?;
    Ok(Bearer(session.access_token))
}

/// `count` new customers, registered concurrently.
pub async fn register_customers(addr: SocketAddr, count: usize, run_id: &str) -> anyhow::Result<Vec<Bearer>> {
    let store = store(addr);
    let tasks: Vec<_> = (0..count)
        .map(|n| {
            let store = store.clone();
            let registration = Registration {
                name: "Bench Customer".into(),
                email: format!("bench-{run_id}-{n}@rigmaster.test"),
                password: PASSWORD.into(),
                phone: None,
            };
            tokio::spawn(async move { anyhow::Ok(Bearer(store.register(&registration).await?.access_token)) })
        })
        .collect();
    let mut customers = Vec::with_capacity(count);
    for task in tasks {
        customers.push(task.await??);
    }
    Ok(customers)
}

/// The specifications of generated product `n` of `category`: a series and a generation,
/// and for a PC-builder category every key its rules read (admin writes refuse a component
/// without them), varied so that the builder's options pick a realistic share of them.
fn specifications(category: &str, n: usize) -> Map<String, Value> {
    let word = WORDS[(n / 7) % WORDS.len()];
    let mut specifications = component_specifications(category, n / LEAF_CATEGORIES.len());
    specifications.insert("series".into(), json!(word));
    specifications.insert("generation".into(), json!(n % 14));
    specifications
}

/// The PC builder's keys for the `k`-th generated product of a component category (none
/// for other categories).
fn component_specifications(category: &str, k: usize) -> Map<String, Value> {
    // (vendor, socket, the memory its boards take)
    const PLATFORMS: [(&str, &str, &str); 4] = [
        ("amd", "AM5", "DDR5"),
        ("amd", "AM4", "DDR4"),
        ("intel", "LGA1700", "DDR4/DDR5"),
        ("intel", "LGA1851", "DDR5"),
    ];
    const FORM_FACTORS: [&str; 3] = ["ATX", "Micro-ATX", "Mini-ITX"];
    let (vendor, socket, memory) = PLATFORMS[k % PLATFORMS.len()];
    let form_factor = FORM_FACTORS[(k / 4) % FORM_FACTORS.len()];
    let specifications = match category {
        "cpu" => json!({
            "vendor": vendor, "socket": socket, "memory_type": memory,
            "tdp_w": ([65, 105, 125, 170][(k / 4) % 4]), "bundled_cooler": k.is_multiple_of(3),
        }),
        "motherboard" => json!({
            "socket": socket, "memory_type": if memory == "DDR4/DDR5" { ["DDR4", "DDR5"][(k / 4) % 2] } else { memory },
            "form_factor": form_factor, "memory_slots": if form_factor == "Mini-ITX" { 2 } else { 4 },
        }),
        "memory" => json!({ "memory_type": (["DDR5", "DDR4"][k % 2]), "modules": ([2, 1, 4][(k / 2) % 3]) }),
        "gpu" => json!({ "tdp_w": 115 + 35 * (k % 10), "length_mm": 180 + 15 * (k % 12) }),
        "psu" => json!({ "wattage_w": ([550, 650, 750, 850, 1000, 1200][k % 6]) }),
        "case" => json!({
            "form_factors": &FORM_FACTORS[k % FORM_FACTORS.len()..], "max_gpu_length_mm": 300 + 10 * (k % 13),
        }),
        "cooler" => {
            json!({ "sockets": if k.is_multiple_of(5) { vec!["AM5", "AM4"] } else { vec!["AM5", "AM4", "LGA1700", "LGA1851"] } })
        }
        _ => json!({}),
    };
    match specifications {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The body of generated product `n`: a spread of categories, brands and prices.
fn product_body(run_id: &str, n: usize, stock: i64) -> NewProduct {
    let category = LEAF_CATEGORIES[n % LEAF_CATEGORIES.len()];
    let brand = BRANDS[(n / 3) % BRANDS.len()];
    let word = WORDS[(n / 7) % WORDS.len()];
    let specifications = specifications(category, n);
    NewProduct {
        sku: format!("BENCH-{run_id}-{n:05}").to_uppercase(),
        slug: None,
        name: format!("{brand} {word} {} Bench Edition {n}", 100 + n % 900),
        brand: brand.to_owned(),
        category_id: None,
        category: Some(category.to_owned()),
        base_price_paise: 99_900 + (n as i64 * 7_919) % 15_000_000,
        discount: None,
        tax_rate_bps: 1800,
        hsn_code: demo_data::hsn_code(category, &specifications).into_string(),
        short_description: Some("A product generated for the benchmark.".into()),
        description: Some("Generated by rigmaster-bench so that every category holds hundreds of products.".into()),
        specifications: Some(specifications),
        images: Some(vec![format!("/images/bench/{n}.jpg")]),
        is_active: None,
        is_featured: None,
        initial_stock: Some(stock),
        low_stock_threshold: Some(5),
    }
}

/// A generated product, as the scenarios name it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: String,
    pub slug: String,
}

/// Creates `count` products through `POST /admin/products` from `clients` tasks.
pub async fn create_products(
    addr: SocketAddr,
    admin: &Bearer,
    run_id: &str,
    count: usize,
    clients: usize,
) -> anyhow::Result<Vec<Listed>> {
    let admin = store(addr).authorized(&admin.0);
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (next, admin, run_id) = (next.clone(), admin.clone(), run_id.to_owned());
            tokio::spawn(async move {
                let mut listed = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= count {
                        return anyhow::Ok(listed);
                    }
                    let created = admin.create_product(&product_body(&run_id, n, 1_000)).await?;
                    listed.push(Listed { id: created.summary.id.to_string(), slug: created.summary.slug });
                }
            })
        })
        .collect();
    let mut created = Vec::with_capacity(count);
    for task in tasks {
        created.extend(task.await??);
    }
    Ok(created)
}

/// The hot product: one SKU with `stock` units; returns its id.
pub async fn create_hot_product(addr: SocketAddr, admin: &Bearer, run_id: &str, stock: i64) -> anyhow::Result<String> {
    let specifications = specifications("gpu", 99_999);
    let body = NewProduct {
        sku: format!("BENCH-{run_id}-HOT").to_uppercase(),
        name: "RigMaster Hot Deal GPU".into(),
        category: Some("gpu".into()),
        hsn_code: demo_data::hsn_code("gpu", &specifications).into_string(),
        specifications: Some(specifications),
        ..product_body(run_id, 99_999, stock)
    };
    let created = store(addr).authorized(&admin.0).create_product(&body).await?;
    Ok(created.summary.id.to_string())
}

#[cfg(test)]
mod tests {
    use catalog::builder::{Slot, required_keys};

    use super::*;

    #[test]
    fn every_generated_component_carries_the_keys_the_builders_rules_read() {
        for n in 0..LEAF_CATEGORIES.len() * 60 {
            let category = LEAF_CATEGORIES[n % LEAF_CATEGORIES.len()];
            let Some(slot) = Slot::parse(category) else { continue };
            let specifications = specifications(category, n);
            for key in required_keys(slot) {
                assert!(specifications.contains_key(*key), "{category} {n} lacks {key}");
            }
        }
        let hot = specifications("gpu", 99_999);
        assert!(required_keys(Slot::Gpu).iter().all(|key| hot.contains_key(*key)));
    }
}
