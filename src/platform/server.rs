//! The platform's lifecycle: the actix-web server on one address (HTTP API and WebSocket), and
//! the handle that embeds it, with the controls tests need (sever, stop and start again, pause,
//! traffic report).

use super::config::PlatformConfig;
use super::error::{PlatformError, PlatformErrorKind};
use super::hub::Hub;
use super::studio::{self, Studio};
use super::traffic::TrafficReport;
use super::{http, ws};
use actix_codec::Framed;
use actix_http::{HttpService, Request, h1};
use actix_service::{fn_service, map_config};
use actix_web::dev::{AppConfig, Extensions, ServerHandle, Service as _};
use actix_web::rt::net::TcpStream;
use actix_web::{App, web};
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::Duration;
use tokio::sync::watch;

/// How often, and how long apart, `start_again` retries binding the old port (the old listener
/// may take a moment to be released).
const REBIND_ATTEMPTS: u32 = 50;
const REBIND_PAUSE: Duration = Duration::from_millis(20);

/// What every worker shares: the state and the controls.
pub(crate) struct Shared {
    pub(crate) config: PlatformConfig,
    hub: Mutex<Hub>,
    pub(crate) paused: watch::Sender<bool>,
    /// What the studio's inspector shows, and its latency controls.
    pub(crate) studio: Studio,
    /// The platform itself, for the studio's restart control (set once, just after start).
    restarter: OnceLock<Restarter>,
}

/// What a restart from the studio needs: the platform (weakly, as it holds this) and the arbiter
/// it was started on (a worker's arbiter stops with the server, so the restart cannot run there).
struct Restarter {
    inner: Weak<Inner>,
    arbiter: actix_rt::ArbiterHandle,
}

/// Stops the platform and starts it again, after the current request is answered; `false` when
/// the platform is being dropped.
pub(crate) fn restart_in_background(shared: &Shared) -> bool {
    let Some(restarter) = shared.restarter.get() else { return false };
    let Some(inner) = restarter.inner.upgrade() else { return false };
    let platform = PlatformHandle { inner };
    restarter.arbiter.spawn(async move {
        // Let the control's answer go out before the server stops.
        tokio::time::sleep(Duration::from_millis(50)).await;
        platform.stop().await;
        if let Err(error) = platform.start_again().await {
            log::error!("the studio's restart failed: {}", crate::report(&error));
        }
    })
}

