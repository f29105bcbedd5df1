//! The public handle: starts the actors, sends frames, reads state, latency and counters, and
//! shuts down gracefully.

use super::config::ClientConfig;
use super::connection::{Close, Connection};
use super::error::ClientError;
use super::handler::{Dispatch, HandlerSpec};
use super::heartbeat::Heartbeat;
use super::queue::{Acked, Drained, Enqueue, Outbound};
use super::state::{ConnectionState, Counters, Shared};
use crate::protocol::{Frame, Request};
use actix::prelude::*;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, watch};

/// A cheap, cloneable, thread-safe handle for sending frames and reading the connection's state.
/// Handlers get one; [`Runtime`] dereferences to one.
#[derive(Clone)]
pub struct Client {
    queue: Addr<Outbound>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("state", &self.state()).finish_non_exhaustive()
    }
}

impl Client {
    /// Hands `frame` to the outbound queue, connected or not, and returns its `request_id`. The
    /// frame is sent in order once logged in, and resent after reconnects until the platform's
    /// receipt arrives. A refusal reaches the handlers as [`ClientEvent::Refused`](super::ClientEvent::Refused).
    ///
    /// # Errors
    /// [`ClientErrorKind::QueueFull`](super::ClientErrorKind::QueueFull) when the queue holds its
    /// capacity (nothing was accepted: retry later), or
    /// [`ClientErrorKind::Closed`](super::ClientErrorKind::Closed) once the runtime is shutting down.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use moobius::protocol::{ChannelId, CharacterId, Frame, GroupId, MessageContent, ServiceId};
    /// let frame = Frame::message_down(
    ///     ServiceId::from("svc"),
    ///     ChannelId::from("chan"),
    ///     MessageContent::text("hi"),
    ///     GroupId::from("group"),
    ///     CharacterId::from("agent"),
    /// )?;
    /// let request_id = client.send(frame)?;
    /// # let _ = request_id; Ok(()) }
    /// ```
    pub fn send(&self, frame: Frame) -> Result<String, ClientError> {
        self.enqueue(frame, None)
    }

    /// As [`Client::send`], and also returns a receiver for the frame's receipt.
    pub(crate) fn send_tracked(
        &self,
        frame: Frame,
    ) -> Result<(String, oneshot::Receiver<Acked>), ClientError> {
        let (tx, rx) = oneshot::channel();
        self.enqueue(frame, Some(tx)).map(|id| (id, rx))
    }

    fn enqueue(&self, frame: Frame, notify: Option<oneshot::Sender<Acked>>) -> Result<String, ClientError> {
        self.shared.admit()?;
        if !self.queue.connected() {
            self.shared.release(1);
            return Err(super::ClientErrorKind::Closed.into());
        }
        let request = frame.into_request();
        let text = request.encode().into();
        let Request { request_id, .. } = request;
        let request_id = request_id.unwrap_or_default();
        self.queue.do_send(Enqueue { request_id: request_id.clone(), text, notify });
        Ok(request_id)
    }

    /// The connection's state now.
    pub fn state(&self) -> ConnectionState {
        self.shared.state()
    }

    /// A receiver that sees every state change (also delivered to handlers as lifecycle events).
    pub fn watch_state(&self) -> watch::Receiver<ConnectionState> {
        self.shared.watch_state()
    }

    /// The latest heartbeat round trip, once one was measured.
    pub fn latency(&self) -> Option<Duration> {
        self.shared.latency()
    }

    /// The outbound queue's counters.
    pub fn counters(&self) -> Counters {
        self.shared.counters()
    }

    /// The highest event `seq` handed to the handlers (0: none, or a platform without `seq`).
    pub fn last_seq(&self) -> u64 {
        self.shared.last_seq()
    }

    /// The state shared by the runtime's actors (counters, stats), for the metrics.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Why the runtime stopped by itself (e.g. too many refused logins), if it did.
    pub fn fatal_error(&self) -> Option<String> {
        self.shared.fatal()
    }
}

/// What a graceful shutdown left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Frames accepted but never acknowledged before the deadline (0: nothing lost in transit).
    pub unacknowledged: usize,
    /// The counters at the end.
    pub counters: Counters,
}

