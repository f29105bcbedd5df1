//! The one support module of the integration tests: one platform starter, one provisioned world,
//! one [`WAIT`], one way to wait for something to arrive ([`next`], [`wait_for`]), one fault
//! proxy. Every wait is bounded by [`WAIT`] (or a named, longer bound); nothing sleeps to
//! synchronise.
//!
//! - [`http`]: plain HTTP calls (sign-in, provisioning), answers checked.
//! - [`metrics`]: scraping a metrics endpoint and reading samples from the text format.
//! - [`ws`]: a raw WebSocket client that sees exactly what is on the wire.
//! - [`world`]: the usual starting point: owner, service, channel, user, group, agent.
//! - [`browser`]: headless chromium over WebDriver, an optional part.
//! - [`redis`]: a real `redis-server` on a free loopback port, an optional part.
//! - [`client`]: the client runtime with fast timings, and its events.
//! - [`service`]: user-mode bots playing the humans, and a recording service.
//! - [`studio`]: the studio's feed, controls and page.
//! - [`fault_proxy`]: a TCP proxy that severs, pauses, flaps and injects frames.
//! - [`process`]: the built binaries (examples, `moobius`) as child processes.
#![allow(dead_code, unreachable_pub)]

pub mod browser;
pub mod client;
pub mod fault_proxy;
pub mod http;
#[cfg(feature = "metrics")]
pub mod metrics;
pub mod process;
#[cfg(feature = "redis")]
pub mod redis;
pub mod service;
pub mod studio;
pub mod world;
pub mod ws;

pub use http::*;
pub use world::*;
pub use ws::*;

use moobius::platform::{LocalPlatform, PlatformConfig, PlatformHandle};
use std::time::Duration;
use tokio::sync::mpsc;

/// Where a platform answers: the embedded one ([`PlatformHandle`]) or one in another process
/// ([`Remote`], e.g. `moobius platform` started by [`process::moobius_platform`]). The HTTP, raw
/// WebSocket and world helpers take any of them.
pub trait Endpoint {
    /// The HTTP API's base URL, `http://host:port`.
    fn http_url(&self) -> String;
    /// The WebSocket URL, `ws://host:port/ws`.
    fn ws_url(&self) -> String;
    /// The HTTP client the helpers call it with (default: a new one per call, bounded by
    /// [`WAIT`]).
    fn http_client(&self) -> awc::Client {
        awc::Client::builder().timeout(WAIT).finish()
    }
}

impl Endpoint for PlatformHandle {
    fn http_url(&self) -> String {
        PlatformHandle::http_url(self)
    }

    fn ws_url(&self) -> String {
        PlatformHandle::ws_url(self)
    }
}

impl<T: Endpoint + ?Sized> Endpoint for &T {
    fn http_url(&self) -> String {
        (**self).http_url()
    }

    fn ws_url(&self) -> String {
        (**self).ws_url()
    }

    fn http_client(&self) -> awc::Client {
        (**self).http_client()
    }
}

/// A platform known only by its URLs, called over one shared keep-alive HTTP client (many calls
/// then reuse a few connections instead of one each).
#[derive(Clone)]
pub struct Remote {
    /// `http://host:port`.
    pub http: String,
    /// `ws://host:port/ws`.
    pub ws: String,
    client: awc::Client,
}

impl Remote {
    /// The platform at these URLs (must be called inside an actix system).
    pub fn new(http: String, ws: String) -> Self {
        // Pooled connections are dropped after 2 s idle, before the platform's 5 s keep-alive
        // closes them (awc's default of 15 s would reuse a connection the server had closed).
        let connector = awc::Connector::new().conn_keep_alive(Duration::from_secs(2));
        Self { http, ws, client: awc::Client::builder().connector(connector).timeout(WAIT).finish() }
    }
}

impl Endpoint for Remote {
    fn http_url(&self) -> String {
        self.http.clone()
    }

    fn ws_url(&self) -> String {
        self.ws.clone()
    }

    fn http_client(&self) -> awc::Client {
        self.client.clone()
    }
}

/// The longest any wait lasts before the test fails. Generous: the tests run in parallel on a
/// two-core machine, and a wait ends as soon as what it waits for arrives.
pub const WAIT: Duration = Duration::from_secs(20);

/// Starts a platform with the default settings on 127.0.0.1:0.
pub async fn start_platform() -> PlatformHandle {
    start_platform_with(PlatformConfig::default()).await
}

/// Starts a platform with `config` on 127.0.0.1:0.
pub async fn start_platform_with(config: PlatformConfig) -> PlatformHandle {
    LocalPlatform::start_with("127.0.0.1:0", config).await.expect("the platform starts on 127.0.0.1:0")
}

/// The next item of `rx`; panics naming `what` after [`WAIT`] or when the sender is gone.
pub async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>, what: &str) -> T {
    wait_for(rx, WAIT, what, |_| true).await
}

/// The next item of `rx` matching `predicate` (items before it are dropped); panics naming `what`
/// after `within` or when the sender is gone.
pub async fn wait_for<T>(
    rx: &mut mpsc::UnboundedReceiver<T>,
    within: Duration,
    what: &str,
    mut predicate: impl FnMut(&T) -> bool,
) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(item)) if predicate(&item) => return item,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the sender stopped while waiting for {what}"),
            Err(_) => panic!("no {what} within {within:?}"),
        }
    }
}

/// Waits until `condition` holds (checked every 10 ms), or panics after `within`. Only for state
/// that has no event of its own (such as a latency figure); everything else waits on events.
pub async fn eventually(within: Duration, what: &str, condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "no {what} within {within:?}");
        tick.tick().await;
    }
}

/// The protocol vectors: `$MOOBIUS_VECTORS`, else the project's `shared/protocol/vectors` checked
/// out beside the clone. Panics, saying where it looked, when they are missing.
pub fn vectors_dir() -> std::path::PathBuf {
    let dir = std::env::var_os("MOOBIUS_VECTORS").map(std::path::PathBuf::from).unwrap_or_else(|| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/protocol/vectors")
    });
    assert!(
        dir.is_dir(),
        "the protocol vectors are missing: expected the folder {} (the project's `shared/` checked out \
         beside this clone), or set MOOBIUS_VECTORS to their folder",
        dir.display()
    );
    dir
}

/// A fresh, empty directory for files a test writes (under the system's temporary directory,
/// named after the process and `name`).
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("moobius-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}
