//! The PC builder's compatibility rules: pure functions over the chosen products'
//! `specifications`, one per rule, listed in [`RULES`] (the data that says which rules
//! exist, in the order their issues are reported). A build is checked whole: every rule
//! runs and every issue comes back at once, each with its own code and a message a
//! customer understands.
//!
//! The specification keys each slot's category must carry are [`required_keys`]; admin
//! writes check them, so a rule meets a missing key only for a product older than that
//! check, and then says so as an issue rather than guessing.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};
use uuid::Uuid;

pub mod fit;
mod postgres;
mod service;

pub use postgres::PgSavedBuilds;
pub use service::{
    BuildError, BuildPricing, BuildRequest, Builder, ChosenPart, MAX_BUILD_NAME_CHARS, OptionsError, OptionsQuery,
    Part, SavedBuild, SavedBuildStore, StoredBuild, Verdict, default_name,
};

/// Intel or AMD: the CPU's vendor decides the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    Intel,
    Amd,
}

impl Platform {
    pub const ALL: [Platform; 2] = [Platform::Intel, Platform::Amd];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Intel => "intel",
            Platform::Amd => "amd",
        }
    }

    pub fn parse(raw: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|platform| platform.as_str() == raw)
    }

    fn vendor_name(self) -> &'static str {
        match self {
            Platform::Intel => "Intel",
            Platform::Amd => "AMD",
        }
    }
}

/// A place in a build, filled by a product of the category of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// In the order a builder page offers them.
    pub const ALL: [Slot; 8] =
        [Slot::Cpu, Slot::Motherboard, Slot::Memory, Slot::Gpu, Slot::Storage, Slot::Psu, Slot::Case, Slot::Cooler];

    pub fn as_str(self) -> &'static str {
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

    pub fn parse(raw: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|slot| slot.as_str() == raw)
    }

    /// The catalog category (slug) whose products fill the slot.
    pub fn category(self) -> &'static str {
        self.as_str()
    }

    /// Whether every build needs it. A graphics card is optional (a CPU's integrated
    /// graphics may do); a cooler is needed only by a CPU sold without one (a rule of its
    /// own, [`cooler_required`]).
    pub fn required(self) -> bool {
        !matches!(self, Slot::Gpu | Slot::Cooler)
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The specification keys a product of the slot's category must carry for the rules.
pub fn required_keys(slot: Slot) -> &'static [&'static str] {
    match slot {
        Slot::Cpu => &["vendor", "socket", "tdp_w", "bundled_cooler"],
        Slot::Motherboard => &["socket", "memory_type", "form_factor", "memory_slots"],
        Slot::Memory => &["memory_type", "modules"],
        Slot::Gpu => &["tdp_w", "length_mm"],
        Slot::Storage => &[],
        Slot::Psu => &["wattage_w"],
        Slot::Case => &["form_factors", "max_gpu_length_mm"],
        Slot::Cooler => &["sockets"],
    }
}

/// A specification key an admin write left out or gave a value the rules cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecificationProblem {
    pub key: &'static str,
    /// What is wrong, in an admin's words.
    pub message: String,
}

/// The longest text (or list item) a key the rules read may hold.
pub const MAX_SPECIFICATION_TEXT_CHARS: usize = 40;
/// The largest whole number a key the rules read may hold: past any real part (a 2,000 W
/// supply, a 450 mm card), it keeps the builder's sums far from overflowing.
pub const MAX_SPECIFICATION_NUMBER: i64 = 100_000;
/// The most items a list the rules read may hold.
pub const MAX_SPECIFICATION_LIST_ITEMS: usize = 20;

/// What the rules read from a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpecificationKind {
    Text,
    /// A platform's vendor: a CPU of another vendor could never be offered by either builder.
    Vendor,
    WholeNumber,
    Flag,
    TextList,
}

