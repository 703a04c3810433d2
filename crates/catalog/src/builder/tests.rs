//! The rules at their boundaries, table by table.

use serde_json::json;

use super::*;

fn part(category: &str, name: &str, specifications: Value) -> Component {
    let Value::Object(specifications) = specifications else { panic!("specifications are an object") };
    Component { product_id: Uuid::new_v4(), name: name.to_owned(), category: category.to_owned(), specifications }
}

fn cpu(vendor: &str, socket: &str, tdp: i64, bundled_cooler: bool) -> Component {
    let specs = json!({"vendor": vendor, "socket": socket, "tdp_w": tdp, "bundled_cooler": bundled_cooler});
    part("cpu", "Ryzen 7 9700X", specs)
}

fn board(socket: &str, memory: &str, form_factor: &str, slots: i64) -> Component {
    let specs = json!({"socket": socket, "memory_type": memory, "form_factor": form_factor, "memory_slots": slots});
    part("motherboard", "ASUS TUF Gaming B650-Plus WiFi", specs)
}

fn memory(kind: &str, modules: i64) -> Component {
    part("memory", "Kingston Fury Beast 32GB", json!({"memory_type": kind, "modules": modules}))
}

fn gpu(tdp: i64, length: i64) -> Component {
    part("gpu", "RTX 4070 Super", json!({"tdp_w": tdp, "length_mm": length}))
}

fn psu(watts: i64) -> Component {
    part("psu", "Corsair RM650e", json!({"wattage_w": watts}))
}

fn case(form_factors: &[&str], gpu_room: i64) -> Component {
    part("case", "NZXT H5 Flow", json!({"form_factors": form_factors, "max_gpu_length_mm": gpu_room}))
}

fn cooler(sockets: &[&str]) -> Component {
    part("cooler", "DeepCool AK400", json!({"sockets": sockets}))
}

fn storage() -> Component {
    part("storage", "Samsung 990 Pro 1TB", json!({"capacity_gb": 1000}))
}

/// A complete AMD build that fits: 125 W CPU + 300 W GPU + 75 W = 500 W, so 650 W is
/// exactly 1.3×.
fn amd_build() -> Build {
    let components = BTreeMap::from([
        (Slot::Cpu, cpu("amd", "AM5", 125, false)),
        (Slot::Motherboard, board("AM5", "DDR5", "ATX", 4)),
        (Slot::Memory, memory("DDR5", 2)),
        (Slot::Gpu, gpu(300, 330)),
        (Slot::Storage, storage()),
        (Slot::Psu, psu(650)),
        (Slot::Case, case(&["ATX", "Micro-ATX", "Mini-ITX"], 330)),
        (Slot::Cooler, cooler(&["AM5", "AM4"])),
    ]);
    Build { platform: Platform::Amd, components }
}

fn with(mut build: Build, slot: Slot, component: Component) -> Build {
    build.components.insert(slot, component);
    build
}

fn without(mut build: Build, slot: Slot) -> Build {
    build.components.remove(&slot);
    build
}

/// Issues as (slot, code).
type Issues = Vec<(Slot, IssueCode)>;

fn codes(build: &Build) -> Issues {
    check(build).into_iter().map(|issue| (issue.slot, issue.code)).collect()
}

#[test]
fn a_build_that_fits_has_no_issue_and_draws_cpu_plus_gpu_plus_75_watts() {
    let build = amd_build();
    assert_eq!(check(&build), Vec::new());
    assert_eq!(build.estimated_wattage(), 500);
}

