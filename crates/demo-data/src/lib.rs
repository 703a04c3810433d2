//! The demo store: a realistic Indian PC-store catalogue of 300+ products in every
//! category, generated deterministically (a fixed seed) so tests can rely on it.
//!
//! Prices are plausible street prices in rupees at the end of 2026; GST is 18 % on
//! computers, parts and peripherals. Specifications carry what the PC builder checks:
//! sockets, memory types, form factors, TDPs, GPU lengths, PSU wattage.
//!
//! [`reference_builds`] lists complete, compatible PCs of demo parts: two per platform at
//! each price tier ([`Tier`]), each part active and in stock.
//!
//! A crate of its own, outside the `catalog` library: `rigmaster seed-demo` loads it
//! through the catalog service, and the bench files its products under
//! [`LEAF_CATEGORIES`]; the domain itself never needs it.

// Rupee amounts are grouped the Indian way (1_14_999 is ₹1,14,999), as a shop writes them.
#![allow(clippy::inconsistent_digit_grouping)]
// The data is in tables of tuples, one column comment per table; named structs for each
// table would triple this file without making a row easier to read.
#![allow(clippy::type_complexity, clippy::too_many_arguments)]

use catalog::categories::CategoryKey;
use catalog::ports::OpeningStock;
use catalog::pricing::Discount;
use catalog::products::NewProduct;
use catalog::values::{HsnCode, Sku, Slug};
use kernel::Money;
use serde_json::{Map, Value, json};

mod builds;

pub use builds::{ReferenceBuild, Tier, reference_builds};

/// The seed every run starts from.
const SEED: u64 = 0x5EED_2026_1121;

/// Every category without children, as the catalog migration creates them: a product is
/// filed under one of these.
pub const LEAF_CATEGORIES: [&str; 16] = [
    "intel-custom",
    "amd-custom",
    "prebuilt",
    "laptops",
    "cpu",
    "motherboard",
    "memory",
    "gpu",
    "storage",
    "psu",
    "case",
    "cooler",
    "keyboards",
    "mice",
    "headsets",
    "monitors",
];
/// GST on computers, parts and peripherals.
const GST_18: u32 = 1_800;

/// The HSN code of a product of this leaf category (a storage drive's by its
/// specifications' `type`), from the Customs Tariff that GST follows; the catalog's
/// migration back-fills older products with the same codes.
pub fn hsn_code(category: &str, specifications: &Map<String, Value>) -> HsnCode {
    let code = match category {
        // Automatic data-processing machines: desktops, and portable ones of at most 10 kg.
        "intel-custom" | "amd-custom" | "prebuilt" => "8471",
        "laptops" => "847130",
        // Processors and controllers (electronic integrated circuits).
        "cpu" => "854231",
        // Parts and accessories of the machines of 8471.
        "motherboard" | "memory" | "gpu" | "case" => "847330",
        // Hard drives are storage units of 8471; SSDs are solid-state storage devices.
        "storage" if specifications.get("type").and_then(Value::as_str) == Some("Hard Drive") => "847170",
        "storage" => "852351",
        // Static converters.
        "psu" => "850440",
        // Fans.
        "cooler" => "841459",
        // Input units.
        "keyboards" | "mice" => "847160",
        // Headphones, with or without a microphone.
        "headsets" => "851830",
        // Monitors that connect directly to a machine of 8471.
        "monitors" => "852852",
        other => panic!("no HSN code for the category {other}"),
    };
    HsnCode::parse(code, "hsn_code").expect("the table's codes are valid")
}
/// The least opening stock of every part of a reference build, so that the builds the
/// store promises can be bought (a few times over) from a fresh demo store.
pub const REFERENCE_STOCK: i64 = 10;

/// Every demo product, in a fixed order with fixed contents.
pub fn products() -> Vec<NewProduct> {
    let mut demo = Demo { rng: SplitMix64(SEED), products: Vec::new() };
    cpus(&mut demo);
    motherboards(&mut demo);
    memory(&mut demo);
    gpus(&mut demo);
    storage(&mut demo);
    power_supplies(&mut demo);
    cases(&mut demo);
    coolers(&mut demo);
    custom_builds(&mut demo);
    prebuilt(&mut demo);
    laptops(&mut demo);
    keyboards(&mut demo);
    mice(&mut demo);
    headsets(&mut demo);
    monitors(&mut demo);
    stock_reference_parts(&mut demo.products);
    demo.products
}

/// Raises the parts of every reference build to [`REFERENCE_STOCK`] after generation, so
/// the generator's draws (which the rest of the data depends on) stay as they are.
fn stock_reference_parts(products: &mut [NewProduct]) {
    let parts: std::collections::HashSet<&str> =
        reference_builds().iter().flat_map(|build| build.skus.iter().map(|&(_, sku)| sku)).collect();
    for product in products.iter_mut().filter(|product| parts.contains(product.sku.as_str())) {
        product.opening_stock.on_hand = product.opening_stock.on_hand.max(REFERENCE_STOCK);
    }
}

/// SplitMix64: a tiny, well-known generator; enough for reproducible demo data (the
/// catalog here, the history of `seed-demo --orders`), with no dependency.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (by remainder: the catalog's products depend on it).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

struct Demo {
    rng: SplitMix64,
    products: Vec<NewProduct>,
}

