//! Whether the database can be reached, known without asking it on every request.
//!
//! When PostgreSQL stops, a request that needs a new connection would wait out the pool's
//! acquire timeout (sqlx keeps retrying a refused connection until then) and only then
//! fail. A watcher probes the database on a connection of its own: every [`PROBE_EVERY`],
//! and at once when a request met a connection failure. While the database is known to be
//! down:
//! - API requests are answered 503 `service_unavailable` with `Retry-After` by [`gate`];
//! - the request pool's new connections fail at once instead of being retried, so requests
//!   already waiting for one get their 503 now, not at the end of the acquire timeout;
//! - `/ready` answers 503 from the same state.
//!
//! The first answer from the database ends it, with no restart: the pool reconnects by
//! itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _, PgConnection, PgPool};
use tokio::sync::{Mutex, Notify};
use tokio::task::JoinHandle;

use crate::error::ApiError;

/// How often the watcher asks the database.
pub const PROBE_EVERY: Duration = Duration::from_millis(500);
/// A probe slower than this failed: a database that cannot answer `SELECT 1` in this time
/// cannot serve a checkout either.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// Failed probes in a row before the database counts as down, so that one slow answer on
/// a busy machine does not close the store. A refused or dropped connection counts at once.
const FAILURES_TO_GO_DOWN: u32 = 2;
/// What clients are told to wait before trying again.
pub const RETRY_AFTER_SECONDS: u64 = 2;
/// Where the request pool "connects" while the database is down: a Unix socket in a folder
/// that does not exist, so each try fails at once with an error sqlx does not retry.
const NOWHERE: &str = "/nonexistent/rigmaster-database-is-down";

/// The database's state as last seen; shared by the watcher, the gate and `/ready`.
#[derive(Debug)]
pub struct DatabaseHealth {
    down: AtomicBool,
    /// Wakes the watcher early: a request just met a connection failure.
    suspect: Notify,
    /// Where the probes connect: the request pool's own database.
    options: PgConnectOptions,
    /// The request pool's options, given back when the database is up again.
    request_options: PgConnectOptions,
    /// The probes' connection, apart from the request pool, so that a probe never waits
    /// behind requests. `None` until connected, and after a failure. Its lock makes one
    /// probe run at a time.
    probe: Mutex<Probe>,
    /// The request pool, whose new connections are held while the database is down.
    requests: PgPool,
}

impl DatabaseHealth {
    /// Starts out up: the first probe runs as soon as the watcher starts.
    pub fn new(requests: PgPool) -> Self {
        let request_options = (*requests.connect_options()).clone();
        DatabaseHealth {
            down: AtomicBool::new(false),
            suspect: Notify::new(),
            options: request_options.clone().application_name("rigmaster-probe"),
            request_options,
            probe: Mutex::new(Probe { connection: None, last: None }),
            requests,
        }
    }

    /// Asks the database now (for `/ready`): true when it answered. A lost connection
    /// marks it down at once. Callers that arrive while a probe runs take its answer, so a
    /// flood of `/ready` costs one probe at a time and never queues behind itself.
    pub async fn check_now(&self) -> bool {
        let asked = Instant::now();
        let mut probe = self.probe.lock().await;
        if let Some((finished, answered)) = probe.last
            && finished >= asked
        {
            return answered;
        }
        match probe.run(&self.options).await {
            Ok(()) => true,
            Err(failure) => {
                tracing::warn!(%failure, "readiness: the database did not answer");
                if failure.is_connection_lost() {
                    self.set_down(true);
                }
                self.suspect();
                false
            }
        }
    }

    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// A request met a failure that looks like the database going away: probe now.
    pub fn suspect(&self) {
        self.suspect.notify_one();
    }

    fn set_down(&self, down: bool) {
        if self.down.swap(down, Ordering::Relaxed) != down {
            let connect_to = self.request_options.clone();
            self.requests.set_connect_options(if down { connect_to.socket(NOWHERE) } else { connect_to });
            if down {
                tracing::error!("the database is not reachable: API requests are answered 503 until it is back");
            } else {
                tracing::info!("the database is reachable again");
            }
        }
        metrics::gauge!("database_up").set(if down { 0.0 } else { 1.0 });
    }

    /// The answer to every request the gate turns away while the database is down.
    pub fn unavailable() -> ApiError {
        ApiError::service_unavailable("The database is not reachable right now; please try again shortly.")
            .with_retry_after(RETRY_AFTER_SECONDS)
    }

    /// The answer to a request that lost a race inside the database.
    pub fn busy() -> ApiError {
        ApiError::service_unavailable("The store is busy right now; please try again.").with_retry_after(1)
    }
}

/// The probe connection and when the last probe finished, with its answer.
#[derive(Debug)]
struct Probe {
    connection: Option<PgConnection>,
    last: Option<(Instant, bool)>,
}

