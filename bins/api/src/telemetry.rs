//! Logs through `tracing`: JSON for log collectors, pretty for people.

use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::configuration::{LogFormat, LogSettings};

/// A subscriber writing to `writer` in the configured format. Tests pass their own
/// writer to read what was logged.
pub fn subscriber<W>(settings: &LogSettings, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&settings.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let layer = match settings.format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(writer)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().compact().with_writer(writer).boxed(),
    };
    Box::new(tracing_subscriber::registry().with(filter).with(layer))
}

/// Installs the process-wide subscriber, writing to standard error. A second call (a test
/// process starting several apps) keeps the first.
pub fn init(settings: &LogSettings) {
    let _ = subscriber(settings, std::io::stderr).try_init();
}
