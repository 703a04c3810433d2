//! Which products of a slot fit a partial build: the rules of [`super::RULES`], turned
//! into conditions on the products' fit columns (the specifications the rules read, kept
//! normalised beside each product; see the `builder_fit_columns` migration), so a slot's
//! options are one indexed query rather than a loop over products.
//!
//! A product is offered when adding it to the build raises no issue but a slot still to
//! fill: it has every key its slot's rules read, and it passes each rule against each part
//! already chosen. The parts chosen are compared the way the rules compare them
//! (case-insensitively, a board's `DDR4/DDR5` as either type).

use uuid::Uuid;

use super::{Build, Component, OTHER_PARTS_W, PSU_HEADROOM_TENTHS, Slot, required_keys};

/// One condition a product must meet to fit (each is one SQL predicate on the fit
/// columns). Texts are upper-cased, as the fit columns are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    /// It carries every one of these specification keys.
    HasKeys(&'static [&'static str]),
    /// A CPU of this vendor.
    VendorIs(String),
    /// Of this socket (a board for the chosen CPU, a CPU for the chosen board).
    SocketIs(String),
    /// A CPU of one of these sockets (those the chosen cooler fits).
    SocketAmong(Vec<String>),
    /// A board of a socket the platform's CPUs have (no CPU chosen yet).
    SocketOfPlatform { cpu_category: Uuid, vendor: String },
    /// A cooler that fits this socket.
    SocketsInclude(String),
    /// A cooler that fits one of the platform's CPU sockets (no CPU chosen yet).
    SocketsOfPlatform { cpu_category: Uuid, vendor: String },
    /// A memory kit of one of these types (those the chosen board takes).
    MemoryTypeAmong(Vec<String>),
    /// A board that takes this memory type.
    TakesMemoryType(String),
    /// A kit of at most this many modules.
    ModulesAtMost(i64),
    /// A board with at least this many memory slots.
    MemorySlotsAtLeast(i64),
    /// A board of one of these form factors (those the chosen case takes).
    FormFactorAmong(Vec<String>),
    /// A case that takes this form factor.
    TakesFormFactor(String),
    /// A graphics card at most this long, in mm.
    LengthAtMost(i64),
    /// A case with room for a graphics card this long, in mm.
    GpuRoomAtLeast(i64),
    /// A CPU or graphics card whose TDP × 13 is at most this (what the chosen power supply
    /// leaves, in tenths of a watt, once the other part and the rest are counted).
    TdpTimes13AtMost(i64),
    /// A power supply whose watts × 10 is at least this (the draw × 13).
    WattageTimes10AtLeast(i64),
}

