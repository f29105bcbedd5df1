//! Starting services: sign in, create and bind what the configuration lacks, start the client
//! runtime, the router, the outbox and the service instances; and the wand, which runs several
//! services in one actix `System` and stops them all gracefully on Ctrl-C or SIGTERM.

use super::error::{ServiceError, ServiceErrorKind};
use super::handler::Service;
use super::host::{Cast, Factory, ServiceActor, Spell};
use super::moobius::Moobius;
use super::outbox::{Outbox, Role};
use super::router::{InstanceOf, Instances, Router};
use crate::client::{
    Client, ClientConfig, ClientConfigBuilder, ConnectionState, HandlerSpec, Identity, Runtime,
    ShutdownReport,
};
use crate::config::{Config, Created, bind_channels, ensure_service_and_channels};
use crate::http::{HttpClient, TokenRenewal, TokenTimings};
use actix::prelude::*;
use std::sync::Arc;

type Tune = Box<dyn FnOnce(ClientConfigBuilder) -> ClientConfigBuilder>;

/// Describes a service (or a user-mode bot) to start: its configuration, the factory of its
/// instances, and how its events are spread over them.
///
/// # Examples
/// ```no_run
/// use moobius::config::Config;
/// use moobius::service::{Service, ServiceBuilder};
///
/// struct Zero;
/// impl Service for Zero {}
///
/// # #[actix::main] async fn main() -> Result<(), moobius::service::ServiceError> {
/// let running = ServiceBuilder::new(Config::from_env()?, |_channel| Zero).start().await?;
/// running.handle().ready().await?;
/// println!("ready: service {} on channels {}", running.handle().service_id(), running.handle().channels().join(","));
/// # Ok(()) }
/// ```
pub struct ServiceBuilder<S: Service> {
    config: Config,
    factory: Factory<S>,
    shared: bool,
    user_mode: bool,
    tune: Option<Tune>,
    http: Option<HttpClient>,
}

impl<S: Service> std::fmt::Debug for ServiceBuilder<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceBuilder")
            .field("config", &self.config)
            .field("shared", &self.shared)
            .field("user_mode", &self.user_mode)
            .finish_non_exhaustive()
    }
}

impl<S: Service> ServiceBuilder<S> {
    /// A service: `factory` makes the instance of each channel (given the channel id).
    pub fn new(config: Config, factory: impl Fn(&str) -> S + 'static) -> Self {
        Self { config, factory: Arc::new(factory), shared: false, user_mode: false, tune: None, http: None }
    }

    /// A user-mode bot (logs in with `user_login`, receives `message_down` and `update`).
    pub fn user(mut config: Config, factory: impl Fn(&str) -> S + 'static) -> Self {
        config.service.service_mode = false;
        Self { user_mode: true, ..Self::new(config, factory) }
    }

    /// One instance for all channels instead of one per channel (the factory is called with "").
    pub fn shared(mut self) -> Self {
        self.shared = true;
        self
    }

    /// Adjusts the client runtime's settings (timings, queue capacity).
    pub fn tune(mut self, tune: impl FnOnce(ClientConfigBuilder) -> ClientConfigBuilder + 'static) -> Self {
        self.tune = Some(Box::new(tune));
        self
    }

    /// Uses this HTTP client (already signed in, or sharing its group cache) instead of a new one.
    pub fn http(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }

    /// Signs in, creates the service and a channel if the configuration has none (reported by
    /// [`ServiceHandle::created`]), binds the channels, and starts the runtime and the instances.
    /// Must run inside an actix `System`.
    ///
    /// # Errors
    /// [`ServiceError`]: the sign-in or another start-up HTTP call failed, or the runtime's
    /// configuration was refused.
    pub async fn start(self) -> Result<Running<S>, ServiceError> {
        let Self { mut config, factory, shared, user_mode, tune, http } = self;
        let http = match http {
            Some(http) => http,
            None => HttpClient::builder(config.service.http_server_uri.clone())
                .credentials(config.account.clone())
                .build()?,
        };
        if http.tokens().access_token().is_none() {
            http.sign_in().await?;
        }
        let created = ensure_service_and_channels(&http, &mut config).await?;
        let (role, identity) = if user_mode {
            let user_id = http.user_info().await?.user_id;
            (Role::User { user_id }, Identity::User)
        } else {
            let bound = bind_channels(&http, &config.service).await?;
            for (channel, holder) in &bound.skipped {
                log::warn!(
                    "channel {channel} is left out: service {holder} holds it (others: {})",
                    config.service.others
                );
            }
            config.service.channels = bound.channels;
            let service_id = config.service.service_id.clone().unwrap_or_default();
            (Role::Service { service_id: service_id.clone() }, Identity::service(service_id))
        };
        let renewal = http.spawn_token_renewal(TokenTimings::default());
        let mut builder =
            ClientConfig::builder(config.service.ws_server_uri.clone(), identity, http.tokens().clone());
        if let Some(tune) = tune {
            builder = tune(builder);
        }
        let client_config = builder.build()?;

        let router_ctx = Context::<Router<S>>::new();
        let router = router_ctx.address();
        let runtime = Runtime::start(client_config, vec![HandlerSpec::recipient(router.clone().recipient())]);
        let client = runtime.client();
        let outbox = Outbox::new(role.clone(), client.clone(), Some(http.clone())).start();
        let moobius = Moobius::new(role, outbox, client.clone(), Some(http.share()));
        let channels = config.service.channels.clone();
        let instances = if shared {
            Instances::Shared(ServiceActor::new(factory, Arc::from(""), moobius.clone()).start())
        } else {
            Instances::PerChannel { factory, actors: Default::default() }
        };
        let mut routing = Router::new(instances, moobius.clone(), Some(http));
        routing.warm_up(&channels);
        router_ctx.run(routing);
        let id = moobius.service_id().or(moobius.user_id()).unwrap_or_default().to_owned();
        let handle =
            ServiceHandle { inner: Arc::new(HandleInner { id, channels, created, moobius, client, router }) };
        Ok(Running { handle, runtime, _renewal: renewal })
    }
}

/// A started service: its [`ServiceHandle`], and the runtime to shut down.
pub struct Running<S: Service> {
    handle: ServiceHandle<S>,
    runtime: Runtime,
    _renewal: TokenRenewal,
}

impl<S: Service> std::fmt::Debug for Running<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running").field("handle", &self.handle).finish_non_exhaustive()
    }
}

impl<S: Service> Running<S> {
    /// The handle to reach the service.
    pub fn handle(&self) -> &ServiceHandle<S> {
        &self.handle
    }

    /// Stops gracefully: waits (up to the runtime's deadline) for the frames in flight to be
    /// acknowledged and reports what was left.
    pub async fn shutdown(self) -> ShutdownReport {
        self.runtime.shutdown().await
    }
}

struct HandleInner<S: Service> {
    id: String,
    channels: Vec<String>,
    created: Created,
    moobius: Moobius,
    client: Client,
    router: Addr<Router<S>>,
}

/// Reaches a running service: its ids, its action handle, its instances (to send them the
/// program's own messages). Cheap to clone.
pub struct ServiceHandle<S: Service> {
    inner: Arc<HandleInner<S>>,
}

impl<S: Service> Clone for ServiceHandle<S> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

impl<S: Service> std::fmt::Debug for ServiceHandle<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceHandle")
            .field("id", &self.inner.id)
            .field("channels", &self.inner.channels)
            .finish_non_exhaustive()
    }
}

impl<S: Service> ServiceHandle<S> {
    /// The service id (service mode) or the user id (user mode).
    pub fn service_id(&self) -> &str {
        &self.inner.id
    }

    /// The channels this service was started on.
    pub fn channels(&self) -> &[String] {
        &self.inner.channels
    }

    /// What start-up created because the configuration lacked it.
    pub fn created(&self) -> &Created {
        &self.inner.created
    }

    /// The action handle.
    pub fn moobius(&self) -> &Moobius {
        &self.inner.moobius
    }

    /// The runtime's client (state, latency, counters).
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// Waits until the connection is logged in.
    ///
    /// # Errors
    /// [`ServiceErrorKind::Stopped`] when the runtime stops for good first (e.g. every login was
    /// refused), with its reason.
    pub async fn ready(&self) -> Result<(), ServiceError> {
        let mut states = self.inner.client.watch_state();
        loop {
            match *states.borrow_and_update() {
                ConnectionState::Connected => return Ok(()),
                ConnectionState::Stopped => break,
                _ => {}
            }
            if states.changed().await.is_err() {
                break;
            }
        }
        let reason = self.inner.client.fatal_error().unwrap_or_else(|| "the runtime stopped".to_owned());
        Err(ServiceErrorKind::Stopped { reason }.into())
    }

    /// Sends the program's message `spell` to the instance of `channel_id` (or to the shared
    /// instance) and returns its answer; `None` when the instance failed on it.
    ///
    /// # Errors
    /// [`MailboxError`] when the service is gone.
    pub async fn cast<M>(&self, channel_id: &str, spell: M) -> Result<Option<M::Result>, MailboxError>
    where
        S: Spell<M>,
        M: actix::Message + Send + 'static,
        M::Result: Send + 'static,
    {
        let instance = self.inner.router.send(InstanceOf::new(channel_id)).await?;
        instance.send(Cast(spell)).await
    }
}
