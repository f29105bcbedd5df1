//! Prometheus metrics and health (feature `metrics`, on by default): one [`Metrics`] handle per
//! process holds a `prometheus_client` registry whose collector reads, at scrape time, the
//! counters every client runtime, service and HTTP client keeps anyway (plain atomics), and
//! [`Metrics::serve`] (or [`Wand::serve_metrics`](crate::service::Wand::serve_metrics)) exposes it
//! over HTTP with a liveness and a readiness probe:
//!
//! | route | answer |
//! |---|---|
//! | `GET /metrics` | every metric, in the Prometheus text format (version 0.0.4) |
//! | `GET /healthz` | `200 ok` while the process serves |
//! | `GET /readyz` | `200 ready` when every registered service is logged in (its channels were bound at start-up) and none is still starting; `503` with a line naming what is not ready otherwise |
//!
//! Nothing is served unless the program asks: a [`Wand`](crate::service::Wand) registers each
//! service it starts with its own private [`Metrics`], and only
//! [`serve_metrics`](crate::service::Wand::serve_metrics) binds an address. The local platform
//! serves its own metrics at `/metrics` on its HTTP server (always, it is a development server).
//!
//! Labels are bounded: a `service` label (a process runs a few services), and fixed enums
//! (connection state, disconnect reason, event or frame type, refusal or close class); never a
//! user, channel or message. Every metric is listed, with its type, labels and meaning, in
//! `docs/metrics.md`.
//!
//! Hot-path cost: one relaxed atomic increment per frame or event, into a fixed array indexed by
//! a small enum; no lock, no allocation, no label lookup. The labels are made at scrape time.

#[cfg(feature = "platform")]
mod platform;
mod serve;
mod service;

#[cfg(feature = "platform")]
pub(crate) use platform::text as platform_text;
pub use serve::MetricsServer;

use crate::client::Client;
use crate::service::{ChannelEvent, Role, ServiceHandle};
use actix::prelude::*;
use prometheus_client::registry::Registry;
use service::{ServiceSource, Services};
use std::sync::Arc;

/// The content type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The metrics of one process: a registry (with the program's own metrics if it brings them),
/// the services and client runtimes registered with it, and what is starting. Cheap to clone;
/// clones share everything.
///
/// # Examples
/// ```
/// let metrics = moobius::metrics::Metrics::new();
/// let text = metrics.encode();
/// assert!(text.contains("# TYPE moobius_frames_sent_total counter"));
/// assert!(metrics.readiness().is_err(), "no service registered yet");
/// ```
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    services: Arc<Services>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").field("services", &self.services.names()).finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Why [`Metrics::readiness`] says no: a short sentence naming the service (or the start-up)
/// that is not ready.
#[derive(Debug, Clone, PartialEq, Eq, derive_more::Display, derive_more::Error)]
#[display("{reason}")]
pub struct NotReady {
    /// What is not ready, and why.
    #[error(not(source))]
    pub reason: String,
}

/// Why the metrics endpoint could not be served.
#[derive(Debug, derive_more::Display, derive_more::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// The address could not be bound (in use, not local, no permission).
    #[display("cannot serve metrics on {addr}: the address cannot be bound (choose another, or port 0)")]
    Bind {
        /// The address asked for.
        #[error(not(source))]
        addr: std::net::SocketAddr,
        /// The system's reason.
        source: std::io::Error,
    },
    /// The HTTP server would not start on the bound socket.
    #[display("cannot start the metrics HTTP server")]
    Server {
        /// The system's reason.
        source: std::io::Error,
    },
}

impl Metrics {
    /// Metrics in a registry of their own.
    pub fn new() -> Self {
        Self::with_registry(Registry::default())
    }

