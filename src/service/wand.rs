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
    pub async fn start<R, A>(
        &mut self,
        builder: ServiceBuilder<R, A>,
    ) -> Result<ServiceHandle<R, A>, ServiceError>
    where
        R: Role,
        A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    {
        self.signal.get_or_insert_with(ShutdownSignal::install);
        let running = builder.start().await?;
        let handle = running.handle().clone();
        let id = handle.me().to_string();
        self.stops.push(Box::new(move || Box::pin(async move { (id, running.shutdown().await) })));
        Ok(handle)
    }

    /// Stops every service at once, each within its runtime's deadline; reports each.
    pub async fn shutdown(self) -> Vec<(String, ShutdownReport)> {
        join_all(self.stops.into_iter().map(|stop| stop())).await
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
