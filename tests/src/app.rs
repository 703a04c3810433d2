//! The real application on a random port, against its own fresh database.

use std::collections::HashMap;
use std::path::Path;

use reqwest::{Response, StatusCode};
use rigmaster_api::{Application, Settings};
use serde_json::Value;

use crate::database::TestDatabase;
use crate::simulator::{TestSimulator, spawn_simulator};

pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub port: u16,
    pub db: TestDatabase,
    pub client: reqwest::Client,
    /// This app's own Razorpay simulator, delivering webhooks to it.
    pub simulator: TestSimulator,
}

/// Settings for a test: the development defaults from `config/`, a free port, the given
/// database, and a small pool.
pub fn test_settings(database_url: &str) -> Settings {
    let config_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    let env: HashMap<String, String> = [
        ("APP_ENV", "development"),
        ("HTTP_ADDR", "127.0.0.1:0"),
        ("DATABASE_URL", database_url),
        ("RIGMASTER__HTTP__WORKERS", "2"),
        ("RIGMASTER__DATABASE__MAX_CONNECTIONS", "10"),
        // Tests that want the expiry job turn it on; the others stay deterministic.
        ("RESERVATION_EXPIRY_INTERVAL_SECONDS", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Settings::load(Some(&config_dir), &env).expect("test settings load")
}

/// Starts the app with the test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app, with its own Razorpay simulator, after `customize` has adjusted its
/// settings.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDatabase::create().await;
    let simulator = spawn_simulator(None).await;
    let mut settings = test_settings(db.url());
    settings.razorpay.api_base = simulator.api_base();
    customize(&mut settings);
    start_with(db, settings, simulator).await
}

/// Starts the app on `db` with exactly `settings` (whose database URL may point
/// elsewhere, e.g. through a proxy to `db`), beside a simulator of its own.
pub async fn start(db: TestDatabase, settings: Settings) -> TestApp {
    let simulator = spawn_simulator(None).await;
    start_with(db, settings, simulator).await
}

async fn start_with(db: TestDatabase, settings: Settings, simulator: TestSimulator) -> TestApp {
    let app = Application::build(settings).await.expect("the application builds");
    let port = app.port();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let address = format!("http://127.0.0.1:{port}");
    simulator.control.set_webhook_url(Some(format!("{address}/api/v1/webhooks/razorpay")));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { address, port, db, client, simulator }
}

impl TestApp {
    /// Another app (another `rigmaster` process, as it were) on this app's database, with
    /// the test defaults adjusted by `customize`, and a simulator of its own.
    pub async fn spawn_beside(&self, customize: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = test_settings(self.db.url());
        customize(&mut settings);
        // The first app migrated the database.
        settings.database.migrate_on_start = false;
        let simulator = spawn_simulator(None).await;
        settings.razorpay.api_base = simulator.api_base();
        start_with(self.db.share(), settings, simulator).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("request sent")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client.post(self.url(path)).json(body).send().await.expect("request sent")
    }

    /// Posts `body` as is, with the given content type (or none).
    pub async fn post_raw(&self, path: &str, content_type: Option<&str>, body: impl Into<reqwest::Body>) -> Response {
        let mut request = self.client.post(self.url(path)).body(body);
        if let Some(content_type) = content_type {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        request.send().await.expect("request sent")
    }
}

/// A registered user and the tokens its registration returned.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub password: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    /// Registers a new customer with a unique e-mail and returns its session.
    pub async fn register_customer(&self) -> TestUser {
        let email = format!("customer-{}@example.in", uuid::Uuid::new_v4().simple());
        let password = "correct horse battery".to_owned();
        let response = self
            .post_json(
                "/api/v1/auth/register",
                &serde_json::json!({"name": "Test Customer", "email": email, "password": password}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "registering a test customer");
        let body: Value = response.json().await.unwrap();
        TestUser {
            id: body["user"]["id"].as_str().unwrap().to_owned(),
            email,
            password,
            access_token: body["access_token"].as_str().unwrap().to_owned(),
            refresh_token: body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Registers a user, makes it an admin in the database (as `rigmaster create-admin`
    /// would) and signs it in again so its access token carries the admin role.
    pub async fn register_admin(&self) -> TestUser {
        let mut admin = self.register_customer().await;
        sqlx::query("UPDATE identity.users SET role = 'admin' WHERE email = $1")
            .bind(&admin.email)
            .execute(&self.db.pool().await)
            .await
            .expect("promoting the test admin");
        let login = self
            .post_json("/api/v1/auth/login", &serde_json::json!({"email": admin.email, "password": admin.password}))
            .await;
        let body: Value = login.json().await.unwrap();
        admin.access_token = body["access_token"].as_str().unwrap().to_owned();
        admin.refresh_token = body["refresh_token"].as_str().unwrap().to_owned();
        admin
    }

    /// Loads the demo store (as `rigmaster seed-demo` does); returns how many products it added.
    pub async fn seed_demo(&self) -> usize {
        let pool = self.db.pool().await;
        let report = rigmaster_api::seed::seed_demo(&pool).await.expect("seeding the demo store");
        pool.close().await;
        report.added
    }

    /// Creates a product as `admin`, asserting 201, and returns the `Product` body.
    pub async fn create_product(&self, admin: &TestUser, body: &Value) -> Value {
        let response =
            self.send_json_as(reqwest::Method::POST, "/api/v1/admin/products", &admin.access_token, body).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "creating a product: {body}");
        body
    }

    /// A GET that must answer 200 with JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    pub async fn get_as(&self, path: &str, access_token: &str) -> Response {
        self.client.get(self.url(path)).bearer_auth(access_token).send().await.expect("request sent")
    }

    pub async fn send_json_as(
        &self,
        method: reqwest::Method,
        path: &str,
        access_token: &str,
        body: &Value,
    ) -> Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(access_token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }
}

/// Asserts `response` is the contract's error envelope with this status and code, and
/// that the envelope's request id is the one in the `x-request-id` header. Returns the
/// `error` object for further checks.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    let header_id = response
        .headers()
        .get("x-request-id")
        .expect("every response carries x-request-id")
        .to_str()
        .unwrap()
        .to_owned();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/json"), "errors are JSON");
    let body: Value = response.json().await.expect("an error body is JSON");
    let error = body.get("error").unwrap_or_else(|| panic!("no `error` member in {body}"));
    assert_eq!(error["code"], code, "code in {body}");
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "a message in {body}");
    assert!(error["details"].is_array(), "details is a list in {body}");
    assert_eq!(error["request_id"], header_id.as_str(), "request_id matches the header in {body}");
    error.clone()
}
