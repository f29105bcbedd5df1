//! The wand: several services (each with its own account, connection and channels) in one actix
//! `System`, stopped together and gracefully on Ctrl-C or SIGTERM.

use super::error::ServiceError;
use super::event::ChannelEvent;
use super::role::Role;
use super::runner::{ServiceBuilder, ServiceHandle};
use crate::client::ShutdownReport;
use actix::prelude::*;
use futures_util::future::{LocalBoxFuture, join_all};

type Stop = Box<dyn FnOnce() -> LocalBoxFuture<'static, (String, ShutdownReport)>>;

/// Runs several services in one process (what the reference SDK calls the wand).
///
/// # Examples
/// ```no_run
/// use moobius::config::Config;
/// use moobius::prelude::*;
///
/// struct Zero;
/// impl Service for Zero {}
///
/// # #[actix::main] async fn main() -> Result<(), moobius::service::ServiceError> {
/// let mut wand = Wand::new();
/// let first = wand.start(ServiceBuilder::new(Config::from_file("first.json")?, |_| Zero)).await?;
/// let second = wand.start(ServiceBuilder::new(Config::from_file("second.json")?, |_| Zero)).await?;
/// first.ready().await?;
/// second.ready().await?;
/// for (service, report) in wand.run_until_signal().await {
///     println!("{service}: {} frames unacknowledged", report.unacknowledged);
/// }
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct Wand {
    stops: Vec<Stop>,
    /// Listening from the first `start` on: a signal that comes between a service's start (and
    /// the program's "ready" line) and `run_until_signal` is then caught, not the default action
    /// (which kills the process without a graceful shutdown).
    signal: Option<ShutdownSignal>,
    /// Every service started is registered here; exported only by [`Wand::serve_metrics`].
    #[cfg(feature = "metrics")]
    metrics: crate::metrics::Metrics,
    #[cfg(feature = "metrics")]
    server: Option<crate::metrics::MetricsServer>,
}

impl std::fmt::Debug for Wand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("Wand");
        debug.field("services", &self.stops.len());
        #[cfg(feature = "metrics")]
        debug.field("metrics", &self.server.as_ref().map(crate::metrics::MetricsServer::addr));
        debug.finish()
    }
}

impl Wand {
    /// A wand with no services yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a service and keeps it for the shared shutdown; returns its handle.
    ///
    /// # Errors
    /// As [`ServiceBuilder::start`].
    pub async fn start<R, A>(
        &mut self,
        builder: ServiceBuilder<R, A>,
    ) -> Result<ServiceHandle<R, A>, ServiceError>
    where
        R: Role,
        A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    {
        self.signal.get_or_insert_with(ShutdownSignal::install);
        #[cfg(feature = "metrics")]
        let starting = self.metrics.starting();
        let running = builder.start().await?;
        #[cfg(feature = "metrics")]
        {
            self.metrics.register_service(running.handle());
            drop(starting);
        }
        let handle = running.handle().clone();
        let id = handle.me().to_string();
        self.stops.push(Box::new(move || Box::pin(async move { (id, running.shutdown().await) })));
        Ok(handle)
    }

    /// Stops every service at once, each within its runtime's deadline; reports each. The
    /// metrics endpoint, if served, stops after them.
    pub async fn shutdown(self) -> Vec<(String, ShutdownReport)> {
        let reports = join_all(self.stops.into_iter().map(|stop| stop())).await;
        #[cfg(feature = "metrics")]
        if let Some(server) = &self.server {
            server.stop().await;
        }
        reports
    }

    /// The metrics of every service this wand started (feature `metrics`): read them with
    /// [`Metrics::encode`](crate::metrics::Metrics::encode), or add the program's own through
    /// a registry of its own before starting services
    /// ([`Wand::with_metrics`]).
    #[cfg(feature = "metrics")]
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// A wand whose services register with `metrics` (for instance one made with
    /// [`Metrics::with_registry`](crate::metrics::Metrics::with_registry), holding the
    /// program's own metrics too), instead of a private one.
    #[cfg(feature = "metrics")]
    pub fn with_metrics(metrics: crate::metrics::Metrics) -> Self {
        Self { metrics, ..Self::default() }
    }

    /// Serves this wand's metrics over HTTP on `addr` (feature `metrics`; off until called):
    /// `GET /metrics` in the Prometheus text format, `GET /healthz` (200 while the process
    /// serves) and `GET /readyz` (200 once every service started is logged in, with its
    /// channels bound; 503 with a line saying which is not, before). Returns the bound address
    /// (port 0 picks a free one). Call it before or after starting services; a second call
    /// moves the endpoint to the new address. It stops with [`Wand::shutdown`].
    ///
    /// # Errors
    /// [`MetricsError::Bind`](crate::metrics::MetricsError::Bind) when the address cannot be
    /// bound, [`MetricsError::Server`](crate::metrics::MetricsError::Server) when the server
    /// does not start.
    ///
    /// # Examples
    /// ```
    /// # actix_web::rt::System::new().block_on(async {
    /// let mut wand = moobius::service::Wand::new();
    /// let addr = wand.serve_metrics("127.0.0.1:0".parse().unwrap()).await?;
    /// println!("Prometheus can scrape http://{addr}/metrics");
    /// // wand.start(...) the services, then wand.run_until_signal().await
    /// wand.shutdown().await;
    /// # Ok::<(), moobius::metrics::MetricsError>(())
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "metrics")]
    pub async fn serve_metrics(
        &mut self,
        addr: std::net::SocketAddr,
    ) -> Result<std::net::SocketAddr, crate::metrics::MetricsError> {
        if let Some(old) = self.server.take() {
            old.stop().await;
        }
        let server = self.metrics.serve(addr).await?;
        let bound = server.addr();
        self.server = Some(server);
        Ok(bound)
    }

    /// Waits for Ctrl-C or SIGTERM, then [`shutdown`](Wand::shutdown).
    pub async fn run_until_signal(mut self) -> Vec<(String, ShutdownReport)> {
        self.signal.take().unwrap_or_else(ShutdownSignal::install).recv().await;
        log::info!("signal received: stopping {} service(s)", self.stops.len());
        self.shutdown().await
    }
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM, listened for from [`install`](ShutdownSignal::install)
/// on: a signal that comes before [`recv`](ShutdownSignal::recv) is kept, not left to the
/// default action (which kills the process without a graceful shutdown). Install it before
/// announcing that the program is ready.
///
/// # Examples
/// ```no_run
/// # #[actix::main] async fn main() {
/// let mut signal = moobius::service::ShutdownSignal::install();
/// println!("ready");
/// signal.recv().await;
/// println!("stopping");
/// # }
/// ```
pub struct ShutdownSignal {
    #[cfg(unix)]
    listeners: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl std::fmt::Debug for ShutdownSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShutdownSignal")
    }
}

impl ShutdownSignal {
    /// Starts listening. Must run inside a Tokio (actix) runtime.
    pub fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listeners = signal(SignalKind::terminate()).ok().zip(signal(SignalKind::interrupt()).ok());
            if listeners.is_none() {
                log::warn!("cannot listen for SIGTERM/SIGINT; falling back to Ctrl-C only");
            }
            Self { listeners }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Waits for the next signal (or returns at once if one came since `install`).
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some((terminate, interrupt)) = &mut self.listeners {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Waits for Ctrl-C, or SIGTERM on Unix, listening from now on (see [`ShutdownSignal`] to start
/// listening earlier).
pub async fn wait_for_signal() {
    ShutdownSignal::install().recv().await;
}
