//! The load generator: simulated clients, each on its own kept-alive HTTP/1.1
//! connection, looping until a deadline, with every request's latency recorded.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// One client's connection to a server.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    host: String,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect(addr).await.with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // The connection ends when the client drops its sender; an error here is the
            // server closing it, which the next request reports.
            let _ = connection.await;
        });
        Ok(Connection { sender, host: addr.to_string() })
    }

    /// Sends one request and reads the whole answer.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Bytes>,
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        let mut request = Request::builder().method(method).uri(path).header("host", &self.host);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request.body(Full::new(body.unwrap_or_default()))?;
        self.sender.ready().await.context("the connection closed")?;
        let response = self.sender.send_request(request).await.with_context(|| path.to_owned())?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    pub async fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> anyhow::Result<(StatusCode, Bytes)> {
        self.send(Method::GET, path, headers, None).await
    }
}

/// What one client saw: a latency per successful unit of work, and the failures.
#[derive(Debug, Default)]
pub struct Tally {
    /// Microseconds per completed unit, in the order they finished.
    pub latencies_us: Vec<u32>,
    pub failures: u64,
    /// The first failure, to show what went wrong.
    pub first_failure: Option<String>,
}

impl Tally {
    pub fn ok(&mut self, started: Instant) {
        let micros = started.elapsed().as_micros();
        self.latencies_us.push(u32::try_from(micros).unwrap_or(u32::MAX));
    }

    pub fn failed(&mut self, what: impl FnOnce() -> String) {
        self.failures += 1;
        if self.first_failure.is_none() {
            self.first_failure = Some(what());
        }
    }
}

/// Every client's tallies, merged, over the run's length.
#[derive(Debug)]
pub struct Outcome {
    pub completed: u64,
    pub failures: u64,
    pub first_failure: Option<String>,
    pub elapsed: Duration,
    sorted_us: Vec<u32>,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64()
    }

    /// The latency below which `fraction` of completed units finished, in milliseconds.
    pub fn percentile_ms(&self, fraction: f64) -> f64 {
        if self.sorted_us.is_empty() {
            return f64::NAN;
        }
        let rank = ((self.sorted_us.len() as f64 * fraction).ceil() as usize).clamp(1, self.sorted_us.len());
        f64::from(self.sorted_us[rank - 1]) / 1000.0
    }
}

/// Runs `clients` copies of `client` at once, each given its index, a deadline and its
/// tally; every client stops starting new work at the deadline.
pub async fn run<F, Fut>(clients: usize, length: Duration, client: F) -> anyhow::Result<Outcome>
where
    F: Fn(usize, Instant, Tally) -> Fut,
    Fut: Future<Output = anyhow::Result<Tally>> + Send + 'static,
{
    let started = Instant::now();
    let deadline = started + length;
    let tasks: Vec<_> = (0..clients).map(|index| tokio::spawn(client(index, deadline, Tally::default()))).collect();
    let mut merged = Vec::new();
    let (mut failures, mut first_failure) = (0, None);
    for task in tasks {
        let tally = task.await.context("a client task panicked")??;
        merged.extend(tally.latencies_us);
        failures += tally.failures;
        first_failure = first_failure.or(tally.first_failure);
    }
    let elapsed = started.elapsed();
    merged.sort_unstable();
    Ok(Outcome { completed: merged.len() as u64, failures, first_failure, elapsed, sorted_us: merged })
}

/// `clients` connections each sending `GET path_for(client, n)` for its n-th request
/// until the deadline; a unit of work is one `200 OK`.
pub async fn get_loop(
    addr: SocketAddr,
    clients: usize,
    length: Duration,
    path_for: impl Fn(usize, usize) -> String + Send + Sync + Clone + 'static,
) -> anyhow::Result<Outcome> {
    send_loop(addr, clients, length, move |client, n| Call {
        method: Method::GET,
        path: path_for(client, n),
        body: None,
    })
    .await
}

/// One request of a loop.
pub struct Call {
    pub method: Method,
    pub path: String,
    /// A JSON body.
    pub body: Option<Bytes>,
}

/// `clients` connections each sending `call_for(client, n)` for its n-th request until the
/// deadline; a unit of work is one `200 OK`, anything else counts as failed.
pub async fn send_loop(
    addr: SocketAddr,
    clients: usize,
    length: Duration,
    call_for: impl Fn(usize, usize) -> Call + Send + Sync + Clone + 'static,
) -> anyhow::Result<Outcome> {
    run(clients, length, move |index, deadline, mut tally| {
        let call_for = call_for.clone();
        async move {
            let mut connection = Connection::open(addr).await?;
            let mut n = 0;
            while Instant::now() < deadline {
                let Call { method, path, body } = call_for(index, n);
                n += 1;
                let started = Instant::now();
                match connection.send(method.clone(), &path, &[], body).await {
                    Ok((StatusCode::OK, _)) => tally.ok(started),
                    Ok((status, body)) => {
                        tally.failed(|| format!("{method} {path}: {status} {}", String::from_utf8_lossy(&body)))
                    }
                    Err(error) => {
                        tally.failed(|| format!("{method} {path}: {error:#}"));
                        connection = Connection::open(addr).await?;
                    }
                }
            }
            Ok(tally)
        }
    })
    .await
}
