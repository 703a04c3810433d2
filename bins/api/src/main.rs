//! `rigmaster`: the RigMaster Commerce server and its admin commands.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rigmaster_api::configuration::ConfigError;
use rigmaster_api::{Application, Settings, db, telemetry};

/// sysexits(3): a configuration problem.
const EXIT_CONFIG: u8 = 78;
/// sysexits(3): the command exists but cannot be done (not built yet).
const EXIT_UNAVAILABLE: u8 = 69;

#[derive(Debug, Parser)]
#[command(
    name = "rigmaster",
    version,
    about = "RigMaster Commerce: the store's API server and admin commands.",
    long_about = "RigMaster Commerce: the store's API server and admin commands.\n\n\
        Settings come from config/default.toml, config/{APP_ENV}.toml and the environment \
        (DATABASE_URL, HTTP_ADDR, APP_ENV, JWT_ACCESS_SECRET, … — see .env.example). \
        RIGMASTER_CONFIG_DIR names another folder than ./config."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations, then serve the HTTP API until SIGTERM or Ctrl-C (the default).
    Serve,
    /// Apply every domain's pending migrations, then exit.
    Migrate,
    /// Create an admin account, or promote an existing user to admin.
    ///
    /// NOT AVAILABLE YET: this arrives with the identity domain. Until then it exits with
    /// status 69 and changes nothing.
    CreateAdmin {
        /// The admin's e-mail address.
        #[arg(long)]
        email: String,
        /// Read the password from standard input (one line), never from the command line.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Load the demo store (categories, 300+ products, stock), idempotently.
    ///
    /// NOT AVAILABLE YET: this arrives with the catalog domain. Until then it exits with
    /// status 69 and changes nothing.
    SeedDemo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env: HashMap<String, String> = std::env::vars().collect();
    let config_dir = env.get("RIGMASTER_CONFIG_DIR").map_or_else(|| PathBuf::from("config"), PathBuf::from);
    let settings = match Settings::load(Some(&config_dir), &env) {
        Ok(settings) => settings,
        Err(error) => return config_failure(&error),
    };
    let command = cli.command.unwrap_or(Command::Serve);
    if matches!(command, Command::Serve)
        && let Err(error) = settings.check_secrets()
    {
        return config_failure(&error);
    }
    telemetry::init(&settings.log);

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("rigmaster: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(command, settings)) {
        Ok(code) => code,
        Err(error) => {
            tracing::error!(error = ?error, "rigmaster stopped on an error");
            eprintln!("rigmaster: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "rigmaster is serving");
            app.run_until_stopped(rigmaster_api::startup::shutdown_signal()).await?;
            tracing::info!("rigmaster stopped");
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let pool = db::pool(&settings.database)?;
            db::migrate(&pool).await?;
            pool.close().await;
            tracing::info!("migrations are up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::CreateAdmin { .. } => Ok(not_available_yet("create-admin", "identity")),
        Command::SeedDemo => Ok(not_available_yet("seed-demo", "catalog")),
    }
}

fn config_failure(error: &ConfigError) -> ExitCode {
    eprintln!("rigmaster: configuration error: {error}");
    ExitCode::from(EXIT_CONFIG)
}

fn not_available_yet(command: &str, domain: &str) -> ExitCode {
    eprintln!("rigmaster {command}: not available yet; it arrives with the {domain} domain. Nothing was changed.");
    ExitCode::from(EXIT_UNAVAILABLE)
}