impl Shared {
    /// The state, locked (briefly: never held across an await).
    pub(crate) fn hub(&self) -> MutexGuard<'_, Hub> {
        self.hub.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Prepares each accepted socket: `TCP_NODELAY` (every frame is a small write answered by a
/// small write; with Nagle's algorithm each would wait for the peer's delayed ACK, ~40 ms a round
/// trip).
fn on_connect(stream: &TcpStream, _: &mut Extensions) {
    if let Err(error) = stream.set_nodelay(true) {
        log::debug!("could not set TCP_NODELAY on an accepted socket: {error}");
    }
}

/// Where a WebSocket upgrade goes: the protocol at `/ws` and `/`, the studio's feed, or a 404.
async fn upgrade(shared: Arc<Shared>, req: Request, framed: Framed<TcpStream, h1::Codec>) {
    match req.path() {
        "/ws" | "/" => ws::serve(shared, req, framed).await,
        "/studio/feed" => studio::serve_feed(shared, req, framed).await,
        path => {
            let message = format!("no WebSocket at {path}: connect to /ws");
            super::wire::refuse(framed, actix_http::StatusCode::NOT_FOUND, &message).await;
        }
    }
}

/// The embedded local Moobius platform.
///
/// Serves the HTTP API of PROTOCOL.md and the WebSocket (at `/ws` and at `/`) on one address.
/// Runs inside an actix system (`#[actix_web::main]`, `#[actix_web::test]`, `actix_rt::System`).
#[derive(Debug)]
pub struct LocalPlatform;

impl LocalPlatform {
    /// Starts the platform on `addr` with the default [`PlatformConfig`] (port 0 picks a free
    /// port; [`PlatformHandle::addr`] says which).
    ///
    /// # Errors
    /// [`PlatformErrorKind::Bind`] when the address cannot be bound,
    /// [`PlatformErrorKind::Server`] when the server cannot start.
    ///
    /// # Examples
    /// ```
    /// # actix_web::rt::System::new().block_on(async {
    /// let platform = moobius::platform::LocalPlatform::start("127.0.0.1:0").await?;
    /// assert!(platform.ws_url().starts_with("ws://127.0.0.1:"));
    /// platform.stop().await;
    /// # Ok::<(), moobius::platform::PlatformError>(())
    /// # }).unwrap();
    /// ```
    pub async fn start(addr: impl ToSocketAddrs) -> Result<PlatformHandle, PlatformError> {
        Self::start_with(addr, PlatformConfig::default()).await
    }

    /// Starts the platform on `addr` with `config`.
    ///
    /// # Errors
    /// As [`LocalPlatform::start`].
    ///
    /// # Examples
    /// ```
    /// use moobius::platform::{LocalPlatform, PlatformConfig};
    /// # actix_web::rt::System::new().block_on(async {
    /// let config = PlatformConfig::default().outbound_buffer(16);
    /// let platform = LocalPlatform::start_with("127.0.0.1:0", config).await?;
    /// platform.stop().await;
    /// # Ok::<(), moobius::platform::PlatformError>(())
    /// # }).unwrap();
    /// ```
    pub async fn start_with(
        addr: impl ToSocketAddrs,
        config: PlatformConfig,
    ) -> Result<PlatformHandle, PlatformError> {
        let listener = bind(addr)?;
        let addr = listener
            .local_addr()
            .map_err(|e| PlatformError::new(PlatformErrorKind::Bind { addr: "?".into() }, Some(e)))?;
        let (paused, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            hub: Mutex::new(Hub::new(config.clone())),
            studio: Studio::new(config.studio),
            config,
            paused,
            restarter: OnceLock::new(),
        });
        let server = launch(&shared, listener)?;
        let inner = Arc::new(Inner { shared, addr, server: Mutex::new(Some(server)) });
        let restarter = Restarter { inner: Arc::downgrade(&inner), arbiter: actix_rt::Arbiter::current() };
        let _ = inner.shared.restarter.set(restarter);
        Ok(PlatformHandle { inner })
    }
}

fn bind(addr: impl ToSocketAddrs) -> Result<TcpListener, PlatformError> {
    let addrs: Vec<SocketAddr> = match addr.to_socket_addrs() {
        Ok(addrs) => addrs.collect(),
        Err(e) => {
            return Err(PlatformError::new(
                PlatformErrorKind::Bind { addr: "(unresolvable)".into() },
                Some(e),
            ));
        }
    };
    let shown = addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    TcpListener::bind(&addrs[..])
        .map_err(|e| PlatformError::new(PlatformErrorKind::Bind { addr: shown }, Some(e)))
}

fn launch(shared: &Arc<Shared>, listener: TcpListener) -> Result<ServerHandle, PlatformError> {
    let config = &shared.config;
    let shared = shared.clone();
    let (workers, header_timeout, keep_alive) =
        (config.workers, config.http_header_timeout, config.http_keep_alive);
    let server = actix_server::Server::build()
        .workers(workers)
        .disable_signals()
        .shutdown_timeout(0)
        .listen("moobius-platform", listener, move || {
            let app = app(shared.clone());
            let upgrades = shared.clone();
            HttpService::build()
                .client_request_timeout(header_timeout)
                .client_disconnect_timeout(Duration::from_secs(1))
                .keep_alive(keep_alive)
                .on_connect_ext(on_connect)
                // The upgrade takes the socket and the connection runs in its own task: the HTTP
                // dispatcher (and its buffers) end with the handshake.
                .upgrade(fn_service(move |(req, framed): (Request, Framed<TcpStream, h1::Codec>)| {
                    actix_web::rt::spawn(upgrade(upgrades.clone(), req, framed));
                    async { Ok::<(), std::convert::Infallible>(()) }
                }))
                .finish(map_config(app, |()| AppConfig::default()))
                .tcp()
        })
        .map_err(|e| PlatformError::new(PlatformErrorKind::Server, Some(e)))?
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    Ok(handle)
}

/// The HTTP side: the API, the studio, the metrics, and the answer to a non-upgrade GET `/ws`.
fn app(
    shared: Arc<Shared>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (body_limit, request_timeout) = (shared.config.http_body_limit, shared.config.http_request_timeout);
    let data = web::Data::from(shared);
    App::new()
        .app_data(data)
        .app_data(web::PayloadConfig::new(body_limit))
        .wrap_fn(move |req, service| {
            let call = service.call(req);
            async move {
                match tokio::time::timeout(request_timeout, call).await {
                    Ok(result) => result,
                    Err(_) => Err(http::timed_out(request_timeout).into()),
                }
            }
        })
        .configure(|cfg| http::routes(cfg, body_limit))
        .route("/ws", web::get().to(ws::not_upgraded))
        .configure(studio::routes)
        .configure(super::counters::routes)
        .default_service(web::to(http::not_found))
}

struct Inner {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: Mutex<Option<ServerHandle>>,
}

/// A running local platform: its address and its test controls. Cheap to clone.
#[derive(Clone)]
pub struct PlatformHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PlatformHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformHandle").field("addr", &self.inner.addr).finish_non_exhaustive()
    }
}