impl Probe {
    /// `SELECT 1`, connecting first if need be; a failed connection is dropped, so the
    /// next probe connects afresh.
    async fn run(&mut self, options: &PgConnectOptions) -> Result<(), ProbeFailure> {
        let result = tokio::time::timeout(PROBE_TIMEOUT, async {
            let connection = match &mut self.connection {
                Some(connection) => connection,
                slot @ None => slot.insert(options.connect().await?),
            };
            sqlx::query("SELECT 1").execute(&mut *connection).await.map(|_| ())
        })
        .await;
        let outcome = match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(ProbeFailure::Failed(error)),
            Err(_) => Err(ProbeFailure::TimedOut),
        };
        if outcome.is_err()
            && let Some(connection) = self.connection.take()
        {
            // A connection that failed a probe is not trusted again.
            drop(tokio::time::timeout(Duration::from_millis(100), connection.close()).await);
        }
        self.last = Some((Instant::now(), outcome.is_ok()));
        outcome
    }
}

/// Probes the database until aborted.
pub fn spawn_watcher(health: Arc<DatabaseHealth>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut failures = 0_u32;
        loop {
            let probed = health.probe.lock().await.run(&health.options).await;
            match probed {
                Ok(()) => {
                    failures = 0;
                    health.set_down(false);
                }
                Err(failure) => {
                    failures += 1;
                    tracing::warn!(%failure, failures, "the database did not answer a probe");
                    if failure.is_connection_lost() || failures >= FAILURES_TO_GO_DOWN {
                        health.set_down(true);
                    }
                }
            }
            tokio::select! {
                () = tokio::time::sleep(PROBE_EVERY) => {}
                () = health.suspect.notified() => {}
            }
        }
    })
}

#[derive(Debug, thiserror::Error)]
enum ProbeFailure {
    #[error("no answer within {PROBE_TIMEOUT:?}")]
    TimedOut,
    #[error("{0}")]
    Failed(sqlx::Error),
}

impl ProbeFailure {
    fn is_connection_lost(&self) -> bool {
        matches!(self, ProbeFailure::Failed(error) if is_connection_failure(error))
    }
}

/// A database failure that the same request, sent again later, would not meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transient {
    /// The database cannot be reached, is going away, or takes no more connections.
    Outage,
    /// Two transactions got in each other's way (serialization failure, deadlock, a lock
    /// not to be had): the database is fine, this request lost a race.
    Contention,
}

/// A failure of the connection itself, or of a server that is going away or not taking
/// connections: worth a 503 and a retry, never a 500.
pub fn is_connection_failure(error: &sqlx::Error) -> bool {
    classify_sqlx(error) == Some(Transient::Outage)
}

fn classify_sqlx(error: &sqlx::Error) -> Option<Transient> {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(Transient::Outage),
        sqlx::Error::Database(error) => classify_code(error.code().as_deref()),
        _ => None,
    }
}

/// SQLSTATEs that say "try again": connection exceptions (08…), the server shutting down
/// or starting (57P01–57P03) and too many connections (53300) are an outage; serialization
/// failures, deadlocks and locks not to be had are contention.
fn classify_code(code: Option<&str>) -> Option<Transient> {
    match code? {
        code if code.starts_with("08") || code.starts_with("57P") || code == "53300" => Some(Transient::Outage),
        "40001" | "40P01" | "55P03" => Some(Transient::Contention),
        _ => None,
    }
}

/// Whether `cause` (a whole error chain) is a transient database failure, and which.
pub fn classify(cause: &anyhow::Error) -> Option<Transient> {
    cause.chain().find_map(|error| error.downcast_ref::<sqlx::Error>().and_then(classify_sqlx))
}

/// Turns API requests away at once while the database is known to be down, and wakes the
/// watcher when a request fails the way an outage makes requests fail.
pub async fn gate(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let health = request.app_data::<web::Data<DatabaseHealth>>().cloned();
    if let Some(health) = &health
        && health.is_down()
    {
        return Ok(request.error_response(DatabaseHealth::unavailable()));
    }
    let response = next.call(request).await?.map_into_boxed_body();
    if let Some(health) = health
        && response.response().error().and_then(|e| e.as_error::<ApiError>()).is_some_and(ApiError::is_database_outage)
    {
        health.suspect();
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_and_shutdowns_are_transient_but_bugs_are_not() {
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(is_connection_failure(&refused));
        assert!(is_connection_failure(&sqlx::Error::PoolTimedOut));
        assert!(!is_connection_failure(&sqlx::Error::RowNotFound));
        for code in ["08006", "08001", "57P01", "57P03", "53300"] {
            assert_eq!(classify_code(Some(code)), Some(Transient::Outage), "{code}");
        }
        for code in ["40001", "40P01", "55P03"] {
            assert_eq!(classify_code(Some(code)), Some(Transient::Contention), "{code}");
        }
        for code in ["23505", "23514", "42P01", "22021"] {
            assert_eq!(classify_code(Some(code)), None, "{code}");
        }
    }

    #[test]
    fn a_transient_failure_is_found_anywhere_in_the_chain() {
        let cause = anyhow::Error::new(sqlx::Error::PoolTimedOut).context("reading a cart").context("checkout");
        assert_eq!(classify(&cause), Some(Transient::Outage));
        assert_eq!(classify(&anyhow::anyhow!("a bug")), None);
    }
}
