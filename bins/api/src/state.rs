//! What the handlers share: the services wired to their adapters, and the process's own
//! state (pool, metrics, database health, catalog cache), gathered in one [`AppState`].
//!
//! Ports are held as concrete generic types chosen here (see the README's architecture
//! notes). Routes, extractors and use cases import the type aliases from this module;
//! `adapters.rs` spells the types it needs itself (this module imports the adapters).
//! `startup.rs` only builds and serves.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use audit::AuditTrail;
use catalog::builder::{Builder, PgSavedBuilds};
use catalog::categories::{Categories, PgCategoryStore};
use catalog::products::{PgProductStore, Products};
use idempotency::Idempotency;
use identity::accounts::{Accounts, PgAccountStore, RefreshLifetime};
use identity::addresses::{AddressBook, PgAddressStore};
use identity::newsletter::{Newsletter, PgSubscriberStore};
use identity::password::{PasswordCost, PasswordHasher};
use identity::tokens::AccessTokens;
use inventory::stock::StockLevels;
use kernel::SystemClock;
use metrics_exporter_prometheus::PrometheusHandle;
use orders::cart::Carts;
use orders::coupons::Coupons;
use orders::postgres::PgStores;
use payments_razorpay::listing::PaymentRecords;
use payments_razorpay::{RazorpayClient, WebhookIntake};
use secrecy::ExposeSecret as _;
use sqlx::PgPool;

use crate::adapters::{
    CatalogForOrders, InventoryForOrders, InventoryStockOpening, RazorpayPayments, RecordsForOrders,
};
use crate::app::admin_orders::AdminOrderReads;
use crate::app::analytics::AnswerCache;
use crate::app::builder::PcBuilder;
use crate::app::invoices::InvoiceReads;
use crate::configuration::Settings;
use crate::db_health::DatabaseHealth;
use crate::http::limits::{RequestLimits, WINDOW};
use crate::metrics;
use crate::metrics::OrderStatusGauge;
use crate::rate_limit::PgRateLimiter;
use crate::read_cache::ReadCache;

pub type NewsletterService = Newsletter<PgSubscriberStore>;
pub type AccountsService = Accounts<PgAccountStore, SystemClock>;
pub type AddressService = AddressBook<PgAddressStore>;
pub type CategoriesService = Categories<PgCategoryStore>;
pub type ProductsService = Products<PgProductStore<InventoryStockOpening>>;
pub type BuilderService = Builder<PgProductStore<InventoryStockOpening>, PgSavedBuilds>;
pub type CartService = Carts<CatalogForOrders>;
pub type OrdersService =
    orders::service::Orders<CatalogForOrders, RazorpayPayments, InventoryForOrders, RecordsForOrders>;
/// The rate limits, counted in PostgreSQL across every process of the store.
pub type RateLimits = RequestLimits<PgRateLimiter>;

/// The pool's configured ceiling, for the metrics endpoint.
#[derive(Debug, Clone, Copy)]
pub struct PoolLimits {
    pub max_connections: u32,
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
    })?
    .with_turns(cost.max_concurrent_hashes, Duration::from_millis(cost.hash_wait_ms));
    Ok(Accounts::new(
        PgAccountStore::new(pool),
        SystemClock,
        hasher,
        access_tokens,
        RefreshLifetime::days(settings.jwt.refresh_ttl_days, settings.jwt.refresh_absolute_days),
    ))
}

/// The products service (also used by `rigmaster seed-demo`).
pub fn products_service(pool: PgPool) -> ProductsService {
    Products::new(PgProductStore::new(pool, InventoryStockOpening))
}

