//! The platform's whole state and rules: accounts, tokens, services, channels, bindings, agents,
//! groups, the live connections of each identity, and per identity its `seq`, replay buffer and
//! request-id memory. Both the HTTP API and the WebSocket sessions call into it under one lock,
//! held for microseconds and never across an await.

use super::config::PlatformConfig;
use super::dedup::{DedupLimits, RequestMemory};
use super::replay::ReplayBuffer;
use super::signin::SignInGuard;
use super::traffic::{Identity, TrafficLog, TrafficLogs};
use crate::protocol::{
    ActionBody, ActionKind, ChannelInfo, Context, Frame, MessageBody, Request, Secret, UpdateBody,
    UpdateContent, UpdatePayload, now_millis,
};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// The platform's number for a connection.
pub(crate) type ConnId = u64;

/// What waits in a connection's outbound buffer.
#[derive(Debug, Clone)]
pub(crate) enum Out {
    /// An event: its body was serialized once and is shared by every recipient; the envelope
    /// (`type`, this recipient's `seq`) is composed when it is written.
    Event { kind: &'static str, seq: u64, body: Arc<str> },
    /// A `resume_gap` (replay only).
    Gap { from_seq: u64, to_seq: u64 },
}

/// Cuts a connection as a network failure would: shuts its socket down (no close frame) and
/// tells its task to stop.
#[derive(Debug, Clone)]
pub(crate) struct Cut {
    signal: watch::Sender<Option<String>>,
    socket: Option<Arc<std::net::TcpStream>>,
}

impl Cut {
    pub(crate) fn cut(&self, why: &str) {
        if let Some(socket) = &self.socket {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
        self.signal.send_if_modified(|reason| {
            if reason.is_none() {
                *reason = Some(why.to_owned());
                true
            } else {
                false
            }
        });
    }
}

/// A refusal or an HTTP failure: the status to answer with and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail {
    pub(crate) status: u16,
    pub(crate) message: String,
    /// For a 429: when to try again.
    pub(crate) retry_after: Option<Duration>,
}

/// The longest username accepted, in bytes.
pub(crate) const MAX_USERNAME: usize = 256;

impl Fail {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), retry_after: None }
    }
    fn bad(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }
    fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, message)
    }
    fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, message)
    }
    fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }
}

/// A fresh random id (UUID v4).
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A fresh unguessable token: 256 random bits, hex.
fn new_token() -> String {
    let (a, b) = (rand::random::<u128>(), rand::random::<u128>());
    format!("{a:032x}{b:032x}")
}

struct Account {
    user_id: String,
    password: Secret,
}

struct Token {
    user_id: String,
    expires: Instant,
}

struct UserRecord {
    username: String,
}

pub(crate) struct ServiceRecord {
    pub(crate) owner: String,
    pub(crate) description: String,
}

pub(crate) struct ChannelRecord {
    /// The account that created it: only its services may be bound to it.
    pub(crate) owner: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) service: Option<String>,
    pub(crate) members: BTreeSet<String>,
}

pub(crate) struct AgentRecord {
    pub(crate) service_id: String,
    pub(crate) context: Context,
}

struct GroupRecord {
    characters: Vec<String>,
    channel_id: Option<String>,
}

#[derive(Default)]
struct IdentityState {
    next_seq: u64,
    held: ReplayBuffer,
    conns: Vec<ConnId>,
}

struct Conn {
    identity: Option<Identity>,
    tx: mpsc::Sender<Out>,
    cut: Cut,
    traffic: TrafficLog,
}

/// The answer to a frame with a request id: its receipt's status and reason.
pub(crate) type Verdict = Result<(), String>;

/// Everything the platform knows.
pub(crate) struct Hub {
    config: PlatformConfig,
    accounts: HashMap<String, Account>,
    users: HashMap<String, UserRecord>,
    tokens: HashMap<String, Token>,
    refresh_tokens: HashMap<String, Token>,
    services: HashMap<String, ServiceRecord>,
    channels: HashMap<String, ChannelRecord>,
    agents: HashMap<String, AgentRecord>,
    groups: HashMap<String, GroupRecord>,
    identities: HashMap<Identity, IdentityState>,
    conns: HashMap<ConnId, Conn>,
    next_conn: ConnId,
    logs: TrafficLogs,
    dedup: RequestMemory,
    sign_in_guard: SignInGuard,
}