/// A running client: the connection, outbound-queue, heartbeat and handler actors.
///
/// Dereferences to [`Client`] for sending and reading state. Dropping it without
/// [`Runtime::shutdown`] closes the connection at once (no wait for receipts).
pub struct Runtime {
    client: Client,
    connection: Addr<Connection>,
    config: Arc<ClientConfig>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").field("config", &self.config).field("client", &self.client).finish()
    }
}

impl std::ops::Deref for Runtime {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Runtime {
    /// Starts the actors on the current actix arbiter and begins connecting at once. Handlers
    /// are started first, so they see every lifecycle event from the first `Connecting`.
    ///
    /// Must be called inside a running actix system (e.g. `#[actix::main]` or `#[actix_rt::test]`).
    ///
    /// # Examples
    /// ```no_run
    /// # #[actix::main] async fn main() -> Result<(), moobius::client::ClientError> {
    /// use moobius::client::{ClientConfig, HandlerSpec, Identity, Runtime};
    /// use moobius::protocol::Secret;
    /// let config = ClientConfig::builder("wss://ws.moobius.ai/", Identity::service("svc"), Secret::new("token"))
    ///     .build()?;
    /// let (events, mut rx) = HandlerSpec::channel();
    /// let runtime = Runtime::start(config, vec![events]);
    /// while let Some(event) = rx.recv().await {
    ///     println!("{event:?}");
    /// }
    /// let report = runtime.shutdown().await;
    /// println!("{} frames unacknowledged", report.unacknowledged);
    /// # Ok(()) }
    /// ```
    pub fn start(config: ClientConfig, handlers: Vec<HandlerSpec>) -> Self {
        let config = Arc::new(config);
        let shared = Arc::new(Shared::new(config.queue_capacity));
        let queue_ctx = Context::<Outbound>::new();
        let client = Client { queue: queue_ctx.address(), shared: Arc::clone(&shared) };
        let handlers = handlers.into_iter().map(|spec| spec.start(client.clone())).collect();
        let dispatch = Dispatch::observed(handlers, Arc::clone(&shared));
        queue_ctx.run(Outbound::new(Arc::clone(&shared), dispatch.clone()));
        let connection = {
            let (config, shared, queue) = (Arc::clone(&config), Arc::clone(&shared), client.queue.clone());
            Supervisor::start(move |_| Connection::new(config, shared, queue, dispatch))
        };
        Heartbeat::new(
            client.clone(),
            shared,
            connection.clone(),
            config.heartbeat_interval,
            config.liveness_limit,
        )
        .start();
        Self { client, connection, config }
    }

    /// A handle for sending and reading state, to give to other tasks.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// Stops gracefully within the configured deadline; see [`Runtime::shutdown_within`].
    pub async fn shutdown(self) -> ShutdownReport {
        let deadline = self.config.shutdown_deadline;
        self.shutdown_within(deadline).await
    }

    /// Stops accepting frames, waits up to `deadline` for every accepted frame to be
    /// acknowledged, sends a close frame and stops the connection for good. Reports how many
    /// frames were left unacknowledged.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(runtime: moobius::client::Runtime) {
    /// let report = runtime.shutdown_within(std::time::Duration::from_secs(2)).await;
    /// assert_eq!(report.unacknowledged, 0, "everything sent was acknowledged");
    /// # }
    /// ```
    pub async fn shutdown_within(self, deadline: Duration) -> ShutdownReport {
        let shared = &self.client.shared;
        shared.stop_accepting();
        if !shared.finished() {
            let (tx, rx) = oneshot::channel();
            self.client.queue.do_send(Drained(tx));
            if tokio::time::timeout(deadline, rx).await.is_err() {
                log::warn!("shutdown deadline {deadline:?} passed with frames unacknowledged");
            }
        }
        let mut state = shared.watch_state();
        self.connection.do_send(Close);
        let _ = tokio::time::timeout(
            self.config.send_timeout,
            state.wait_for(|s| *s == ConnectionState::Stopped),
        )
        .await;
        let counters = shared.counters();
        if counters.unacknowledged() > 0 {
            log::warn!("shut down with {} frames unacknowledged", counters.unacknowledged());
        }
        ShutdownReport { unacknowledged: counters.unacknowledged(), counters }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if !self.client.shared.finished() {
            self.client.shared.finish(None);
            self.connection.do_send(Close);
        }
    }
}
