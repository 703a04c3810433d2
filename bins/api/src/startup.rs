//! Builds the application from settings: the pool, migrations, services and the server.

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use catalog::categories::{Categories, PgCategoryStore};
use catalog::products::{PgProductStore, Products};
use idempotency::Idempotency;
use identity::accounts::{Accounts, PgAccountStore};
use identity::addresses::{AddressBook, PgAddressStore};
use identity::newsletter::{Newsletter, PgSubscriberStore};
use identity::password::{PasswordCost, PasswordHasher};
use identity::tokens::AccessTokens;
use kernel::SystemClock;
use orders::coupons::Coupons;
use orders::postgres::PgStores;
use payments_razorpay::listing::PaymentRecords;
use payments_razorpay::{RazorpayClient, WebhookIntake};
use secrecy::ExposeSecret as _;
use sqlx::PgPool;
use tokio::task::JoinHandle;
use tracing_actix_web::TracingLogger;

use crate::adapters::{
    CancelExpiredOrders, CatalogForOrders, InventoryForOrders, InventoryStockOpening, RazorpayPayments,
};
use crate::configuration::Settings;
use crate::db_health::DatabaseHealth;
use crate::error::ApiError;
use crate::extract::BodyLimit;
use crate::middleware::{RequestSpan, request_context};
use crate::rate_limit::InMemoryRateLimiter;
use crate::read_cache::ReadCache;
use crate::{db, db_health, metrics, read_cache, routes};

/// The services the handlers use, wired to their PostgreSQL adapters. Ports are held as
/// concrete generic types chosen here (see the README's architecture notes).
pub type NewsletterService = Newsletter<PgSubscriberStore>;
pub type AccountsService = Accounts<PgAccountStore, SystemClock>;
pub type AddressService = AddressBook<PgAddressStore>;
pub type CategoriesService = Categories<PgCategoryStore>;
pub type ProductsService = Products<PgProductStore<InventoryStockOpening>>;
pub type CartService = orders::cart::Carts<CatalogForOrders>;
pub type OrdersService = orders::service::Orders<CatalogForOrders, RazorpayPayments, InventoryForOrders>;
/// Per process for now; see [`crate::rate_limit::RateLimiter`].
pub type AuthRateLimiter = InMemoryRateLimiter;

/// The pool's configured ceiling, for the metrics endpoint.
#[derive(Debug, Clone, Copy)]
pub struct PoolLimits {
    pub max_connections: u32,
}

pub struct Application {
    port: u16,
    server: Server,
    pool: PgPool,
    expiry_interval: Duration,
    reconcile: Option<(Duration, Duration)>,
    orders: OrdersService,
    /// The catalog cache and the one-connection pool its listener uses (none when off).
    catalog_cache: Option<(Arc<ReadCache>, PgPool)>,
    database_health: Arc<DatabaseHealth>,
}

/// The catalog cache's change listener, running.
struct CacheListener {
    job: JoinHandle<()>,
    pool: PgPool,
}