impl Hub {
    pub(crate) fn new(config: PlatformConfig) -> Self {
        Self {
            accounts: HashMap::new(),
            users: HashMap::new(),
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            services: HashMap::new(),
            channels: HashMap::new(),
            agents: HashMap::new(),
            groups: HashMap::new(),
            identities: HashMap::new(),
            conns: HashMap::new(),
            next_conn: 1,
            logs: TrafficLogs::new(
                config.traffic_closed_records,
                config.record_traffic,
                config.traffic_record_limit,
                config.traffic_total_bytes,
            ),
            dedup: RequestMemory::new(DedupLimits {
                age: config.dedup_memory,
                per_sender: config.dedup_per_sender,
                total: config.dedup_total,
            }),
            sign_in_guard: SignInGuard::new(
                config.sign_in_failures,
                config.sign_in_window,
                config.sign_in_delay,
            ),
            config,
        }
    }

    // ----- connections -----

    /// Registers a new connection; its task reads `rx` and watches the cut signal.
    pub(crate) fn open(
        &mut self,
        socket: Option<Arc<std::net::TcpStream>>,
    ) -> (ConnId, mpsc::Receiver<Out>, watch::Receiver<Option<String>>, TrafficLog) {
        let id = self.next_conn;
        self.next_conn += 1;
        let (tx, rx) = mpsc::channel(self.config.outbound_buffer);
        let (signal, cut_rx) = watch::channel(None);
        let traffic = self.logs.open(id);
        let cut = Cut { signal, socket };
        self.conns.insert(id, Conn { identity: None, tx, cut, traffic: traffic.clone() });
        (id, rx, cut_rx, traffic)
    }

    /// Forgets a connection that ended.
    pub(crate) fn close(&mut self, id: ConnId) {
        if let Some(conn) = self.conns.remove(&id) {
            if let Some(identity) = &conn.identity
                && let Some(state) = self.identities.get_mut(identity)
            {
                state.conns.retain(|c| *c != id);
            }
            conn.traffic.closed(None);
            self.logs.closed();
        }
    }

    /// Cuts every connection (no close frame), as a network failure would.
    pub(crate) fn sever_all(&mut self, why: &str) {
        for conn in self.conns.values() {
            conn.traffic.closed(Some(why));
            conn.cut.cut(why);
        }
    }

    /// A snapshot of every connection's traffic.
    pub(crate) fn traffic(&self) -> Vec<super::traffic::ConnectionTraffic> {
        self.logs.snapshot()
    }

    /// How many connections are open.
    pub(crate) fn open_connections(&self) -> usize {
        self.conns.len()
    }

    /// The sizes of the client-growable structures.
    pub(crate) fn stats(&self) -> super::PlatformStats {
        let (traffic_records, traffic_closed_records, traffic_bytes) = self.logs.sizes();
        let (request_ids, request_ids_max_per_sender) = self.dedup.sizes();
        let mut stats = super::PlatformStats {
            open_connections: self.conns.len(),
            unauthenticated_connections: self.conns.values().filter(|c| c.identity.is_none()).count(),
            traffic_records,
            traffic_closed_records,
            traffic_bytes,
            request_ids,
            request_ids_max_per_sender,
            ..Default::default()
        };
        for state in self.identities.values() {
            let (events, bytes) = state.held.sizes();
            stats.replay_events += events;
            stats.replay_bytes += bytes;
            stats.replay_max_events = stats.replay_max_events.max(events);
            stats.replay_max_bytes = stats.replay_max_bytes.max(bytes);
        }
        stats
    }

    // ----- accounts and tokens -----

