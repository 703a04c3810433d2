//! Reference builds: complete, compatible PCs made of demo parts, two per platform at each
//! price tier. They are the demo store's promise that the PC builder can always finish a
//! build, whatever the customer's budget, and ready-made sets of parts for tests and the
//! bench. Every part is active and in stock in the demo store (see
//! [`REFERENCE_STOCK`](crate::REFERENCE_STOCK)).

use catalog::builder::{Platform, Slot};
use kernel::Money;

/// A build's price tier, by its total with GST (the sum of its parts' final prices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// Up to ₹75,000.
    Budget,
    /// Above ₹75,000, up to ₹1,50,000.
    Mid,
    /// Above ₹1,50,000.
    High,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Budget, Tier::Mid, Tier::High];
    /// The most a budget build costs: ₹75,000.
    pub const BUDGET_MAX: Money = Money::from_paise(75_000_00);
    /// The most a mid-range build costs: ₹1,50,000.
    pub const MID_MAX: Money = Money::from_paise(1_50_000_00);

    /// The tier of a build whose total with GST is `total`.
    pub fn of(total: Money) -> Tier {
        if total <= Tier::BUDGET_MAX {
            Tier::Budget
        } else if total <= Tier::MID_MAX {
            Tier::Mid
        } else {
            Tier::High
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Budget => "budget",
            Tier::Mid => "mid",
            Tier::High => "high",
        }
    }
}

/// A complete, compatible build of demo parts, named by SKU slot by slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceBuild {
    pub platform: Platform,
    pub tier: Tier,
    pub name: &'static str,
    /// Every required slot, a graphics card in mid and high builds, and a cooler whenever
    /// the CPU comes without one; in the builder's slot order.
    pub skus: Vec<(Slot, &'static str)>,
}

