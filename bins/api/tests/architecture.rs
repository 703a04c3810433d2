//! The shape of the code, checked on every test run: the rules docs/architecture.md states
//! hold, so a change that breaks one fails here, not in a later review.

use std::fs;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = fs::read_to_string(&path).unwrap();
            found.push((path, text));
        }
    }
    found
}

fn lines_matching<'a>(files: &'a [(PathBuf, String)], needle: &'a str) -> impl Iterator<Item = String> + 'a {
    files.iter().flat_map(move |(path, text)| {
        text.lines()
            .enumerate()
            .filter(move |(_, line)| line.contains(needle))
            .map(move |(n, line)| format!("{}:{}: {}", path.display(), n + 1, line.trim()))
    })
}

#[test]
fn the_orders_domain_speaks_sql_only_in_its_postgres_module() {
    let root = workspace().join("crates/orders/src");
    let outside: Vec<_> =
        sources(&root).into_iter().filter(|(path, _)| !path.starts_with(root.join("postgres"))).collect();
    assert!(outside.len() > 10, "the orders sources were found");

    let found: Vec<String> = lines_matching(&outside, "sqlx::").collect();

    assert!(found.is_empty(), "sqlx outside crates/orders/src/postgres/:\n{}", found.join("\n"));
}

#[test]
fn no_domain_crate_depends_on_another_domain() {
    let domains = ["identity", "catalog", "inventory", "orders", "payments-razorpay", "analytics"];
    for domain in domains {
        let manifest = fs::read_to_string(workspace().join("crates").join(domain).join("Cargo.toml")).unwrap();
        let dependencies = manifest.split("[dependencies]").nth(1).unwrap_or("").split("\n[").next().unwrap_or("");
        for other in domains.iter().filter(|other| **other != domain) {
            let named = dependencies.lines().any(|line| line.trim_start().starts_with(&format!("{other}.")));
            assert!(!named, "crates/{domain}/Cargo.toml depends on {other}: use a port the consumer owns");
        }
    }
}

#[test]
fn only_main_and_lib_import_startup() {
    let root = workspace().join("bins/api/src");
    let files: Vec<_> = sources(&root)
        .into_iter()
        .filter(|(path, _)| path != &root.join("main.rs") && path != &root.join("lib.rs"))
        .collect();

    let found: Vec<String> = lines_matching(&files, "crate::startup").collect();

    assert!(found.is_empty(), "startup.rs imported outside main.rs and lib.rs:\n{}", found.join("\n"));
}

#[test]
fn no_route_module_imports_another() {
    let routes = workspace().join("bins/api/src/routes");
    let files: Vec<_> = sources(&routes).into_iter().filter(|(path, _)| path != &routes.join("mod.rs")).collect();
    assert!(files.len() > 10, "the route modules were found");

    // A module's own unit tests (`use super::*;`) reach only into that module.
    let found: Vec<String> = lines_matching(&files, "super::")
        .filter(|line| !line.ends_with("use super::*;"))
        .chain(lines_matching(&files, "crate::routes::"))
        .collect();

    assert!(found.is_empty(), "a route module imports another:\n{}", found.join("\n"));
}
