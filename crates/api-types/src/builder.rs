//! `/builder`: the PC builder. A slot's options fit every part chosen so far; a build is
//! checked by every compatibility rule at once and priced by the server; builds can be
//! saved, shared by link, and added to a cart as one group (`POST /cart/builds`).

use std::collections::BTreeMap;

use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::catalog::{ProductSort, ProductSummary};

/// The longest name a saved build may have.
pub const MAX_BUILD_NAME_CHARS: usize = 100;

/// `intel` or `amd`: the CPU's vendor decides the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Intel,
    Amd,
}

impl Platform {
    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::Intel => "intel",
            Platform::Amd => "amd",
        }
    }
}

/// A place in a build, filled by a product of the category of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Cpu,
    Motherboard,
    Memory,
    Gpu,
    Storage,
    Psu,
    Case,
    Cooler,
}

impl Slot {
    pub const ALL: [Slot; 8] =
        [Slot::Cpu, Slot::Motherboard, Slot::Memory, Slot::Gpu, Slot::Storage, Slot::Psu, Slot::Case, Slot::Cooler];

    pub const fn as_str(self) -> &'static str {
        match self {
            Slot::Cpu => "cpu",
            Slot::Motherboard => "motherboard",
            Slot::Memory => "memory",
            Slot::Gpu => "gpu",
            Slot::Storage => "storage",
            Slot::Psu => "psu",
            Slot::Case => "case",
            Slot::Cooler => "cooler",
        }
    }
}

/// One slot of a builder page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BuilderSlot {
    pub slot: Slot,
    /// Whether every build needs it: all but `gpu` (integrated graphics may do) and
    /// `cooler` (needed only by a CPU sold without one: issue `cooler_required`).
    pub required: bool,
    /// The slug of the catalog category whose products fill it.
    pub category: String,
}

/// `GET /builder/{platform}/slots`: the slots, in the order a builder page offers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BuilderSlots {
    pub items: Vec<BuilderSlot>,
}

/// The query string of `GET /builder/{platform}/options`. `slot` is the slot to fill; each
/// other slot's parameter is the product already chosen for it (an unknown product is
/// refused, 422 naming the parameter). A refused value gets 422 naming each parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BuilderOptionsQuery {
    /// The slot to fill.
    #[param(required = true, inline)]
    pub slot: Option<Slot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motherboard: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psu: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooler: Option<Uuid>,
    /// The order: `price_asc` (cheapest first) by default; also `newest`, `price_desc`,
    /// `name`.
    #[param(inline)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<ProductSort>,
    /// Items per page: 1 to 100 (default 24).
    #[param(minimum = 1, maximum = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, with the same parts and sort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl BuilderOptionsQuery {
    /// The query for `slot` with these parts chosen (first page, default sort).
    pub fn new(slot: Slot, chosen: &BTreeMap<Slot, Uuid>) -> Self {
        let part = |slot| chosen.get(&slot).copied();
        BuilderOptionsQuery {
            slot: Some(slot),
            cpu: part(Slot::Cpu),
            motherboard: part(Slot::Motherboard),
            memory: part(Slot::Memory),
            gpu: part(Slot::Gpu),
            storage: part(Slot::Storage),
            psu: part(Slot::Psu),
            case: part(Slot::Case),
            cooler: part(Slot::Cooler),
            ..BuilderOptionsQuery::default()
        }
    }
}

/// `POST /builder/validate`: a platform and the product chosen for each slot so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"platform": "amd", "components": {
    "cpu": "0192f0c1-7b1e-7c3e-9a55-3f0e8f9d2b11", "motherboard": "0192f0c1-7b1e-7c3e-9a55-3f0e8f9d2b12"}}))]
pub struct BuildRequest {
    #[garde(skip)]
    pub platform: Platform,
    /// Slot → product id. Slots not named are not chosen yet.
    #[garde(skip)]
    pub components: BTreeMap<Slot, Uuid>,
}

