//! `rigmaster`: the RigMaster Commerce server and its admin commands.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use identity::accounts::{AdminCreated, CreateAdminError, ExistingAccount};
use rigmaster_api::app::analytics_rebuild::{RebuildMode, rebuild_sales};
use rigmaster_api::app::demo_orders::DemoHistory;
use rigmaster_api::configuration::ConfigError;
use rigmaster_api::{Application, Settings, db, telemetry};

/// See the workspace manifest for why the server does not use the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// sysexits(3): a configuration problem.
const EXIT_CONFIG: u8 = 78;
/// sysexits(3): bad input on the command line or standard input.
const EXIT_USAGE: u8 = 64;

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
    /// Create an admin account (or, with --promote-existing, take over an existing one).
    ///
    /// The password is read from standard input (one line) and must be 8–128 characters.
    /// An e-mail that is already registered is refused (exit 64, nothing changed) unless
    /// --promote-existing is given.
    CreateAdmin {
        /// The admin's e-mail address.
        #[arg(long)]
        email: String,
        /// Read the password from standard input. Required: a password never goes on the
        /// command line, where other users and the shell history can see it.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// The name shown for a new admin.
        #[arg(long, default_value = "Administrator")]
        name: String,
        /// When the e-mail is already registered: make that account an admin, set its
        /// password to the one read from standard input, and sign it out everywhere
        /// (every refresh token is revoked), in one transaction.
        #[arg(long)]
        promote_existing: bool,
    },
    /// Load the demo store (300+ products in every category, with stock), idempotently.
    ///
    /// Applies pending migrations first. Products are generated from a fixed seed, so
    /// every run loads the same store; products already present (by SKU) are left as
    /// they are, so running it twice adds nothing.
    ///
    /// With --orders N, then adds N historical orders over the 365 days ending today
    /// (with their demo customers, stock reservations, refunds, returns and sales
    /// figures), generated from --seed. Refused, adding nothing, when historical demo
    /// orders are in the store already.
    SeedDemo {
        /// How many historical orders to add (about 3.3 lines each).
        #[arg(long)]
        orders: Option<usize>,
        /// The seed the history is generated from: the same seed, catalog and day give the
        /// same history.
        #[arg(long, default_value_t = 20)]
        seed: u64,
    },
    /// The sales figures of the admin dashboard.
    Analytics {
        #[command(subcommand)]
        command: AnalyticsCommand,
    },
    /// Print the API's OpenAPI 3.1 document (JSON) and exit; the server serves the same
    /// document at /api/v1/openapi.json. Needs no database.
    Openapi,
}

#[derive(Debug, Subcommand)]
enum AnalyticsCommand {
    /// Recompute the sales figures from the orders and report every difference; then,
    /// unless --check, replace the figures with the recomputed ones.
    ///
    /// Runs in one transaction that holds off every change to the figures meanwhile (with
    /// --check, in one snapshot that holds no one off). Exits 0 when nothing differed (or it was put right), 1 with --check when something
    /// differs.
    Rebuild {
        /// Only report: change nothing, and exit 1 if anything differs.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Some(Command::Openapi)) {
        println!("{:#}", rigmaster_api::openapi::document());
        return ExitCode::SUCCESS;
    }
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
            tracing::error!(error = %format!("{error:#}"), "rigmaster stopped on an error");
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
        Command::CreateAdmin { email, name, promote_existing, .. } => {
            let existing = if promote_existing { ExistingAccount::Promote } else { ExistingAccount::Refuse };
            create_admin(&settings, &email, &name, existing).await
        }
        Command::Analytics { command: AnalyticsCommand::Rebuild { check } } => {
            let mode = if check { RebuildMode::Check } else { RebuildMode::Fix };
            rebuild_analytics(&settings, mode).await
        }
        Command::Openapi => unreachable!("answered before the settings are loaded"),
        Command::SeedDemo { orders, seed } => {
            let pool = db::pool(&settings.database)?;
            db::migrate(&pool).await?;
            let report = rigmaster_api::seed::seed_demo(&pool).await?;
            println!("demo store: {} products added, {} already present", report.added, report.already_present);
            if let Some(orders) = orders {
                let started = std::time::Instant::now();
                let history = rigmaster_api::seed::seed_demo_history(&pool, &settings, orders, seed).await;
                let seconds = started.elapsed().as_secs_f64();
                match history? {
                    DemoHistory::Added { orders, lines, customers } => println!(
                        "demo history: {orders} orders ({lines} lines) of {customers} customers added in {seconds:.1} s"
                    ),
                    DemoHistory::AlreadyPresent => {
                        println!("demo history: historical demo orders are present already; nothing added");
                    }
                }
            }
            pool.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn create_admin(
    settings: &Settings,
    email: &str,
    name: &str,
    existing: ExistingAccount,
) -> anyhow::Result<ExitCode> {
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    let parsed = (
        kernel::Email::try_from(email),
        kernel::PersonName::parse(name, "name"),
        identity::password::Password::parse_new(password, "password"),
    );
    let (email, name, password) = match parsed {
        (Ok(email), Ok(name), Ok(password)) => (email, name, password),
        (email, name, password) => {
            let problems: Vec<String> = [email.err(), name.err(), password.err()]
                .into_iter()
                .flatten()
                .flat_map(|invalid| invalid.0)
                .map(|field| format!("{}: {}", field.field, field.message))
                .collect();
            eprintln!("rigmaster create-admin: {}", problems.join("; "));
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let pool = db::pool(&settings.database)?;
    db::migrate(&pool).await?;
    let accounts = rigmaster_api::state::accounts_service(pool.clone(), settings)?;
    let outcome = accounts.create_admin(&email, &name, password, existing).await;
    pool.close().await;
    match outcome {
        Ok(AdminCreated::Created(admin)) => println!("{} created ({})", admin.email, admin.id),
        Ok(AdminCreated::Promoted { admin, re_enabled }) => {
            let enabled = if re_enabled { "; it was disabled and is enabled again" } else { "" };
            println!(
                "{} promoted to admin with the new password; its sessions are revoked{enabled} ({})",
                admin.email, admin.id
            );
        }
        Err(CreateAdminError::EmailTaken) => {
            eprintln!(
                "rigmaster create-admin: {} is already registered; nothing was changed \
                 (run again with --promote-existing to make that account an admin with this password)",
                email.as_str()
            );
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        Err(CreateAdminError::Unexpected(error)) => return Err(error),
    }
    Ok(ExitCode::SUCCESS)
}

async fn rebuild_analytics(settings: &Settings, mode: RebuildMode) -> anyhow::Result<ExitCode> {
    let pool = db::pool(&settings.database)?;
    db::migrate(&pool).await?;
    let orders = rigmaster_api::state::orders_service(pool.clone(), settings)?;
    let started = std::time::Instant::now();
    let outcome = rebuild_sales(&pool, &orders, mode).await;
    pool.close().await;
    let outcome = outcome?;
    print!("{}", outcome.report);
    let seconds = started.elapsed().as_secs_f64();
    let verdict = match (outcome.report.is_clean(), outcome.fixed) {
        (true, _) => "the figures equal the orders",
        (false, true) => "the figures are replaced by the recomputed ones",
        (false, false) => "the figures differ from the orders (nothing changed)",
    };
    println!("{} orders read in {seconds:.1} s: {verdict}", outcome.orders);
    let differs = !outcome.report.is_clean() && mode == RebuildMode::Check;
    Ok(if differs { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn config_failure(error: &ConfigError) -> ExitCode {
    eprintln!("rigmaster: configuration error: {error}");
    ExitCode::from(EXIT_CONFIG)
}
