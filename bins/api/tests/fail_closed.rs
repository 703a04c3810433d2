//! The binary fails closed: settings that would expose the store refuse to start it
//! (exit 78, one line naming why), before anything is bound or connected.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// sysexits(3): a configuration problem.
const EXIT_CONFIG: i32 = 78;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `rigmaster serve` with only the environment the test gives it; its exit code and the
/// lines it wrote to standard error.
fn serve_with(vars: &[(&str, &str)]) -> (Option<i32>, Vec<String>) {
    let output = Command::new(env!("CARGO_BIN_EXE_rigmaster"))
        .arg("serve")
        .current_dir(workspace_root())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LOG_FORMAT", "json")
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("rigmaster runs");
    let stderr = String::from_utf8_lossy(&output.stderr).lines().map(str::to_owned).collect();
    (output.status.code(), stderr)
}

fn production_with(webhook_secret: &str) -> Vec<(&str, &str)> {
    vec![
        ("APP_ENV", "production"),
        ("HTTP_ADDR", "127.0.0.1:0"),
        ("JWT_ACCESS_SECRET", "a-production-access-secret-of-40-characters"),
        ("RAZORPAY_KEY_ID", "rzp_live_abc"),
        ("RAZORPAY_KEY_SECRET", "a-live-razorpay-key-secret-of-40-characters"),
        ("RAZORPAY_WEBHOOK_SECRET", webhook_secret),
        ("DATABASE_URL", "postgres://app@db.invalid:5432/rigmaster?sslmode=verify-full"),
        ("STOREFRONT_URL", "https://shop.rigmaster.in"),
    ]
}

#[test]
fn development_secrets_on_every_address_refuse_to_start_and_say_why() {
    let (code, stderr) = serve_with(&[("HTTP_ADDR", "0.0.0.0:0")]);

    assert_eq!(code, Some(EXIT_CONFIG), "{stderr:?}");
    assert_eq!(stderr.len(), 1, "one line: {stderr:?}");
    assert!(stderr[0].contains("JWT_ACCESS_SECRET") && stderr[0].contains("0.0.0.0:0"), "{stderr:?}");
    assert!(stderr[0].contains("development") && stderr[0].contains("loopback"), "{stderr:?}");
}

#[test]
fn development_secrets_on_every_address_are_refused_even_when_app_env_says_production() {
    // A development secret copied into a production start.
    let (code, stderr) = serve_with(&[
        ("APP_ENV", "production"),
        ("RIGMASTER_CONFIG_DIR", "/nonexistent"),
        ("HTTP_ADDR", "0.0.0.0:0"),
        ("JWT_ACCESS_SECRET", "insecure-dev-access-secret-0123456789abcdef"),
    ]);

    assert_eq!(code, Some(EXIT_CONFIG), "{stderr:?}");
    assert_eq!(stderr.len(), 1, "one line: {stderr:?}");
    assert!(stderr[0].contains("JWT_ACCESS_SECRET") && stderr[0].contains("insecure"), "{stderr:?}");
}

#[test]
fn a_short_production_webhook_secret_refuses_to_start_and_says_why() {
    let (code, stderr) = serve_with(&production_with("w"));

    assert_eq!(code, Some(EXIT_CONFIG), "{stderr:?}");
    assert_eq!(stderr.len(), 1, "one line: {stderr:?}");
    assert!(stderr[0].contains("RAZORPAY_WEBHOOK_SECRET") && stderr[0].contains("32 characters"), "{stderr:?}");
}

#[test]
fn a_production_database_url_without_tls_refuses_to_start_and_says_why() {
    let mut vars = production_with("a-live-razorpay-webhook-secret-of-44-characters");
    vars.retain(|(name, _)| *name != "DATABASE_URL");
    vars.push(("DATABASE_URL", "postgres://app@db.invalid:5432/rigmaster"));

    let (code, stderr) = serve_with(&vars);

    assert_eq!(code, Some(EXIT_CONFIG), "{stderr:?}");
    assert_eq!(stderr.len(), 1, "one line: {stderr:?}");
    assert!(stderr[0].contains("DATABASE_URL") && stderr[0].contains("sslmode"), "{stderr:?}");
}
