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

/// The specifications of a product of `slot`'s category that the check accepts.
fn valid_specifications(slot: Slot) -> Map<String, Value> {
    let specs = match slot {
        Slot::Cpu => json!({"vendor": "AMD", "socket": "AM5", "tdp_w": 120, "bundled_cooler": false}),
        Slot::Motherboard => json!({"socket": "AM5", "memory_type": "DDR5", "form_factor": "ATX", "memory_slots": 4}),
        Slot::Memory => json!({"memory_type": "DDR5", "modules": 2}),
        Slot::Gpu => json!({"tdp_w": 220, "length_mm": 300}),
        Slot::Storage => json!({}),
        Slot::Psu => json!({"wattage_w": 750}),
        Slot::Case => json!({"form_factors": ["ATX", "Micro-ATX"], "max_gpu_length_mm": 360}),
        Slot::Cooler => json!({"sockets": ["AM5", "LGA1700"]}),
    };
    let Value::Object(specs) = specs else { unreachable!() };
    specs
}

/// The check's verdict on one value of one key, everything else valid: `None` accepted,
/// or the problem's message.
fn verdict(slot: Slot, key: &str, value: Value) -> Option<String> {
    let mut specs = valid_specifications(slot);
    specs.insert(key.to_owned(), value);
    let problems = check_specifications(slot, &specs);
    assert!(problems.iter().all(|problem| problem.key == key), "{key}: {problems:?}");
    problems.into_iter().next().map(|problem| problem.message)
}

#[test]
fn every_slots_valid_specifications_pass_and_every_required_key_has_a_kind() {
    for slot in Slot::ALL {
        assert_eq!(check_specifications(slot, &valid_specifications(slot)), Vec::new(), "{slot}");
        for key in required_keys(slot) {
            assert!(SPECIFICATION_KINDS.iter().any(|(known, _)| known == key), "{key} has no kind");
        }
    }
}

#[test]
fn each_kind_accepts_what_the_rules_read_and_refuses_the_rest() {
    let text = "must be text of 1 to 40 characters";
    let vendor = "must be Intel or AMD";
    let number = "must be a whole number from 1 to 100000";
    let flag = "must be true or false";
    let list = "must be a list of 1 to 20 texts of 1 to 40 characters each";
    // (slot, key, value, the problem's message or None when accepted)
    let cases: Vec<(Slot, &str, Value, Option<&str>)> = vec![
        (Slot::Cpu, "socket", json!("LGA1700"), None),
        (Slot::Cpu, "socket", json!("x".repeat(40)), None),
        (Slot::Cpu, "socket", json!("x".repeat(41)), Some(text)),
        (Slot::Cpu, "socket", json!(""), Some(text)),
        (Slot::Cpu, "socket", json!("   "), Some(text)),
        (Slot::Cpu, "socket", json!(1700), Some(text)),
        (Slot::Motherboard, "memory_type", json!("DDR4/DDR5"), None),
        (Slot::Motherboard, "form_factor", json!(["ATX"]), Some(text)),
        (Slot::Cpu, "vendor", json!("Intel"), None),
        (Slot::Cpu, "vendor", json!("amd"), None),
        (Slot::Cpu, "vendor", json!("INTEL"), None),
        (Slot::Cpu, "vendor", json!("Qualcomm"), Some(vendor)),
        (Slot::Cpu, "vendor", json!(true), Some(vendor)),
        (Slot::Cpu, "tdp_w", json!(1), None),
        (Slot::Gpu, "length_mm", json!(100_000), None),
        (Slot::Gpu, "length_mm", json!(100_001), Some(number)),
        (Slot::Psu, "wattage_w", json!(0), Some(number)),
        (Slot::Psu, "wattage_w", json!(-650), Some(number)),
        (Slot::Psu, "wattage_w", json!(650.5), Some(number)),
        (Slot::Psu, "wattage_w", json!(650.0), Some(number)),
        (Slot::Psu, "wattage_w", json!("650"), Some(number)),
        (Slot::Memory, "modules", json!(u64::MAX), Some(number)),
        (Slot::Cpu, "bundled_cooler", json!(true), None),
        (Slot::Cpu, "bundled_cooler", json!("yes"), Some(flag)),
        (Slot::Cpu, "bundled_cooler", json!(0), Some(flag)),
        (Slot::Cooler, "sockets", json!(["AM5"]), None),
        (Slot::Cooler, "sockets", json!(vec!["AM5"; 20]), None),
        (Slot::Cooler, "sockets", json!(vec!["AM5"; 21]), Some(list)),
        (Slot::Cooler, "sockets", json!([]), Some(list)),
        (Slot::Cooler, "sockets", json!("AM5"), Some(list)),
        (Slot::Case, "form_factors", json!(["ATX", ""]), Some(list)),
        (Slot::Case, "form_factors", json!(["ATX", 7]), Some(list)),
        (Slot::Case, "form_factors", json!(["x".repeat(41)]), Some(list)),
    ];
    for (slot, key, value, expected) in cases {
        let shown = value.to_string();
        assert_eq!(verdict(slot, key, value).as_deref(), expected, "{slot} {key} = {shown}");
    }
}

#[test]
fn a_missing_or_null_key_is_named_as_required_for_the_slot() {
    let mut specs = valid_specifications(Slot::Cpu);
    specs.remove("socket");
    let missing = check_specifications(Slot::Cpu, &specs);
    let null = verdict(Slot::Cpu, "socket", Value::Null);

    let required = "is required for a cpu (the PC builder matches it)";
    assert_eq!(missing, vec![SpecificationProblem { key: "socket", message: required.to_owned() }]);
    assert_eq!(null.as_deref(), Some(required));
}

#[test]
fn every_problem_is_reported_at_once_in_required_key_order() {
    let specs = json!({"vendor": "VIA", "socket": "", "tdp_w": "65 W", "bundled_cooler": "no", "cores": 8});
    let Value::Object(specs) = specs else { unreachable!() };

    let keys: Vec<&str> = check_specifications(Slot::Cpu, &specs).iter().map(|problem| problem.key).collect();
    let empty_board: Vec<&str> =
        check_specifications(Slot::Motherboard, &Map::new()).iter().map(|problem| problem.key).collect();

    assert_eq!(keys, ["vendor", "socket", "tdp_w", "bundled_cooler"]);
    assert_eq!(empty_board, required_keys(Slot::Motherboard));
}

#[test]
fn keys_the_rules_do_not_read_are_free_and_storage_needs_none() {
    let mut specs = valid_specifications(Slot::Gpu);
    specs.insert("boost_clock_mhz".to_owned(), json!("2.5 GHz"));
    specs.insert("ports".to_owned(), json!([{"hdmi": 1}]));

    assert_eq!(check_specifications(Slot::Gpu, &specs), Vec::new());
    assert_eq!(check_specifications(Slot::Storage, &Map::new()), Vec::new());
}
