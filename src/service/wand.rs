//! The wand: several services (each with its own account, connection and channels) in one actix
//! `System`, stopped together and gracefully on Ctrl-C or SIGTERM.

use super::error::ServiceError;
use super::handler::Service;
use super::runner::{ServiceBuilder, ServiceHandle};
use crate::client::ShutdownReport;
use futures_util::future::{LocalBoxFuture, join_all};

type Stop = Box<dyn FnOnce() -> LocalBoxFuture<'static, (String, ShutdownReport)>>;

/// Runs several services in one process (what the reference SDK calls the wand).
///
/// # Examples
/// ```no_run
/// use moobius::config::Config;
/// use moobius::service::{Service, ServiceBuilder, Wand};
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
    #[cfg(unix)]
    signals: Option<Signals>,
}

impl std::fmt::Debug for Wand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wand").field("services", &self.stops.len()).finish()
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
    pub async fn start<S: Service>(
        &mut self,
        builder: ServiceBuilder<S>,
    ) -> Result<ServiceHandle<S>, ServiceError> {
        #[cfg(unix)]
        if self.signals.is_none() {
            self.signals = Signals::listen();
        }
        let running = builder.start().await?;
        let handle = running.handle().clone();
        let id = handle.service_id().to_owned();
        self.stops.push(Box::new(move || Box::pin(async move { (id, running.shutdown().await) })));
        Ok(handle)
    }

    /// Stops every service at once, each within its runtime's deadline; reports each.
    pub async fn shutdown(self) -> Vec<(String, ShutdownReport)> {
        join_all(self.stops.into_iter().map(|stop| stop())).await
    }

    /// Waits for Ctrl-C or SIGTERM, then [`shutdown`](Wand::shutdown).
    pub async fn run_until_signal(mut self) -> Vec<(String, ShutdownReport)> {
        #[cfg(unix)]
        match self.signals.take() {
            Some(mut signals) => signals.recv().await,
            None => wait_for_signal().await,
        }
        #[cfg(not(unix))]
        wait_for_signal().await;
        log::info!("signal received: stopping {} service(s)", self.stops.len());
        self.shutdown().await
    }
}

/// SIGTERM and SIGINT (Ctrl-C) listeners, installed ahead of the wait.
#[cfg(unix)]
struct Signals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    /// Both listeners, or `None` if one cannot be installed (then [`wait_for_signal`] is used).
    fn listen() -> Option<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Some(Self {
            terminate: signal(SignalKind::terminate()).ok()?,
            interrupt: signal(SignalKind::interrupt()).ok()?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}

/// Waits for Ctrl-C, or SIGTERM on Unix (what [`Wand::run_until_signal`] waits for), for a
/// program that has something to do between the signal and the shutdown.
pub async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
