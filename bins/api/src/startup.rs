//! Builds and runs the application: the pool, migrations, the HTTP server over the
//! [`AppState`], and the background jobs (reservation expiry, payment reconciliation, the
//! catalog cache's listener, the database watcher, the cleanup job).

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use sqlx::PgPool;
use tokio::task::JoinHandle;
use tracing_actix_web::TracingLogger;

use crate::adapters::CancelExpiredOrders;
use crate::configuration::Settings;
use crate::db_health::DatabaseHealth;
use crate::deadlines::Deadlines;
use crate::error::ApiError;
use crate::http::extract::BodyLimit;
use crate::jobs::cleanup::Cleanup;
use crate::metrics::MetricsAccess;
use crate::middleware::{RequestSpan, request_context};
use crate::read_cache::ReadCache;
use crate::security_headers::SecurityHeaders;
use crate::state::{AppState, OrdersService, orders_service};
use crate::{db, db_health, deadlines, metrics, read_cache, routes, security_headers};

pub struct Application {
    port: u16,
    server: Server,
    /// The listener of `/metrics` alone (`metrics.addr`) and its port, when configured.
    metrics_server: Option<(Server, u16)>,
    pool: PgPool,
    expiry_interval: Duration,
    reconcile: Option<(Duration, Duration)>,
    orders: OrdersService,
    /// The catalog cache and the one-connection pool its listener uses (none when off).
    catalog_cache: Option<(Arc<ReadCache>, PgPool)>,
    database_health: Arc<DatabaseHealth>,
    cleanup: Option<Cleanup>,
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
        let state = AppState::build(pool.clone(), &settings, orders.clone(), cache, Arc::clone(&database_health))?;
        let metrics_server = build_metrics_server(&settings, &state)?;
        let server = build_server(listener, &settings, state)?;
        let expiry_interval = Duration::from_secs(settings.inventory.expiry_interval_seconds);
        let reconcile = (settings.orders.reconcile_interval_seconds > 0).then(|| {
            (
                Duration::from_secs(settings.orders.reconcile_interval_seconds),
                Duration::from_secs(settings.orders.reconcile_after_seconds),
            )
        });
        let cleanup = Cleanup::new(pool.clone(), &settings)?;
        Ok(Application {
            port,
            server,
            metrics_server,
            pool,
            expiry_interval,
            reconcile,
            orders,
            catalog_cache,
            database_health,
            cleanup,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the metrics listener, when `metrics.addr` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(_, port)| *port)
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight requests
    /// finish (up to the shutdown timeout) and closes the pool. The binary passes
    /// [`shutdown_signal`]; tests pass a future that never completes.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let upkeep = spawn_metrics_upkeep();
        let database_watcher = db_health::spawn_watcher(Arc::clone(&self.database_health));
        let expiry = spawn_expiry_job(self.pool.clone(), self.orders.clone(), self.expiry_interval);
        let reconcile = self.reconcile.map(|(every, after)| spawn_reconcile_job(self.orders.clone(), every, after));
        let cleanup = self.cleanup.map(Cleanup::spawn);
        let cache_listener = self.catalog_cache.map(|(cache, pool)| CacheListener {
            job: tokio::spawn(read_cache::follow_changes(cache, pool.clone())),
            pool,
        });
        let metrics_server = self.metrics_server.map(|(server, _)| (server.handle(), tokio::spawn(server)));
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
        if let Some((handle, server)) = metrics_server {
            handle.stop(true).await;
            let _ = server.await;
        }
        upkeep.abort();
        database_watcher.abort();
        // A pass cut short rolls back and is redone by the next process or start.
        for job in [expiry, reconcile, cleanup].into_iter().flatten() {
            job.abort();
        }
        if let Some(listener) = cache_listener {
            listener.stop().await;
        }
        self.pool.close().await;
        result
    }
}

fn build_server(listener: TcpListener, settings: &Settings, state: AppState) -> anyhow::Result<Server> {
    let body_limit = BodyLimit(settings.http.body_limit_bytes);
    let deadlines = Deadlines::new(&settings.http);
    let security = SecurityHeaders::new(&settings.security);
    let metrics_access = MetricsAccess::public(&settings.metrics);
    let cors_origins = settings.security.cors_allowed_origins.clone();
    let mut server = HttpServer::new(move || {
        // Innermost first: the body deadline inside the envelope, CORS answering
        // preflights inside it too, the security headers on everything, and the request
        // deadline outside all of that (it writes its own whole answer).
        App::new()
            .wrap(from_fn(deadlines::bound_body_read))
            .wrap(security_headers::cors(&cors_origins))
            .wrap(from_fn(request_context))
            .wrap(from_fn(security_headers::add))
            .wrap(from_fn(deadlines::bound_request))
            .wrap(TracingLogger::<RequestSpan>::new())
            .app_data(deadlines)
            .app_data(security.clone())
            .app_data(metrics_access.clone())
            .app_data(body_limit)
            .app_data(body_limit.payload_config())
            .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::not_found().into()))
            .configure(|config| state.register(config))
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    .listen(listener)?
    // Signals are handled by `run_until_stopped`, so that Ctrl-C is as graceful as SIGTERM
    // (Actix alone stops at once on SIGINT).
    .disable_signals()
    .shutdown_timeout(settings.http.shutdown_timeout_seconds)
    // The request line and headers: a client trickling them is cut off as one trickling
    // its body is (`deadlines`).
    .client_request_timeout(deadlines.body_read)
    .client_disconnect_timeout(Duration::from_secs(1));
    if settings.http.workers > 0 {
        server = server.workers(settings.http.workers);
    }
    Ok(server.run())
}

/// The listener of `/metrics` (and `/health`) alone, on `metrics.addr`, when set: for a
/// scraper on a private network, with the public listener not serving them at all.
fn build_metrics_server(settings: &Settings, state: &AppState) -> anyhow::Result<Option<(Server, u16)>> {
    if settings.metrics.addr.is_empty() {
        return Ok(None);
    }
    let listener = TcpListener::bind(&settings.metrics.addr)
        .with_context(|| format!("cannot listen on {} (METRICS_ADDR)", settings.metrics.addr))?;
    let port = listener.local_addr()?.port();
    let security = SecurityHeaders::new(&settings.security);
    let access = MetricsAccess::own_listener(&settings.metrics);
    let (handle, pool, limits) = (state.metrics.clone(), state.pool.clone(), state.limits.clone());
    let order_counts = state.order_status_gauge.clone();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(request_context))
            .wrap(from_fn(security_headers::add))
            .wrap(TracingLogger::<RequestSpan>::new())
            .app_data(security.clone())
            .app_data(access.clone())
            .app_data(handle.clone())
            .app_data(pool.clone())
            .app_data(limits.clone())
            .app_data(order_counts.clone())
            .route("/metrics", web::get().to(routes::health::metrics))
            .route("/health", web::get().to(routes::health::health))
            .default_service(web::to(routes::not_found))
    })
    .listen(listener)?
    .disable_signals()
    .workers(1)
    .shutdown_timeout(settings.http.shutdown_timeout_seconds)
    .client_request_timeout(Duration::from_millis(settings.http.body_read_timeout_ms));
    Ok(Some((server.run(), port)))
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
