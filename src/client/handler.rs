//! Event delivery to handler actors, each under its own supervisor: a handler that errors or
//! panics is logged and restarted, later events still reach it, and the connection never notices.

use super::event::ClientEvent;
use super::runtime::Client;
use super::state::Shared;
use actix::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use tokio::sync::mpsc;

/// The message every handler actor receives: one event, shared between handlers.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Delivery(pub Arc<ClientEvent>);

/// What a handler returns: an error makes its supervisor log it and restart the handler.
pub type HandlerResult = Result<(), HandlerError>;

/// The error a handler returns: any error, boxed.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Handles events. Runs inside its own supervised actor: keep it quick and non-blocking (spawn
/// futures with [`actix::spawn`] for slow work).
///
/// Closures `FnMut(&ClientEvent, &Client) -> HandlerResult` are handlers too.
pub trait EventHandler: 'static {
    /// Handles one event; `client` sends frames back.
    ///
    /// # Errors
    /// Any error: it is logged with the event's kind and the handler is rebuilt from its factory.
    fn handle(&mut self, event: &ClientEvent, client: &Client) -> HandlerResult;
}

impl<F> EventHandler for F
where
    F: FnMut(&ClientEvent, &Client) -> HandlerResult + 'static,
{
    fn handle(&mut self, event: &ClientEvent, client: &Client) -> HandlerResult {
        self(event, client)
    }
}

type Starter = Box<dyn FnOnce(Client) -> Recipient<Delivery>>;

/// A handler to start with the runtime. See [`HandlerSpec::supervised`], [`HandlerSpec::channel`]
/// and [`HandlerSpec::recipient`].
pub struct HandlerSpec {
    start: Starter,
}

impl std::fmt::Debug for HandlerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HandlerSpec")
    }
}

impl HandlerSpec {
    /// A handler built by `factory`, run in its own actor under an actix `Supervisor`. When it
    /// returns an error or panics, the event and the failure are logged, the actor restarts and
    /// `factory` builds a fresh handler; events still waiting in its mailbox reach the new one.
    ///
    /// # Examples
    /// ```
    /// use moobius::client::{ClientEvent, HandlerSpec};
    /// let spec = HandlerSpec::supervised("printer", || {
    ///     |event: &ClientEvent, _client: &moobius::client::Client| {
    ///         println!("{event:?}");
    ///         Ok(())
    ///     }
    /// });
    /// # drop(spec);
    /// ```
    pub fn supervised<H, F>(name: impl Into<String>, factory: F) -> Self
    where
        H: EventHandler,
        F: Fn() -> H + 'static,
    {
        let name = name.into();
        Self {
            start: Box::new(move |client| {
                let handler = Box::new(factory());
                let host = HandlerHost { name, factory: Box::new(factory), handler, client, restarts: 0 };
                Supervisor::start(move |_| host).recipient()
            }),
        }
    }

    /// An existing actor (e.g. a service) that receives [`Delivery`] messages; it supervises itself.
    pub fn recipient(recipient: Recipient<Delivery>) -> Self {
        Self { start: Box::new(move |_| recipient) }
    }

    /// Every event into a channel, for programs that prefer a stream (and for tests).
    ///
    /// # Examples
    /// ```
    /// let (spec, mut events) = moobius::client::HandlerSpec::channel();
    /// assert!(events.try_recv().is_err());
    /// # drop(spec);
    /// ```
    pub fn channel() -> (Self, mpsc::UnboundedReceiver<Arc<ClientEvent>>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let spec = Self { start: Box::new(move |_| Forwarder { tx }.start().recipient()) };
        (spec, rx)
    }

    pub(crate) fn start(self, client: Client) -> Recipient<Delivery> {
        (self.start)(client)
    }
}

/// Fans one event out to every handler, counting it first (for the metrics) when it has the
/// runtime's shared state.
#[derive(Clone)]
pub(crate) struct Dispatch {
    handlers: Arc<[Recipient<Delivery>]>,
    shared: Option<Arc<Shared>>,
}

impl Dispatch {
    #[cfg(test)]
    pub(crate) fn new(handlers: Vec<Recipient<Delivery>>) -> Self {
        Self { handlers: handlers.into(), shared: None }
    }

    /// A dispatch that counts every event in `shared`'s stats before fanning it out.
    pub(crate) fn observed(handlers: Vec<Recipient<Delivery>>, shared: Arc<Shared>) -> Self {
        Self { handlers: handlers.into(), shared: Some(shared) }
    }

    pub(crate) fn emit(&self, event: ClientEvent) {
        if let Some(shared) = &self.shared {
            shared.stats.observe(&event);
        }
        if self.handlers.is_empty() {
            return;
        }
        let event = Arc::new(event);
        for handler in self.handlers.iter() {
            handler.do_send(Delivery(Arc::clone(&event)));
        }
    }
}

/// Hosts one [`EventHandler`]: catches its errors and panics and restarts through its supervisor.
struct HandlerHost<H: EventHandler> {
    name: String,
    factory: Box<dyn Fn() -> H>,
    handler: Box<H>,
    client: Client,
    restarts: u64,
}

impl<H: EventHandler> Actor for HandlerHost<H> {
    type Context = Context<Self>;
}

impl<H: EventHandler> Supervised for HandlerHost<H> {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        self.restarts += 1;
        log::warn!("handler `{}` restarting (restart {})", self.name, self.restarts);
        *self.handler = (self.factory)();
    }
}

impl<H: EventHandler> Handler<Delivery> for HandlerHost<H> {
    type Result = ();

    fn handle(&mut self, Delivery(event): Delivery, ctx: &mut Context<Self>) {
        let outcome = catch_unwind(AssertUnwindSafe(|| self.handler.handle(&event, &self.client)));
        let failure = match outcome {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error.to_string(),
            Err(panic) => panic_message(panic.as_ref()),
        };
        log::error!(
            "handler `{}` failed on a {} event ({failure}); the event is dropped for this handler, which restarts",
            self.name,
            kind(&event)
        );
        ctx.stop();
    }
}

/// `panicked: <message>` for a caught panic's payload.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string payload".to_owned());
    format!("panicked: {text}")
}

fn kind(event: &ClientEvent) -> &'static str {
    match event {
        ClientEvent::Platform(incoming) => incoming.event.frame_type().unwrap_or("platform error or unknown"),
        ClientEvent::Refused(_) => "refusal",
        ClientEvent::ResumeGap(_) => "resume gap",
        ClientEvent::Lifecycle(_) => "lifecycle",
        ClientEvent::Error(_) => "error",
    }
}

/// Forwards events into a channel (see [`HandlerSpec::channel`]).
struct Forwarder {
    tx: mpsc::UnboundedSender<Arc<ClientEvent>>,
}

impl Actor for Forwarder {
    type Context = Context<Self>;
}

impl Handler<Delivery> for Forwarder {
    type Result = ();

    fn handle(&mut self, Delivery(event): Delivery, ctx: &mut Context<Self>) {
        if self.tx.send(event).is_err() {
            ctx.stop();
        }
    }
}