/// The conditions a product of `slot` must meet to fit the other parts of `build`
/// (whatever `build` has in `slot` itself is left out: the customer is choosing it again).
/// `cpu_category` is the id of the CPU category, whose products tell a platform's sockets.
pub fn fits(slot: Slot, build: &Build, cpu_category: Uuid) -> Vec<Fit> {
    let chosen = |other: Slot| if other == slot { None } else { build.components.get(&other) };
    let cpu = chosen(Slot::Cpu);
    let board = chosen(Slot::Motherboard);
    let vendor = upper(build.platform.as_str());
    let mut fits = vec![Fit::HasKeys(required_keys(slot))];
    match slot {
        Slot::Cpu => {
            fits.push(Fit::VendorIs(vendor));
            fits.extend(board.and_then(|board| board.text("socket")).map(|socket| Fit::SocketIs(upper(socket))));
            fits.extend(
                chosen(Slot::Cooler)
                    .and_then(|cooler| cooler.texts("sockets"))
                    .map(|sockets| Fit::SocketAmong(sockets.into_iter().map(upper).collect())),
            );
            fits.extend(power_left(chosen(Slot::Psu), chosen(Slot::Gpu)).map(Fit::TdpTimes13AtMost));
        }
        Slot::Motherboard => {
            fits.push(match cpu.and_then(|cpu| cpu.text("socket")) {
                Some(socket) => Fit::SocketIs(upper(socket)),
                None => Fit::SocketOfPlatform { cpu_category, vendor },
            });
            if let Some(memory) = chosen(Slot::Memory) {
                fits.extend(memory.text("memory_type").map(|kind| Fit::TakesMemoryType(upper(kind))));
                fits.extend(memory.number("modules").map(Fit::MemorySlotsAtLeast));
            }
            fits.extend(
                chosen(Slot::Case)
                    .and_then(|case| case.texts("form_factors"))
                    .map(|form_factors| Fit::FormFactorAmong(form_factors.into_iter().map(upper).collect())),
            );
        }
        Slot::Memory => {
            if let Some(board) = board {
                fits.extend(board.text("memory_type").map(|takes| {
                    Fit::MemoryTypeAmong(takes.split('/').map(|kind| upper(kind.trim_matches(' '))).collect())
                }));
                fits.extend(board.number("memory_slots").map(Fit::ModulesAtMost));
            }
        }
        Slot::Gpu => {
            fits.extend(chosen(Slot::Case).and_then(|case| case.number("max_gpu_length_mm")).map(Fit::LengthAtMost));
            fits.extend(power_left(chosen(Slot::Psu), cpu).map(Fit::TdpTimes13AtMost));
        }
        Slot::Storage => {}
        Slot::Psu => {
            let draw = tdp(cpu).saturating_add(tdp(chosen(Slot::Gpu))).saturating_add(OTHER_PARTS_W);
            fits.push(Fit::WattageTimes10AtLeast(draw.saturating_mul(PSU_HEADROOM_TENTHS)));
        }
        Slot::Case => {
            fits.extend(
                board.and_then(|board| board.text("form_factor")).map(|form| Fit::TakesFormFactor(upper(form))),
            );
            fits.extend(chosen(Slot::Gpu).and_then(|gpu| gpu.number("length_mm")).map(Fit::GpuRoomAtLeast));
        }
        Slot::Cooler => fits.push(match cpu.and_then(|cpu| cpu.text("socket")) {
            Some(socket) => Fit::SocketsInclude(upper(socket)),
            None => Fit::SocketsOfPlatform { cpu_category, vendor },
        }),
    }
    fits
}

/// What the chosen power supply leaves for one more part's TDP, × 13 (tenths of a watt
/// of headroom): `watts × 10 − (other part's TDP + the rest) × 13`. `None` without a
/// power supply (or one whose wattage is not listed: the rule then checks nothing).
fn power_left(psu: Option<&Component>, other: Option<&Component>) -> Option<i64> {
    let watts = psu?.number("wattage_w")?;
    let drawn = tdp(other).saturating_add(OTHER_PARTS_W).saturating_mul(PSU_HEADROOM_TENTHS);
    Some(watts.saturating_mul(10).saturating_sub(drawn))
}

fn tdp(part: Option<&Component>) -> i64 {
    part.and_then(|part| part.number("tdp_w")).unwrap_or(0)
}