/// Every reference build: for each platform, two at each tier, cheapest first.
pub fn reference_builds() -> Vec<ReferenceBuild> {
    use Platform::{Amd, Intel};
    use Slot::{Case, Cooler, Cpu, Gpu, Memory, Motherboard, Psu, Storage};
    use Tier::{Budget, High, Mid};
    let build = |platform, tier, name, skus: &[(Slot, &'static str)]| ReferenceBuild {
        platform,
        tier,
        name,
        skus: skus.to_vec(),
    };
    vec![
        build(
            Amd,
            Budget,
            "Ryzen 5 5600G home and office (integrated graphics)",
            &[
                (Cpu, "CPU-AMD-5600G"),
                (Motherboard, "MB-030-B550"),
                (Memory, "RAM-019-DDR4-16G"),
                (Storage, "SSD-011-1TB"),
                (Psu, "PSU-020-600W"),
                (Case, "CASE-018"),
            ],
        ),
        build(
            Amd,
            Budget,
            "Ryzen 5 8500G with Radeon RX 6600 1080p gaming",
            &[
                (Cpu, "CPU-AMD-8500G"),
                (Motherboard, "MB-037-A620"),
                (Memory, "RAM-014-DDR5-16G"),
                (Gpu, "GPU-035-RX6600"),
                (Storage, "SSD-011-1TB"),
                (Psu, "PSU-006-650W"),
                (Case, "CASE-012"),
            ],
        ),
        build(
            Amd,
            Mid,
            "Ryzen 7 5700X3D with GeForce RTX 5060 on AM4",
            &[
                (Cpu, "CPU-AMD-5700X3D"),
                (Motherboard, "MB-018-B550"),
                (Memory, "RAM-006-DDR4-32G"),
                (Gpu, "GPU-011-RTX5060"),
                (Storage, "SSD-019-2TB"),
                (Psu, "PSU-004-650W"),
                (Case, "CASE-004"),
                (Cooler, "COOL-021"),
            ],
        ),
        build(
            Amd,
            Mid,
            "Ryzen 5 7600X with Radeon RX 9060 XT 1440p gaming",
            &[
                (Cpu, "CPU-AMD-7600X"),
                (Motherboard, "MB-026-B650"),
                (Memory, "RAM-027-DDR5-32G"),
                (Gpu, "GPU-027-9060XT"),
                (Storage, "SSD-004-1TB"),
                (Psu, "PSU-013-750W"),
                (Case, "CASE-014"),
                (Cooler, "COOL-015"),
            ],
        ),
        build(
            Amd,
            High,
            "Ryzen 7 9700X with Radeon RX 9070 all-AMD",
            &[
                (Cpu, "CPU-AMD-9700X"),
                (Motherboard, "MB-014-X870"),
                (Memory, "RAM-008-DDR5-32G"),
                (Gpu, "GPU-025-RX9070"),
                (Storage, "SSD-002-2TB"),
                (Psu, "PSU-010-850W"),
                (Case, "CASE-002"),
                (Cooler, "COOL-013"),
            ],
        ),
        build(
            Amd,
            High,
            "Ryzen 7 9800X3D with GeForce RTX 5070 Ti 4K gaming",
            &[
                (Cpu, "CPU-AMD-9800X3D"),
                (Motherboard, "MB-025-X870E"),
                (Memory, "RAM-017-DDR5-48G"),
                (Gpu, "GPU-005-5070TI"),
                (Storage, "SSD-009-2TB"),
                (Psu, "PSU-016-1000W"),
                (Case, "CASE-005"),
                (Cooler, "COOL-011"),
            ],
        ),
        build(
            Intel,
            Budget,
            "Core i3-12100F with Arc A750 1080p gaming",
            &[
                (Cpu, "CPU-INTEL-12100F"),
                (Motherboard, "MB-022-H610"),
                (Memory, "RAM-019-DDR4-16G"),
                (Gpu, "GPU-039-ARCA750"),
                (Storage, "SSD-011-1TB"),
                (Psu, "PSU-012-650W"),
                (Case, "CASE-012"),
            ],
        ),
        build(
            Intel,
            Budget,
            "Core i5-14400 home and office (integrated graphics)",
            &[
                (Cpu, "CPU-INTEL-14400"),
                (Motherboard, "MB-032-B760"),
                (Memory, "RAM-023-DDR4-16G"),
                (Storage, "SSD-004-1TB"),
                (Psu, "PSU-020-600W"),
                (Case, "CASE-016"),
            ],
        ),
        build(
            Intel,
            Mid,
            "Core Ultra 5 245K with Arc B580 compact",
            &[
                (Cpu, "CPU-INTEL-245K"),
                (Motherboard, "MB-024-B860"),
                (Memory, "RAM-024-DDR5-32G"),
                (Gpu, "GPU-036-ARCB580"),
                (Storage, "SSD-013-1TB"),
                (Psu, "PSU-013-750W"),
                (Case, "CASE-016"),
                (Cooler, "COOL-012"),
            ],
        ),
        build(
            Intel,
            Mid,
            "Core i5-14600KF with GeForce RTX 5060 Ti 1440p gaming",
            &[
                (Cpu, "CPU-INTEL-14600KF"),
                (Motherboard, "MB-010-B760"),
                (Memory, "RAM-006-DDR4-32G"),
                (Gpu, "GPU-010-5060TI"),
                (Storage, "SSD-008-1TB"),
                (Psu, "PSU-007-750W"),
                (Case, "CASE-007"),
                (Cooler, "COOL-014"),
            ],
        ),
        build(
            Intel,
            High,
            "Core i7-14700K with GeForce RTX 4070 creator",
            &[
                (Cpu, "CPU-INTEL-14700K"),
                (Motherboard, "MB-020-Z790"),
                (Memory, "RAM-016-DDR5-32G"),
                (Gpu, "GPU-015-RTX4070"),
                (Storage, "SSD-005-2TB"),
                (Psu, "PSU-010-850W"),
                (Case, "CASE-004"),
                (Cooler, "COOL-013"),
            ],
        ),
        build(
            Intel,
            High,
            "Core Ultra 9 285K with GeForce RTX 5080 flagship",
            &[
                (Cpu, "CPU-INTEL-285K"),
                (Motherboard, "MB-033-Z890"),
                (Memory, "RAM-007-DDR5-32G"),
                (Gpu, "GPU-004-RTX5080"),
                (Storage, "SSD-002-2TB"),
                (Psu, "PSU-011-1000W"),
                (Case, "CASE-020"),
                (Cooler, "COOL-010"),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap, HashSet};

    use catalog::builder::{Build, Component, check};
    use catalog::categories::CategoryKey;
    use catalog::products::NewProduct;

    use super::*;
    use crate::{REFERENCE_STOCK, products};

    fn rupees(amount: i64) -> Money {
        Money::from_paise(amount * 100)
    }

    #[test]
    fn a_builds_tier_follows_its_total_with_gst() {
        let table = [
            (rupees(0), Tier::Budget),
            (rupees(75_000), Tier::Budget),
            (Money::from_paise(75_000_01), Tier::Mid),
            (rupees(1_50_000), Tier::Mid),
            (Money::from_paise(1_50_000_01), Tier::High),
            (rupees(10_00_000), Tier::High),
        ];
        for (total, tier) in table {
            assert_eq!(Tier::of(total), tier, "{total:?}");
        }
        assert_eq!(Tier::ALL.map(Tier::as_str), ["budget", "mid", "high"]);
    }

    /// The demo product of a SKU, as the builder reads it, and its final price.
    fn part(by_sku: &HashMap<&str, &NewProduct>, build: &ReferenceBuild, slot: Slot, sku: &str) -> (Component, Money) {
        let product = by_sku.get(sku).unwrap_or_else(|| panic!("{}: no demo product {sku}", build.name));
        let CategoryKey::Slug(category) = &product.category else { panic!("demo products name categories by slug") };
        assert_eq!(category, slot.category(), "{}: {sku} is not a {slot}", build.name);
        assert!(product.is_active, "{}: {sku} is not active", build.name);
        assert!(product.opening_stock.on_hand >= 1, "{}: {sku} is out of stock", build.name);
        let price = catalog::pricing::price(product.base_price, product.discount, product.tax_rate_bps)
            .unwrap_or_else(|e| panic!("{sku}: {e}"));
        let component = Component {
            product_id: uuid::Uuid::nil(),
            name: product.name.clone(),
            category: category.clone(),
            specifications: product.specifications.clone(),
        };
        (component, price.final_price)
    }

    #[test]
    fn every_platform_has_a_compatible_build_at_every_price_tier() {
        let products = products();
        let by_sku: HashMap<&str, &NewProduct> = products.iter().map(|p| (p.sku.as_str(), p)).collect();
        let mut covered = HashSet::new();
        for build in reference_builds() {
            let mut components = BTreeMap::new();
            let mut total = Money::ZERO;
            for &(slot, sku) in &build.skus {
                let (component, price) = part(&by_sku, &build, slot, sku);
                assert!(components.insert(slot, component).is_none(), "{}: {slot} twice", build.name);
                total = total.checked_add(price).expect("a build's total fits");
            }
            let issues = check(&Build { platform: build.platform, components });
            assert_eq!(issues, Vec::new(), "{}", build.name);
            assert_eq!(Tier::of(total), build.tier, "{}: {total:?}", build.name);
            covered.insert((build.platform, build.tier));
        }
        for platform in Platform::ALL {
            for tier in Tier::ALL {
                assert!(covered.contains(&(platform, tier)), "no {} {} build", platform.as_str(), tier.as_str());
            }
        }
    }

    #[test]
    fn mid_and_high_builds_have_a_graphics_card() {
        for build in reference_builds().iter().filter(|build| build.tier != Tier::Budget) {
            assert!(build.skus.iter().any(|&(slot, _)| slot == Slot::Gpu), "{}", build.name);
        }
    }

    #[test]
    fn every_part_of_a_reference_build_opens_with_enough_stock_to_buy_it_a_few_times() {
        let products = products();
        let parts: HashSet<&str> = reference_builds().iter().flat_map(|b| b.skus.iter().map(|&(_, sku)| sku)).collect();
        for product in products.iter().filter(|p| parts.contains(p.sku.as_str())) {
            assert!(product.opening_stock.on_hand >= REFERENCE_STOCK, "{}", product.sku.as_str());
        }
    }

    #[test]
    fn reference_builds_have_distinct_names() {
        let builds = reference_builds();
        let names: HashSet<_> = builds.iter().map(|build| build.name).collect();
        assert_eq!(names.len(), builds.len());
    }
}
