//! The client runtime in tests: millisecond-scale timings so reconnect tests run fast, runtimes
//! whose events come to the test, and what those events say.

use super::http::Account;
use super::{WAIT, next, wait_for};
use moobius::client::{
    ClientConfig, ClientConfigBuilder, ClientEvent, HandlerSpec, Identity, Lifecycle, Runtime,
};
use moobius::protocol::{Event, Secret};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Millisecond-scale timings so reconnect tests run fast.
pub fn fast(url: &str, identity: Identity, token: &str) -> ClientConfigBuilder {
    ClientConfig::builder(url, identity, Secret::new(token))
        .connect_timeout(Duration::from_secs(2))
        .send_timeout(Duration::from_secs(5))
        .heartbeat_interval(Duration::from_millis(200))
        .liveness_limit(Duration::from_secs(3))
        .backoff_base(Duration::from_millis(10))
        .backoff_cap(Duration::from_millis(200))
        .shutdown_deadline(Duration::from_secs(5))
}

/// The events a runtime delivered, awaited with a timeout.
pub struct Events(pub mpsc::UnboundedReceiver<Arc<ClientEvent>>);

impl Events {
    /// The next event, or a panic after [`WAIT`].
    pub async fn next(&mut self) -> Arc<ClientEvent> {
        next(&mut self.0, "runtime event").await
    }

    /// The next event matching `predicate` (others are dropped), or a panic after `within`.
    pub async fn wait_for(
        &mut self,
        within: Duration,
        what: &str,
        predicate: impl Fn(&ClientEvent) -> bool,
    ) -> Arc<ClientEvent> {
        wait_for(&mut self.0, within, what, |event| predicate(event)).await
    }

    /// Waits for the (re)login.
    pub async fn logged_in(&mut self) {
        self.wait_for(WAIT, "login", |e| {
            matches!(e, ClientEvent::Lifecycle(Lifecycle::Connected | Lifecycle::Reconnected))
        })
        .await;
    }
}

/// Whether `event` is a platform event of this wire type.
pub fn is_platform(event: &ClientEvent, frame_type: &str) -> bool {
    matches!(event, ClientEvent::Platform(incoming) if incoming.event.frame_type() == Some(frame_type))
}

/// The text of a message event, if it is one.
pub fn message_text(event: &ClientEvent) -> Option<&str> {
    match event {
        ClientEvent::Platform(incoming) => match &incoming.event {
            Event::MessageUp(body) | Event::MessageDown(body) => body.content.as_text(),
            _ => None,
        },
        _ => None,
    }
}

/// A user-mode runtime for `user`, with its events.
pub fn user_runtime(url: &str, user: &Account) -> (Runtime, Events) {
    user_runtime_with(fast(url, Identity::User, &user.token))
}

/// A runtime built from `config`, with its events.
pub fn user_runtime_with(config: ClientConfigBuilder) -> (Runtime, Events) {
    let (spec, rx) = HandlerSpec::channel();
    (Runtime::start(config.build().expect("a valid config"), vec![spec]), Events(rx))
}
