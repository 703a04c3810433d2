//! The `rigmaster` binary itself: its commands, configuration failures and shutdown.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use api_types::ErrorCode;
use api_types::auth::Login;
use api_types::users::{Role, UserQuery};
use reqwest::StatusCode;
use rigmaster_tests::{Patience, TestDatabase, assert_refused, eventually_with};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The binary with a clean environment: only what the test gives it.
fn rigmaster() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rigmaster"));
    command
        .current_dir(workspace_root())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LOG_FORMAT", "json")
        .stdin(Stdio::null());
    command
}

fn output_of(command: &mut Command) -> (Output, String) {
    let output = command.output().expect("rigmaster runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

#[test]
fn production_without_an_access_secret_refuses_to_start_and_names_it() {
    let (output, stderr) = output_of(
        rigmaster()
            .arg("serve")
            .env("APP_ENV", "production")
            .env("RAZORPAY_KEY_ID", "rzp_live_x")
            .env("RAZORPAY_KEY_SECRET", "s")
            .env("RAZORPAY_WEBHOOK_SECRET", "w")
            .env("HTTP_ADDR", "127.0.0.1:0"),
    );

    assert_eq!(output.status.code(), Some(78), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one clear line: {stderr}");
    assert!(lines[0].contains("JWT_ACCESS_SECRET"), "{stderr}");
}

#[test]
fn production_with_the_development_secret_refuses_to_start() {
    let (output, stderr) = output_of(
        rigmaster()
            .arg("serve")
            .env("APP_ENV", "production")
            .env("RIGMASTER_CONFIG_DIR", "/nonexistent")
            .env("HTTP_ADDR", "127.0.0.1:0")
            .env("JWT_ACCESS_SECRET", "insecure-dev-access-secret-0123456789abcdef"),
    );

    assert_eq!(output.status.code(), Some(78), "{stderr}");
    assert!(stderr.contains("JWT_ACCESS_SECRET") && stderr.contains("insecure"), "{stderr}");
}

#[test]
fn an_invalid_setting_names_its_variable() {
    let (output, stderr) = output_of(rigmaster().arg("migrate").env("APP_ENV", "staging"));

    assert_eq!(output.status.code(), Some(78));
    assert!(stderr.contains("APP_ENV"), "{stderr}");
}

#[test]
fn a_trusted_proxy_that_is_not_an_address_refuses_to_start_and_names_the_variable() {
    let (output, stderr) = output_of(
        rigmaster()
            .arg("serve")
            .env("HTTP_ADDR", "127.0.0.1:0")
            .env("RIGMASTER__RATE_LIMIT__TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal"),
    );

    assert_eq!(output.status.code(), Some(78), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
    assert!(stderr.contains("RIGMASTER__RATE_LIMIT__TRUSTED_PROXIES") && stderr.contains("proxy.internal"), "{stderr}");
}

#[test]
fn every_command_has_help() {
    for command in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["create-admin", "--help"],
        vec!["seed-demo", "--help"],
    ] {
        let (output, _) = output_of(rigmaster().args(&command));
        assert!(output.status.success(), "{command:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("Usage: rigmaster"), "{command:?}: {stdout}");
    }
}

#[tokio::test]
async fn seed_demo_loads_the_store_once_however_often_it_runs() {
    let db = TestDatabase::create_empty().await;

    let (first, stderr) = output_of(rigmaster().arg("seed-demo").env("DATABASE_URL", db.url()));
    assert!(first.status.success(), "{stderr}");
    let (second, stderr) = output_of(rigmaster().arg("seed-demo").env("DATABASE_URL", db.url()));
    assert!(second.status.success(), "{stderr}");

    let pool = db.pool().await;
    let products: i64 = sqlx::query_scalar("SELECT count(*) FROM catalog.products").fetch_one(&pool).await.unwrap();
    let stocked: i64 = sqlx::query_scalar("SELECT count(*) FROM inventory.stock").fetch_one(&pool).await.unwrap();
    assert!(products >= 300, "{products} products");
    assert_eq!(stocked, products, "every demo product has a stock row");
    let first = String::from_utf8_lossy(&first.stdout).into_owned();
    let second = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(first.contains(&format!("{products} products added, 0 already present")), "{first}");
    assert!(second.contains(&format!("0 products added, {products} already present")), "{second}");
}

#[tokio::test]
async fn analytics_rebuild_checks_a_seeded_history_then_finds_and_fixes_a_corrupted_day() {
    let db = TestDatabase::create_empty().await;
    let run = |args: &[&str]| {
        let (output, stderr) = output_of(rigmaster().args(args).env("DATABASE_URL", db.url()));
        (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned(), stderr)
    };
    let (seeded, stdout, stderr) = run(&["seed-demo", "--orders", "200", "--seed", "3"]);
    assert_eq!(seeded, Some(0), "{stderr}");
    assert!(stdout.contains("demo history: 200 orders"), "{stdout}");

    let (clean, stdout, stderr) = run(&["analytics", "rebuild", "--check"]);
    assert_eq!(clean, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("200 orders read") && stdout.contains("the figures equal the orders"), "{stdout}");

    let pool = db.pool().await;
    let day: chrono::NaiveDate =
        sqlx::query_scalar("UPDATE analytics.sales_days SET orders = orders + 1 WHERE day = (SELECT max(day) FROM analytics.sales_days) RETURNING day")
            .fetch_one(&pool)
            .await
            .unwrap();
    let (differs, stdout, _) = run(&["analytics", "rebuild", "--check"]);
    assert_eq!(differs, Some(1), "{stdout}");
    assert!(
        stdout.contains("analytics.sales_days      1 rows differ") && stdout.contains(&day.to_string()),
        "{stdout}"
    );
    let (fixed, stdout, stderr) = run(&["analytics", "rebuild"]);
    assert_eq!(fixed, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("the figures are replaced by the recomputed ones"), "{stdout}");
    let (clean, stdout, _) = run(&["analytics", "rebuild", "--check"]);
    assert_eq!(clean, Some(0), "{stdout}");
}

#[tokio::test]
async fn migrate_creates_every_domain_schema_in_an_empty_database() {
    let db = TestDatabase::create_empty().await;

    let (output, stderr) = output_of(rigmaster().arg("migrate").env("DATABASE_URL", db.url()));
    assert!(output.status.success(), "{stderr}");
    // A second run finds nothing to do.
    let (again, stderr) = output_of(rigmaster().arg("migrate").env("DATABASE_URL", db.url()));
    assert!(again.status.success(), "{stderr}");

    let schemas: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname IN ('identity','catalog','inventory','orders','payments','analytics','idempotency','edge') ORDER BY 1",
    )
    .fetch_all(&db.pool().await)
    .await
    .unwrap();
    assert_eq!(schemas, ["analytics", "catalog", "edge", "idempotency", "identity", "inventory", "orders", "payments"]);
}

/// A child process that is killed if the test ends without stopping it, so that a failed
/// assertion never leaves a server running.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `rigmaster serve` on `db` and a free port; returns the child and its port.
fn serve_on_a_free_port(db: &TestDatabase) -> (KillOnDrop, u16) {
    let mut child = KillOnDrop(
        rigmaster()
            .arg("serve")
            .env("DATABASE_URL", db.url())
            .env("HTTP_ADDR", "127.0.0.1:0")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let port = wait_for_port(&mut child.0);
    (child, port)
}

/// Sends `signal` through the shell's own `kill` (no procps package needed).
fn send_signal(child: &KillOnDrop, signal: &str) {
    let sent = Command::new("sh").arg("-c").arg(format!("kill -{signal} {}", child.0.id())).status().unwrap();
    assert!(sent.success());
}

/// Waits up to 15 s for the child to exit and returns how it exited.
async fn exit_status(child: &mut KillOnDrop) -> std::process::ExitStatus {
    let patience = Patience::within(Duration::from_secs(15)).every(Duration::from_millis(50));
    eventually_with("rigmaster exits", patience, async || child.0.try_wait().unwrap()).await
}

/// Runs `create-admin` on `db` with `password` on standard input.
fn create_admin(db: &TestDatabase, email: &str, password: &str) -> (Output, String) {
    create_admin_with(db, email, password, &[])
}

/// Runs `create-admin` on `db` with `password` on standard input and the `extra` arguments.
fn create_admin_with(db: &TestDatabase, email: &str, password: &str, extra: &[&str]) -> (Output, String) {
    use std::io::Write as _;
    let mut child = rigmaster()
        .args(["create-admin", "--email", email, "--password-stdin"])
        .args(extra)
        .env("DATABASE_URL", db.url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

#[tokio::test]
async fn create_admin_makes_an_admin_who_may_use_admin_routes() {
    let db = TestDatabase::create().await;
    let (output, stderr) = create_admin(&db, "Boss@RigMaster.in", "a strong admin password");
    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("boss@rigmaster.in created"));
    // Running it again is refused: the admin's password is not replaced by accident.
    let (again, stderr) = create_admin(&db, "boss@rigmaster.in", "another password entirely");
    assert_eq!(again.status.code(), Some(64), "{stderr}");
    let settings = rigmaster_tests::test_settings(db.url());
    let app = rigmaster_tests::app::start(db, settings).await;

    let credentials = Login { email: "boss@rigmaster.in".into(), password: "a strong admin password".into() };
    let session = app.api.login(&credentials).await.expect("the first password is kept");
    assert_eq!(session.user.role, Role::Admin);
    let listed = app.api.authorized(&session.access_token).users(&UserQuery::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test]
async fn create_admin_on_a_registered_customers_email_exits_64_and_changes_nothing() {
    let app = rigmaster_tests::spawn_app().await;
    let customer = app.register_customer().await;

    let (output, stderr) = create_admin(&app.db, &customer.email, "the owner's own password");

    assert_eq!(output.status.code(), Some(64), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one clear line: {stderr}");
    assert!(lines[0].contains("already registered") && lines[0].contains("--promote-existing"), "{stderr}");
    assert_eq!(customer.api.me().await.unwrap().role, Role::Customer);
    let own_password = Login { email: customer.email.clone(), password: customer.password.clone() };
    assert_eq!(app.api.login(&own_password).await.expect("the password is unchanged").user.role, Role::Customer);
    app.api.refresh(&customer.refresh_token).await.expect("the session is untouched");
}

#[tokio::test]
async fn create_admin_promote_existing_sets_the_password_and_ends_every_session() {
    let app = rigmaster_tests::spawn_app().await;
    let customer = app.register_customer().await;
    let second_sign_in = Login { email: customer.email.clone(), password: customer.password.clone() };
    let other_session = app.api.login(&second_sign_in).await.unwrap();

    let (output, stderr) =
        create_admin_with(&app.db, &customer.email, "the owner's own password", &["--promote-existing"]);

    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("promoted to admin"));
    let new_password = Login { email: customer.email.clone(), password: "the owner's own password".into() };
    let admin = app.api.login(&new_password).await.expect("the new password signs in");
    assert_eq!(admin.user.role, Role::Admin);
    app.api.authorized(&admin.access_token).users(&UserQuery::default()).await.unwrap();
    assert_refused(app.api.login(&second_sign_in).await, StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials);
    for old in [&customer.refresh_token, &other_session.refresh_token] {
        assert_refused(app.api.refresh(old).await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    }
    // The access tokens issued before the promotion are still unexpired, and the account
    // is an admin now: they are refused all the same, on admin and customer routes.
    for old in [&customer.access_token, &other_session.access_token] {
        let before = app.api.authorized(old);
        assert_refused(before.users(&UserQuery::default()).await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
        assert_refused(before.me().await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    }
    assert_eq!(app.api.authorized(&admin.access_token).me().await.unwrap().role, Role::Admin);
}

#[tokio::test]
async fn create_admin_promote_existing_enables_a_disabled_account_and_says_so() {
    let app = rigmaster_tests::spawn_app().await;
    let customer = app.register_customer().await;
    sqlx::query("UPDATE identity.users SET is_disabled = true WHERE id = $1")
        .bind(customer.id)
        .execute(&app.db.pool().await)
        .await
        .unwrap();

    let (output, stderr) =
        create_admin_with(&app.db, &customer.email, "the owner's own password", &["--promote-existing"]);

    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("promoted to admin") && stdout.contains("enabled again"), "{stdout}");
    let new_password = Login { email: customer.email.clone(), password: "the owner's own password".into() };
    let admin = app.api.login(&new_password).await.expect("the promoted account signs in");
    assert_eq!(app.api.authorized(&admin.access_token).me().await.unwrap().role, Role::Admin);
}

#[tokio::test]
async fn create_admin_promote_existing_on_an_enabled_account_says_nothing_of_enabling() {
    let app = rigmaster_tests::spawn_app().await;
    let customer = app.register_customer().await;

    let (output, stderr) =
        create_admin_with(&app.db, &customer.email, "the owner's own password", &["--promote-existing"]);

    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("promoted to admin") && !stdout.contains("enabled"), "{stdout}");
}

#[tokio::test]
async fn create_admin_promote_existing_on_a_new_email_creates_the_admin() {
    let db = TestDatabase::create().await;

    let (output, stderr) =
        create_admin_with(&db, "boss@rigmaster.in", "a strong admin password", &["--promote-existing"]);

    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("boss@rigmaster.in created"));
}

#[tokio::test]
async fn create_admin_refuses_a_short_password_and_writes_nothing() {
    let db = TestDatabase::create().await;

    let (output, stderr) = create_admin(&db, "boss@rigmaster.in", "short");

    assert_eq!(output.status.code(), Some(64), "{stderr}");
    assert!(stderr.contains("password"), "{stderr}");
    let users: i64 =
        sqlx::query_scalar("SELECT count(*) FROM identity.users").fetch_one(&db.pool().await).await.unwrap();
    assert_eq!(users, 0);
}

/// Waits for the JSON log line announcing the port, and returns it.
fn wait_for_port(child: &mut Child) -> u16 {
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line)
            && entry["fields"]["message"] == "rigmaster is serving"
        {
            // Keep draining stderr so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return entry["fields"]["port"].as_u64().expect("the port is logged") as u16;
        }
    }
    panic!("rigmaster did not announce its port");
}

#[tokio::test]
async fn serve_stops_cleanly_on_sigterm() {
    serve_stops_cleanly_on("TERM").await;
}

#[tokio::test]
async fn serve_stops_cleanly_on_ctrl_c() {
    serve_stops_cleanly_on("INT").await;
}

#[tokio::test]
async fn a_request_in_flight_at_sigterm_is_answered_before_exit() {
    in_flight_request_survives("TERM").await;
}

#[tokio::test]
async fn a_request_in_flight_at_ctrl_c_is_answered_before_exit() {
    in_flight_request_survives("INT").await;
}

/// A request still being received when the signal arrives is finished, then the process
/// exits.
async fn in_flight_request_survives(signal: &str) {
    use std::io::{Read as _, Write as _};

    let db = TestDatabase::create().await;
    let (mut child, port) = serve_on_a_free_port(&db);
    let body = r#"{"email":"in-flight@example.in"}"#;
    let (first_half, second_half) = body.split_at(10);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /api/v1/newsletter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first_half}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    send_signal(&child, signal);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(child.0.try_wait().unwrap().is_none(), "still running while a request is in flight");
    stream.write_all(second_half.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();

    assert!(response.starts_with("HTTP/1.1 202"), "{response}");
    assert!(exit_status(&mut child).await.success());
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM identity.newsletter_subscribers")
        .fetch_one(&db.pool().await)
        .await
        .unwrap();
    assert_eq!(rows, 1, "the in-flight request did its work");
}

async fn serve_stops_cleanly_on(signal: &str) {
    let db = TestDatabase::create().await;
    let (mut child, port) = serve_on_a_free_port(&db);
    let health = reqwest::get(format!("http://127.0.0.1:{port}/health")).await.unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);

    send_signal(&child, signal);

    let status = exit_status(&mut child).await;
    assert!(status.success(), "a graceful stop exits 0, got {status}");
    assert!(reqwest::get(format!("http://127.0.0.1:{port}/health")).await.is_err(), "no longer listening");
}
