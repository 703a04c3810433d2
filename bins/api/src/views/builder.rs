//! The PC builder between the wire and the catalog's builder.

use std::collections::BTreeMap;

use api_types::builder::{
    BuildComponent, BuildIssue, BuildIssueCode, BuildPricing as BuildPricingWire, BuildVerdict, BuilderSlot,
    Platform as PlatformWire, Slot as SlotWire,
};
use api_types::catalog::ProductSort;
use catalog::builder::{BuildRequest, Issue, IssueCode, OptionsQuery, Platform, Slot, Verdict};
use kernel::{Cursor, FieldError, InvalidInput};
use serde::Deserialize;
use uuid::Uuid;

use super::ToWire;
use super::catalog::sort_of;
use crate::http::params::{parse_limit, present};

pub fn platform_of(platform: PlatformWire) -> Platform {
    match platform {
        PlatformWire::Intel => Platform::Intel,
        PlatformWire::Amd => Platform::Amd,
    }
}

pub fn slot_of(slot: SlotWire) -> Slot {
    match slot {
        SlotWire::Cpu => Slot::Cpu,
        SlotWire::Motherboard => Slot::Motherboard,
        SlotWire::Memory => Slot::Memory,
        SlotWire::Gpu => Slot::Gpu,
        SlotWire::Storage => Slot::Storage,
        SlotWire::Psu => Slot::Psu,
        SlotWire::Case => Slot::Case,
        SlotWire::Cooler => Slot::Cooler,
    }
}

impl ToWire for Platform {
    type Wire = PlatformWire;

    fn to_wire(self) -> PlatformWire {
        match self {
            Platform::Intel => PlatformWire::Intel,
            Platform::Amd => PlatformWire::Amd,
        }
    }
}

impl ToWire for Slot {
    type Wire = SlotWire;

    fn to_wire(self) -> SlotWire {
        match self {
            Slot::Cpu => SlotWire::Cpu,
            Slot::Motherboard => SlotWire::Motherboard,
            Slot::Memory => SlotWire::Memory,
            Slot::Gpu => SlotWire::Gpu,
            Slot::Storage => SlotWire::Storage,
            Slot::Psu => SlotWire::Psu,
            Slot::Case => SlotWire::Case,
            Slot::Cooler => SlotWire::Cooler,
        }
    }
}

/// A build request of the wire (its slots already parsed by serde).
pub fn build_request(platform: PlatformWire, components: BTreeMap<SlotWire, Uuid>) -> BuildRequest {
    BuildRequest {
        platform: platform_of(platform),
        components: components.into_iter().map(|(slot, id)| (slot_of(slot), id)).collect(),
    }
}

/// Each slot, as a builder page lists them.
pub fn slots() -> Vec<BuilderSlot> {
    Slot::ALL
        .into_iter()
        .map(|slot| BuilderSlot {
            slot: slot.to_wire(),
            required: slot.required(),
            category: slot.category().to_owned(),
        })
        .collect()
}

impl ToWire for IssueCode {
    type Wire = BuildIssueCode;

    fn to_wire(self) -> BuildIssueCode {
        match self {
            IssueCode::SlotMissing => BuildIssueCode::SlotMissing,
            IssueCode::WrongCategory => BuildIssueCode::WrongCategory,
            IssueCode::SpecificationMissing => BuildIssueCode::SpecificationMissing,
            IssueCode::CpuPlatformMismatch => BuildIssueCode::CpuPlatformMismatch,
            IssueCode::SocketMismatch => BuildIssueCode::SocketMismatch,
            IssueCode::MemoryTypeMismatch => BuildIssueCode::MemoryTypeMismatch,
            IssueCode::MemorySlotsExceeded => BuildIssueCode::MemorySlotsExceeded,
            IssueCode::FormFactorMismatch => BuildIssueCode::FormFactorMismatch,
            IssueCode::GpuTooLong => BuildIssueCode::GpuTooLong,
            IssueCode::PsuTooWeak => BuildIssueCode::PsuTooWeak,
            IssueCode::CoolerSocketMismatch => BuildIssueCode::CoolerSocketMismatch,
            IssueCode::CoolerRequired => BuildIssueCode::CoolerRequired,
            IssueCode::OutOfStock => BuildIssueCode::OutOfStock,
            IssueCode::Discontinued => BuildIssueCode::Discontinued,
        }
    }
}