impl Application {
    /// Connects, migrates (unless turned off), binds `settings.http.addr` (port 0 picks a
    /// free one) and prepares the server. Nothing is served until [`Self::run_until_stopped`].
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let pool = db::pool(&settings.database)?;
        if settings.database.migrate_on_start {
            db::migrate(&pool).await?;
        }
        let listener = TcpListener::bind(&settings.http.addr)
            .with_context(|| format!("cannot listen on {} (HTTP_ADDR)", settings.http.addr))?;
        let port = listener.local_addr()?.port();
        let orders = orders_service(pool.clone(), &settings)?;
        let catalog_cache = match ReadCache::new(&settings.catalog_cache)? {
            Some(cache) => Some((Arc::new(cache), db::listener_pool(&settings.database)?)),
            None => None,
        };
        let cache = catalog_cache.as_ref().map(|(cache, _)| Arc::clone(cache));
        let database_health = Arc::new(DatabaseHealth::new(pool.clone()));
        let server =
            build_server(listener, pool.clone(), &settings, orders.clone(), cache, Arc::clone(&database_health))?;
        let expiry_interval = Duration::from_secs(settings.inventory.expiry_interval_seconds);
        let reconcile = (settings.orders.reconcile_interval_seconds > 0).then(|| {
            (
                Duration::from_secs(settings.orders.reconcile_interval_seconds),
                Duration::from_secs(settings.orders.reconcile_after_seconds),
            )
        });
        Ok(Application { port, server, pool, expiry_interval, reconcile, orders, catalog_cache, database_health })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight requests
    /// finish (up to the shutdown timeout) and closes the pool. The binary passes
    /// [`shutdown_signal`]; tests pass a future that never completes.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let upkeep = spawn_metrics_upkeep();
        let database_watcher = db_health::spawn_watcher(Arc::clone(&self.database_health));
        let expiry = spawn_expiry_job(self.pool.clone(), self.orders.clone(), self.expiry_interval);
        let reconcile = self.reconcile.map(|(every, after)| spawn_reconcile_job(self.orders.clone(), every, after));
        let cache_listener = self.catalog_cache.map(|(cache, pool)| CacheListener {
            job: tokio::spawn(read_cache::follow_changes(cache, pool.clone())),
            pool,
        });
        let handle = self.server.handle();
        let server = self.server;
        tokio::pin!(server);
        let result = tokio::select! {
            result = &mut server => result,
            () = shutdown => {
                tracing::info!("shutting down: finishing in-flight requests");
                // The server future carries out the stop, so it is polled alongside.
                let ((), result) = tokio::join!(handle.stop(true), &mut server);
                result
            }
        };
        upkeep.abort();
        database_watcher.abort();
        // A pass cut short rolls back and is redone by the next process or start.
        for job in [expiry, reconcile].into_iter().flatten() {
            job.abort();
        }
        if let Some(listener) = cache_listener {
            listener.stop().await;
        }
        self.pool.close().await;
        result
    }
}

/// The accounts service as configured (also used by `rigmaster create-admin`).
pub fn accounts_service(pool: PgPool, settings: &Settings) -> anyhow::Result<AccountsService> {
    let access_tokens = AccessTokens::new(
        settings.jwt.access_secret.expose_secret().as_bytes(),
        Duration::from_secs(settings.jwt.access_ttl_seconds),
    );
    let cost = settings.passwords;
    let hasher = PasswordHasher::new(PasswordCost {
        memory_kib: cost.memory_kib,
        iterations: cost.iterations,
        parallelism: cost.parallelism,
    })?;
    Ok(Accounts::new(
        PgAccountStore::new(pool),
        SystemClock,
        hasher,
        access_tokens,
        Duration::from_secs(settings.jwt.refresh_ttl_days * 24 * 3600),
    ))
}

/// The products service (also used by `rigmaster seed-demo`).
pub fn products_service(pool: PgPool) -> ProductsService {
    Products::new(PgProductStore::new(pool, InventoryStockOpening))
}

/// The orders service as configured: catalog prices, Razorpay, inventory reservations.
pub fn orders_service(pool: PgPool, settings: &Settings) -> anyhow::Result<OrdersService> {
    let client = RazorpayClient::new(settings.razorpay.client_settings())?;
    let payments = RazorpayPayments::new(client, settings.razorpay.key_secret.clone(), pool.clone());
    Ok(orders::service::Orders::new(
        PgStores::new(pool.clone()),
        CatalogForOrders(products_service(pool)),
        payments,
        InventoryForOrders,
        Duration::from_secs(settings.inventory.reservation_ttl_seconds),
    )
    .with_refund_retry_after(Duration::from_secs(settings.orders.refund_retry_seconds))
    .with_checkout_concurrency(settings.orders.checkout_concurrency)
    // The slowest Razorpay call, plus a few seconds for the database around it.
    .with_payment_opening_lease(settings.razorpay.client_settings().worst_case() + Duration::from_secs(5)))
}