/// Each key of [`required_keys`] and what the rules read from it.
const SPECIFICATION_KINDS: [(&str, SpecificationKind); 13] = [
    ("vendor", SpecificationKind::Vendor),
    ("socket", SpecificationKind::Text),
    ("memory_type", SpecificationKind::Text),
    ("form_factor", SpecificationKind::Text),
    ("tdp_w", SpecificationKind::WholeNumber),
    ("memory_slots", SpecificationKind::WholeNumber),
    ("modules", SpecificationKind::WholeNumber),
    ("length_mm", SpecificationKind::WholeNumber),
    ("wattage_w", SpecificationKind::WholeNumber),
    ("max_gpu_length_mm", SpecificationKind::WholeNumber),
    ("bundled_cooler", SpecificationKind::Flag),
    ("form_factors", SpecificationKind::TextList),
    ("sockets", SpecificationKind::TextList),
];

impl SpecificationKind {
    fn of(key: &str) -> SpecificationKind {
        SPECIFICATION_KINDS
            .iter()
            .find_map(|(known, kind)| (*known == key).then_some(*kind))
            .expect("every required key has a kind")
    }

    fn accepts(self, value: &Value) -> bool {
        let text = |value: &Value| {
            value
                .as_str()
                .is_some_and(|text| !text.trim().is_empty() && text.chars().count() <= MAX_SPECIFICATION_TEXT_CHARS)
        };
        match self {
            SpecificationKind::Text => text(value),
            SpecificationKind::Vendor => value.as_str().is_some_and(|vendor| {
                Platform::ALL.into_iter().any(|platform| vendor.eq_ignore_ascii_case(platform.as_str()))
            }),
            SpecificationKind::WholeNumber => {
                value.as_i64().is_some_and(|number| (1..=MAX_SPECIFICATION_NUMBER).contains(&number))
            }
            SpecificationKind::Flag => value.is_boolean(),
            SpecificationKind::TextList => value.as_array().is_some_and(|items| {
                (1..=MAX_SPECIFICATION_LIST_ITEMS).contains(&items.len()) && items.iter().all(text)
            }),
        }
    }

    fn expected(self) -> String {
        match self {
            SpecificationKind::Text => format!("must be text of 1 to {MAX_SPECIFICATION_TEXT_CHARS} characters"),
            SpecificationKind::Vendor => "must be Intel or AMD".to_owned(),
            SpecificationKind::WholeNumber => format!("must be a whole number from 1 to {MAX_SPECIFICATION_NUMBER}"),
            SpecificationKind::Flag => "must be true or false".to_owned(),
            SpecificationKind::TextList => format!(
                "must be a list of 1 to {MAX_SPECIFICATION_LIST_ITEMS} texts of 1 to \
                 {MAX_SPECIFICATION_TEXT_CHARS} characters each"
            ),
        }
    }
}

/// Every problem with the keys the rules read from a product of the slot's category, in
/// [`required_keys`] order; empty when the rules can read them all. Admin writes refuse a
/// product with a problem, so a part the builder offers can always be checked. Keys the
/// rules do not read are the admin's own.
pub fn check_specifications(slot: Slot, specifications: &Map<String, Value>) -> Vec<SpecificationProblem> {
    required_keys(slot)
        .iter()
        .filter_map(|&key| {
            let kind = SpecificationKind::of(key);
            let message = match specifications.get(key) {
                None | Some(Value::Null) => format!("is required for a {slot} (the PC builder matches it)"),
                Some(value) if kind.accepts(value) => return None,
                Some(_) => kind.expected(),
            };
            Some(SpecificationProblem { key, message })
        })
        .collect()
}

/// A product chosen for a slot, as the rules read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub product_id: Uuid,
    pub name: String,
    /// The slug of the product's category.
    pub category: String,
    pub specifications: Map<String, Value>,
}

impl Component {
    fn text(&self, key: &str) -> Option<&str> {
        self.specifications.get(key).and_then(Value::as_str)
    }

    /// A whole number of at most nine digits, as the fit columns read it (admin writes
    /// allow far less), so that no sum or product of the rules can overflow.
    fn number(&self, key: &str) -> Option<i64> {
        self.specifications
            .get(key)
            .and_then(Value::as_i64)
            .filter(|n| (-MAX_READ_NUMBER..=MAX_READ_NUMBER).contains(n))
    }