impl Demo {
    /// Adds one product; discount, stock and the featured flag come from the generator.
    fn add(&mut self, category: &str, sku: &str, brand: &str, name: &str, rupees: i64, specs: Value, blurb: &str) {
        let discount = match self.rng.below(10) {
            0..=5 => None,
            6..=8 => Some(Discount::Percentage { bps: 500 + 250 * self.rng.below(5) as u32 }),
            _ => Some(Discount::Flat { amount: Money::from_paise((rupees / 20).clamp(100, 5_000) * 100) }),
        };
        let on_hand = match self.rng.below(12) {
            0 => 0,
            1 => 1 + self.rng.below(3) as i64,
            _ => 5 + self.rng.below(60) as i64,
        };
        let specifications = match specs {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let slug = Slug::from_text(name).expect("demo names have letters");
        self.products.push(NewProduct {
            sku: Sku::parse(sku, "sku").expect("demo SKUs are valid"),
            slug: Some(slug.clone()),
            name: name.to_owned(),
            brand: brand.to_owned(),
            category: CategoryKey::Slug(category.to_owned()),
            base_price: Money::from_paise(rupees * 100),
            discount,
            tax_rate_bps: GST_18,
            hsn_code: hsn_code(category, &specifications),
            short_description: blurb.to_owned(),
            description: format!(
                "{name} from {brand}. {blurb} Sold with a GST invoice and the manufacturer's India warranty; \
                 ships from our Bengaluru warehouse, packed for transit."
            ),
            specifications,
            images: vec![format!("/images/products/{slug}.jpg")],
            is_active: true,
            is_featured: self.rng.below(12) == 0,
            opening_stock: OpeningStock { on_hand, low_stock_threshold: 3 },
        });
    }
}

fn cpus(demo: &mut Demo) {
    // (model, socket, cores, threads, boost GHz, TDP W, price ₹, bundled cooler, graphics)
    let amd: &[(&str, &str, u32, u32, f64, u32, i64, bool, bool)] = &[
        ("Ryzen 9 9950X", "AM5", 16, 32, 5.7, 170, 56_999, false, true),
        ("Ryzen 9 9900X", "AM5", 12, 24, 5.6, 120, 41_999, false, true),
        ("Ryzen 7 9800X3D", "AM5", 8, 16, 5.2, 120, 49_999, false, true),
        ("Ryzen 7 9700X", "AM5", 8, 16, 5.5, 65, 31_999, false, true),
        ("Ryzen 5 9600X", "AM5", 6, 12, 5.4, 65, 21_999, false, true),
        ("Ryzen 9 7950X3D", "AM5", 16, 32, 5.7, 120, 54_999, false, true),
        ("Ryzen 7 7800X3D", "AM5", 8, 16, 5.0, 120, 36_999, false, true),
        ("Ryzen 7 7700X", "AM5", 8, 16, 5.4, 105, 27_499, false, true),
        ("Ryzen 7 7700", "AM5", 8, 16, 5.3, 65, 25_999, true, true),
        ("Ryzen 5 7600X", "AM5", 6, 12, 5.3, 105, 18_499, false, true),
        ("Ryzen 5 7600", "AM5", 6, 12, 5.1, 65, 16_999, true, true),
        ("Ryzen 7 8700G", "AM5", 8, 16, 5.1, 65, 27_999, true, true),
        ("Ryzen 5 8600G", "AM5", 6, 12, 5.0, 65, 19_999, true, true),
        ("Ryzen 5 8500G", "AM5", 6, 12, 5.0, 65, 14_499, true, true),
        ("Ryzen 9 5950X", "AM4", 16, 32, 4.9, 105, 33_999, false, false),
        ("Ryzen 9 5900X", "AM4", 12, 24, 4.8, 105, 24_999, false, false),
        ("Ryzen 7 5800X3D", "AM4", 8, 16, 4.5, 105, 25_999, false, false),
        ("Ryzen 7 5700X3D", "AM4", 8, 16, 4.1, 105, 20_999, false, false),
        ("Ryzen 7 5700X", "AM4", 8, 16, 4.6, 65, 14_999, false, false),
        ("Ryzen 7 5700G", "AM4", 8, 16, 4.6, 65, 15_999, true, true),
        ("Ryzen 5 5600X", "AM4", 6, 12, 4.6, 65, 11_999, true, false),
        ("Ryzen 5 5600", "AM4", 6, 12, 4.4, 65, 9_999, true, false),
        ("Ryzen 5 5600G", "AM4", 6, 12, 4.4, 65, 11_499, true, true),
        ("Ryzen 5 5500", "AM4", 6, 12, 4.2, 65, 7_999, true, false),
    ];
    for &(model, socket, cores, threads, boost, tdp, price, cooler, graphics) in amd {
        let code = model.rsplit(' ').next().unwrap_or(model);
        let specs = json!({
            "vendor": "amd", "socket": socket, "cores": cores, "threads": threads, "boost_clock_ghz": boost,
            "tdp_w": tdp, "bundled_cooler": cooler, "integrated_graphics": graphics,
            "memory_type": if socket == "AM5" { "DDR5" } else { "DDR4" },
        });
        let blurb = format!("{cores} cores, {threads} threads, up to {boost} GHz, {socket} socket.");
        demo.add(
            "cpu",
            &format!("CPU-AMD-{code}"),
            "AMD",
            &format!("AMD {model} Desktop Processor"),
            price,
            specs,
            &blurb,
        );
    }
    let intel: &[(&str, &str, u32, u32, f64, u32, i64, bool, bool)] = &[
        ("Core Ultra 9 285K", "LGA1851", 24, 24, 5.7, 125, 56_999, false, true),
        ("Core Ultra 7 265K", "LGA1851", 20, 20, 5.5, 125, 37_999, false, true),
        ("Core Ultra 7 265KF", "LGA1851", 20, 20, 5.5, 125, 35_499, false, false),
        ("Core Ultra 7 265", "LGA1851", 20, 20, 5.3, 65, 33_999, true, true),
        ("Core Ultra 5 245K", "LGA1851", 14, 14, 5.2, 125, 28_999, false, true),
        ("Core Ultra 5 245KF", "LGA1851", 14, 14, 5.2, 125, 26_499, false, false),
        ("Core Ultra 5 225", "LGA1851", 10, 10, 4.9, 65, 21_999, true, true),
        ("Core i9-14900K", "LGA1700", 24, 32, 6.0, 125, 54_999, false, true),
        ("Core i9-14900KF", "LGA1700", 24, 32, 6.0, 125, 51_999, false, false),
        ("Core i7-14700K", "LGA1700", 20, 28, 5.6, 125, 38_999, false, true),
        ("Core i7-14700KF", "LGA1700", 20, 28, 5.6, 125, 36_499, false, false),
        ("Core i7-14700", "LGA1700", 20, 28, 5.4, 65, 34_999, true, true),
        ("Core i5-14600K", "LGA1700", 14, 20, 5.3, 125, 28_499, false, true),
        ("Core i5-14600KF", "LGA1700", 14, 20, 5.3, 125, 26_499, false, false),
        ("Core i5-14400", "LGA1700", 10, 16, 4.7, 65, 19_999, true, true),
        ("Core i5-14400F", "LGA1700", 10, 16, 4.7, 65, 17_499, true, false),
        ("Core i3-14100F", "LGA1700", 4, 8, 4.7, 58, 8_999, true, false),
        ("Core i7-13700K", "LGA1700", 16, 24, 5.4, 125, 33_999, false, true),
        ("Core i5-13400F", "LGA1700", 10, 16, 4.6, 65, 15_499, true, false),
        ("Core i5-12400F", "LGA1700", 6, 12, 4.4, 65, 10_999, true, false),
        ("Core i3-12100F", "LGA1700", 4, 8, 4.3, 58, 7_499, true, false),
    ];
    for &(model, socket, cores, threads, boost, tdp, price, cooler, graphics) in intel {
        let code = model.rsplit([' ', '-']).next().unwrap_or(model);
        let specs = json!({
            "vendor": "intel", "socket": socket, "cores": cores, "threads": threads, "boost_clock_ghz": boost,
            "tdp_w": tdp, "bundled_cooler": cooler, "integrated_graphics": graphics,
            "memory_type": if socket == "LGA1851" { "DDR5" } else { "DDR4/DDR5" },
        });
        let blurb = format!("{cores} cores, {threads} threads, up to {boost} GHz, {socket} socket.");
        let sku = format!("CPU-INTEL-{}", code.replace(' ', ""));
        demo.add("cpu", &sku, "Intel", &format!("Intel {model} Desktop Processor"), price, specs, &blurb);
    }
}

fn motherboards(demo: &mut Demo) {
    // (brand, series, chipset, socket, memory type, form factor, M.2 slots, price ₹)
    let boards: &[(&str, &str, &str, &str, &str, &str, u32, i64)] = &[
        ("ASUS", "ROG Strix {} -E Gaming WiFi", "X870E", "AM5", "DDR5", "ATX", 5, 49_999),
        ("ASUS", "TUF Gaming {}-Plus WiFi", "X870", "AM5", "DDR5", "ATX", 4, 27_999),
        ("ASUS", "TUF Gaming {}-Plus WiFi", "B650", "AM5", "DDR5", "ATX", 3, 19_999),
        ("ASUS", "Prime {}M-A WiFi", "B650", "AM5", "DDR5", "Micro-ATX", 2, 15_499),
        ("ASUS", "ROG Strix {}-I Gaming WiFi", "B650E", "AM5", "DDR5", "Mini-ITX", 2, 28_999),
        ("ASUS", "Prime {}M-K", "A620", "AM5", "DDR5", "Micro-ATX", 2, 9_999),
        ("ASUS", "TUF Gaming {}-Plus WiFi", "B550", "AM4", "DDR4", "ATX", 2, 14_999),
        ("ASUS", "Prime {}M-K", "A520", "AM4", "DDR4", "Micro-ATX", 1, 6_499),
        ("ASUS", "ROG Strix {}-E Gaming WiFi", "Z790", "LGA1700", "DDR5", "ATX", 5, 39_999),
        ("ASUS", "TUF Gaming {}-Plus WiFi D4", "B760", "LGA1700", "DDR4", "ATX", 3, 15_999),
        ("ASUS", "Prime {}M-K D4", "H610", "LGA1700", "DDR4", "Micro-ATX", 1, 7_499),
        ("ASUS", "ROG Strix {}-F Gaming WiFi", "Z890", "LGA1851", "DDR5", "ATX", 5, 44_999),
        ("ASUS", "TUF Gaming {}-Plus WiFi", "B860", "LGA1851", "DDR5", "ATX", 3, 21_999),
        ("MSI", "MAG {} Tomahawk WiFi", "X870", "AM5", "DDR5", "ATX", 4, 26_999),
        ("MSI", "MAG {} Tomahawk WiFi", "B650", "AM5", "DDR5", "ATX", 3, 19_499),
        ("MSI", "PRO {}M-A WiFi", "B650", "AM5", "DDR5", "Micro-ATX", 2, 14_999),
        ("MSI", "PRO {}M-E", "A620", "AM5", "DDR5", "Micro-ATX", 1, 8_999),
        ("MSI", "MAG {} Tomahawk MAX WiFi", "B550", "AM4", "DDR4", "ATX", 2, 15_499),
        ("MSI", "PRO {}M-A WiFi", "B550", "AM4", "DDR4", "Micro-ATX", 2, 10_999),
        ("MSI", "MPG {} Edge WiFi", "Z790", "LGA1700", "DDR5", "ATX", 4, 32_999),
        ("MSI", "PRO {}M-A WiFi DDR4", "B760", "LGA1700", "DDR4", "Micro-ATX", 2, 13_499),
        ("MSI", "PRO {}M-E DDR4", "H610", "LGA1700", "DDR4", "Micro-ATX", 1, 7_299),
        ("MSI", "MAG {} Tomahawk WiFi", "Z890", "LGA1851", "DDR5", "ATX", 4, 34_999),
        ("MSI", "PRO {}M-A WiFi", "B860", "LGA1851", "DDR5", "Micro-ATX", 2, 17_999),
        ("Gigabyte", "{} AORUS Elite WiFi7", "X870E", "AM5", "DDR5", "ATX", 4, 36_999),
        ("Gigabyte", "{} Gaming X AX", "B650", "AM5", "DDR5", "ATX", 3, 17_499),
        ("Gigabyte", "{}M DS3H", "B650", "AM5", "DDR5", "Micro-ATX", 2, 12_999),
        ("Gigabyte", "{}I AORUS Ultra", "B650", "AM5", "DDR5", "Mini-ITX", 2, 24_999),
        ("Gigabyte", "{} AORUS Elite AX V2", "B550", "AM4", "DDR4", "ATX", 2, 13_999),
        ("Gigabyte", "{}M DS3H", "B550", "AM4", "DDR4", "Micro-ATX", 2, 8_999),
        ("Gigabyte", "{} AORUS Elite AX", "Z790", "LGA1700", "DDR5", "ATX", 4, 27_999),
        ("Gigabyte", "{}M DS3H DDR4", "B760", "LGA1700", "DDR4", "Micro-ATX", 2, 10_999),
        ("Gigabyte", "{} AORUS Elite WiFi7", "Z890", "LGA1851", "DDR5", "ATX", 4, 31_999),
        ("Gigabyte", "{}M Gaming X WiFi6E", "B860", "LGA1851", "DDR5", "Micro-ATX", 3, 18_499),
        ("ASRock", "{} Steel Legend WiFi", "X870", "AM5", "DDR5", "ATX", 3, 24_999),
        ("ASRock", "{}M Pro RS", "B650", "AM5", "DDR5", "Micro-ATX", 2, 13_499),
        ("ASRock", "{}M-HDV/M.2", "A620", "AM5", "DDR5", "Micro-ATX", 1, 8_499),
        ("ASRock", "{} Steel Legend", "B550", "AM4", "DDR4", "ATX", 2, 12_499),
        ("ASRock", "{} Steel Legend WiFi", "Z790", "LGA1700", "DDR5", "ATX", 4, 25_999),
        ("ASRock", "{}M Pro RS WiFi", "B760", "LGA1700", "DDR5", "Micro-ATX", 2, 12_999),
        ("ASRock", "{}I Lightning WiFi", "B860", "LGA1851", "DDR5", "Mini-ITX", 2, 19_999),
    ];
    for (i, &(brand, series, chipset, socket, memory, form_factor, m2, price)) in boards.iter().enumerate() {
        let model = series.replace("{}", chipset).replace(" -E", "-E");
        let name = format!("{brand} {model} {socket} {form_factor} Motherboard");
        let specs = json!({
            "socket": socket, "chipset": chipset, "memory_type": memory, "form_factor": form_factor,
            "memory_slots": if form_factor == "Mini-ITX" { 2 } else { 4 }, "m2_slots": m2,
        });
        let blurb = format!("{chipset} chipset for {socket}, {memory} memory, {form_factor}, {m2} M.2 slots.");
        demo.add("motherboard", &format!("MB-{:03}-{}", i + 1, chipset), brand, &name, price, specs, &blurb);
    }
}

fn memory(demo: &mut Demo) {
    // (brand, series, type, total GB, modules, MT/s, CAS latency, price ₹)
    let kits: &[(&str, &str, &str, u32, u32, u32, u32, i64)] = &[
        ("Corsair", "Vengeance RGB", "DDR5", 32, 2, 6000, 30, 10_999),
        ("Corsair", "Vengeance RGB", "DDR5", 64, 2, 6000, 30, 19_999),
        ("Corsair", "Vengeance", "DDR5", 16, 2, 5600, 36, 5_499),
        ("Corsair", "Vengeance", "DDR5", 32, 2, 5600, 36, 8_999),
        ("Corsair", "Vengeance LPX", "DDR4", 16, 2, 3200, 16, 3_699),
        ("Corsair", "Vengeance LPX", "DDR4", 32, 2, 3200, 16, 6_999),
        ("G.Skill", "Trident Z5 RGB", "DDR5", 32, 2, 6400, 32, 12_499),
        ("G.Skill", "Trident Z5 Neo RGB", "DDR5", 32, 2, 6000, 30, 11_999),
        ("G.Skill", "Flare X5", "DDR5", 32, 2, 6000, 36, 9_999),
        ("G.Skill", "Ripjaws S5", "DDR5", 16, 2, 5600, 36, 5_299),
        ("G.Skill", "Ripjaws V", "DDR4", 16, 2, 3600, 18, 3_899),
        ("G.Skill", "Ripjaws V", "DDR4", 32, 2, 3600, 18, 7_299),
        ("G.Skill", "Trident Z RGB", "DDR4", 32, 2, 3600, 16, 8_999),
        ("Kingston", "Fury Beast", "DDR5", 16, 1, 5600, 40, 4_299),
        ("Kingston", "Fury Beast", "DDR5", 32, 2, 6000, 36, 9_499),
        ("Kingston", "Fury Beast RGB", "DDR5", 32, 2, 6000, 30, 10_999),
        ("Kingston", "Fury Renegade RGB", "DDR5", 48, 2, 6400, 32, 16_999),
        ("Kingston", "Fury Beast", "DDR4", 8, 1, 3200, 16, 1_799),
        ("Kingston", "Fury Beast", "DDR4", 16, 2, 3200, 16, 3_499),
        ("Kingston", "Fury Beast RGB", "DDR4", 32, 2, 3600, 18, 7_499),
        ("XPG", "Lancer RGB", "DDR5", 32, 2, 6000, 30, 10_499),
        ("XPG", "Lancer Blade", "DDR5", 16, 2, 6000, 30, 5_999),
        ("XPG", "Spectrix D35G", "DDR4", 16, 2, 3200, 16, 3_599),
        ("Crucial", "Pro", "DDR5", 32, 2, 5600, 46, 8_299),
        ("Crucial", "Pro", "DDR5", 64, 2, 5600, 46, 15_999),
        ("Crucial", "Basics", "DDR4", 8, 1, 3200, 22, 1_599),
        ("TeamGroup", "T-Force Delta RGB", "DDR5", 32, 2, 6000, 38, 9_799),
        ("TeamGroup", "T-Force Vulcan Z", "DDR4", 16, 2, 3200, 16, 3_199),
        ("Adata", "Premier", "DDR5", 16, 1, 4800, 40, 3_999),
        ("Adata", "Premier", "DDR4", 8, 1, 3200, 22, 1_499),
    ];
    for (i, &(brand, series, kind, gb, modules, speed, cas, price)) in kits.iter().enumerate() {
        let layout = if modules == 1 { format!("1x{gb}GB") } else { format!("{modules}x{}GB", gb / modules) };
        let name = format!("{brand} {series} {gb}GB ({layout}) {kind}-{speed} CL{cas} Desktop Memory");
        let specs = json!({
            "memory_type": kind, "capacity_gb": gb, "modules": modules, "speed_mts": speed, "cas_latency": cas,
        });
        let blurb = format!("{gb} GB {kind} kit at {speed} MT/s, CL{cas}.");
        demo.add("memory", &format!("RAM-{:03}-{kind}-{gb}G", i + 1), brand, &name, price, specs, &blurb);
    }
}

fn gpus(demo: &mut Demo) {
    // (brand, line, chipset vendor, chipset, VRAM GB, TDP W, length mm, price ₹)
    let cards: &[(&str, &str, &str, &str, u32, u32, u32, i64)] = &[
        ("ASUS", "ROG Astral", "nvidia", "GeForce RTX 5090", 32, 575, 358, 289_999),
        ("MSI", "Gaming Trio OC", "nvidia", "GeForce RTX 5090", 32, 575, 359, 264_999),
        ("Zotac", "Gaming AMP Extreme Infinity", "nvidia", "GeForce RTX 5080", 16, 360, 332, 134_999),
        ("Gigabyte", "Windforce OC SFF", "nvidia", "GeForce RTX 5080", 16, 360, 304, 119_999),
        ("ASUS", "TUF Gaming OC", "nvidia", "GeForce RTX 5070 Ti", 16, 300, 329, 94_999),
        ("MSI", "Ventus 3X OC", "nvidia", "GeForce RTX 5070 Ti", 16, 300, 303, 82_999),
        ("Zotac", "Gaming Twin Edge OC", "nvidia", "GeForce RTX 5070", 12, 250, 234, 59_999),
        ("Gigabyte", "Windforce OC SFF", "nvidia", "GeForce RTX 5070", 12, 250, 261, 58_499),
        ("ASUS", "Dual OC", "nvidia", "GeForce RTX 5060 Ti 16GB", 16, 180, 229, 47_999),
        ("MSI", "Ventus 2X OC", "nvidia", "GeForce RTX 5060 Ti 8GB", 8, 180, 197, 39_999),
        ("Zotac", "Gaming Twin Edge", "nvidia", "GeForce RTX 5060", 8, 145, 221, 31_999),
        ("ASUS", "ROG Strix OC", "nvidia", "GeForce RTX 4070 Super", 12, 220, 301, 68_999),
        ("Zotac", "Gaming Twin Edge OC", "nvidia", "GeForce RTX 4070 Super", 12, 220, 234, 59_999),
        ("MSI", "Ventus 2X OC", "nvidia", "GeForce RTX 4070", 12, 200, 242, 54_999),
        ("Gigabyte", "Windforce OC", "nvidia", "GeForce RTX 4070", 12, 200, 261, 53_999),
        ("ASUS", "Dual OC", "nvidia", "GeForce RTX 4060 Ti", 8, 160, 227, 39_999),
        ("MSI", "Ventus 2X Black OC", "nvidia", "GeForce RTX 4060", 8, 115, 199, 29_999),
        ("Zotac", "Gaming Twin Edge", "nvidia", "GeForce RTX 4060", 8, 115, 221, 28_499),
        ("Gigabyte", "Eagle OC", "nvidia", "GeForce RTX 4060", 8, 115, 272, 29_499),
        ("Inno3D", "Twin X2", "nvidia", "GeForce RTX 4060", 8, 115, 250, 27_999),
        ("Zotac", "Gaming Twin Edge", "nvidia", "GeForce RTX 3050 6GB", 6, 70, 163, 16_999),
        ("MSI", "Ventus 2X OC", "nvidia", "GeForce RTX 3050", 8, 130, 235, 21_999),
        ("Sapphire", "Nitro+", "amd", "Radeon RX 9070 XT", 16, 304, 320, 74_999),
        ("PowerColor", "Red Devil", "amd", "Radeon RX 9070 XT", 16, 304, 340, 77_999),
        ("Sapphire", "Pulse", "amd", "Radeon RX 9070", 16, 220, 280, 62_999),
        ("XFX", "Swift", "amd", "Radeon RX 9070", 16, 220, 320, 61_499),
        ("Sapphire", "Pulse", "amd", "Radeon RX 9060 XT 16GB", 16, 160, 240, 38_999),
        ("Sapphire", "Pulse", "amd", "Radeon RX 7800 XT", 16, 263, 280, 49_999),
        ("PowerColor", "Hellhound", "amd", "Radeon RX 7800 XT", 16, 263, 322, 51_999),
        ("XFX", "Speedster QICK 319", "amd", "Radeon RX 7800 XT", 16, 263, 335, 50_999),
        ("Sapphire", "Pulse", "amd", "Radeon RX 7700 XT", 12, 245, 280, 41_999),
        ("ASRock", "Challenger OC", "amd", "Radeon RX 7600", 8, 165, 269, 25_999),
        ("Sapphire", "Pulse", "amd", "Radeon RX 7600", 8, 165, 240, 26_499),
        ("XFX", "Speedster SWFT 210", "amd", "Radeon RX 7600", 8, 165, 240, 25_499),
        ("Sapphire", "Pulse", "amd", "Radeon RX 6600", 8, 132, 193, 19_999),
        ("Intel", "Limited Edition", "intel", "Arc B580", 12, 190, 272, 24_999),
        ("ASRock", "Challenger OC", "intel", "Arc B580", 12, 190, 270, 25_499),
        ("Sparkle", "Titan OC", "intel", "Arc B570", 10, 150, 281, 21_999),
        ("ASRock", "Challenger", "intel", "Arc A750", 8, 225, 267, 17_999),
        ("Gigabyte", "AORUS Master", "nvidia", "GeForce RTX 5080", 16, 360, 360, 149_999),
    ];
    for (i, &(brand, line, vendor, chipset, vram, tdp, length, price)) in cards.iter().enumerate() {
        let chip = chipset.trim_end_matches(" 16GB").trim_end_matches(" 8GB").trim_end_matches(" 6GB");
        let name = format!("{brand} {chip} {line} {vram}GB Graphics Card");
        let specs = json!({
            "chipset_vendor": vendor, "chipset": chip, "vram_gb": vram, "tdp_w": tdp, "length_mm": length,
        });
        let blurb = format!("{chip} with {vram} GB of memory; {length} mm long, {tdp} W board power.");
        let code = chip.rsplit(' ').take(2).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("");
        demo.add("gpu", &format!("GPU-{:03}-{code}", i + 1), brand, &name, price, specs, &blurb);
    }
}

fn storage(demo: &mut Demo) {
    // (brand, model, kind, interface, capacity GB, read MB/s, price ₹)
    let drives: &[(&str, &str, &str, &str, u32, u32, i64)] = &[
        ("Samsung", "990 Pro", "NVMe SSD", "PCIe 4.0 x4", 1000, 7450, 9_499),
        ("Samsung", "990 Pro", "NVMe SSD", "PCIe 4.0 x4", 2000, 7450, 15_999),
        ("Samsung", "990 Pro", "NVMe SSD", "PCIe 4.0 x4", 4000, 7450, 31_999),
        ("Samsung", "990 EVO Plus", "NVMe SSD", "PCIe 4.0 x4", 1000, 7150, 7_499),
        ("Samsung", "990 EVO Plus", "NVMe SSD", "PCIe 4.0 x4", 2000, 7250, 12_999),
        ("Samsung", "870 EVO", "SATA SSD", "SATA III", 500, 560, 4_499),
        ("Samsung", "870 EVO", "SATA SSD", "SATA III", 1000, 560, 7_299),
        ("WD", "Black SN850X", "NVMe SSD", "PCIe 4.0 x4", 1000, 7300, 8_999),
        ("WD", "Black SN850X", "NVMe SSD", "PCIe 4.0 x4", 2000, 7300, 14_999),
        ("WD", "Blue SN580", "NVMe SSD", "PCIe 4.0 x4", 500, 4000, 3_499),
        ("WD", "Blue SN580", "NVMe SSD", "PCIe 4.0 x4", 1000, 4150, 5_499),
        ("WD", "Blue", "Hard Drive", "SATA III 7200 rpm", 2000, 215, 5_299),
        ("Crucial", "T500", "NVMe SSD", "PCIe 4.0 x4", 1000, 7300, 7_299),
        ("Crucial", "P3 Plus", "NVMe SSD", "PCIe 4.0 x4", 1000, 5000, 5_799),
        ("Crucial", "P3 Plus", "NVMe SSD", "PCIe 4.0 x4", 2000, 5000, 10_499),
        ("Crucial", "T705", "NVMe SSD", "PCIe 5.0 x4", 2000, 14500, 27_999),
        ("Crucial", "MX500", "SATA SSD", "SATA III", 1000, 560, 6_499),
        ("Kingston", "NV3", "NVMe SSD", "PCIe 4.0 x4", 1000, 6000, 5_299),
        ("Kingston", "NV3", "NVMe SSD", "PCIe 4.0 x4", 2000, 6000, 9_499),
        ("Kingston", "KC3000", "NVMe SSD", "PCIe 4.0 x4", 2000, 7000, 13_999),
        ("Kingston", "A400", "SATA SSD", "SATA III", 480, 500, 2_699),
        ("Seagate", "Barracuda", "Hard Drive", "SATA III 7200 rpm", 2000, 220, 5_499),
        ("Seagate", "Barracuda", "Hard Drive", "SATA III 5400 rpm", 4000, 190, 8_999),
        ("Seagate", "FireCuda 530R", "NVMe SSD", "PCIe 4.0 x4", 2000, 7300, 16_999),
        ("Lexar", "NM790", "NVMe SSD", "PCIe 4.0 x4", 1000, 7400, 6_999),
    ];
    for (i, &(brand, model, kind, interface, gb, read, price)) in drives.iter().enumerate() {
        let size = if gb >= 1000 { format!("{}TB", gb / 1000) } else { format!("{gb}GB") };
        let name = format!("{brand} {model} {size} {kind}");
        let specs = json!({ "type": kind, "interface": interface, "capacity_gb": gb, "read_mbps": read });
        let blurb = format!("{size} {kind} over {interface}, reads up to {read} MB/s.");
        demo.add("storage", &format!("SSD-{:03}-{size}", i + 1), brand, &name, price, specs, &blurb);
    }
}

fn power_supplies(demo: &mut Demo) {
    // (brand, model, watts, efficiency, modular, price ₹)
    let units: &[(&str, &str, u32, &str, &str, i64)] = &[
        ("Corsair", "RM750e", 750, "80 Plus Gold", "full", 9_499),
        ("Corsair", "RM850e", 850, "80 Plus Gold", "full", 10_999),
        ("Corsair", "RM1000e", 1000, "80 Plus Gold", "full", 14_499),
        ("Corsair", "CX650", 650, "80 Plus Bronze", "none", 5_699),
        ("Corsair", "HX1500i", 1500, "80 Plus Platinum", "full", 32_999),
        ("Cooler Master", "MWE 650 Bronze V3", 650, "80 Plus Bronze", "none", 4_699),
        ("Cooler Master", "MWE Gold 750 V2", 750, "80 Plus Gold", "full", 8_499),
        ("Cooler Master", "MWE Gold 1050 V2", 1050, "80 Plus Gold", "full", 13_999),
        ("Deepcool", "PK650D", 650, "80 Plus Bronze", "none", 4_499),
        ("Deepcool", "PQ850M", 850, "80 Plus Gold", "full", 9_999),
        ("Deepcool", "PN1000M", 1000, "80 Plus Gold", "full", 12_999),
        ("MSI", "MAG A650BN", 650, "80 Plus Bronze", "none", 4_599),
        ("MSI", "MAG A750GL PCIE5", 750, "80 Plus Gold", "full", 8_299),
        ("MSI", "MPG A850G PCIE5", 850, "80 Plus Gold", "full", 11_999),
        ("Seasonic", "Focus GX-750", 750, "80 Plus Gold", "full", 10_499),
        ("Seasonic", "Focus GX-1000", 1000, "80 Plus Gold", "full", 15_999),
        ("Antec", "CSK550", 550, "80 Plus Bronze", "semi", 3_999),
        ("Antec", "NE850G M", 850, "80 Plus Gold", "full", 9_299),
        ("Lian Li", "Edge 1000G", 1000, "80 Plus Gold", "full", 17_999),
        ("Ant Esports", "VS600L", 600, "80 Plus Bronze", "none", 2_999),
    ];
    for (i, &(brand, model, watts, efficiency, modular, price)) in units.iter().enumerate() {
        let name = format!("{brand} {model} {watts}W {efficiency} Power Supply");
        let specs = json!({ "wattage_w": watts, "efficiency": efficiency, "modular": modular, "atx_version": "3.1" });
        let blurb = format!("{watts} W, {efficiency}, {modular} modular cabling.");
        demo.add("psu", &format!("PSU-{:03}-{watts}W", i + 1), brand, &name, price, specs, &blurb);
    }
}

fn cases(demo: &mut Demo) {
    const FULL: &[&str] = &["E-ATX", "ATX", "Micro-ATX", "Mini-ITX"];
    const ATX: &[&str] = &["ATX", "Micro-ATX", "Mini-ITX"];
    const MATX: &[&str] = &["Micro-ATX", "Mini-ITX"];
    const ITX: &[&str] = &["Mini-ITX"];
    // (brand, model, supported form factors, max GPU length mm, max cooler height mm, price ₹)
    let cabinets: &[(&str, &str, &[&str], u32, u32, i64)] = &[
        ("Lian Li", "O11 Dynamic EVO", FULL, 426, 167, 14_999),
        ("Lian Li", "Lancool 216", FULL, 392, 180, 8_999),
        ("Lian Li", "A4-H2O", ITX, 322, 55, 12_499),
        ("NZXT", "H5 Flow", ATX, 365, 165, 8_499),
        ("NZXT", "H7 Flow", FULL, 400, 185, 11_999),
        ("NZXT", "H1 V2", ITX, 324, 0, 29_999),
        ("Corsair", "4000D Airflow", ATX, 360, 170, 8_299),
        ("Corsair", "5000D Airflow", FULL, 420, 170, 13_499),
        ("Corsair", "2000D Airflow", ITX, 365, 75, 10_999),
        ("Fractal Design", "North", ATX, 355, 170, 12_999),
        ("Fractal Design", "Pop Mini Air", MATX, 405, 170, 7_499),
        ("Cooler Master", "MasterBox Q300L", MATX, 360, 157, 3_999),
        ("Cooler Master", "NR200P", ITX, 330, 155, 8_999),
        ("Deepcool", "CH560", FULL, 380, 175, 7_499),
        ("Deepcool", "CC560", ATX, 370, 163, 4_299),
        ("Deepcool", "CH370", MATX, 320, 167, 4_999),
        ("Ant Esports", "ICE-112", ATX, 320, 160, 3_299),
        ("Ant Esports", "ICE-100 Air Mini", MATX, 300, 155, 2_499),
        ("Montech", "Air 903 Max", FULL, 400, 180, 7_999),
        ("Phanteks", "XT Pro", FULL, 415, 184, 6_999),
        ("MSI", "MAG Forge 120A Airflow", ATX, 330, 160, 4_499),
        ("Hyte", "Y60", ATX, 375, 160, 17_999),
    ];
    for (i, &(brand, model, form_factors, gpu_len, cooler_height, price)) in cabinets.iter().enumerate() {
        let largest = form_factors.first().copied().unwrap_or("ATX");
        let tower = match largest {
            "Mini-ITX" => "Mini-ITX",
            "Micro-ATX" => "Micro-ATX",
            _ => "Mid Tower",
        };
        let name = format!("{brand} {model} {tower} Cabinet");
        let specs = json!({
            "form_factors": form_factors, "max_gpu_length_mm": gpu_len, "max_cooler_height_mm": cooler_height,
        });
        let blurb = format!("Fits {} boards and graphics cards up to {gpu_len} mm.", form_factors.join(", "));
        demo.add("case", &format!("CASE-{:03}", i + 1), brand, &name, price, specs, &blurb);
    }
}

fn coolers(demo: &mut Demo) {
    const ALL: &[&str] = &["AM5", "AM4", "LGA1700", "LGA1851"];
    // (brand, model, kind, radiator or height mm, rated TDP W, price ₹)
    let units: &[(&str, &str, &str, u32, u32, i64)] = &[
        ("Deepcool", "AK400", "air", 155, 220, 2_499),
        ("Deepcool", "AK620", "air", 160, 260, 5_499),
        ("Deepcool", "LS520", "liquid", 240, 270, 8_999),
        ("Deepcool", "LT720", "liquid", 360, 300, 13_999),
        ("Noctua", "NH-D15 G2", "air", 168, 250, 14_999),
        ("Noctua", "NH-U12S redux", "air", 158, 180, 4_999),
        ("Noctua", "NH-L9a-AM5", "air", 37, 65, 4_299),
        ("Cooler Master", "Hyper 212 Spectrum V3", "air", 154, 180, 2_299),
        ("Cooler Master", "MasterLiquid ML240L Core", "liquid", 240, 250, 5_999),
        ("Arctic", "Liquid Freezer III 240", "liquid", 240, 280, 8_499),
        ("Arctic", "Liquid Freezer III 360", "liquid", 360, 320, 10_999),
        ("Arctic", "Freezer 36", "air", 159, 200, 2_999),
        ("Thermalright", "Peerless Assassin 120 SE", "air", 155, 245, 3_299),
        ("Thermalright", "Phantom Spirit 120 SE", "air", 154, 265, 3_699),
        ("Thermalright", "Assassin X 120 Refined SE", "air", 148, 220, 1_799),
        ("NZXT", "Kraken 240", "liquid", 240, 280, 12_999),
        ("NZXT", "Kraken Elite 360", "liquid", 360, 320, 26_999),
        ("Corsair", "iCUE H150i Elite LCD XT", "liquid", 360, 320, 24_999),
        ("Corsair", "Nautilus 240 RS", "liquid", 240, 260, 7_999),
        ("Lian Li", "Galahad II Trinity 360", "liquid", 360, 320, 15_999),
        ("Ant Esports", "ICE-C612 V2", "air", 158, 180, 1_999),
    ];
    for (i, &(brand, model, kind, size, tdp, price)) in units.iter().enumerate() {
        let sockets: Vec<&str> = if model.contains("AM5") { vec!["AM5", "AM4"] } else { ALL.to_vec() };
        let (label, specs) = if kind == "air" {
            ("Air CPU Cooler", json!({ "type": kind, "sockets": sockets, "height_mm": size, "tdp_rating_w": tdp }))
        } else {
            ("Liquid CPU Cooler", json!({ "type": kind, "sockets": sockets, "radiator_mm": size, "tdp_rating_w": tdp }))
        };
        let name = format!("{brand} {model} {label}");
        let blurb = format!("{label} rated for {tdp} W; fits {}.", sockets.join(", "));
        demo.add("cooler", &format!("COOL-{:03}", i + 1), brand, &name, price, specs, &blurb);
    }
}

fn custom_builds(demo: &mut Demo) {
    // (category, tier, CPU, GPU, memory, storage, price ₹)
    let builds: &[(&str, &str, &str, &str, &str, &str, i64)] = &[
        ("intel-custom", "Starter", "Core i3-14100F", "Arc B580", "16GB DDR4", "500GB NVMe", 49_999),
        ("intel-custom", "Esports", "Core i5-14400F", "GeForce RTX 4060", "16GB DDR5", "1TB NVMe", 79_999),
        ("intel-custom", "Creator", "Core i5-14600K", "GeForce RTX 5060 Ti", "32GB DDR5", "1TB NVMe", 1_14_999),
        ("intel-custom", "Streamer", "Core i7-14700K", "GeForce RTX 5070", "32GB DDR5", "2TB NVMe", 1_54_999),
        ("intel-custom", "Workstation", "Core Ultra 7 265K", "GeForce RTX 5070 Ti", "64GB DDR5", "2TB NVMe", 1_99_999),
        ("intel-custom", "Flagship", "Core Ultra 9 285K", "GeForce RTX 5090", "64GB DDR5", "4TB NVMe", 4_49_999),
        ("intel-custom", "Compact ITX", "Core Ultra 5 245K", "GeForce RTX 5070", "32GB DDR5", "1TB NVMe", 1_39_999),
        ("intel-custom", "Office", "Core i5-14400", "Integrated graphics", "16GB DDR4", "512GB NVMe", 42_999),
        ("amd-custom", "Starter", "Ryzen 5 5600", "Radeon RX 6600", "16GB DDR4", "500GB NVMe", 47_999),
        ("amd-custom", "Esports", "Ryzen 5 7600", "Radeon RX 7600", "16GB DDR5", "1TB NVMe", 74_999),
        ("amd-custom", "1440p Gaming", "Ryzen 7 7800X3D", "Radeon RX 9070 XT", "32GB DDR5", "2TB NVMe", 1_64_999),
        ("amd-custom", "Creator", "Ryzen 9 9900X", "GeForce RTX 5070 Ti", "64GB DDR5", "2TB NVMe", 2_09_999),
        ("amd-custom", "Flagship", "Ryzen 7 9800X3D", "GeForce RTX 5090", "64GB DDR5", "4TB NVMe", 4_39_999),
        ("amd-custom", "APU Compact", "Ryzen 7 8700G", "Integrated graphics", "32GB DDR5", "1TB NVMe", 59_999),
        ("amd-custom", "Budget AM4", "Ryzen 5 5500", "GeForce RTX 3050", "16GB DDR4", "512GB NVMe", 44_999),
        ("amd-custom", "Workstation", "Ryzen 9 9950X", "Radeon RX 9070", "96GB DDR5", "4TB NVMe", 2_59_999),
    ];
    for (i, &(category, tier, cpu, gpu, memory, storage, price)) in builds.iter().enumerate() {
        let (vendor, platform) = if category == "intel-custom" { ("Intel", "intel") } else { ("AMD", "amd") };
        let name = format!("RigMaster {tier} {vendor} {cpu} {gpu} Custom PC");
        let specs = json!({
            "platform": platform, "cpu": cpu, "gpu": gpu, "memory": memory, "storage": storage,
            "customisable": true, "assembly_days": 3,
        });
        let blurb = format!("A {tier} build around the {cpu} and {gpu}; change any part in the PC builder.");
        demo.add(
            category,
            &format!("BUILD-{}-{:02}", platform.to_uppercase(), i + 1),
            "RigMaster",
            &name,
            price,
            specs,
            &blurb,
        );
    }
}

fn prebuilt(demo: &mut Demo) {
    // (brand, series, CPU, GPU, memory, storage, price ₹)
    let pcs: &[(&str, &str, &str, &str, &str, &str, i64)] = &[
        ("RigMaster", "Vanguard", "Ryzen 5 7600", "GeForce RTX 4060", "16GB DDR5", "1TB NVMe", 82_999),
        ("RigMaster", "Vanguard", "Core i5-14400F", "GeForce RTX 4060", "16GB DDR5", "1TB NVMe", 84_999),
        ("RigMaster", "Vanguard Pro", "Ryzen 7 7800X3D", "GeForce RTX 5070", "32GB DDR5", "2TB NVMe", 1_59_999),
        ("RigMaster", "Vanguard Pro", "Core i7-14700KF", "GeForce RTX 5070 Ti", "32GB DDR5", "2TB NVMe", 1_79_999),
        ("RigMaster", "Titan", "Ryzen 7 9800X3D", "GeForce RTX 5080", "32GB DDR5", "2TB NVMe", 2_69_999),
        ("RigMaster", "Titan", "Core Ultra 9 285K", "GeForce RTX 5090", "64GB DDR5", "4TB NVMe", 4_59_999),
        ("RigMaster", "Scout", "Ryzen 5 5600", "Radeon RX 6600", "16GB DDR4", "512GB NVMe", 49_999),
        ("RigMaster", "Scout", "Core i3-14100F", "Arc B580", "16GB DDR4", "512GB NVMe", 52_999),
        ("RigMaster", "Studio", "Ryzen 9 9950X", "GeForce RTX 5070 Ti", "64GB DDR5", "4TB NVMe", 2_79_999),
        ("RigMaster", "Office Mini", "Core i5-14400", "Integrated graphics", "16GB DDR4", "512GB NVMe", 39_999),
        ("HP", "Victus 15L", "Core i5-14400F", "GeForce RTX 4060", "16GB DDR5", "1TB NVMe", 89_990),
        ("HP", "Omen 25L", "Ryzen 7 7700", "GeForce RTX 4070 Super", "32GB DDR5", "1TB NVMe", 1_59_990),
        ("HP", "Omen 35L", "Core i7-14700F", "GeForce RTX 5070 Ti", "32GB DDR5", "2TB NVMe", 2_24_990),
        ("Lenovo", "Legion Tower 5", "Ryzen 7 7700", "GeForce RTX 4060 Ti", "16GB DDR5", "1TB NVMe", 1_19_990),
        ("Lenovo", "Legion Tower 7i", "Core i9-14900KF", "GeForce RTX 5080", "32GB DDR5", "2TB NVMe", 3_09_990),
        ("Lenovo", "IdeaCentre Gaming 5", "Core i5-14400F", "GeForce RTX 4060", "16GB DDR5", "512GB NVMe", 84_990),
        ("ASUS", "ROG Strix G16CH", "Core i7-14700F", "GeForce RTX 4070 Super", "32GB DDR5", "1TB NVMe", 1_74_990),
        ("ASUS", "ROG NUC 970", "Core Ultra 9 185H", "GeForce RTX 4070", "32GB DDR5", "1TB NVMe", 2_19_990),
        ("Acer", "Predator Orion 3000", "Core i7-14700F", "GeForce RTX 4070", "16GB DDR5", "1TB NVMe", 1_49_990),
        (
            "Dell",
            "Alienware Aurora R16",
            "Core i9-14900KF",
            "GeForce RTX 4080 Super",
            "32GB DDR5",
            "2TB NVMe",
            3_29_990,
        ),
        ("MSI", "MAG Infinite S3", "Core i5-14400F", "GeForce RTX 4060", "16GB DDR5", "1TB NVMe", 87_990),
    ];
    for (i, &(brand, series, cpu, gpu, memory, storage, price)) in pcs.iter().enumerate() {
        let name = format!("{brand} {series} Gaming Desktop ({cpu}, {gpu}, {memory}, {storage})");
        let specs = json!({
            "cpu": cpu, "gpu": gpu, "memory": memory, "storage": storage, "os": "Windows 11 Home",
            "warranty_years": if brand == "RigMaster" { 3 } else { 1 },
        });
        let blurb = format!("{cpu} with {gpu}, {memory} and {storage}; ready to play out of the box.");
        demo.add("prebuilt", &format!("PC-{:03}", i + 1), brand, &name, price, specs, &blurb);
    }
}

fn laptops(demo: &mut Demo) {
    // (brand, model, CPU, GPU, memory GB, storage, screen, price ₹)
    let models: &[(&str, &str, &str, &str, u32, &str, &str, i64)] = &[
        ("ASUS", "ROG Strix G16", "Core i9-14900HX", "GeForce RTX 4070", 16, "1TB SSD", "16\" 240Hz QHD+", 1_89_990),
        ("ASUS", "ROG Zephyrus G14", "Ryzen 9 8945HS", "GeForce RTX 4060", 16, "1TB SSD", "14\" 120Hz OLED", 1_64_990),
        ("ASUS", "TUF Gaming A15", "Ryzen 7 7435HS", "GeForce RTX 4050", 16, "512GB SSD", "15.6\" 144Hz FHD", 74_990),
        ("ASUS", "TUF Gaming F15", "Core i5-13450HX", "GeForce RTX 3050", 16, "512GB SSD", "15.6\" 144Hz FHD", 64_990),
        ("ASUS", "Vivobook 16", "Core i5-13420H", "Intel UHD", 16, "512GB SSD", "16\" FHD+", 52_990),
        ("ASUS", "Zenbook 14 OLED", "Core Ultra 7 155H", "Intel Arc", 16, "1TB SSD", "14\" 3K OLED", 99_990),
        ("Lenovo", "Legion Pro 7i", "Core i9-14900HX", "GeForce RTX 4080", 32, "1TB SSD", "16\" 240Hz WQXGA", 2_74_990),
        ("Lenovo", "Legion 5", "Ryzen 7 7840HS", "GeForce RTX 4060", 16, "1TB SSD", "16\" 165Hz WQXGA", 1_19_990),
        ("Lenovo", "LOQ 15", "Core i5-12450HX", "GeForce RTX 3050", 16, "512GB SSD", "15.6\" 144Hz FHD", 62_990),
        ("Lenovo", "LOQ 15", "Ryzen 7 7435HS", "GeForce RTX 4060", 16, "512GB SSD", "15.6\" 144Hz FHD", 84_990),
        ("Lenovo", "IdeaPad Slim 5", "Ryzen 7 8845HS", "Radeon 780M", 16, "1TB SSD", "14\" WUXGA OLED", 79_990),
        ("Lenovo", "ThinkPad E14 Gen 6", "Core Ultra 5 125U", "Intel Graphics", 16, "512GB SSD", "14\" WUXGA", 74_990),
        ("HP", "Omen 16", "Ryzen 7 8845HS", "GeForce RTX 4070", 16, "1TB SSD", "16.1\" 165Hz QHD", 1_49_990),
        ("HP", "Victus 15", "Core i5-12450H", "GeForce RTX 3050", 16, "512GB SSD", "15.6\" 144Hz FHD", 59_990),
        ("HP", "Victus 16", "Ryzen 7 7840HS", "GeForce RTX 4060", 16, "1TB SSD", "16.1\" 144Hz FHD", 94_990),
        ("HP", "Pavilion Plus 14", "Core Ultra 5 125H", "Intel Arc", 16, "512GB SSD", "14\" 2.8K OLED", 79_990),
        ("HP", "15s", "Ryzen 5 7520U", "Radeon 610M", 8, "512GB SSD", "15.6\" FHD", 36_990),
        ("Dell", "G15 5530", "Core i7-13650HX", "GeForce RTX 4060", 16, "1TB SSD", "15.6\" 165Hz FHD", 1_09_990),
        ("Dell", "Inspiron 14 Plus", "Core Ultra 7 155H", "Intel Arc", 16, "1TB SSD", "14\" 2.2K", 94_990),
        (
            "Dell",
            "Alienware m16 R2",
            "Core Ultra 9 185H",
            "GeForce RTX 4070",
            32,
            "1TB SSD",
            "16\" 240Hz QHD+",
            2_29_990,
        ),
        ("Acer", "Nitro V 15", "Core i5-13420H", "GeForce RTX 4050", 16, "512GB SSD", "15.6\" 144Hz FHD", 67_990),
        (
            "Acer",
            "Predator Helios Neo 16",
            "Core i7-14700HX",
            "GeForce RTX 4060",
            16,
            "1TB SSD",
            "16\" 165Hz WQXGA",
            1_24_990,
        ),
        ("Acer", "Aspire 7", "Core i5-12450H", "GeForce RTX 2050", 16, "512GB SSD", "15.6\" 144Hz FHD", 54_990),
        ("Acer", "Swift Go 14", "Core Ultra 5 125H", "Intel Arc", 16, "512GB SSD", "14\" 2.8K OLED", 69_990),
        ("MSI", "Katana 15", "Core i7-13620H", "GeForce RTX 4060", 16, "1TB SSD", "15.6\" 144Hz FHD", 99_990),
        ("MSI", "Cyborg 15", "Core i5-12450H", "GeForce RTX 4050", 16, "512GB SSD", "15.6\" 144Hz FHD", 72_990),
        ("MSI", "Thin 15", "Core i5-12450H", "GeForce RTX 3050", 8, "512GB SSD", "15.6\" 144Hz FHD", 54_990),
        ("MSI", "Raider GE78 HX", "Core i9-14900HX", "GeForce RTX 4090", 32, "2TB SSD", "17\" 240Hz QHD+", 3_69_990),
        ("Apple", "MacBook Air 13 M3", "Apple M3", "8-core GPU", 16, "256GB SSD", "13.6\" Liquid Retina", 1_14_900),
        (
            "Apple",
            "MacBook Pro 14 M4 Pro",
            "Apple M4 Pro",
            "16-core GPU",
            24,
            "512GB SSD",
            "14.2\" Liquid Retina XDR",
            1_99_900,
        ),
    ];
    for (i, &(brand, model, cpu, gpu, memory, storage, screen, price)) in models.iter().enumerate() {
        let name = format!("{brand} {model} Laptop ({cpu}, {gpu}, {memory}GB, {storage})");
        let specs = json!({
            "cpu": cpu, "gpu": gpu, "memory_gb": memory, "storage": storage, "display": screen,
            "os": if brand == "Apple" { "macOS" } else { "Windows 11 Home" },
        });
        let blurb = format!("{screen} display, {cpu}, {gpu}, {memory} GB memory, {storage}.");
        demo.add("laptops", &format!("LAP-{:03}", i + 1), brand, &name, price, specs, &blurb);
    }
}

/// Peripherals share a shape: brand, model, a few specs, a price.
fn peripherals(demo: &mut Demo, category: &str, prefix: &str, kind: &str, items: &[(&str, &str, Value, i64)]) {
    for (i, (brand, model, specs, price)) in items.iter().enumerate() {
        let name = format!("{brand} {model} {kind}");
        let blurb = format!("{brand} {model}: {kind} for work and play.");
        demo.add(category, &format!("{prefix}-{:03}", i + 1), brand, &name, *price, specs.clone(), &blurb);
    }
}

fn keyboards(demo: &mut Demo) {
    let items = [
        (
            "Logitech",
            "G Pro X TKL Lightspeed",
            json!({"layout": "TKL", "switches": "GX Brown", "wireless": true}),
            16_995,
        ),
        ("Logitech", "G213 Prodigy", json!({"layout": "Full", "switches": "Mech-Dome", "wireless": false}), 3_995),
        ("Logitech", "MX Keys S", json!({"layout": "Full", "switches": "Scissor", "wireless": true}), 11_995),
        ("Razer", "BlackWidow V4", json!({"layout": "Full", "switches": "Green", "wireless": false}), 14_999),
        ("Razer", "Huntsman Mini", json!({"layout": "60%", "switches": "Optical Red", "wireless": false}), 9_999),
        ("Corsair", "K70 RGB Pro", json!({"layout": "Full", "switches": "Cherry MX Red", "wireless": false}), 13_499),
        ("HyperX", "Alloy Origins Core", json!({"layout": "TKL", "switches": "HyperX Red", "wireless": false}), 7_499),
        ("Keychron", "K2 Pro", json!({"layout": "75%", "switches": "K Pro Brown", "wireless": true}), 9_499),
        (
            "Cosmic Byte",
            "CB-GK-16 Firefly",
            json!({"layout": "Full", "switches": "Outemu Blue", "wireless": false}),
            1_999,
        ),
        ("Redragon", "K552 Kumara", json!({"layout": "TKL", "switches": "Outemu Red", "wireless": false}), 2_499),
        ("Ant Esports", "MK1400 Pro", json!({"layout": "Full", "switches": "Blue", "wireless": false}), 1_599),
    ];
    peripherals(demo, "keyboards", "KB", "Mechanical Keyboard", &items);
}

fn mice(demo: &mut Demo) {
    let items = [
        ("Logitech", "G Pro X Superlight 2", json!({"dpi": 32000, "weight_g": 60, "wireless": true}), 13_995),
        ("Logitech", "G502 Hero", json!({"dpi": 25600, "weight_g": 121, "wireless": false}), 3_995),
        ("Logitech", "G304 Lightspeed", json!({"dpi": 12000, "weight_g": 99, "wireless": true}), 2_995),
        ("Logitech", "MX Master 3S", json!({"dpi": 8000, "weight_g": 141, "wireless": true}), 9_995),
        ("Razer", "DeathAdder V3", json!({"dpi": 30000, "weight_g": 59, "wireless": false}), 6_999),
        ("Razer", "Basilisk V3", json!({"dpi": 26000, "weight_g": 101, "wireless": false}), 5_499),
        ("Razer", "Viper V3 Pro", json!({"dpi": 35000, "weight_g": 54, "wireless": true}), 15_999),
        ("Corsair", "M65 RGB Ultra", json!({"dpi": 26000, "weight_g": 97, "wireless": false}), 5_999),
        ("SteelSeries", "Rival 3", json!({"dpi": 8500, "weight_g": 77, "wireless": false}), 2_299),
        ("HyperX", "Pulsefire Haste 2", json!({"dpi": 26000, "weight_g": 53, "wireless": false}), 3_999),
        ("Zebronics", "Transformer-M", json!({"dpi": 3200, "weight_g": 110, "wireless": false}), 499),
    ];
    peripherals(demo, "mice", "MOUSE", "Gaming Mouse", &items);
}

fn headsets(demo: &mut Demo) {
    let items = [
        ("HyperX", "Cloud II", json!({"driver_mm": 53, "surround": "7.1", "wireless": false}), 6_999),
        ("HyperX", "Cloud III Wireless", json!({"driver_mm": 53, "surround": "DTS", "wireless": true}), 12_999),
        ("HyperX", "Cloud Stinger 2", json!({"driver_mm": 50, "surround": "DTS", "wireless": false}), 3_499),
        ("Logitech", "G435 Lightspeed", json!({"driver_mm": 40, "surround": "Dolby Atmos", "wireless": true}), 5_995),
        ("Logitech", "G Pro X 2 Lightspeed", json!({"driver_mm": 50, "surround": "DTS", "wireless": true}), 22_995),
        ("Razer", "BlackShark V2 X", json!({"driver_mm": 50, "surround": "7.1", "wireless": false}), 3_999),
        ("Razer", "Kraken V4", json!({"driver_mm": 40, "surround": "THX", "wireless": true}), 15_999),
        ("SteelSeries", "Arctis Nova 1", json!({"driver_mm": 40, "surround": "Sonar", "wireless": false}), 5_499),
        ("Corsair", "HS80 RGB Wireless", json!({"driver_mm": 50, "surround": "Dolby Atmos", "wireless": true}), 11_999),
        ("Cosmic Byte", "GS430", json!({"driver_mm": 40, "surround": "stereo", "wireless": false}), 1_299),
    ];
    peripherals(demo, "headsets", "HS", "Gaming Headset", &items);
}

fn monitors(demo: &mut Demo) {
    let items = [
        (
            "LG",
            "UltraGear 27GR75Q",
            json!({"size_in": 27, "resolution": "2560x1440", "refresh_hz": 165, "panel": "IPS"}),
            24_999,
        ),
        (
            "LG",
            "UltraGear 32GS95UE OLED",
            json!({"size_in": 32, "resolution": "3840x2160", "refresh_hz": 240, "panel": "OLED"}),
            1_24_999,
        ),
        ("LG", "24MR400", json!({"size_in": 24, "resolution": "1920x1080", "refresh_hz": 100, "panel": "IPS"}), 7_999),
        (
            "Samsung",
            "Odyssey G5 27",
            json!({"size_in": 27, "resolution": "2560x1440", "refresh_hz": 165, "panel": "VA"}),
            21_999,
        ),
        (
            "Samsung",
            "Odyssey OLED G6",
            json!({"size_in": 27, "resolution": "2560x1440", "refresh_hz": 360, "panel": "OLED"}),
            69_999,
        ),
        (
            "Samsung",
            "Odyssey G3 24",
            json!({"size_in": 24, "resolution": "1920x1080", "refresh_hz": 180, "panel": "VA"}),
            11_499,
        ),
        (
            "Dell",
            "S2725DS",
            json!({"size_in": 27, "resolution": "2560x1440", "refresh_hz": 100, "panel": "IPS"}),
            19_999,
        ),
        (
            "Dell",
            "Alienware AW2725DF",
            json!({"size_in": 27, "resolution": "2560x1440", "refresh_hz": 360, "panel": "QD-OLED"}),
            79_999,
        ),
        (
            "ASUS",
            "TUF Gaming VG27AQ3A",
            json!({"size_in": 27, "resolution": "2560x1440", "refresh_hz": 180, "panel": "IPS"}),
            20_999,
        ),
        (
            "ASUS",
            "ROG Swift PG27AQDM",
            json!({"size_in": 27, "resolution": "2560x1440", "refresh_hz": 240, "panel": "OLED"}),
            84_999,
        ),
        ("MSI", "G255F", json!({"size_in": 25, "resolution": "1920x1080", "refresh_hz": 180, "panel": "IPS"}), 10_999),
        (
            "MSI",
            "MAG 274QRF QD E2",
            json!({"size_in": 27, "resolution": "2560x1440", "refresh_hz": 180, "panel": "IPS"}),
            23_999,
        ),
        (
            "BenQ",
            "Zowie XL2546K",
            json!({"size_in": 25, "resolution": "1920x1080", "refresh_hz": 240, "panel": "TN"}),
            39_999,
        ),
        (
            "BenQ",
            "PD2705U",
            json!({"size_in": 27, "resolution": "3840x2160", "refresh_hz": 60, "panel": "IPS"}),
            39_499,
        ),
        (
            "Acer",
            "Nitro VG240Y M3",
            json!({"size_in": 24, "resolution": "1920x1080", "refresh_hz": 180, "panel": "IPS"}),
            9_999,
        ),
        (
            "Gigabyte",
            "M27Q X",
            json!({"size_in": 27, "resolution": "2560x1440", "refresh_hz": 240, "panel": "IPS"}),
            29_999,
        ),
    ];
    peripherals(demo, "monitors", "MON", "Monitor", &items);
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap, HashSet};

