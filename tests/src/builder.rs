//! The PC builder from a storefront's side: walking a builder page slot by slot, and parts
//! made for a test with the specifications the rules read.

use std::collections::BTreeMap;

use api_types::builder::{BuildRequest, BuilderOptionsQuery, Platform, Slot};
use api_types::catalog::{NewProduct, ProductSummary};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::{TestApp, TestUser};
use crate::catalog::product_body;

/// A product of `slot`'s category (and HSN code) with these specifications, price and
/// stock.
pub fn part_body(slot: Slot, specifications: Value, price_paise: i64, stock: i64) -> NewProduct {
    let mut body = product_body(price_paise, stock);
    let sku = format!("{}-{}", slot.as_str(), &Uuid::new_v4().simple().to_string()[..10]).to_uppercase();
    body.name = format!("Test {} {sku}", slot.as_str());
    body.sku = sku;
    body.category = Some(slot.as_str().to_owned());
    body.hsn_code = hsn_code(slot).to_owned();
    body.specifications = specifications.as_object().cloned();
    body
}

/// The HSN code of a part of each slot (an SSD's for storage), as the demo catalog files it.
fn hsn_code(slot: Slot) -> &'static str {
    match slot {
        Slot::Cpu => "854231",
        Slot::Motherboard | Slot::Memory | Slot::Gpu | Slot::Case => "847330",
        Slot::Storage => "852351",
        Slot::Psu => "850440",
        Slot::Cooler => "841459",
    }
}

/// Specifications of a part of each slot, AM5 and DDR5 unless changed.
pub fn am5_specifications(slot: Slot) -> Value {
    match slot {
        Slot::Cpu => json!({"vendor": "AMD", "socket": "AM5", "tdp_w": 105, "bundled_cooler": false}),
        Slot::Motherboard => {
            json!({"socket": "AM5", "memory_type": "DDR5", "form_factor": "ATX", "memory_slots": 4})
        }
        Slot::Memory => json!({"memory_type": "DDR5", "modules": 2}),
        Slot::Gpu => json!({"tdp_w": 200, "length_mm": 300}),
        Slot::Storage => json!({"interface": "NVMe"}),
        Slot::Psu => json!({"wattage_w": 650}),
        Slot::Case => json!({"form_factors": ["ATX", "Micro-ATX"], "max_gpu_length_mm": 330}),
        Slot::Cooler => json!({"sockets": ["AM5", "AM4", "LGA1700"]}),
    }
}

/// A complete, compatible AMD build of new products, each priced `price_paise` and with
/// `stock` units.
pub struct TestBuild {
    pub parts: BTreeMap<Slot, Uuid>,
}

impl TestBuild {
    pub fn request(&self) -> BuildRequest {
        BuildRequest { platform: Platform::Amd, components: self.parts.clone() }
    }
}

impl TestApp {
    /// Creates a part as `admin`; returns its id.
    pub async fn create_part(&self, admin: &TestUser, slot: Slot, specifications: Value, stock: i64) -> Uuid {
        let body = part_body(slot, specifications, 1_000_000, stock);
        admin.api.create_product(&body).await.expect("a part").summary.id
    }

    /// A complete AMD build (every slot filled) of new parts with `stock` units each.
    pub async fn create_build(&self, admin: &TestUser, stock: i64) -> TestBuild {
        let mut parts = BTreeMap::new();
        for slot in Slot::ALL {
            parts.insert(slot, self.create_part(admin, slot, am5_specifications(slot), stock).await);
        }
        TestBuild { parts }
    }

    /// Every option for `slot` given `chosen` (all pages).
    pub async fn all_options(
        &self,
        platform: Platform,
        slot: Slot,
        chosen: &BTreeMap<Slot, Uuid>,
    ) -> Vec<ProductSummary> {
        let mut query = BuilderOptionsQuery::new(slot, chosen);
        query.limit = Some(100);
        let mut items = Vec::new();
        loop {
            let page = self.api.builder_options(platform, &query).await.expect("the options");
            items.extend(page.items);
            match page.next_cursor {
                Some(cursor) => query.cursor = Some(cursor),
                None => return items,
            }
        }
    }
}
