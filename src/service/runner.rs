//! Starting a service: sign in, create and bind what the configuration lacks, start the client
//! runtime, the router, the outbox and a supervised actor per channel; and the handle the program
//! keeps to reach them.

use super::board::{Board, ChannelStatus, Supervision};
use super::callback::{Service, ServiceActor};
use super::channel::Channel;
use super::channel::Failed;
use super::error::{ServiceError, ServiceErrorKind};
use super::event::ChannelEvent;
use super::keeper::{ChannelError, Factory, Keepers, Reach};
use super::outbox::{Outbox, Speaker};
use super::restart::RestartPolicy;
use super::role::{AsService, AsUser, Role};
use super::router::{ActorOf, Router};
use crate::client::{
    Client, ClientConfig, ClientConfigBuilder, ConnectionState, HandlerSpec, Identity, Runtime,
    ShutdownReport,
};
use crate::config::{Config, Created, bind_channels, ensure_service_and_channels};
use crate::http::{HttpClient, TokenRenewal, TokenTimings};
use crate::protocol::{ChannelId, CharacterId, ServiceId};
use crate::storage::Storage;
use actix::prelude::*;
use std::rc::Rc;
use std::sync::Arc;
use tokio::sync::broadcast;

type Tune = Box<dyn FnOnce(ClientConfigBuilder) -> ClientConfigBuilder>;

/// Describes a service (`R` = [`AsService`]) or user-mode bot ([`AsUser`]) to start: its
/// configuration, the factory of its channel actors `A`, and how they are supervised.
///
/// # Examples
/// The actor form: the factory gets each channel's [`Channel`] handle.
/// ```no_run
/// use actix::prelude::*;
/// use moobius::prelude::*;
///
/// struct Echo { channel: Channel<AsService> }
///
/// impl Actor for Echo { type Context = Context<Self>; }
///
/// impl Handler<ChannelEvent> for Echo {
///     type Result = HandlerResult;
///     fn handle(&mut self, event: ChannelEvent, _ctx: &mut Context<Self>) -> HandlerResult {
///         if let EventKind::MessageUp(message) = event.kind {
///             self.channel.do_send(SendMessage::new(event.channel_id, message.content, message.sender));
///         }
///         Ok(())
///     }
/// }
///
/// # #[actix::main] async fn main() -> Result<(), moobius::service::ServiceError> {
/// let config = moobius::config::Config::from_env()?;
/// let running = ServiceBuilder::actor(config, |channel| Echo { channel }).start().await?;
/// running.handle().ready().await?;
/// # Ok(()) }
/// ```
pub struct ServiceBuilder<R, A>
where
    R: Role,
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
{
    config: Config,
    factory: Factory<A, R>,
    shared: bool,
    tune: Option<Tune>,
    http: Option<HttpClient>,
    policy: RestartPolicy,
}

impl<R, A> std::fmt::Debug for ServiceBuilder<R, A>
where
    R: Role,
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceBuilder")
            .field("role", &R::NAME)
            .field("config", &self.config)
            .field("shared", &self.shared)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<A: Actor<Context = Context<A>> + Handler<ChannelEvent>> ServiceBuilder<AsService, A> {
    /// A service whose channel actors `factory` makes (one per channel, given its handle).
    pub fn actor(config: Config, factory: impl Fn(Channel<AsService>) -> A + 'static) -> Self {
        Self::with_factory(config, Rc::new(factory))
    }
}

impl<A: Actor<Context = Context<A>> + Handler<ChannelEvent>> ServiceBuilder<AsUser, A> {
    /// A user-mode bot whose channel actors `factory` makes (logs in with `user_login`, receives
    /// `message_down` and `update`).
    pub fn user_actor(mut config: Config, factory: impl Fn(Channel<AsUser>) -> A + 'static) -> Self {
        config.service.service_mode = false;
        Self::with_factory(config, Rc::new(factory))
    }
}

impl<S: Service<AsService>> ServiceBuilder<AsService, ServiceActor<S, AsService>> {
    /// A service written as [`Service`] callbacks: `factory` makes the state of each channel.
    pub fn new(config: Config, factory: impl Fn(&ChannelId) -> S + 'static) -> Self {
        Self::actor(config, move |channel| ServiceActor::new(factory(channel.id()), channel))
    }
}

