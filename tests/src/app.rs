//! The real application on a random port, against its own fresh database.

use std::collections::HashMap;
use std::path::Path;

use api_types::auth::{Login, Registration, Session};
use client::Client;
use reqwest::{Response, StatusCode};
use rigmaster_api::{Application, Settings};
use serde_json::Value;
use uuid::Uuid;

use crate::database::TestDatabase;
use crate::simulator::{TestSimulator, spawn_simulator};

pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub port: u16,
    pub db: TestDatabase,
    /// For raw requests: hostile input, exact bytes and headers.
    pub client: reqwest::Client,
    /// The typed client, anonymous, over `client`: how a storefront talks to the app.
    pub api: Client,
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
        // Like a load test, most tests place orders far faster than a shopper would; the
        // tests of the limits themselves start from the store's defaults
        // (`with_store_limits`).
        ("RIGMASTER__RATE_LIMIT__AUTH_PER_MINUTE", "100000"),
        ("RIGMASTER__RATE_LIMIT__AUTH_PER_EMAIL_PER_MINUTE", "100000"),
        ("RIGMASTER__RATE_LIMIT__SESSIONS_PER_MINUTE", "100000"),
        ("RIGMASTER__RATE_LIMIT__ORDERS_PER_MINUTE", "100000"),
        ("RIGMASTER__RATE_LIMIT__PAYMENTS_PER_MINUTE", "100000"),
        ("RIGMASTER__RATE_LIMIT__COUPON_PER_MINUTE", "100000"),
        ("RIGMASTER__RATE_LIMIT__NEWSLETTER_PER_MINUTE", "100000"),
        ("RIGMASTER__LIMITS__MAX_PENDING_ORDERS", "100000"),
        ("RIGMASTER__LIMITS__MAX_OPEN_COD_ORDERS", "100000"),
        // Tests sign many customers up at once on a debug build, where a hash takes far
        // longer than in release: a turn may take a while, and that is not what they test.
        ("RIGMASTER__PASSWORDS__HASH_WAIT_MS", "600000"),
        // The cleanup job runs only in the tests of it.
        ("RIGMASTER__RETENTION__CLEANUP_INTERVAL_SECONDS", "0"),
        // Analytics answers are computed afresh; the test of the cache turns it on.
        ("RIGMASTER__ANALYTICS__CACHE_SECONDS", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Settings::load(Some(&config_dir), &env).expect("test settings load")
}

/// Puts back the store's shipped rate limits and caps (`config/default.toml`), which
/// [`test_settings`] raises for every other test.
pub fn with_store_limits(settings: &mut Settings) {
    let shipped = Settings::load(Some(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../config")), &HashMap::new())
        .expect("the shipped settings load");
    settings.rate_limit = shipped.rate_limit;
    settings.limits = shipped.limits;
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
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp::at(port, db, client, simulator)
}

impl TestApp {
    /// The app serving `db` on `port` (a process started elsewhere), its simulator
    /// delivering webhooks to it.
    pub fn at(port: u16, db: TestDatabase, client: reqwest::Client, simulator: TestSimulator) -> TestApp {
        let address = format!("http://127.0.0.1:{port}");
        let api = Client::with_http(client.clone(), &address);
        let app = TestApp { address, port, db, client, api, simulator };
        app.simulator.control.set_webhook_url(Some(app.url("/api/v1/webhooks/razorpay")));
        app
    }

    /// Talks to another process serving the same database on `port` from now on (a
    /// restarted `rigmaster`); users made before act there again through
    /// [`TestUser::moved_to`].
    pub fn moved_to(&mut self, port: u16) {
        self.port = port;
        self.address = format!("http://127.0.0.1:{port}");
        self.api = Client::with_http(self.client.clone(), &self.address);
        self.simulator.control.set_webhook_url(Some(self.url("/api/v1/webhooks/razorpay")));
    }

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
}

/// A registered user, the tokens it signed in with, and the typed client acting for it.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: Uuid,
    pub email: String,
    pub password: String,
    pub access_token: String,
    pub refresh_token: String,
    /// The typed client, authorized with `access_token`.
    pub api: Client,
}

impl TestUser {
    /// The user of `session`, signed in with `password`, acting through `app`.
    fn signed_in(app: &TestApp, password: &str, session: Session) -> TestUser {
        TestUser {
            id: session.user.id,
            email: session.user.email,
            password: password.to_owned(),
            api: app.api.authorized(&session.access_token),
            access_token: session.access_token,
            refresh_token: session.refresh_token,
        }
    }

    /// Acts for this user through `app` (which has moved to another process).
    pub fn moved_to(&mut self, app: &TestApp) {
        self.api = app.api.authorized(&self.access_token);
    }
}

impl TestApp {
    /// Registers a new customer with a unique e-mail and returns its session.
    pub async fn register_customer(&self) -> TestUser {
        let registration = Registration {
            name: "Test Customer".into(),
            email: format!("customer-{}@example.in", Uuid::new_v4().simple()),
            password: "correct horse battery".into(),
            phone: None,
        };
        let session = self.api.register(&registration).await.expect("registering a test customer");
        TestUser::signed_in(self, &registration.password, session)
    }

    /// Registers a user, makes it an admin in the database (keeping its password, unlike
    /// `rigmaster create-admin --promote-existing`) and signs it in again so its access token carries the admin role.
    pub async fn register_admin(&self) -> TestUser {
        let customer = self.register_customer().await;
        sqlx::query("UPDATE identity.users SET role = 'admin' WHERE id = $1")
            .bind(customer.id)
            .execute(&self.db.pool().await)
            .await
            .expect("promoting the test admin");
        let credentials = Login { email: customer.email, password: customer.password };
        let session = self.api.login(&credentials).await.expect("signing the test admin in");
        TestUser::signed_in(self, &credentials.password, session)
    }

    /// Loads the demo store (as `rigmaster seed-demo` does); returns how many products it added.
    pub async fn seed_demo(&self) -> usize {
        let pool = self.db.pool().await;
        let report = rigmaster_api::seed::seed_demo(&pool).await.expect("seeding the demo store");
        pool.close().await;
        report.added
    }

    // Raw requests, for what the typed client cannot send: malformed or hostile input, and
    // checks of exact statuses, headers and bytes.

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("request sent")
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