/// `POST /builder/builds`: a build to save (it need not be complete or compatible).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
pub struct SaveBuild {
    #[garde(skip)]
    pub platform: Platform,
    #[garde(skip)]
    pub components: BTreeMap<Slot, Uuid>,
    /// 1 to 100 characters; "My Intel custom build" (or AMD) when absent.
    #[garde(inner(length(chars, min = 1, max = MAX_BUILD_NAME_CHARS)))]
    #[schema(min_length = 1, max_length = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What is wrong with a build, and which slot to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BuildIssue {
    pub slot: Slot,
    pub code: BuildIssueCode,
    /// A sentence for the customer ("This B650 board takes DDR5; the kit you chose is DDR4.").
    pub message: String,
}

/// Every issue's code. All but `out_of_stock` and `discontinued` are compatibility rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BuildIssueCode {
    /// A required slot is empty.
    SlotMissing,
    /// The product is not of the slot's category.
    WrongCategory,
    /// The product lacks a specification the rules read.
    SpecificationMissing,
    /// The CPU is not of the build's platform.
    CpuPlatformMismatch,
    /// The CPU's socket is not the motherboard's.
    SocketMismatch,
    /// The memory kit is of a type the motherboard does not take.
    MemoryTypeMismatch,
    /// The kit has more modules than the motherboard has memory slots.
    MemorySlotsExceeded,
    /// The case does not take the motherboard's form factor.
    FormFactorMismatch,
    /// The graphics card is longer than the case allows.
    GpuTooLong,
    /// The power supply gives less than 1.3 × (CPU TDP + GPU TDP + 75 W).
    PsuTooWeak,
    /// The cooler does not fit the CPU's socket.
    CoolerSocketMismatch,
    /// The CPU comes without a cooler and none is chosen.
    CoolerRequired,
    /// The part cannot be bought right now.
    OutOfStock,
    /// The part is no longer sold.
    Discontinued,
}

/// The build's price now: each part's catalog price, one unit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BuildPricing {
    /// Before GST, after each product's own discount.
    pub subtotal_paise: i64,
    pub tax_paise: i64,
    pub total_paise: i64,
}

/// A chosen part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BuildComponent {
    pub slot: Slot,
    pub product: ProductSummary,
}

/// `POST /builder/validate`: the build checked by every rule at once and priced now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BuildVerdict {
    pub platform: Platform,
    /// No compatibility issue: every required slot is filled and every part fits.
    pub compatible: bool,
    /// Compatible, and every part can be bought now.
    pub purchasable: bool,
    /// Every issue: the rules' first, then parts out of stock or no longer sold.
    pub issues: Vec<BuildIssue>,
    /// CPU TDP + GPU TDP + 75 W, in watts.
    pub estimated_wattage: i64,
    pub pricing: BuildPricing,
    /// The chosen parts, in slot order.
    pub components: Vec<BuildComponent>,
}

/// A saved build: anyone with its link can open it, checked and priced again on every read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SavedBuild {
    pub id: Uuid,
    pub name: String,
    /// The storefront's page of the build, to share.
    pub share_url: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(flatten)]
    pub verdict: BuildVerdict,
}

/// `POST /cart/builds`: a saved build (`build_id`), or a build given whole (`platform` and
/// `components`, with an optional `name`). Only a compatible build is added (422
/// `build_incompatible`, with `issues`); every part must be in stock (409 `out_of_stock`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
pub struct AddBuildToCart {
    #[garde(skip)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_id: Option<Uuid>,
    #[garde(skip)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[garde(skip)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<BTreeMap<Slot, Uuid>>,
    /// 1 to 100 characters; the saved build's name, or "My Intel custom build" (or AMD).
    #[garde(inner(length(chars, min = 1, max = MAX_BUILD_NAME_CHARS)))]
    #[schema(min_length = 1, max_length = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}