    fn flag(&self, key: &str) -> Option<bool> {
        self.specifications.get(key).and_then(Value::as_bool)
    }

    fn texts(&self, key: &str) -> Option<Vec<&str>> {
        self.specifications
            .get(key)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
    }
}

/// A build: the platform and the products chosen so far, by slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    pub platform: Platform,
    pub components: BTreeMap<Slot, Component>,
}

impl Build {
    fn get(&self, slot: Slot) -> Option<&Component> {
        self.components.get(&slot)
    }

    /// What the build draws at most, in watts: CPU TDP + GPU TDP + 75 W for the rest
    /// (board, memory, drives, fans). Parts not chosen yet count nothing.
    pub fn estimated_wattage(&self) -> i64 {
        let tdp = |slot| self.get(slot).and_then(|part| part.number("tdp_w")).unwrap_or(0);
        tdp(Slot::Cpu) + tdp(Slot::Gpu) + OTHER_PARTS_W
    }
}

/// The largest specification number the rules read (nine digits, as the database's fit
/// columns); a larger one counts as not listed.
const MAX_READ_NUMBER: i64 = 999_999_999;

/// Watts for everything but the CPU and the graphics card.
pub const OTHER_PARTS_W: i64 = 75;
/// The power supply must give 1.3× the estimated draw: `watts × 10 ≥ draw × 13`.
pub const PSU_HEADROOM_TENTHS: i64 = 13;

/// What is wrong with a build, and which slot to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub slot: Slot,
    pub code: IssueCode,
    pub message: String,
}

/// Every issue's code (the wire's `issues[].code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueCode {
    SlotMissing,
    WrongCategory,
    SpecificationMissing,
    CpuPlatformMismatch,
    SocketMismatch,
    MemoryTypeMismatch,
    MemorySlotsExceeded,
    FormFactorMismatch,
    GpuTooLong,
    PsuTooWeak,
    CoolerSocketMismatch,
    CoolerRequired,
    /// Not a rule: the part cannot be bought right now.
    OutOfStock,
    /// Not a rule: the part is no longer sold.
    Discontinued,
}

impl IssueCode {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueCode::SlotMissing => "slot_missing",
            IssueCode::WrongCategory => "wrong_category",
            IssueCode::SpecificationMissing => "specification_missing",
            IssueCode::CpuPlatformMismatch => "cpu_platform_mismatch",
            IssueCode::SocketMismatch => "socket_mismatch",
            IssueCode::MemoryTypeMismatch => "memory_type_mismatch",
            IssueCode::MemorySlotsExceeded => "memory_slots_exceeded",
            IssueCode::FormFactorMismatch => "form_factor_mismatch",
            IssueCode::GpuTooLong => "gpu_too_long",
            IssueCode::PsuTooWeak => "psu_too_weak",
            IssueCode::CoolerSocketMismatch => "cooler_socket_mismatch",
            IssueCode::CoolerRequired => "cooler_required",
            IssueCode::OutOfStock => "out_of_stock",
            IssueCode::Discontinued => "discontinued",
        }
    }

    /// Whether a rule raised it (the build does not fit together), rather than the
    /// store's stock (it fits, but cannot be bought now).
    pub fn is_compatibility(self) -> bool {
        !matches!(self, IssueCode::OutOfStock | IssueCode::Discontinued)
    }
}

/// One rule: the issues it finds in a build (none when a part it needs is not chosen).
pub type Rule = fn(&Build) -> Vec<Issue>;

/// Every rule, in the order their issues are reported.
pub const RULES: [Rule; 12] = [
    slots_filled,
    categories_match,
    specifications_present,
    cpu_matches_platform,
    socket_matches,
    memory_type_matches,
    memory_fits_slots,
    board_fits_case,
    gpu_fits_case,
    psu_is_enough,
    cooler_fits,
    cooler_required,
];

/// Every issue of the build, at once. Empty: the build is compatible.
pub fn check(build: &Build) -> Vec<Issue> {
    RULES.iter().flat_map(|rule| rule(build)).collect()
}

