//! Embeds the Swagger UI assets of the API reference page (`/docs`, src/docs_ui.rs) in the
//! binary. They come from the npm registry through `make docs-ui`
//! (deploy/local/swagger_ui.sh), which puts them in
//! `<workspace>/.data/vendor/swagger-ui-dist-<version>/`; `RIGMASTER_SWAGGER_UI_DIR` names
//! another folder holding the same files.
//!
//! Writes `$OUT_DIR/swagger_ui.rs`: the version, and the assets as `include_bytes!` of their
//! absolute paths, or `None` when they are not there. A build without them succeeds (a plain
//! `cargo build` on a fresh clone) with a warning, and `/docs` then says how to get them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

/// The files the page serves, each as the field of `docs_ui::Assets` it fills.
const BYTES: [(&str, &str); 3] =
    [("bundle_js", "swagger-ui-bundle.js"), ("css", "swagger-ui.css"), ("favicon", "favicon-32x32.png")];
/// Swagger UI's licence and notices, served together as one text.
const LICENSE_TEXTS: [&str; 3] = ["NOTICE", "LICENSE", "swagger-ui-bundle.js.LICENSE.txt"];
const DIR_VARIABLE: &str = "RIGMASTER_SWAGGER_UI_DIR";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir.parent().and_then(Path::parent).expect("bins/api sits two folders down the workspace");
    let script = workspace.join("deploy/local/swagger_ui.sh");
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:rerun-if-env-changed={DIR_VARIABLE}");
    let version = pinned_version(&script);

    let (dir, named) = match env::var_os(DIR_VARIABLE) {
        Some(dir) if !dir.is_empty() => (PathBuf::from(dir), true),
        _ => (workspace.join(".data/vendor").join(format!("swagger-ui-dist-{version}")), false),
    };
    watch(&dir, !named);

    let names = BYTES.iter().map(|(_, file)| *file).chain(LICENSE_TEXTS);
    let missing: Vec<&str> = names.filter(|file| !dir.join(file).is_file()).collect();
    let assets = if missing.is_empty() {
        let dir = dir.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        Some(assets_expression(&dir))
    } else if named {
        panic!(
            "{DIR_VARIABLE}={} lacks {}: unset it, or run `make docs-ui` and point it there",
            dir.display(),
            missing.join(", ")
        );
    } else {
        println!(
            "cargo:warning=the Swagger UI assets ({}) are not installed: /docs will only say so. \
             Run `make docs-ui` (deploy/local/swagger_ui.sh) and build again to embed them.",
            dir.display()
        );
        None
    };

    let mut code = String::new();
    writeln!(code, "/// The swagger-ui-dist release pinned by deploy/local/swagger_ui.sh.").unwrap();
    writeln!(code, "pub const VERSION: &str = {version:?};").unwrap();
    writeln!(code, "/// The assets, when they were there at build time.").unwrap();
    writeln!(code, "pub static ASSETS: Option<Assets> = {};", assets.as_deref().unwrap_or("None")).unwrap();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out_dir.join("swagger_ui.rs"), code).expect("writing swagger_ui.rs");
}

/// `SWAGGER_UI_VERSION=` in the fetch script: one place pins the version.
fn pinned_version(script: &Path) -> String {
    let text = fs::read_to_string(script).unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    let version = text.lines().find_map(|line| line.strip_prefix("SWAGGER_UI_VERSION="));
    let version = version.unwrap_or_else(|| panic!("{} sets no SWAGGER_UI_VERSION=", script.display())).trim();
    assert!(
        !version.is_empty() && version.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
        "SWAGGER_UI_VERSION={version:?} in {} is not a version",
        script.display()
    );
    version.to_owned()
}

/// Builds again when the assets' folder changes, or appears. A missing path makes cargo run
/// this script on every build, so while the default folder is missing its parent is watched
/// instead (`.data/vendor/`, where `make docs-ui` creates it).
fn watch(dir: &Path, default: bool) {
    let watched = match dir.parent() {
        Some(parent) if default && !dir.exists() => {
            // On a fresh clone `.data/vendor/` is not there yet either: made empty here (it
            // is git-ignored), so that there is a folder to watch and cargo does not run
            // this script, and rebuild the crate, on every build.
            let _ = std::fs::create_dir_all(parent);
            parent
        }
        _ => dir,
    };
    println!("cargo:rerun-if-changed={}", watched.display());
}

fn assets_expression(dir: &Path) -> String {
    let literal = |file: &str| {
        let path = dir.join(file);
        let path = path.to_str().unwrap_or_else(|| panic!("{} is not UTF-8", path.display()));
        format!("{path:?}")
    };
    let mut fields = String::new();
    for (field, file) in BYTES {
        write!(fields, "{field}: include_bytes!({}), ", literal(file)).unwrap();
    }
    let texts: Vec<String> = LICENSE_TEXTS.iter().map(|file| format!("include_str!({})", literal(file))).collect();
    write!(fields, "license: concat!({})", texts.join(", \"\\n\", ")).unwrap();
    format!("Some(Assets {{ {fields} }})")
}