/// Upper-cased as the fit columns are (ASCII only: the rules compare ignoring ASCII case).
fn upper(text: &str) -> String {
    text.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::{Value, json};

    use super::*;
    use crate::builder::Platform;

    fn part(slot: Slot, specifications: Value) -> (Slot, Component) {
        let Value::Object(specifications) = specifications else { panic!("an object") };
        let component = Component {
            product_id: Uuid::nil(),
            name: slot.to_string(),
            category: slot.category().into(),
            specifications,
        };
        (slot, component)
    }

    fn build(parts: Vec<(Slot, Component)>) -> Build {
        Build { platform: Platform::Amd, components: parts.into_iter().collect::<BTreeMap<_, _>>() }
    }

    const CPUS: Uuid = Uuid::max();

    #[test]
    fn a_cpu_must_be_of_the_platform_and_fit_the_chosen_board_cooler_and_power_supply() {
        let build = build(vec![
            part(Slot::Motherboard, json!({"socket": "am5"})),
            part(Slot::Cooler, json!({"sockets": ["AM5", "lga1700"]})),
            part(Slot::Psu, json!({"wattage_w": 650})),
            part(Slot::Gpu, json!({"tdp_w": 200})),
        ]);
        assert_eq!(
            fits(Slot::Cpu, &build, CPUS),
            vec![
                Fit::HasKeys(required_keys(Slot::Cpu)),
                Fit::VendorIs("AMD".into()),
                Fit::SocketIs("AM5".into()),
                Fit::SocketAmong(vec!["AM5".into(), "LGA1700".into()]),
                // 650 W × 10 − (200 + 75) × 13: a CPU of 225 W fits exactly.
                Fit::TdpTimes13AtMost(6500 - 275 * 13),
            ]
        );
    }

    #[test]
    fn the_slot_being_chosen_again_is_left_out_of_its_own_conditions() {
        let build = build(vec![part(Slot::Cpu, json!({"socket": "AM4", "tdp_w": 65}))]);
        let for_cpu = fits(Slot::Cpu, &build, CPUS);
        assert!(!for_cpu.iter().any(|fit| matches!(fit, Fit::SocketIs(_))), "{for_cpu:?}");
        assert_eq!(fits(Slot::Cooler, &build, CPUS)[1], Fit::SocketsInclude("AM4".into()));
    }

    #[test]
    fn before_a_cpu_boards_and_coolers_must_fit_one_of_the_platforms_cpus() {
        let empty = build(vec![]);
        let platform = || Fit::SocketOfPlatform { cpu_category: CPUS, vendor: "AMD".into() };
        assert_eq!(
            fits(Slot::Motherboard, &empty, CPUS),
            vec![Fit::HasKeys(required_keys(Slot::Motherboard)), platform()]
        );
        assert_eq!(
            fits(Slot::Cooler, &empty, CPUS)[1],
            Fit::SocketsOfPlatform { cpu_category: CPUS, vendor: "AMD".into() }
        );
    }

    #[test]
    fn a_power_supply_must_give_thirteen_tenths_of_the_draw() {
        let build = build(vec![part(Slot::Cpu, json!({"tdp_w": 65})), part(Slot::Gpu, json!({"tdp_w": 200}))]);
        assert_eq!(fits(Slot::Psu, &build, CPUS)[1], Fit::WattageTimes10AtLeast((65 + 200 + 75) * 13));
        // Nothing chosen: the rest of the parts alone.
        assert_eq!(
            fits(Slot::Psu, &Build { components: BTreeMap::new(), ..build }, CPUS)[1],
            Fit::WattageTimes10AtLeast(975)
        );
    }

    #[test]
    fn memory_follows_the_boards_types_and_slots_and_a_board_the_kit() {
        let with_board = build(vec![part(Slot::Motherboard, json!({"memory_type": "DDR4 / ddr5", "memory_slots": 2}))]);
        assert_eq!(
            fits(Slot::Memory, &with_board, CPUS)[1..],
            [Fit::MemoryTypeAmong(vec!["DDR4".into(), "DDR5".into()]), Fit::ModulesAtMost(2)]
        );
        let with_kit = build(vec![
            part(Slot::Cpu, json!({"socket": "AM5"})),
            part(Slot::Memory, json!({"memory_type": "ddr5", "modules": 4})),
            part(Slot::Case, json!({"form_factors": ["Micro-ATX"]})),
        ]);
        assert_eq!(
            fits(Slot::Motherboard, &with_kit, CPUS)[1..],
            [
                Fit::SocketIs("AM5".into()),
                Fit::TakesMemoryType("DDR5".into()),
                Fit::MemorySlotsAtLeast(4),
                Fit::FormFactorAmong(vec!["MICRO-ATX".into()]),
            ]
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_adds_no_condition_as_the_rule_checks_nothing() {
        let build = build(vec![part(Slot::Case, json!({"max_gpu_length_mm": "330"}))]);
        assert_eq!(fits(Slot::Gpu, &build, CPUS), vec![Fit::HasKeys(required_keys(Slot::Gpu))]);
    }
}