fn issue(slot: Slot, code: IssueCode, message: String) -> Vec<Issue> {
    vec![Issue { slot, code, message }]
}

/// Two chosen parts when both are there and both carry what a rule reads.
fn pair(build: &Build, a: Slot, b: Slot) -> Option<(&Component, &Component)> {
    Some((build.get(a)?, build.get(b)?))
}

/// Every required slot has a part.
pub fn slots_filled(build: &Build) -> Vec<Issue> {
    Slot::ALL
        .into_iter()
        .filter(|slot| slot.required() && build.get(*slot).is_none())
        .map(|slot| Issue {
            slot,
            code: IssueCode::SlotMissing,
            message: format!("Choose a {} for this build.", slot_label(slot)),
        })
        .collect()
}

/// Each part is of its slot's category.
pub fn categories_match(build: &Build) -> Vec<Issue> {
    build
        .components
        .iter()
        .filter(|(slot, part)| part.category != slot.category())
        .map(|(&slot, part)| Issue {
            slot,
            code: IssueCode::WrongCategory,
            message: format!("{} is not a {}.", part.name, slot_label(slot)),
        })
        .collect()
}

/// Each part carries the specifications the rules read.
pub fn specifications_present(build: &Build) -> Vec<Issue> {
    build
        .components
        .iter()
        .filter(|(slot, part)| part.category == slot.category())
        .filter_map(|(&slot, part)| {
            let missing: Vec<&str> =
                required_keys(slot).iter().copied().filter(|key| !part.specifications.contains_key(*key)).collect();
            (!missing.is_empty()).then(|| Issue {
                slot,
                code: IssueCode::SpecificationMissing,
                message: format!(
                    "We cannot check {} against the rest of the build yet (its {} is not listed).",
                    part.name,
                    missing.join(", ")
                ),
            })
        })
        .collect()
}

/// The CPU is of the build's platform.
pub fn cpu_matches_platform(build: &Build) -> Vec<Issue> {
    let Some(cpu) = build.get(Slot::Cpu) else { return Vec::new() };
    let Some(vendor) = cpu.text("vendor") else { return Vec::new() };
    if vendor.eq_ignore_ascii_case(build.platform.as_str()) {
        return Vec::new();
    }
    issue(
        Slot::Cpu,
        IssueCode::CpuPlatformMismatch,
        format!(
            "{} is not an {platform} processor; this is an {platform} build.",
            cpu.name,
            platform = build.platform.vendor_name()
        ),
    )
}

/// The CPU's socket is the board's.
pub fn socket_matches(build: &Build) -> Vec<Issue> {
    let Some((cpu, board)) = pair(build, Slot::Cpu, Slot::Motherboard) else { return Vec::new() };
    let (Some(cpu_socket), Some(board_socket)) = (cpu.text("socket"), board.text("socket")) else {
        return Vec::new();
    };
    if cpu_socket.eq_ignore_ascii_case(board_socket) {
        return Vec::new();
    }
    issue(
        Slot::Motherboard,
        IssueCode::SocketMismatch,
        format!("{} has an {board_socket} socket; the processor you chose needs {cpu_socket}.", board.name),
    )
}

/// The memory kit is of a type the board takes (`DDR4/DDR5` takes either).
pub fn memory_type_matches(build: &Build) -> Vec<Issue> {
    let Some((board, memory)) = pair(build, Slot::Motherboard, Slot::Memory) else { return Vec::new() };
    let (Some(takes), Some(kind)) = (board.text("memory_type"), memory.text("memory_type")) else {
        return Vec::new();
    };
    if takes.split('/').any(|type_| type_.trim_matches(' ').eq_ignore_ascii_case(kind)) {
        return Vec::new();
    }
    issue(
        Slot::Memory,
        IssueCode::MemoryTypeMismatch,
        format!("{} takes {takes}; the kit you chose is {kind}.", board.name),
    )
}