    /// Metrics added to `registry`, which may already hold the program's own metrics: one
    /// `/metrics` serves both.
    ///
    /// # Examples
    /// ```
    /// use prometheus_client::metrics::counter::Counter;
    /// use prometheus_client::registry::Registry;
    /// let mut registry = Registry::default();
    /// let jokes: Counter = Counter::default();
    /// registry.register("jokes_told", "Jokes the bot told", jokes.clone());
    /// jokes.inc();
    /// let metrics = moobius::metrics::Metrics::with_registry(registry);
    /// assert!(metrics.encode().contains("jokes_told_total 1"));
    /// ```
    pub fn with_registry(mut registry: Registry) -> Self {
        let services = Arc::new(Services::default());
        registry.register_collector(Box::new(service::Collector(Arc::clone(&services))));
        Self { registry: Arc::new(registry), services }
    }

    /// Exports the service started as `handle` under the label `service="<its id>"`: its
    /// connection, queue, events, channel actors and HTTP calls. Readiness then waits for it to
    /// be logged in. A [`Wand`](crate::service::Wand) does this for every service it starts.
    pub fn register_service<R, A>(&self, handle: &ServiceHandle<R, A>)
    where
        R: Role,
        A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    {
        let http = handle.http().map(|http| Arc::clone(&http.shared));
        let source = ServiceSource::new(
            handle.me().to_string(),
            Arc::clone(handle.client().shared()),
            http,
            Some(handle.board()),
        );
        self.services.add(source);
    }

    /// Exports a bare client runtime (no service layer) under the label `service="<name>"`.
    ///
    /// # Examples
    /// ```no_run
    /// # fn demo(runtime: moobius::client::Runtime) {
    /// let metrics = moobius::metrics::Metrics::new();
    /// metrics.register_client("my-bot", &runtime.client());
    /// # }
    /// ```
    pub fn register_client(&self, name: impl Into<String>, client: &Client) {
        self.services.add(ServiceSource::new(name.into(), Arc::clone(client.shared()), None, None));
    }

    /// Marks one service as starting (signing in, binding its channels) until the guard drops:
    /// readiness says no meanwhile.
    pub(crate) fn starting(&self) -> service::Starting {
        service::Starting::new(Arc::clone(&self.services))
    }

    /// Every metric, in the Prometheus text format ([`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        let mut text = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail; the collectors do not fail either.
        if let Err(error) = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry) {
            log::warn!("encoding the metrics failed: {error}");
        }
        text
    }

    /// `Ok` when at least one service is registered, none is still starting and every one is
    /// logged in.
    ///
    /// # Errors
    /// [`NotReady`], saying which service is not ready (or that none is registered yet, or that
    /// one is still starting).
    ///
    /// # Examples
    /// ```
    /// let metrics = moobius::metrics::Metrics::new();
    /// let why = metrics.readiness().unwrap_err();
    /// assert_eq!(why.to_string(), "no service started yet");
    /// ```
    pub fn readiness(&self) -> Result<(), NotReady> {
        self.services.readiness().map_err(|reason| NotReady { reason })
    }

    /// Serves `/metrics`, `/healthz` and `/readyz` on `addr` (port 0 picks a free port: see
    /// [`MetricsServer::addr`]), on one worker of actix-web, until [`MetricsServer::stop`] or the
    /// end of the actix `System`. Must run inside one.
    ///
    /// # Errors
    /// [`MetricsError::Bind`] when the address cannot be bound, [`MetricsError::Server`] when the
    /// server does not start.
    ///
    /// # Examples
    /// ```
    /// # actix_web::rt::System::new().block_on(async {
    /// let metrics = moobius::metrics::Metrics::new();
    /// let server = metrics.serve("127.0.0.1:0".parse().unwrap()).await?;
    /// println!("scrape http://{}/metrics", server.addr());
    /// server.stop().await;
    /// # Ok::<(), moobius::metrics::MetricsError>(())
    /// # }).unwrap();
    /// ```
    pub async fn serve(&self, addr: std::net::SocketAddr) -> Result<MetricsServer, MetricsError> {
        serve::start(self.clone(), addr)
    }
}
