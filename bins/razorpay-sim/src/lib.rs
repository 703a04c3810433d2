//! The offline Razorpay simulator (shared/razorpay.md, "What the simulator must do").
//!
//! Razorpay's own routes under `/v1` (orders, payments, capture, refunds) with its Basic
//! auth, ids, error bodies and signatures, state in memory; and the simulator's controls
//! under `/_sim/`, which stand in for the customer in the checkout window and for
//! outages.

mod api;
mod books;
mod control;
mod delivery;
mod ids;

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;

pub use books::Outcome;
pub use delivery::DeliverMode;

use crate::books::Books;
use crate::control::Fault;
use crate::delivery::{AttemptRecord, DeliveryRecord};

/// What the simulator needs to know; read from the environment by the binary.
#[derive(Debug, Clone)]
pub struct SimSettings {
    /// `host:port`; port 0 picks a free port.
    pub addr: String,
    pub key_id: String,
    pub key_secret: String,
    pub webhook_secret: String,
    /// Where webhooks are delivered (`RAZORPAY_WEBHOOK_URL`); none means not delivered.
    pub webhook_url: Option<String>,
    /// The `account_id` of webhook envelopes.
    pub account_id: String,
    /// Tries per webhook delivery, the first included.
    pub delivery_attempts: u32,
    /// The pause before the second try of a delivery; it doubles after each try.
    pub first_retry_pause: Duration,
}

impl SimSettings {
    /// Reads `RAZORPAY_SIM_ADDR`, `RAZORPAY_KEY_ID`, `RAZORPAY_KEY_SECRET`,
    /// `RAZORPAY_WEBHOOK_SECRET` and `RAZORPAY_WEBHOOK_URL`, with the development values
    /// `rigmaster` also uses by default.
    pub fn from_env(env: &HashMap<String, String>) -> SimSettings {
        let get = |name: &str, default: &str| env.get(name).cloned().unwrap_or_else(|| default.to_owned());
        SimSettings {
            addr: get("RAZORPAY_SIM_ADDR", "127.0.0.1:9010"),
            key_id: get("RAZORPAY_KEY_ID", "rzp_test_insecure-dev-key"),
            key_secret: get("RAZORPAY_KEY_SECRET", "insecure-dev-razorpay-key-secret"),
            webhook_secret: get("RAZORPAY_WEBHOOK_SECRET", "insecure-dev-razorpay-webhook-secret"),
            webhook_url: env.get("RAZORPAY_WEBHOOK_URL").cloned().filter(|url| !url.trim().is_empty()),
            account_id: "acc_SimRigMaster01".into(),
            delivery_attempts: 6,
            first_retry_pause: Duration::from_millis(200),
        }
    }
}

/// State shared by every worker of the simulator. Locks are never held across an await.
pub struct Shared {
    settings: SimSettings,
    books: Mutex<Books>,
    fault: Mutex<Fault>,
    webhook_url: Mutex<Option<String>>,
    deliveries: Mutex<Vec<DeliveryRecord>>,
    requests: Mutex<Vec<String>>,
    http: reqwest::Client,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock leaves plain data behind; carry on with it.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn books(&self) -> MutexGuard<'_, Books> {
        lock(&self.books)
    }

    fn webhook_url(&self) -> Option<String> {
        lock(&self.webhook_url).clone()
    }

    fn log_delivery(&self, record: DeliveryRecord) -> usize {
        let mut deliveries = lock(&self.deliveries);
        deliveries.push(record);
        deliveries.len() - 1
    }

    fn log_attempt(&self, index: usize, attempt: AttemptRecord, delivered: bool) {
        if let Some(record) = lock(&self.deliveries).get_mut(index) {
            record.attempts.push(attempt);
            record.delivered = delivered;
        }
    }
}

/// A handle on a running simulator, for tests in the same process.
#[derive(Clone)]
pub struct SimControl {
    shared: Arc<Shared>,
}

impl SimControl {
    /// Where webhooks go from now on (the store's port is known only once it is bound).
    pub fn set_webhook_url(&self, url: Option<String>) {
        *lock(&self.shared.webhook_url) = url;
    }
}

pub struct Simulator {
    port: u16,
    server: Server,
    control: SimControl,
}

impl Simulator {
    pub fn build(settings: SimSettings) -> anyhow::Result<Simulator> {
        let listener = TcpListener::bind(&settings.addr)
            .with_context(|| format!("cannot listen on {} (RAZORPAY_SIM_ADDR)", settings.addr))?;
        let port = listener.local_addr()?.port();
        let http = reqwest::Client::builder().build().context("cannot build the webhook HTTP client")?;
        let shared = Arc::new(Shared {
            webhook_url: Mutex::new(settings.webhook_url.clone()),
            settings,
            books: Mutex::new(Books::default()),
            fault: Mutex::new(Fault::default()),
            deliveries: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            http,
        });
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new().app_data(data.clone()).configure(api::configure).configure(control::configure)
        })
        .listen(listener)?
        .workers(1)
        .run();
        Ok(Simulator { port, server, control: SimControl { shared } })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn control(&self) -> SimControl {
        self.control.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
