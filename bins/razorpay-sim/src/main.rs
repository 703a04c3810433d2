//! `razorpay-sim`: serves the offline Razorpay stand-in until Ctrl-C or SIGTERM.

use std::collections::HashMap;

use razorpay_sim::{SimSettings, Simulator};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().compact().with_writer(std::io::stderr).init();
    let env: HashMap<String, String> = std::env::vars().collect();
    let simulator = Simulator::build(SimSettings::from_env(&env))?;
    tracing::info!(port = simulator.port(), "razorpay-sim is serving");
    simulator.run_until_stopped().await?;
    Ok(())
}
