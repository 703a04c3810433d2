//! The offline Razorpay simulator (shared/razorpay.md, "What the simulator must do").
//!
//! So far only its frame: settings, binding (port 0 in tests) and a health route. The
//! Razorpay routes, the `/_sim/` controls and webhook delivery land with the Razorpay
//! issue.

use std::collections::HashMap;
use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context as _;
use serde_json::json;

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
            webhook_url: env.get("RAZORPAY_WEBHOOK_URL").cloned(),
        }
    }
}

pub struct Simulator {
    port: u16,
    server: Server,
}

impl Simulator {
    pub fn build(settings: SimSettings) -> anyhow::Result<Simulator> {
        let listener = TcpListener::bind(&settings.addr)
            .with_context(|| format!("cannot listen on {} (RAZORPAY_SIM_ADDR)", settings.addr))?;
        let port = listener.local_addr()?.port();
        let server = HttpServer::new(|| App::new().route("/_sim/health", web::get().to(health)))
            .listen(listener)?
            .workers(1)
            .run();
        Ok(Simulator { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}