impl PlatformHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// `ws://ADDR/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.inner.addr)
    }

    /// `http://ADDR`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// `http://ADDR/`: the studio, the platform's page to chat with services as users and
    /// inspect every frame.
    pub fn studio_url(&self) -> String {
        format!("http://{}/", self.inner.addr)
    }

    /// The settings in force.
    pub fn config(&self) -> &PlatformConfig {
        &self.inner.shared.config
    }

    /// Drops every WebSocket connection at once, as a network cut would: no close frame. State
    /// (accounts, bindings, memberships, held events) is kept; clients reconnect and resume.
    pub fn sever_all(&self) {
        self.inner.shared.hub().sever_all("severed by the test control sever_all");
        self.inner.shared.studio.control("sever", None, None);
    }

    /// Stops serving (every connection is cut, the port is released); state is kept for
    /// [`start_again`](Self::start_again).
    pub async fn stop(&self) {
        self.inner.shared.hub().sever_all("the platform stopped");
        let server = self.inner.server.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(server) = server {
            self.inner.shared.studio.control("stop", None, None);
            server.stop(false).await;
        }
    }

    /// Serves again on the same address, with the state it had.
    ///
    /// # Errors
    /// [`PlatformErrorKind::AlreadyRunning`] if it runs; [`PlatformErrorKind::Bind`] if the
    /// port was taken meanwhile.
    ///
    /// # Examples
    /// ```
    /// # actix_web::rt::System::new().block_on(async {
    /// let platform = moobius::platform::LocalPlatform::start("127.0.0.1:0").await?;
    /// platform.stop().await;
    /// platform.start_again().await?;
    /// platform.stop().await;
    /// # Ok::<(), moobius::platform::PlatformError>(())
    /// # }).unwrap();
    /// ```
    pub async fn start_again(&self) -> Result<(), PlatformError> {
        if self.inner.server.lock().unwrap_or_else(PoisonError::into_inner).is_some() {
            return Err(PlatformError::new(
                PlatformErrorKind::AlreadyRunning { addr: self.inner.addr },
                None,
            ));
        }
        let mut attempt = 0;
        let listener = loop {
            match bind(self.inner.addr) {
                Ok(listener) => break listener,
                Err(error) if attempt + 1 >= REBIND_ATTEMPTS => return Err(error),
                Err(_) => {
                    attempt += 1;
                    tokio::time::sleep(REBIND_PAUSE).await;
                }
            }
        };
        let server = launch(&self.inner.shared, listener)?;
        *self.inner.server.lock().unwrap_or_else(PoisonError::into_inner) = Some(server);
        self.inner.shared.studio.control("start", None, None);
        Ok(())
    }

    /// Pauses (`true`) or resumes (`false`) every connection, as a hung server would: while
    /// paused nothing is read, acknowledged or written, and pings go unanswered.
    ///
    /// Takes effect when it returns: a frame the platform has not begun to handle by then (one
    /// sent after the call, in particular) waits until the resume, on every connection. A frame
    /// already being handled completes.
    pub fn pause(&self, paused: bool) {
        self.inner.shared.paused.send_replace(paused);
        self.inner.shared.studio.control(if paused { "pause" } else { "resume" }, None, None);
    }

    /// What every connection so far was sent and refused.
    pub fn traffic(&self) -> TrafficReport {
        TrafficReport { connections: self.inner.shared.hub().traffic() }
    }

    /// The sizes of what the platform holds: connections, traffic records, request ids, replay
    /// buffers (each bounded by a limit of [`PlatformConfig`]).
    pub fn stats(&self) -> super::PlatformStats {
        self.inner.shared.hub().stats()
    }

    /// The sign-up or password-reset code the platform last "emailed" to `username` and that is
    /// not used, voided or expired yet: what a test reads instead of a mailbox (in dev mode the
    /// code is also logged, and the fixed [`PlatformConfig::dev_code`] works too).
    ///
    /// # Examples
    /// ```
    /// # actix_web::rt::System::new().block_on(async {
    /// let platform = moobius::platform::LocalPlatform::start("127.0.0.1:0").await?;
    /// assert!(platform.last_code("nobody@example.com").is_none());
    /// platform.stop().await;
    /// # Ok::<(), moobius::platform::PlatformError>(())
    /// # }).unwrap();
    /// ```
    pub fn last_code(&self, username: &str) -> Option<crate::protocol::Secret> {
        self.inner.shared.hub().last_code(username)
    }

    /// How many WebSocket connections are open.
    pub fn open_connections(&self) -> usize {
        self.inner.shared.hub().open_connections()
    }
}