/// The orders service as configured: catalog prices, Razorpay, inventory reservations,
/// and the `[limits]` on what one customer may hold.
pub fn orders_service(pool: PgPool, settings: &Settings) -> anyhow::Result<OrdersService> {
    let client = RazorpayClient::new(settings.razorpay.client_settings())?;
    let payments = RazorpayPayments::new(client, settings.razorpay.key_secret.clone(), pool.clone());
    let limits = settings.limits;
    let limits = orders::limits::OrderLimits {
        max_units_per_order: i64::from(limits.max_units_per_order),
        max_pending_orders: i64::from(limits.max_pending_orders),
        cod_max: kernel::Money::from_paise(limits.cod_max_paise),
        max_open_cod_orders: i64::from(limits.max_open_cod_orders),
        retry_window: Duration::from_secs(limits.retry_window_hours.saturating_mul(3600)),
        checkout_turn_wait: Duration::from_millis(limits.checkout_turn_wait_ms),
    };
    Ok(orders::service::Orders::new(
        PgStores::new(pool.clone()),
        CatalogForOrders(products_service(pool)),
        payments,
        InventoryForOrders,
        RecordsForOrders { invoicing: settings.store.invoicing()? },
        Duration::from_secs(settings.inventory.reservation_ttl_seconds),
    )
    .with_refund_retry_after(Duration::from_secs(settings.orders.refund_retry_seconds))
    .with_checkout_concurrency(settings.orders.checkout_concurrency)
    .with_limits(limits)
    // The slowest Razorpay call, plus a few seconds for the database around it.
    .with_payment_opening_lease(settings.razorpay.client_settings().worst_case() + Duration::from_secs(5)))
}

/// Everything the handlers, extractors and middleware take from the app, built once per
/// process and shared by every worker. Each part is registered as its own `web::Data`, so
/// a handler asks for exactly the services it uses.
#[derive(Clone)]
pub struct AppState {
    pub pool: web::Data<PgPool>,
    pub limits: web::Data<PoolLimits>,
    pub metrics: web::Data<PrometheusHandle>,
    pub database_health: web::Data<DatabaseHealth>,
    /// The catalog cache, when on; without it the cache middleware passes every request
    /// through.
    pub catalog_cache: Option<web::Data<ReadCache>>,
    pub newsletter: web::Data<NewsletterService>,
    pub accounts: web::Data<AccountsService>,
    pub addresses: web::Data<AddressService>,
    pub categories: web::Data<CategoriesService>,
    pub products: web::Data<ProductsService>,
    pub builder: web::Data<PcBuilder>,
    pub stock: web::Data<StockLevels>,
    pub webhooks: web::Data<WebhookIntake>,
    pub payment_records: web::Data<PaymentRecords>,
    pub carts: web::Data<CartService>,
    pub coupons: web::Data<Coupons>,
    pub idempotency: web::Data<Idempotency>,
    pub orders: web::Data<OrdersService>,
    /// What the admin's order routes read (orders, customers, payment records).
    pub admin_orders: web::Data<AdminOrderReads>,
    /// `orders_by_status`, counted when scraped (at most every few seconds).
    pub order_status_gauge: web::Data<OrderStatusGauge>,
    pub limiter: web::Data<RateLimits>,
    pub audit_trail: web::Data<AuditTrail>,
    /// The sales figures' reports, and their answers kept for a few seconds.
    pub sales_reports: web::Data<analytics::SalesReports>,
    pub analytics_cache: web::Data<AnswerCache>,
    /// The tax invoices and credit notes.
    pub invoices: web::Data<InvoiceReads>,
}

