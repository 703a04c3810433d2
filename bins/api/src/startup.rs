//! Builds the application from settings: the pool, migrations, services and the server.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use identity::newsletter::{Newsletter, PgSubscriberStore};
use kernel::FieldError;
use sqlx::PgPool;
use tokio::task::JoinHandle;
use tracing_actix_web::TracingLogger;

use crate::configuration::Settings;
use crate::error::ApiError;
use crate::extract::BodyLimit;
use crate::middleware::{RequestSpan, request_context};
use crate::{db, metrics, routes};

/// The services the handlers use, wired to their PostgreSQL adapters. Ports are held as
/// concrete generic types chosen here (see the README's architecture notes).
pub type NewsletterService = Newsletter<PgSubscriberStore>;

/// The pool's configured ceiling, for the metrics endpoint.
#[derive(Debug, Clone, Copy)]
pub struct PoolLimits {
    pub max_connections: u32,
}

pub struct Application {
    port: u16,
    server: Server,
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
        let server = build_server(listener, pool.clone(), &settings)?;
        Ok(Application { port, server, pool })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or Ctrl-C, then stops accepting, lets in-flight requests
    /// finish (up to the shutdown timeout) and closes the pool.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let upkeep = spawn_metrics_upkeep();
        let result = self.server.await;
        upkeep.abort();
        self.pool.close().await;
        result
    }
}

fn build_server(listener: TcpListener, pool: PgPool, settings: &Settings) -> anyhow::Result<Server> {
    let metrics_handle = web::Data::new(metrics::install());
    let newsletter = web::Data::new(Newsletter::new(PgSubscriberStore::new(pool.clone())));
    let pool = web::Data::new(pool);
    let limits = web::Data::new(PoolLimits { max_connections: settings.database.max_connections });
    let body_limit = BodyLimit(settings.http.body_limit_bytes);

    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(request_context))
            .wrap(TracingLogger::<RequestSpan>::new())
            .app_data(body_limit)
            .app_data(body_limit.payload_config())
            .app_data(web::QueryConfig::default().error_handler(|error, _| {
                ApiError::validation(vec![FieldError::new("query", error.to_string())]).into()
            }))
            .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::not_found().into()))
            .app_data(pool.clone())
            .app_data(limits.clone())
            .app_data(metrics_handle.clone())
            .app_data(newsletter.clone())
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    .listen(listener)?
    .shutdown_timeout(settings.http.shutdown_timeout_seconds);
    if settings.http.workers > 0 {
        server = server.workers(settings.http.workers);
    }
    Ok(server.run())
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