fn build_server(
    listener: TcpListener,
    pool: PgPool,
    settings: &Settings,
    orders: OrdersService,
    catalog_cache: Option<Arc<ReadCache>>,
    database_health: Arc<DatabaseHealth>,
) -> anyhow::Result<Server> {
    let database_health = web::Data::from(database_health);
    let metrics_handle = web::Data::new(metrics::install());
    let newsletter = web::Data::new(Newsletter::new(PgSubscriberStore::new(pool.clone())));
    let accounts = accounts_service(pool.clone(), settings)?;
    let accounts = web::Data::new(accounts);
    let addresses = web::Data::new(AddressBook::new(PgAddressStore::new(pool.clone())));
    let categories = web::Data::new(Categories::new(PgCategoryStore::new(pool.clone())));
    let products = web::Data::new(products_service(pool.clone()));
    let stock = web::Data::new(inventory::stock::StockLevels::new(pool.clone()));
    let webhooks = web::Data::new(WebhookIntake::new(settings.razorpay.webhook_secret.clone()));
    let gateway = web::Data::new(RazorpayClient::new(settings.razorpay.client_settings())?);
    let payment_records = web::Data::new(PaymentRecords::new(pool.clone()));
    let carts = web::Data::new(orders::cart::Carts::new(
        PgStores::new(pool.clone()),
        CatalogForOrders(products_service(pool.clone())),
    ));
    let coupons = web::Data::new(Coupons::new(PgStores::new(pool.clone())));
    let idempotency = web::Data::new(Idempotency::new(pool.clone()));
    let orders = web::Data::new(orders);
    let limiter =
        web::Data::new(InMemoryRateLimiter::new(settings.rate_limit.auth_per_minute, Duration::from_secs(60)));
    let pool = web::Data::new(pool);
    let limits = web::Data::new(PoolLimits { max_connections: settings.database.max_connections });
    let body_limit = BodyLimit(settings.http.body_limit_bytes);
    // Registered only when on: without it the cache middleware passes every request through.
    let catalog_cache = catalog_cache.map(web::Data::from);

    let mut server = HttpServer::new(move || {
        let app = match &catalog_cache {
            Some(cache) => App::new().app_data(cache.clone()),
            None => App::new(),
        };
        app.wrap(from_fn(request_context))
            .wrap(TracingLogger::<RequestSpan>::new())
            .app_data(body_limit)
            .app_data(body_limit.payload_config())
            .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::not_found().into()))
            .app_data(pool.clone())
            .app_data(limits.clone())
            .app_data(metrics_handle.clone())
            .app_data(newsletter.clone())
            .app_data(accounts.clone())
            .app_data(addresses.clone())
            .app_data(categories.clone())
            .app_data(products.clone())
            .app_data(stock.clone())
            .app_data(webhooks.clone())
            .app_data(gateway.clone())
            .app_data(payment_records.clone())
            .app_data(carts.clone())
            .app_data(coupons.clone())
            .app_data(idempotency.clone())
            .app_data(orders.clone())
            .app_data(limiter.clone())
            .app_data(database_health.clone())
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    .listen(listener)?
    // Signals are handled by `run_until_stopped`, so that Ctrl-C is as graceful as SIGTERM
    // (Actix alone stops at once on SIGINT).
    .disable_signals()
    .shutdown_timeout(settings.http.shutdown_timeout_seconds);
    if settings.http.workers > 0 {
        server = server.workers(settings.http.workers);
    }
    Ok(server.run())
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Releases expired reservations every `every` (never, when zero). Every process runs it;
/// they share the work through row and advisory locks (`inventory::expiry`).
fn spawn_expiry_job(pool: PgPool, orders: OrdersService, every: Duration) -> Option<JoinHandle<()>> {
    if every.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match inventory::expiry::release_expired(&pool, &CancelExpiredOrders(&orders)).await {
                Ok(0) => {}
                Ok(released) => tracing::info!(released, "released expired reservations"),
                Err(error) => tracing::warn!(error = %format!("{error:#}"), "an expiry pass failed; it is retried"),
            }
        }
    }))
}

/// Asks Razorpay about orders waiting for payment longer than `after`, every `every`,
/// and sends refunds still due. Every process runs it; orders are claimed with a lease
/// (`orders::reconcile`).
fn spawn_reconcile_job(orders: OrdersService, every: Duration, after: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match orders.reconcile(after).await {
                Ok(report) if report.orders_checked + report.refunds_sent > 0 => {
                    tracing::info!(
                        orders = report.orders_checked,
                        refunds = report.refunds_sent,
                        "reconciled payments"
                    );
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "a reconciliation pass failed; it is retried")
                }
            }
        }
    })
}

impl CacheListener {
    /// Stops listening and closes the listener's connection.
    async fn stop(self) {
        self.job.abort();
        // The aborted task gives its connection back when it is dropped; wait for that so
        // closing the pool does not wait on it.
        let _ = self.job.await;
        self.pool.close().await;
    }
}

/// Histograms are drained by rendering; the upkeep keeps memory bounded when nobody
/// scrapes for a while.
fn spawn_metrics_upkeep() -> JoinHandle<()> {
    let handle = metrics::install();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(5));
        loop {
            ticker.tick().await;
            handle.run_upkeep();
        }
    })
}