    use super::*;

    #[test]
    fn the_demo_store_is_large_varied_and_unique() {
        let products = products();
        assert!(products.len() >= 300, "{} products", products.len());
        let skus: HashSet<_> = products.iter().map(|p| p.sku.clone()).collect();
        assert_eq!(skus.len(), products.len(), "SKUs are unique");
        let slugs: HashSet<_> = products.iter().map(|p| p.slug.clone()).collect();
        assert_eq!(slugs.len(), products.len(), "slugs are unique");
        let mut per_category: HashMap<String, usize> = HashMap::new();
        for p in &products {
            let CategoryKey::Slug(slug) = &p.category else { panic!("demo products name categories by slug") };
            *per_category.entry(slug.clone()).or_default() += 1;
            assert!(catalog::pricing::price(p.base_price, p.discount, p.tax_rate_bps).is_ok(), "{} prices", p.name);
        }
        for category in LEAF_CATEGORIES {
            assert!(per_category.get(category).copied().unwrap_or(0) >= 8, "{category}: {per_category:?}");
        }
        assert!(products.iter().any(|p| p.is_featured));
        assert!(products.iter().any(|p| p.opening_stock.on_hand == 0));
    }

    #[test]
    fn every_demo_product_has_the_hsn_code_of_its_kind() {
        let products = products();
        let codes_of = |sku_prefix: &str| -> HashSet<&str> {
            products.iter().filter(|p| p.sku.as_str().starts_with(sku_prefix)).map(|p| p.hsn_code.as_str()).collect()
        };
        assert_eq!(codes_of("LAP-"), HashSet::from(["847130"]));
        assert_eq!(codes_of("PC-"), HashSet::from(["8471"]));
        assert_eq!(codes_of("CPU-"), HashSet::from(["854231"]));
        assert_eq!(codes_of("GPU-"), HashSet::from(["847330"]));
        assert_eq!(codes_of("MOUSE-"), HashSet::from(["847160"]));
        assert_eq!(codes_of("SSD-"), HashSet::from(["852351", "847170"]), "SSDs and hard drives");
        for drive in products.iter().filter(|p| p.sku.as_str().starts_with("SSD-")) {
            let expected = if drive.name.ends_with("Hard Drive") { "847170" } else { "852351" };
            assert_eq!(drive.hsn_code.as_str(), expected, "{}", drive.name);
        }
    }