impl AppState {
    /// Wires every service to its PostgreSQL adapter on `pool`. The orders service, the
    /// catalog cache and the database watcher are built by the caller, which also runs
    /// their background jobs.
    pub fn build(
        pool: PgPool,
        settings: &Settings,
        orders: OrdersService,
        catalog_cache: Option<Arc<ReadCache>>,
        database_health: Arc<DatabaseHealth>,
    ) -> anyhow::Result<AppState> {
        let database_health = web::Data::from(database_health);
        let metrics = web::Data::new(metrics::install());
        let newsletter = web::Data::new(Newsletter::new(PgSubscriberStore::new(pool.clone())));
        let accounts = web::Data::new(accounts_service(pool.clone(), settings)?);
        let addresses = web::Data::new(AddressBook::new(
            PgAddressStore::new(pool.clone()),
            settings.limits.max_addresses_per_customer,
        ));
        let categories = web::Data::new(Categories::new(PgCategoryStore::new(pool.clone())));
        let products = web::Data::new(products_service(pool.clone()));
        let builder = web::Data::new(PcBuilder::new(
            Builder::new(PgProductStore::new(pool.clone(), InventoryStockOpening), PgSavedBuilds::new(pool.clone())),
            &settings.app.storefront_url,
        ));
        let stock = web::Data::new(StockLevels::new(pool.clone()));
        let webhooks = web::Data::new(WebhookIntake::new(settings.razorpay.webhook_secret.clone()));
        let payment_records = web::Data::new(PaymentRecords::new(pool.clone()));
        let carts = web::Data::new(
            Carts::new(PgStores::new(pool.clone()), CatalogForOrders(products_service(pool.clone())))
                .with_max_units(i64::from(settings.limits.max_units_per_order)),
        );
        let coupons = web::Data::new(Coupons::new(PgStores::new(pool.clone())));
        let idempotency = web::Data::new(Idempotency::new(pool.clone()));
        let orders = web::Data::new(orders);
        let invoices = web::Data::new(InvoiceReads::new(pool.clone(), settings.store.invoicing()?));
        let admin_orders = web::Data::new(AdminOrderReads::new(
            orders.clone(),
            invoices.clone(),
            identity::accounts::directory::Directory::new(pool.clone()),
            PaymentRecords::new(pool.clone()),
        ));
        let order_status_gauge = web::Data::new(OrderStatusGauge::new(orders.clone()));
        let limiter = RequestLimits::new(PgRateLimiter::new(pool.clone(), WINDOW), &settings.rate_limit)
            .map_err(|reason| anyhow::anyhow!("RIGMASTER__RATE_LIMIT__TRUSTED_PROXIES: {reason}"))?;
        let limiter = web::Data::new(limiter);
        let limits = web::Data::new(PoolLimits { max_connections: settings.database.max_connections });
        let audit_trail = web::Data::new(AuditTrail::new(pool.clone()));
        let sales_reports = web::Data::new(analytics::SalesReports::new(pool.clone()));
        let analytics_cache = web::Data::new(AnswerCache::new(
            Duration::from_secs(settings.analytics.cache_seconds),
            settings.analytics.cache_max_entries,
        ));
        Ok(AppState {
            pool: web::Data::new(pool),
            limits,
            metrics,
            database_health,
            catalog_cache: catalog_cache.map(web::Data::from),
            newsletter,
            accounts,
            addresses,
            categories,
            products,
            builder,
            stock,
            webhooks,
            payment_records,
            carts,
            coupons,
            idempotency,
            orders,
            admin_orders,
            order_status_gauge,
            limiter,
            audit_trail,
            sales_reports,
            analytics_cache,
            invoices,
        })
    }

    /// Registers every part as app data (`App::configure(|config| state.register(config))`).
    pub fn register(&self, config: &mut web::ServiceConfig) {
        if let Some(cache) = &self.catalog_cache {
            config.app_data(cache.clone());
        }
        config
            .app_data(self.pool.clone())
            .app_data(self.limits.clone())
            .app_data(self.metrics.clone())
            .app_data(self.newsletter.clone())
            .app_data(self.accounts.clone())
            .app_data(self.addresses.clone())
            .app_data(self.categories.clone())
            .app_data(self.products.clone())
            .app_data(self.builder.clone())
            .app_data(self.stock.clone())
            .app_data(self.webhooks.clone())
            .app_data(self.payment_records.clone())
            .app_data(self.carts.clone())
            .app_data(self.coupons.clone())
            .app_data(self.idempotency.clone())
            .app_data(self.orders.clone())
            .app_data(self.admin_orders.clone())
            .app_data(self.invoices.clone())
            .app_data(self.order_status_gauge.clone())
            .app_data(self.limiter.clone())
            .app_data(self.audit_trail.clone())
            .app_data(self.sales_reports.clone())
            .app_data(self.analytics_cache.clone())
            .app_data(self.database_health.clone());
    }
}
