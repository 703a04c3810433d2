//! The Razorpay simulator on a random port, in the test's own process.

use std::collections::HashMap;

use razorpay_sim::{SimSettings, Simulator};

pub struct TestSimulator {
    pub port: u16,
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub settings: SimSettings,
}

impl TestSimulator {
    /// The base URL to give rigmaster as `RAZORPAY_API_BASE`.
    pub fn api_base(&self) -> String {
        format!("{}/v1", self.address)
    }
}

/// Starts a simulator with the development keys, delivering webhooks to `webhook_url`.
pub async fn spawn_simulator(webhook_url: Option<String>) -> TestSimulator {
    let mut settings = SimSettings::from_env(&HashMap::new());
    settings.addr = "127.0.0.1:0".into();
    settings.webhook_url = webhook_url;
    let simulator = Simulator::build(settings.clone()).expect("the simulator builds");
    let port = simulator.port();
    tokio::spawn(simulator.run_until_stopped());
    TestSimulator { port, address: format!("http://127.0.0.1:{port}"), settings }
}