impl<S: Service<AsUser>> ServiceBuilder<AsUser, ServiceActor<S, AsUser>> {
    /// A user-mode bot written as [`Service<AsUser>`] callbacks.
    pub fn user(config: Config, factory: impl Fn(&ChannelId) -> S + 'static) -> Self {
        Self::user_actor(config, move |channel| ServiceActor::new(factory(channel.id()), channel))
    }
}

impl<R, A> ServiceBuilder<R, A>
where
    R: Role,
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
{
    fn with_factory(config: Config, factory: Factory<A, R>) -> Self {
        Self { config, factory, shared: false, tune: None, http: None, policy: RestartPolicy::default() }
    }

    /// One actor for all channels instead of one per channel (its [`Channel::id`] is empty; each
    /// event names its channel).
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

    /// How failing channel actors are restarted (default: [`RestartPolicy::default`]).
    pub fn restart_policy(mut self, policy: RestartPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Signs in, creates the service and a channel if the configuration has none (reported by
    /// [`ServiceHandle::created`]), binds the channels, and starts the runtime and the channel
    /// actors. Must run inside an actix `System`.
    ///
    /// # Errors
    /// [`ServiceError`]: the sign-in or another start-up HTTP call failed, or the runtime's
    /// configuration was refused.
    pub async fn start(self) -> Result<Running<R, A>, ServiceError> {
        let Self { mut config, factory, shared, tune, http, policy } = self;
        let user_mode = !config.service.service_mode;
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
        let (speaker, identity) = if user_mode {
            let user_id = http.user_info().await?.user_id;
            (Speaker::User(user_id), Identity::User)
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
            (Speaker::Service(service_id.clone()), Identity::service(service_id))
        };
        let renewal = http.spawn_token_renewal(TokenTimings::default());
        let mut builder =
            ClientConfig::builder(config.service.ws_server_uri.clone(), identity, http.tokens().clone());
        if let Some(tune) = tune {
            builder = tune(builder);
        }
        let client_config = builder.build()?;

        let mut router_ctx = Context::<Router<A, R>>::new();
        let router = router_ctx.address();
        let runtime = Runtime::start(client_config, vec![HandlerSpec::recipient(router.clone().recipient())]);
        let client = runtime.client();
        let me = R::id_from(match &speaker {
            Speaker::Service(id) => id.as_str(),
            Speaker::User(id) => id.as_str(),
        });
        let outbox = Outbox::<R>::new(speaker, client.clone(), Some(http.clone())).start();
        let storage =
            Storage::new(config.db.clone(), &ServiceId::from(me.to_string()), &ChannelId::default());
        let failures = router.clone().recipient();
        let template = Channel::new(me.clone(), outbox.clone(), Some(http.clone()), storage, Some(failures));
        let board = Board::new();
        let keepers = Keepers::new(template, factory, policy, Arc::clone(&board));
        // The list is kept once, by the handle; the configuration goes.
        let channels = std::mem::take(&mut config.service.channels);
        let mut routing = Router::new(keepers, shared, Some(http.clone()));
        routing.warm_up(&channels, config.service.checkin_interval, &mut router_ctx);
        router_ctx.run(routing);
        let inner = HandleInner { me, channels, created, outbox, client, router, board, http };
        Ok(Running { handle: ServiceHandle { inner: Rc::new(inner) }, runtime, _renewal: renewal })
    }
}

/// A started service: its [`ServiceHandle`], and the runtime to shut down.
pub struct Running<R, A>
where
    R: Role,
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
{
    handle: ServiceHandle<R, A>,
    runtime: Runtime,
    _renewal: TokenRenewal,
}

impl<R, A> std::fmt::Debug for Running<R, A>
where
    R: Role,
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running").field("handle", &self.handle).finish_non_exhaustive()
    }
}

impl<R, A> Running<R, A>
where
    R: Role,
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
{
    /// The handle to reach the service.
    pub fn handle(&self) -> &ServiceHandle<R, A> {
        &self.handle
    }

    /// Stops gracefully: waits (up to the runtime's deadline) for the frames in flight to be
    /// acknowledged and reports what was left.
    pub async fn shutdown(self) -> ShutdownReport {
        self.runtime.shutdown().await
    }
}