impl ToWire for Issue {
    type Wire = BuildIssue;

    fn to_wire(self) -> BuildIssue {
        BuildIssue { slot: self.slot.to_wire(), code: self.code.to_wire(), message: self.message }
    }
}

impl ToWire for Verdict {
    type Wire = BuildVerdict;

    fn to_wire(self) -> BuildVerdict {
        BuildVerdict {
            platform: self.platform.to_wire(),
            compatible: self.compatible(),
            purchasable: self.purchasable(),
            estimated_wattage: self.estimated_wattage,
            pricing: BuildPricingWire {
                subtotal_paise: self.pricing.subtotal.paise(),
                tax_paise: self.pricing.tax.paise(),
                total_paise: self.pricing.total.paise(),
            },
            issues: self.issues.to_wire(),
            components: self
                .parts
                .into_iter()
                .map(|part| BuildComponent { slot: part.slot.to_wire(), product: part.product.to_wire() })
                .collect(),
        }
    }
}

/// The options query string as it arrives: every value as text, so that a bad one is
/// named, all at once (the parameters of [`api_types::builder::BuilderOptionsQuery`]).
#[derive(Debug, Default, Deserialize)]
pub struct OptionsParams {
    slot: Option<String>,
    cpu: Option<String>,
    motherboard: Option<String>,
    memory: Option<String>,
    gpu: Option<String>,
    storage: Option<String>,
    psu: Option<String>,
    case: Option<String>,
    cooler: Option<String>,
    sort: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

impl OptionsParams {
    pub fn into_query(self, platform: Platform) -> Result<OptionsQuery, InvalidInput> {
        let mut errors = Vec::new();
        let slot = match present(&self.slot) {
            None => {
                errors.push(FieldError::new(
                    "slot",
                    "is required: one of cpu, motherboard, memory, gpu, storage, psu, case, cooler",
                ));
                None
            }
            Some(raw) => Slot::parse(raw).or_else(|| {
                errors.push(FieldError::new(
                    "slot",
                    "must be one of cpu, motherboard, memory, gpu, storage, psu, case, cooler",
                ));
                None
            }),
        };
        let mut chosen = BTreeMap::new();
        let given = [
            (Slot::Cpu, &self.cpu),
            (Slot::Motherboard, &self.motherboard),
            (Slot::Memory, &self.memory),
            (Slot::Gpu, &self.gpu),
            (Slot::Storage, &self.storage),
            (Slot::Psu, &self.psu),
            (Slot::Case, &self.case),
            (Slot::Cooler, &self.cooler),
        ];
        for (part, raw) in given {
            match present(raw).map(Uuid::parse_str) {
                None => {}
                Some(Ok(id)) => {
                    chosen.insert(part, id);
                }
                Some(Err(_)) => errors.push(FieldError::new(part.as_str(), "must be a product id (a UUID)")),
            }
        }
        // Relevance needs a search, which options do not take.
        let sort = present(&self.sort).and_then(|raw| match ProductSort::parse(raw) {
            Some(sort) if sort != ProductSort::Relevance => Some(sort_of(sort)),
            _ => {
                errors.push(FieldError::new("sort", "must be price_asc, price_desc, newest or name"));
                None
            }
        });
        let limit = parse_limit(&self.limit, &mut errors);
        match slot {
            Some(slot) if errors.is_empty() => Ok(OptionsQuery {
                platform,
                slot,
                chosen,
                sort,
                limit,
                after: present(&self.cursor).map(|cursor| Cursor::from_token(cursor.to_owned())),
            }),
            _ => Err(InvalidInput(errors)),
        }
    }
}