    /// The PC builder's rules read these keys; every demo component carries them.
    #[test]
    fn every_component_carries_the_specifications_the_builders_rules_read() {
        for product in products() {
            let CategoryKey::Slug(slug) = &product.category else { continue };
            let Some(slot) = catalog::builder::Slot::parse(slug) else { continue };
            for key in catalog::builder::required_keys(slot) {
                assert!(product.specifications.contains_key(*key), "{} lacks {key}", product.name);
            }
        }
    }

    /// Choosing, slot by slot, the first demo product that fits what is chosen so far ends
    /// in a compatible build on both platforms.
    #[test]
    fn the_first_fitting_part_of_every_slot_makes_a_compatible_build_on_each_platform() {
        use catalog::builder::{Build, Component, IssueCode, Platform, Slot, check};
        let products = products();
        for platform in Platform::ALL {
            let mut build = Build { platform, components: BTreeMap::new() };
            for slot in Slot::ALL {
                let fitting = products.iter().find_map(|product| {
                    let CategoryKey::Slug(slug) = &product.category else { return None };
                    (slug == slot.category()).then_some(())?;
                    let part = Component {
                        product_id: uuid::Uuid::nil(),
                        name: product.name.clone(),
                        category: slug.clone(),
                        specifications: product.specifications.clone(),
                    };
                    let mut tried = build.clone();
                    tried.components.insert(slot, part.clone());
                    let fits = check(&tried)
                        .iter()
                        .all(|issue| matches!(issue.code, IssueCode::SlotMissing | IssueCode::CoolerRequired));
                    fits.then_some(part)
                });
                let part = fitting.unwrap_or_else(|| panic!("{platform:?}: no {slot} fits {build:?}"));
                build.components.insert(slot, part);
            }
            assert_eq!(check(&build), Vec::new(), "{platform:?}");
        }
    }

    #[test]
    fn cpus_cover_both_vendors_and_every_socket() {
        let sockets: HashSet<String> = products()
            .iter()
            .filter(|p| p.category == CategoryKey::Slug("cpu".into()))
            .map(|p| p.specifications["socket"].as_str().unwrap().to_owned())
            .collect();
        for socket in ["AM5", "AM4", "LGA1700", "LGA1851"] {
            assert!(sockets.contains(socket), "{socket}");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_store() {
        assert_eq!(products(), products());
    }
}