struct HandleInner<R, A>
where
    R: Role,
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
{
    me: R::Id,
    channels: Vec<ChannelId>,
    created: Created,
    outbox: Addr<Outbox<R>>,
    client: Client,
    router: Addr<Router<A, R>>,
    board: Arc<Board>,
    http: HttpClient,
}

/// Reaches a running service (`ServiceHandle<AsService, A>`) or user-mode bot
/// (`ServiceHandle<AsUser, A>`): its ids, its actions' address (typed by role), its channel
/// actors (to send them the program's own messages), and their supervision. Cheap to clone.
pub struct ServiceHandle<R, A>
where
    R: Role,
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
{
    inner: Rc<HandleInner<R, A>>,
}

impl<R, A> Clone for ServiceHandle<R, A>
where
    R: Role,
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
{
    fn clone(&self) -> Self {
        Self { inner: Rc::clone(&self.inner) }
    }
}

impl<R, A> std::fmt::Debug for ServiceHandle<R, A>
where
    R: Role,
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceHandle")
            .field("role", &R::NAME)
            .field("me", &self.inner.me)
            .field("channels", &self.inner.channels)
            .finish_non_exhaustive()
    }
}

impl<A: Actor<Context = Context<A>> + Handler<ChannelEvent>> ServiceHandle<AsService, A> {
    /// The service id.
    pub fn service_id(&self) -> &ServiceId {
        &self.inner.me
    }
}

impl<A: Actor<Context = Context<A>> + Handler<ChannelEvent>> ServiceHandle<AsUser, A> {
    /// The user id (the user's character id).
    pub fn user_id(&self) -> &CharacterId {
        &self.inner.me
    }
}

impl<R, A> ServiceHandle<R, A>
where
    R: Role,
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
{
    /// Who this service speaks as: its service id, or the user's character id.
    pub fn me(&self) -> &R::Id {
        &self.inner.me
    }

    /// The channels this service was started on.
    pub fn channels(&self) -> &[ChannelId] {
        &self.inner.channels
    }

    /// What start-up created because the configuration lacked it.
    pub fn created(&self) -> &Created {
        &self.inner.created
    }

    /// The address the role's actions go to.
    pub fn actions(&self) -> &Addr<Outbox<R>> {
        &self.inner.outbox
    }

    /// The runtime's client (state, latency, counters).
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The HTTP API session the service signed in with (profiles, agents, members, groups).
    pub fn http(&self) -> Option<&HttpClient> {
        Some(&self.inner.http)
    }

    /// How the actor of `channel_id` fares (`None` before its first failure: it is running).
    pub fn status(&self, channel_id: &ChannelId) -> Option<ChannelStatus> {
        self.inner.board.status(channel_id)
    }

    /// The status board of this service's channel actors, for the metrics.
    #[cfg(feature = "metrics")]
    pub(crate) fn board(&self) -> Arc<Board> {
        Arc::clone(&self.inner.board)
    }

    /// What the supervisors of this service's channel actors do (restarts, stops), from now on.
    pub fn supervision(&self) -> broadcast::Receiver<Supervision> {
        self.inner.board.watch()
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

    /// Sends the program's own message to the actor of `channel_id` (the shared actor in shared
    /// mode) and returns its answer.
    ///
    /// # Errors
    /// [`ChannelError`]: no such channel, its actor is restarting or stopped, or it failed on the
    /// message.
    pub async fn send<M>(&self, channel_id: &ChannelId, message: M) -> Result<M::Result, ChannelError>
    where
        A: Handler<M>,
        M: actix::Message + Send + 'static,
        M::Result: Send + 'static,
    {
        let reach = self.inner.router.send(ActorOf::new(channel_id.clone())).await;
        let (actor, slot, generation) = match reach {
            Ok(Reach::Running { actor, slot, generation }) => (actor, slot, generation),
            Ok(Reach::NotRunning) => return Err(ChannelError::NotRunning(channel_id.clone())),
            Ok(Reach::Unknown) | Err(_) => return Err(ChannelError::Unknown(channel_id.clone())),
        };
        match actor.send(message).await {
            Ok(answer) => Ok(answer),
            Err(_) => {
                // The actor died on the program's message: restart it as after a failed event,
                // before the caller hears of it.
                let reason = "stopped or panicked on a message of the program".to_owned();
                let _ = self.inner.router.send(Failed { slot, generation, reason }).await;
                Err(ChannelError::Failed(channel_id.clone()))
            }
        }
    }
}