    pub(crate) fn sign_in(
        &mut self,
        username: &str,
        password: &Secret,
    ) -> Result<(String, String, String), Fail> {
        let username = username.trim();
        if username.is_empty() {
            return Err(Fail::bad("`username` is empty: sign in with a username and a password"));
        }
        if username.contains('\0') {
            return Err(Fail::bad("`username` holds a NUL character: use printable characters"));
        }
        if username.len() > MAX_USERNAME {
            return Err(Fail::bad(format!("`username` is over {MAX_USERNAME} bytes")));
        }
        if password.expose().is_empty() {
            return Err(Fail::bad("`password` is empty: sign in with a username and a password"));
        }
        let now = Instant::now();
        self.tokens.retain(|_, t| t.expires > now);
        self.refresh_tokens.retain(|_, t| t.expires > now);
        if self.accounts.contains_key(username)
            && let Err(wait) = self.sign_in_guard.check(username, now)
        {
            let mut fail = Fail::new(
                429,
                format!("too many wrong passwords for `{username}`: try again in {} ms", wait.as_millis()),
            );
            fail.retry_after = Some(wait);
            return Err(fail);
        }
        let user_id = match self.accounts.get(username) {
            Some(account) if account.password == *password => {
                self.sign_in_guard.succeeded(username);
                account.user_id.clone()
            }
            Some(_) => {
                self.sign_in_guard.failed(username, now);
                return Err(Fail::unauthorized(format!("wrong password for `{username}`")));
            }
            None => {
                let user_id = new_id();
                self.accounts.insert(
                    username.to_owned(),
                    Account { user_id: user_id.clone(), password: password.clone() },
                );
                self.users.insert(user_id.clone(), UserRecord { username: username.to_owned() });
                user_id
            }
        };
        let access = self.issue_access(&user_id);
        let refresh = new_token();
        let expires = now + self.config.refresh_token_lifetime;
        self.refresh_tokens.insert(refresh.clone(), Token { user_id: user_id.clone(), expires });
        Ok((access, refresh, user_id))
    }

    fn issue_access(&mut self, user_id: &str) -> String {
        let token = new_token();
        let expires = Instant::now() + self.config.access_token_lifetime;
        self.tokens.insert(token.clone(), Token { user_id: user_id.to_owned(), expires });
        token
    }

    pub(crate) fn refresh(&mut self, username: &str, refresh_token: &str) -> Result<String, Fail> {
        let user_id = match self.refresh_tokens.get(refresh_token) {
            Some(t) if t.expires > Instant::now() => t.user_id.clone(),
            _ => return Err(Fail::unauthorized("refresh token unknown or expired: sign in again")),
        };
        if !username.is_empty() && self.users.get(&user_id).is_some_and(|u| u.username != username) {
            return Err(Fail::unauthorized(format!("the refresh token is not `{username}`'s")));
        }
        Ok(self.issue_access(&user_id))
    }

    /// The user an access token belongs to.
    pub(crate) fn authenticate(&self, token: &str) -> Result<String, Fail> {
        match self.tokens.get(token) {
            Some(t) if t.expires > Instant::now() => Ok(t.user_id.clone()),
            Some(_) => Err(Fail::unauthorized("access token expired: refresh it or sign in again")),
            None => Err(Fail::unauthorized("access token unknown: sign in to get one")),
        }
    }

    pub(crate) fn username(&self, user_id: &str) -> Option<&str> {
        self.users.get(user_id).map(|u| u.username.as_str())
    }

    // ----- services, channels, agents, groups (HTTP) -----

    pub(crate) fn create_service(&mut self, owner: &str, description: &str) -> String {
        let id = new_id();
        self.services.insert(
            id.clone(),
            ServiceRecord { owner: owner.to_owned(), description: description.to_owned() },
        );
        id
    }