#[test]
fn each_rule_holds_at_its_boundary_and_fails_one_step_past_it() {
    let cases: Vec<(&str, Build, Issues)> = vec![
        ("PSU at exactly 1.3× the draw", with(amd_build(), Slot::Psu, psu(650)), vec![]),
        ("PSU 1 W under 1.3×", with(amd_build(), Slot::Psu, psu(649)), vec![(Slot::Psu, IssueCode::PsuTooWeak)]),
        ("GPU as long as the case allows", with(amd_build(), Slot::Gpu, gpu(300, 330)), vec![]),
        ("GPU 1 mm too long", with(amd_build(), Slot::Gpu, gpu(300, 331)), vec![(Slot::Gpu, IssueCode::GpuTooLong)]),
        ("as many modules as slots", with(amd_build(), Slot::Memory, memory("DDR5", 4)), vec![]),
        (
            "one module more than slots",
            with(amd_build(), Slot::Memory, memory("DDR5", 5)),
            vec![(Slot::Memory, IssueCode::MemorySlotsExceeded)],
        ),
        (
            "DDR4 on a DDR5 board",
            with(amd_build(), Slot::Memory, memory("DDR4", 2)),
            vec![(Slot::Memory, IssueCode::MemoryTypeMismatch)],
        ),
        (
            "an AM4 board under an AM5 CPU",
            with(amd_build(), Slot::Motherboard, board("AM4", "DDR5", "ATX", 4)),
            vec![(Slot::Motherboard, IssueCode::SocketMismatch)],
        ),
        (
            "an E-ATX board in an ATX case",
            with(amd_build(), Slot::Motherboard, board("AM5", "DDR5", "E-ATX", 8)),
            vec![(Slot::Case, IssueCode::FormFactorMismatch)],
        ),
        (
            "a cooler for Intel sockets only",
            with(amd_build(), Slot::Cooler, cooler(&["LGA1700", "LGA1851"])),
            vec![(Slot::Cooler, IssueCode::CoolerSocketMismatch)],
        ),
        (
            "no cooler for a CPU sold without one",
            without(amd_build(), Slot::Cooler),
            vec![(Slot::Cooler, IssueCode::CoolerRequired)],
        ),
        (
            "no cooler for a CPU sold with one",
            without(with(amd_build(), Slot::Cpu, cpu("amd", "AM5", 125, true)), Slot::Cooler),
            vec![],
        ),
        ("no graphics card (optional)", without(amd_build(), Slot::Gpu), vec![]),
        (
            "an Intel CPU in an AMD build",
            with(amd_build(), Slot::Cpu, cpu("intel", "AM5", 125, false)),
            vec![(Slot::Cpu, IssueCode::CpuPlatformMismatch)],
        ),
        (
            "a graphics card in the CPU slot",
            with(amd_build(), Slot::Cpu, part("gpu", "RTX 4060", json!({"tdp_w": 115, "length_mm": 240}))),
            vec![(Slot::Cpu, IssueCode::WrongCategory)],
        ),
        (
            "a CPU whose socket is not listed",
            with(
                amd_build(),
                Slot::Cpu,
                part("cpu", "Mystery CPU", json!({"vendor": "amd", "tdp_w": 65, "bundled_cooler": true})),
            ),
            vec![(Slot::Cpu, IssueCode::SpecificationMissing)],
        ),
    ];
    for (case, build, expected) in cases {
        assert_eq!(codes(&build), expected, "{case}");
    }
}

#[test]
fn a_board_for_either_memory_type_takes_both() {
    let either = with(amd_build(), Slot::Motherboard, board("AM5", "DDR4/DDR5", "ATX", 4));
    assert_eq!(check(&with(either.clone(), Slot::Memory, memory("DDR4", 2))), Vec::new());
    assert_eq!(check(&with(either, Slot::Memory, memory("DDR5", 2))), Vec::new());
}

#[test]
fn every_issue_of_a_build_comes_back_at_once() {
    let build = without(
        with(with(amd_build(), Slot::Cpu, cpu("intel", "AM5", 125, false)), Slot::Memory, memory("DDR4", 2)),
        Slot::Psu,
    );
    assert_eq!(
        codes(&build),
        vec![
            (Slot::Psu, IssueCode::SlotMissing),
            (Slot::Cpu, IssueCode::CpuPlatformMismatch),
            (Slot::Memory, IssueCode::MemoryTypeMismatch),
        ]
    );
}

#[test]
fn messages_name_the_parts_in_a_customers_words() {
    let build = with(amd_build(), Slot::Memory, memory("DDR4", 2));
    let issues = check(&build);
    assert_eq!(issues[0].message, "ASUS TUF Gaming B650-Plus WiFi takes DDR5; the kit you chose is DDR4.");
    let weak = check(&with(amd_build(), Slot::Psu, psu(649)));
    assert_eq!(weak[0].message, "Corsair RM650e gives 649 W; this build draws up to 500 W and needs at least 650 W.");
}

#[test]
fn an_empty_build_asks_for_every_required_slot_and_nothing_else() {
    let build = Build { platform: Platform::Intel, components: BTreeMap::new() };
    let missing: Vec<Slot> = check(&build).into_iter().map(|issue| issue.slot).collect();
    assert_eq!(missing, vec![Slot::Cpu, Slot::Motherboard, Slot::Memory, Slot::Storage, Slot::Psu, Slot::Case]);
}

#[test]
fn slots_and_platforms_read_back_as_they_are_written() {
    for slot in Slot::ALL {
        assert_eq!(Slot::parse(slot.as_str()), Some(slot));
    }
    for platform in Platform::ALL {
        assert_eq!(Platform::parse(platform.as_str()), Some(platform));
    }
    assert_eq!(Slot::parse("fan"), None);
}