/// The kit's modules fit the board's memory slots.
pub fn memory_fits_slots(build: &Build) -> Vec<Issue> {
    let Some((board, memory)) = pair(build, Slot::Motherboard, Slot::Memory) else { return Vec::new() };
    let (Some(slots), Some(modules)) = (board.number("memory_slots"), memory.number("modules")) else {
        return Vec::new();
    };
    if modules <= slots {
        return Vec::new();
    }
    issue(
        Slot::Memory,
        IssueCode::MemorySlotsExceeded,
        format!("{} has {slots} memory slots; the kit you chose has {modules} modules.", board.name),
    )
}

/// The case takes the board's form factor.
pub fn board_fits_case(build: &Build) -> Vec<Issue> {
    let Some((board, case)) = pair(build, Slot::Motherboard, Slot::Case) else { return Vec::new() };
    let (Some(form_factor), Some(fits)) = (board.text("form_factor"), case.texts("form_factors")) else {
        return Vec::new();
    };
    if fits.iter().any(|fit| fit.eq_ignore_ascii_case(form_factor)) {
        return Vec::new();
    }
    issue(
        Slot::Case,
        IssueCode::FormFactorMismatch,
        format!("{} fits {} boards; the motherboard you chose is {form_factor}.", case.name, fits.join(", ")),
    )
}

/// The graphics card is no longer than the case allows.
pub fn gpu_fits_case(build: &Build) -> Vec<Issue> {
    let Some((gpu, case)) = pair(build, Slot::Gpu, Slot::Case) else { return Vec::new() };
    let (Some(length), Some(room)) = (gpu.number("length_mm"), case.number("max_gpu_length_mm")) else {
        return Vec::new();
    };
    if length <= room {
        return Vec::new();
    }
    issue(
        Slot::Gpu,
        IssueCode::GpuTooLong,
        format!("{} is {length} mm long; {} takes graphics cards up to {room} mm.", gpu.name, case.name),
    )
}

/// The power supply gives at least 1.3× the estimated draw.
pub fn psu_is_enough(build: &Build) -> Vec<Issue> {
    let Some(psu) = build.get(Slot::Psu) else { return Vec::new() };
    let Some(watts) = psu.number("wattage_w") else { return Vec::new() };
    let draw = build.estimated_wattage();
    if watts.saturating_mul(10) >= draw.saturating_mul(PSU_HEADROOM_TENTHS) {
        return Vec::new();
    }
    let needed = (draw * PSU_HEADROOM_TENTHS + 9) / 10;
    issue(
        Slot::Psu,
        IssueCode::PsuTooWeak,
        format!("{} gives {watts} W; this build draws up to {draw} W and needs at least {needed} W.", psu.name),
    )
}

/// The cooler fits the CPU's socket.
pub fn cooler_fits(build: &Build) -> Vec<Issue> {
    let Some((cpu, cooler)) = pair(build, Slot::Cpu, Slot::Cooler) else { return Vec::new() };
    let (Some(socket), Some(sockets)) = (cpu.text("socket"), cooler.texts("sockets")) else {
        return Vec::new();
    };
    if sockets.iter().any(|fit| fit.eq_ignore_ascii_case(socket)) {
        return Vec::new();
    }
    issue(
        Slot::Cooler,
        IssueCode::CoolerSocketMismatch,
        format!("{} fits {}; the processor you chose is {socket}.", cooler.name, sockets.join(", ")),
    )
}

/// A CPU sold without a cooler needs one.
pub fn cooler_required(build: &Build) -> Vec<Issue> {
    let Some(cpu) = build.get(Slot::Cpu) else { return Vec::new() };
    if build.get(Slot::Cooler).is_some() || cpu.flag("bundled_cooler") != Some(false) {
        return Vec::new();
    }
    issue(Slot::Cooler, IssueCode::CoolerRequired, format!("{} comes without a cooler; choose one for it.", cpu.name))
}

fn slot_label(slot: Slot) -> &'static str {
    match slot {
        Slot::Cpu => "processor",
        Slot::Motherboard => "motherboard",
        Slot::Memory => "memory kit",
        Slot::Gpu => "graphics card",
        Slot::Storage => "storage drive",
        Slot::Psu => "power supply",
        Slot::Case => "cabinet",
        Slot::Cooler => "CPU cooler",
    }
}

#[cfg(test)]
mod tests;