    /// The services `owner` owns, with their channels.
    pub(crate) fn services_of(&self, owner: &str) -> Vec<(String, &ServiceRecord, Vec<String>)> {
        let mut out: Vec<_> = self
            .services
            .iter()
            .filter(|(_, s)| s.owner == owner)
            .map(|(id, s)| {
                let mut channels: Vec<String> = self
                    .channels
                    .iter()
                    .filter(|(_, c)| c.service.as_deref() == Some(id))
                    .map(|(cid, _)| cid.clone())
                    .collect();
                channels.sort();
                (id.clone(), s, channels)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn owned_service(&self, user: &str, service_id: &str) -> Result<&ServiceRecord, Fail> {
        let service = self
            .services
            .get(service_id)
            .ok_or_else(|| Fail::not_found(format!("service `{service_id}` does not exist")))?;
        if service.owner != user {
            return Err(Fail::forbidden(format!(
                "service `{service_id}` belongs to another account: only its owner may use it"
            )));
        }
        Ok(service)
    }

    pub(crate) fn bind(&mut self, user: &str, service_id: &str, channel_id: &str) -> Result<(), Fail> {
        self.owned_service(user, service_id)?;
        let channel = self
            .channels
            .get_mut(channel_id)
            .ok_or_else(|| Fail::not_found(format!("channel `{channel_id}` does not exist")))?;
        if channel.owner != user {
            return Err(Fail::forbidden(format!(
                "channel `{channel_id}` was created by another account: bind your service to a channel you created"
            )));
        }
        channel.service = Some(service_id.to_owned());
        Ok(())
    }

    pub(crate) fn unbind(&mut self, user: &str, service_id: &str, channel_id: &str) -> Result<(), Fail> {
        self.owned_service(user, service_id)?;
        let channel = self
            .channels
            .get_mut(channel_id)
            .ok_or_else(|| Fail::not_found(format!("channel `{channel_id}` does not exist")))?;
        if channel.service.as_deref() != Some(service_id) {
            return Err(Fail::bad(format!("channel `{channel_id}` is not bound to service `{service_id}`")));
        }
        channel.service = None;
        Ok(())
    }

    pub(crate) fn create_channel(&mut self, owner: &str, name: &str, description: &str) -> String {
        let id = new_id();
        let record = ChannelRecord {
            owner: owner.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            service: None,
            members: BTreeSet::new(),
        };
        self.channels.insert(id.clone(), record);
        id
    }

    pub(crate) fn channels_of(&self, user: &str) -> Vec<(String, &ChannelRecord)> {
        let mut out: Vec<_> = self
            .channels
            .iter()
            .filter(|(_, c)| c.members.contains(user))
            .map(|(id, c)| (id.clone(), c))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The members of a channel, for one of them or the owner of the service bound to it.
    pub(crate) fn members_for(&self, user: &str, channel_id: &str) -> Result<Vec<String>, Fail> {
        let channel = self.channel(channel_id)?;
        let owns_service =
            channel.service.as_ref().and_then(|s| self.services.get(s)).is_some_and(|s| s.owner == user);
        if !channel.members.contains(user) && !owns_service {
            return Err(Fail::forbidden(format!(
                "only members of channel `{channel_id}` and the owner of its service see its members"
            )));
        }
        Ok(channel.members.iter().cloned().collect())
    }

    pub(crate) fn channel(&self, channel_id: &str) -> Result<&ChannelRecord, Fail> {
        self.channels
            .get(channel_id)
            .ok_or_else(|| Fail::not_found(format!("channel `{channel_id}` does not exist")))
    }

    pub(crate) fn create_agent(
        &mut self,
        user: &str,
        service_id: &str,
        context: Context,
    ) -> Result<String, Fail> {
        self.owned_service(user, service_id)?;
        let id = new_id();
        self.agents.insert(id.clone(), AgentRecord { service_id: service_id.to_owned(), context });
        Ok(id)
    }

    pub(crate) fn agents_of(&self, user: &str, service_id: &str) -> Result<Vec<(String, Context)>, Fail> {
        self.owned_service(user, service_id)?;
        let mut out: Vec<_> = self
            .agents
            .iter()
            .filter(|(_, a)| a.service_id == service_id)
            .map(|(id, a)| (id.clone(), a.context.clone()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// The profile (`character_context`) of a user or an agent.
    pub(crate) fn profile(&self, character_id: &str) -> Result<Context, Fail> {
        if let Some(agent) = self.agents.get(character_id) {
            return Ok(agent.context.clone());
        }
        let user = self
            .users
            .get(character_id)
            .ok_or_else(|| Fail::not_found(format!("character `{character_id}` does not exist")))?;
        let mut context = Context::new();
        context.insert("name".into(), user.username.clone().into());
        context.insert("avatar".into(), "".into());
        context.insert("description".into(), "".into());
        Ok(context)
    }

    pub(crate) fn create_group(&mut self, characters: Vec<String>, channel_id: Option<String>) -> String {
        let id = new_id();
        self.groups.insert(id.clone(), GroupRecord { characters, channel_id });
        id
    }

    pub(crate) fn group(&self, group_id: &str) -> Result<&[String], Fail> {
        self.groups
            .get(group_id)
            .map(|g| g.characters.as_slice())
            .ok_or_else(|| Fail::not_found(format!("group `{group_id}` does not exist")))
    }

    pub(crate) fn groups_of_channel(&self, channel_id: &str) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<_> = self
            .groups
            .iter()
            .filter(|(_, g)| g.channel_id.as_deref() == Some(channel_id))
            .map(|(id, g)| (id.clone(), g.characters.clone()))
            .collect();
        out.sort();
        out
    }

    // ----- WebSocket: login -----

    /// Logs a connection in. On success returns who it is and what to replay, in order, before
    /// anything new (the connection is registered in the same step, so nothing falls between).
    pub(crate) fn login(&mut self, conn: ConnId, frame: &Frame) -> Result<(Identity, Vec<Out>), String> {
        let (token, resume, service_id) = match frame {
            Frame::ServiceLogin { service_id, access_token, resume } => {
                (access_token, resume, Some(service_id))
            }
            Frame::UserLogin { access_token, resume } => (access_token, resume, None),
            _ => return Err("not a login frame".to_owned()),
        };
        let user = self.authenticate(token.expose()).map_err(|f| f.message)?;
        let identity = match service_id {
            Some(service_id) => {
                self.owned_service(&user, service_id).map_err(|f| f.message)?;
                Identity::Service(service_id.to_string())
            }
            None => Identity::User(user),
        };
        let Some(entry) = self.conns.get_mut(&conn) else {
            return Err("the connection closed during login".to_owned());
        };
        if let Some(existing) = &entry.identity {
            return Err(format!("this connection is already logged in as {existing}"));
        }
        entry.identity = Some(identity.clone());
        entry.traffic.logged_in(&identity);
        let state = state_of(&mut self.identities, &identity);
        state.conns.push(conn);
        let replay = match resume {
            Some(resume) => state.held.replay(resume.seq, state.next_seq),
            None => Vec::new(),
        };
        Ok((identity, replay))
    }

    // ----- WebSocket: frames after login -----

    /// Handles one frame from a logged-in connection: refuses it with a reason or delivers it.
    /// A `request_id` already seen from this sender is answered as before and not delivered
    /// again.
    pub(crate) fn handle(&mut self, identity: &Identity, request: &Request) -> Verdict {
        let Some(request_id) = &request.request_id else {
            return self.process(identity, &request.frame);
        };
        let now = Instant::now();
        if let Some(seen) = self.dedup.get(identity, request_id, now) {
            return seen;
        }
        let verdict = self.process(identity, &request.frame);
        self.dedup.remember(identity, request_id, verdict.clone(), now);
        verdict
    }

    fn process(&mut self, identity: &Identity, frame: &Frame) -> Verdict {
        match (identity, frame) {
            (_, Frame::Heartbeat) => Ok(()),
            (_, Frame::ServiceLogin { .. } | Frame::UserLogin { .. }) => {
                Err(format!("this connection is already logged in as {identity}"))
            }
            (Identity::User(user), Frame::Action { user_id, body }) => {
                same_user(user, user_id.as_deref())?;
                self.user_action(user, body)
            }
            (Identity::User(user), Frame::MessageUp { user_id, body, .. }) => {
                same_user(user, user_id.as_deref())?;
                self.message_up(user, body)
            }
            (Identity::Service(service), Frame::MessageDown { service_id, body }) => {
                same_service(service, service_id)?;
                self.message_down(service, body)
            }
            (Identity::Service(service), Frame::Update { service_id, update }) => {
                same_service(service, service_id)?;
                self.update(service, update)
            }
            (Identity::User(_), Frame::MessageDown { .. } | Frame::Update { .. }) => {
                Err(format!("a user may not send `{}`: only a service sends it", frame.frame_type()))
            }
            (Identity::Service(_), Frame::Action { .. } | Frame::MessageUp { .. }) => Err(format!(
                "a service may not send `{}`: only a user sends it (log in with user_login)",
                frame.frame_type()
            )),
        }
    }

    fn member_channel(&self, user: &str, channel_id: &str) -> Result<&ChannelRecord, String> {
        let channel =
            self.channels.get(channel_id).ok_or_else(|| format!("channel `{channel_id}` does not exist"))?;
        if !channel.members.contains(user) {
            return Err(format!("you are not in channel `{channel_id}`: join it first (join_channel)"));
        }
        Ok(channel)
    }

    fn bound_service(channel_id: &str, channel: &ChannelRecord) -> Result<Identity, String> {
        channel.service.clone().map(Identity::Service).ok_or_else(|| {
            format!("channel `{channel_id}` has no service bound to it: nobody would receive this")
        })
    }

    fn user_action(&mut self, user: &str, body: &ActionBody) -> Verdict {
        let channel_id = &body.channel_id;
        let kind = match &body.kind {
            ActionKind::JoinChannel => {
                let channel = self
                    .channels
                    .get_mut(channel_id.as_str())
                    .ok_or_else(|| format!("channel `{channel_id}` does not exist"))?;
                channel.members.insert(user.to_owned());
                let Some(service) = channel.service.clone() else { return Ok(()) };
                let event = ActionBody {
                    channel_id: channel_id.clone(),
                    sender: Some(user.into()),
                    context: Some(body.context.clone().unwrap_or_default()),
                    kind: ActionKind::Join,
                };
                self.deliver_one(&Identity::Service(service), "action", &event);
                return Ok(());
            }
            ActionKind::LeaveChannel => {
                self.member_channel(user, channel_id)?;
                let channel = self.channels.get_mut(channel_id.as_str()).ok_or("channel vanished")?;
                channel.members.remove(user);
                let Some(service) = channel.service.clone() else { return Ok(()) };
                let event = ActionBody {
                    channel_id: channel_id.clone(),
                    sender: Some(user.into()),
                    context: Some(body.context.clone().unwrap_or_default()),
                    kind: ActionKind::Leave,
                };
                self.deliver_one(&Identity::Service(service), "action", &event);
                return Ok(());
            }
            ActionKind::Join | ActionKind::Leave => {
                return Err(format!(
                    "`{}` is what a service receives; a user sends `join_channel` / `leave_channel`",
                    body.kind.subtype()
                ));
            }
            other => other.clone(),
        };
        let channel = self.member_channel(user, channel_id)?;
        let service = Self::bound_service(channel_id, channel)?;
        let event = ActionBody {
            channel_id: channel_id.clone(),
            sender: Some(user.into()),
            context: Some(body.context.clone().unwrap_or_default()),
            kind,
        };
        self.deliver_one(&service, "action", &event);
        Ok(())
    }

    fn message_up(&mut self, user: &str, body: &MessageBody) -> Verdict {
        let channel = self.member_channel(user, &body.channel_id)?;
        let service = Self::bound_service(&body.channel_id, channel)?;
        let event = MessageBody {
            channel_id: body.channel_id.clone(),
            content: body.content.clone(),
            recipients: body.recipients.clone(),
            sender: Some(user.into()),
            message_id: Some(new_id().into()),
            timestamp: Some(now_millis()),
            context: Some(body.context.clone().unwrap_or_default()),
        };
        self.deliver_one(&service, "message_up", &event);
        Ok(())
    }

    fn service_channel(&self, service: &str, channel_id: &str) -> Result<&ChannelRecord, String> {
        let channel =
            self.channels.get(channel_id).ok_or_else(|| format!("channel `{channel_id}` does not exist"))?;
        if channel.service.as_deref() != Some(service) {
            return Err(format!(
                "channel `{channel_id}` is not bound to service `{service}`: bind it first (/service/bind)"
            ));
        }
        Ok(channel)
    }

    /// The users among `group`'s characters that are in the channel.
    fn recipients(&self, channel: &ChannelRecord, group: Option<&str>) -> Result<Vec<Identity>, String> {
        let group =
            group.ok_or("no `recipients`: name a group id (create one with /service/group/create)")?;
        let characters = self.groups.get(group).ok_or_else(|| {
            format!("recipients group `{group}` does not exist: create it with /service/group/create")
        })?;
        let mut out: Vec<Identity> = characters
            .characters
            .iter()
            .filter(|c| channel.members.contains(*c))
            .map(|c| Identity::User(c.clone()))
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn message_down(&mut self, service: &str, body: &MessageBody) -> Verdict {
        let channel = self.service_channel(service, &body.channel_id)?;
        let sender = body.sender.clone().unwrap_or_else(|| service.into());
        let is_agent = self.agents.get(sender.as_str()).is_some_and(|a| a.service_id == service);
        if sender != service && !is_agent && !channel.members.contains(sender.as_str()) {
            return Err(format!(
                "sender `{sender}` is not a character of service `{service}` nor a member of the channel: create it with /service/character/create"
            ));
        }
        let to = self.recipients(channel, body.recipients.as_deref())?;
        let event = MessageBody {
            channel_id: body.channel_id.clone(),
            content: body.content.clone(),
            recipients: body.recipients.clone(),
            sender: Some(sender),
            message_id: Some(new_id().into()),
            timestamp: Some(now_millis()),
            context: Some(body.context.clone().unwrap_or_default()),
        };
        self.deliver_many(&to, "message_down", &event);
        Ok(())
    }

    fn update(&mut self, service: &str, update: &UpdatePayload) -> Verdict {
        match update {
            UpdatePayload::Body(body) => {
                let channel = self.service_channel(service, &body.channel_id)?;
                let to = self.recipients(channel, body.recipients.as_deref())?;
                let mut event = body.clone();
                event.context.get_or_insert_with(Context::new);
                self.deliver_many(&to, "update", &event);
                Ok(())
            }
            UpdatePayload::ChannelInfo(info) => {
                let channel = self.service_channel(service, &info.channel_id)?;
                let to: Vec<Identity> = channel.members.iter().map(|m| Identity::User(m.clone())).collect();
                if let Some(channel) = self.channels.get_mut(info.channel_id.as_str()) {
                    channel.name.clone_from(&info.channel_name);
                    channel.description.clone_from(&info.channel_description);
                }
                let event = UpdateBody {
                    channel_id: info.channel_id.clone(),
                    content: UpdateContent::ChannelInfo(ChannelInfo::clone(info)),
                    recipients: None,
                    group_id: None,
                    context: Some(Context::new()),
                };
                self.deliver_many(&to, "update", &event);
                Ok(())
            }
            UpdatePayload::Custom(data) => {
                let subtype = data.get("subtype").and_then(|s| s.as_str()).unwrap_or("(none)");
                Err(format!(
                    "unknown update subtype `{subtype}`: the platform knows characters, buttons, menu, style, canvas and channel_info"
                ))
            }
        }
    }

    // ----- delivery -----

    fn deliver_one<T: serde::Serialize>(&mut self, to: &Identity, kind: &'static str, body: &T) {
        self.deliver_many(std::slice::from_ref(to), kind, body);
    }

    /// Serializes `body` once and hands the shared text to every recipient identity: each gets
    /// its next `seq`, the event is held for resume, and it is queued on each live connection.
    fn deliver_many<T: serde::Serialize>(&mut self, to: &[Identity], kind: &'static str, body: &T) {
        if to.is_empty() {
            return;
        }
        let body: Arc<str> = match serde_json::to_string(body) {
            Ok(text) => text.into(),
            Err(error) => {
                log::error!("cannot serialize a {kind} event: {error}");
                return;
            }
        };
        let (max_events, max_bytes) = (self.config.replay_events, self.config.replay_bytes);
        let mut overflowing = Vec::new();
        for identity in to {
            let state = state_of(&mut self.identities, identity);
            state.next_seq += 1;
            let seq = state.next_seq;
            state.held.push(seq, kind, body.clone(), max_events, max_bytes);
            for conn_id in &state.conns {
                let Some(conn) = self.conns.get(conn_id) else { continue };
                let out = Out::Event { kind, seq, body: body.clone() };
                if let Err(mpsc::error::TrySendError::Full(_)) = conn.tx.try_send(out) {
                    overflowing.push(*conn_id);
                }
            }
        }
        for conn_id in overflowing {
            self.drop_slow(conn_id);
        }
    }

    /// Disconnects a connection whose outbound buffer is full: it stopped reading.
    fn drop_slow(&mut self, conn_id: ConnId) {
        let why = format!(
            "outbound buffer full ({} events waiting): the client stopped reading, so it was disconnected",
            self.config.outbound_buffer
        );
        if let Some(conn) = self.conns.get(&conn_id) {
            log::warn!("connection {conn_id}: {why}");
            conn.traffic.closed(Some(&why));
            conn.cut.cut(&why);
        }
        self.close(conn_id);
    }
}

/// The state of `identity`, created on first use (no clone of the key when it exists).
fn state_of<'a>(
    identities: &'a mut HashMap<Identity, IdentityState>,
    identity: &Identity,
) -> &'a mut IdentityState {
    if !identities.contains_key(identity) {
        identities.insert(identity.clone(), IdentityState::default());
    }
    identities.get_mut(identity).expect("inserted above")
}

fn same_user(user: &str, claimed: Option<&str>) -> Result<(), String> {
    match claimed {
        Some(claimed) if claimed != user => Err(format!(
            "`user_id` `{claimed}` is not the logged-in user `{user}`: a user sends only as itself"
        )),
        _ => Ok(()),
    }
}

fn same_service(service: &str, claimed: &str) -> Result<(), String> {
    if claimed != service {
        return Err(format!(
            "`service_id` `{claimed}` is not the logged-in service `{service}`: log in as that service to send for it"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{MessageContent, Resume};

    fn hub() -> Hub {
        Hub::new(PlatformConfig::default().replay_events(3))
    }

    fn setup(hub: &mut Hub) -> (String, String, String, String) {
        let (owner_token, _, owner) = hub.sign_in("owner", &Secret::new("pw")).unwrap();
        let (_, _, user) = hub.sign_in("user", &Secret::new("pw")).unwrap();
        let service = hub.create_service(&owner, "svc");
        let channel = hub.create_channel(&owner, "c", "d");
        hub.bind(&owner, &service, &channel).unwrap();
        (owner_token, service, channel, user)
    }

    #[test]
    fn fan_out_shares_one_serialized_body_among_all_recipients() {
        let mut hub = hub();
        let (owner_token, service, channel, alice) = setup(&mut hub);
        let (bob_token, _, bob) = hub.sign_in("bob", &Secret::new("pw")).unwrap();
        let (alice_token, _, _) = hub.sign_in("user", &Secret::new("pw")).unwrap();
        let mut receivers = Vec::new();
        for token in [alice_token, bob_token] {
            let (conn, rx, _cut, _log) = hub.open(None);
            let (identity, _) = hub.login(conn, &Frame::user_login(token)).unwrap();
            hub.handle(
                &identity,
                &Frame::join_channel(identity.id().into(), channel.as_str().into()).into_request(),
            )
            .unwrap();
            receivers.push(rx);
        }
        let group = hub.create_group(vec![alice, bob], None);
        let service_id = Identity::Service(service.clone());
        let _ = owner_token;
        let down = Frame::message_down(
            service.as_str().into(),
            channel.as_str().into(),
            MessageContent::text("hi"),
            group.into(),
            service.as_str().into(),
        )
        .unwrap();
        hub.handle(&service_id, &down.into_request()).unwrap();
        let bodies: Vec<Arc<str>> = receivers
            .iter_mut()
            .map(|rx| match rx.try_recv() {
                Ok(Out::Event { kind: "message_down", body, .. }) => body,
                other => panic!("expected the message_down, got {other:?}"),
            })
            .collect();
        assert!(Arc::ptr_eq(&bodies[0], &bodies[1]), "serialized once, shared by every recipient");
    }

    #[test]
    fn wrong_password_is_refused_and_the_first_sign_in_creates() {
        let mut hub = hub();
        let (_, _, id) = hub.sign_in("a", &Secret::new("one")).unwrap();
        let (_, _, again) = hub.sign_in("a", &Secret::new("one")).unwrap();
        assert_eq!(id, again);
        assert_eq!(hub.sign_in("a", &Secret::new("two")).unwrap_err().status, 401);
    }

    #[test]
    fn replay_keeps_at_least_the_configured_count_and_reports_the_gap() {
        let mut hub = hub();
        let (owner_token, service, channel, user) = setup(&mut hub);
        for _ in 0..5 {
            hub.channels.get_mut(&channel).unwrap().members.insert(user.clone());
            let body = MessageBody {
                channel_id: channel.as_str().into(),
                content: MessageContent::text("x"),
                recipients: None,
                sender: None,
                message_id: None,
                timestamp: None,
                context: None,
            };
            hub.message_up(&user, &body).unwrap();
        }
        let (conn, _rx, _cut, _log) = hub.open(None);
        let login = Frame::ServiceLogin {
            service_id: service.as_str().into(),
            access_token: Secret::new(owner_token),
            resume: Some(Resume { seq: 0 }),
        };
        let (identity, replay) = hub.login(conn, &login).unwrap();
        assert_eq!(identity, Identity::Service(service));
        assert!(matches!(replay[0], Out::Gap { from_seq: 1, to_seq: 2 }), "{replay:?}");
        let seqs: Vec<u64> = replay
            .iter()
            .filter_map(|o| if let Out::Event { seq, .. } = o { Some(*seq) } else { None })
            .collect();
        assert_eq!(seqs, vec![3, 4, 5]);
    }
}
