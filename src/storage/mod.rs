//! Per-channel storage, as the reference SDK's `MoobiusStorage`: serde values under string keys,
//! in named containers, each channel's apart from every other's, kept across restarts.
//!
//! `db_config` (the configuration's [`Config::db`](crate::config::Config::db)) lists the
//! containers; every channel has each of them. A channel actor finds its channel's
//! [`Storage`] on its [`Channel`](crate::service::Channel) (`channel.storage()`), and a typed
//! [`Container`] in it by name:
//!
//! ```no_run
//! use actix::prelude::*;
//! use moobius::prelude::*;
//! use moobius::storage::Container;
//!
//! struct Counter { channel: Channel<AsService>, counts: Container<u64>, count: u64 }
//!
//! impl Actor for Counter {
//!     type Context = Context<Self>;
//!     fn started(&mut self, ctx: &mut Context<Self>) {
//!         // `wait`: no event is handled before the count is read.
//!         ctx.wait(self.counts.get("count").into_actor(self).map(|found, this, _| match found {
//!             Ok(count) => this.count = count.unwrap_or(0),
//!             Err(error) => this.channel.fail(error), // restarts the actor, which reads again
//!         }));
//!     }
//! }
//! # impl Handler<ChannelEvent> for Counter {
//! #     type Result = HandlerResult;
//! #     fn handle(&mut self, _: ChannelEvent, _: &mut Context<Self>) -> HandlerResult { Ok(()) }
//! # }
//! # fn factory(channel: Channel<AsService>) -> Counter {
//! let counts = channel.storage().container::<u64>("counter");
//! Counter { channel, counts, count: 0 }
//! # }
//! ```
//!
//! Each entry of `db_config` is `{"implementation", "name", "load", "clear", "settings"}`; a
//! container's *domain* is `service_<service id>.channel_<channel id>.<name>`, as the SDK's.
//!
//! # Backends
//!
//! - **json** (`"implementation": "json"`, `"settings": {"root_dir": "..."}`): files, no
//!   server, no setup; the SDK's own layout (below), so a Python service's data is read here
//!   and this crate's is read there.
//! - **redis** (`"settings": {"host", "port", "db", "password"}`, defaults `localhost`, 6379, 0,
//!   none; cargo feature `redis`, on by default): a Redis server (below).
//! - **null**: keeps nothing, not even in memory; every read finds nothing.
//!
//! # The json layout
//!
//! As the SDK's `JSONDatabase` (`database/json_database.py`, moobius 1.8.0): the container's
//! directory is `root_dir` joined with its domain, each `.` a directory:
//! `<root_dir>/service_<id>/channel_<id>/<name>/`; the value of a key is the file
//! `<key>.json` in it, the key used as it is (no escaping, so a key may not hold a `/` or a
//! NUL); the keys are the names of the files that end in `.json`. A value is written as the
//! SDK's `enhanced_json_save` writes it, Python's `json.dumps(value, indent=2)`: two-space
//! indent, `,` after an item and `: ` after a key, every non-ASCII character (and DEL) escaped
//! as `\uXXXX`, floats as Python prints them, no final newline; so the same value gives the
//! same bytes (map keys in serde's order: a struct's fields, a `BTreeMap` sorted). Writes are
//! atomic (a temporary `.<key>.json.<pid>-<n>.tmp` in the same directory, flushed, then
//! renamed), where the SDK rewrites the file in place. A dataclass the SDK stored is the object
//! `{"_moobius_type": "<module.Class>", "_moobius_val": {...}}` (its `typemark_dataclasses`);
//! read it as such a struct.
//!
//! # Redis
//!
//! The SDK's `RedisDatabase` gives each domain its own Redis database: `db = abs(hash(domain))`
//! unless `db` is set. That breaks past 16 domains (a Redis server has 16 databases unless
//! configured otherwise, and a service has one domain per channel and container); worse, the
//! number is Python's 64-bit string hash, salted per process, so it is out of range and differs
//! from one run to the next. With `db` set, every domain shares that one database and the SDK's
//! `all_keys` lists every channel's keys. (Its `set_value` also calls an undefined `utils`, so
//! moobius 1.8.0's Redis backend stores nothing: there is no SDK Redis data to be compatible
//! with.) This crate uses one database, `db` (default 0), and a key prefix per domain: a key is
//! stored as `service_<id>.channel_<id>.<name>:<key>`, its value the same text as the json
//! file; the keys are listed with `SCAN MATCH <domain>:*` (never `KEYS`).
//!
//! # Load and clear
//!
//! A container is opened before its first operation in the process (or all at once by
//! [`Storage::open`]). `load` (default true), as the SDK's `CachedDict.load`: the whole container
//! is read then and reads are served from memory (writes go through to the backend);
//! `load: false`: every read goes to the backend. `clear` (default false): what it holds is
//! deleted then, as the SDK documents ("clear the dict (which deletes the files)"); the SDK's
//! own `clear` empties only its still-empty memory, so there the data survives.
//!
//! # Order and threads
//!
//! Each container of each channel has one worker (a tokio task, started on its first
//! operation, on the runtime that runs it: an actix `System` is one). Operations are queued
//! when they are called and run in that order, one at a time; file I/O runs on tokio's
//! blocking pool and Redis through an async client, so no operation blocks an actor's thread.
//! Every operation returns a `'static` future: `ctx.spawn(fut.into_actor(self))`, or
//! `ctx.wait(...)` to handle no event until it is done.

mod container;
mod engine;
mod error;
mod pyjson;
#[cfg(feature = "redis")]
mod redis;
mod settings;
#[cfg(test)]
mod tests;
mod worker;

pub use container::Container;
pub use error::{StorageError, StorageErrorKind};
pub use settings::{Backend, ContainerConfig, JsonSettings, RedisSettings, StorageConfig};

use crate::protocol::{ChannelId, ServiceId};
use container::{Backing, Core};
use engine::Engine;
pub(crate) use settings::name_problem;
use settings::{domain, json_dir};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// One channel's storage: its containers, as `db_config` lists them. Cheap to clone; every
/// handle of a service shares one state (so a container's worker and memory are one per
/// channel, however many handles there are).
///
/// # Examples
/// ```
/// use moobius::storage::{ContainerConfig, Storage, StorageConfig};
/// # #[actix::main] async fn main() -> Result<(), moobius::storage::StorageError> {
/// # let dir = std::env::temp_dir().join(format!("moobius-doc-storage-{}", std::process::id()));
/// let config = StorageConfig::new().with(ContainerConfig::json("counter", &dir));
/// let storage = Storage::new(config, &"svc".into(), &"chan".into());
/// assert_eq!(storage.domain("counter"), "service_svc.channel_chan.counter");
/// storage.container::<u64>("counter").put("count", &7).await?;
/// let other = storage.channel(&"other".into()).container::<u64>("counter");
/// assert_eq!(other.get("count").await?, None, "each channel has its own");
/// # std::fs::remove_dir_all(&dir).ok(); Ok(()) }
/// ```
#[derive(Clone)]
pub struct Storage {
    shared: Arc<Shared>,
    channel: ChannelId,
}

/// What the handles of one service share.
struct Shared {
    config: StorageConfig,
    service: ServiceId,
    containers: Mutex<HashMap<(ChannelId, String), Arc<Core>>>,
    #[cfg(feature = "redis")]
    servers: Mutex<Vec<Arc<redis::Server>>>,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.shared.config.containers().iter().map(|c| c.name.as_str()).collect();
        f.debug_struct("Storage")
            .field("service", &self.shared.service)
            .field("channel", &self.channel)
            .field("containers", &names)
            .finish()
    }
}

impl Storage {
    /// The storage of `channel_id` of the service `service_id` (in user mode, the user's id),
    /// with the containers `config` lists. Nothing is read or written until a container is used.
    pub fn new(config: StorageConfig, service_id: &ServiceId, channel_id: &ChannelId) -> Self {
        let shared = Shared {
            config,
            service: service_id.clone(),
            containers: Mutex::new(HashMap::new()),
            #[cfg(feature = "redis")]
            servers: Mutex::new(Vec::new()),
        };
        Self { shared: Arc::new(shared), channel: channel_id.clone() }
    }

    /// The containers every channel has.
    pub fn config(&self) -> &StorageConfig {
        &self.shared.config
    }

    /// The service whose storage this is.
    pub fn service_id(&self) -> &ServiceId {
        &self.shared.service
    }

    /// The channel whose storage this is (empty for a shared actor's: use [`Storage::channel`]
    /// with each event's channel).
    pub fn channel_id(&self) -> &ChannelId {
        &self.channel
    }

    /// The storage of another channel of the same service (for an actor that serves several).
    pub fn channel(&self, channel_id: &ChannelId) -> Storage {
        Self { shared: Arc::clone(&self.shared), channel: channel_id.clone() }
    }

    /// A container's domain: `service_<id>.channel_<id>.<name>`.
    pub fn domain(&self, name: &str) -> String {
        domain(&self.shared.service, &self.channel, name)
    }

    /// The container `name` of this channel, holding `T` values. A name that `db_config` does
    /// not list gives a container whose every operation fails with
    /// [`StorageErrorKind::UnknownContainer`].
    pub fn container<T>(&self, name: &str) -> Container<T> {
        Container::new(self.core(name))
    }

    /// Opens every container of this channel now (clears or loads each, per its `clear` and
    /// `load`), rather than on its first operation.
    ///
    /// # Errors
    /// The first container that could not be opened: [`StorageError`] names it and its backend.
    ///
    /// # Examples
    /// ```
    /// use moobius::storage::{ContainerConfig, Storage, StorageConfig};
    /// # #[actix::main] async fn main() -> Result<(), moobius::storage::StorageError> {
    /// let config = StorageConfig::new().with(ContainerConfig::null("scratch"));
    /// Storage::new(config, &"svc".into(), &"chan".into()).open().await?;
    /// # Ok(()) }
    /// ```
    pub fn open(&self) -> impl Future<Output = Result<(), StorageError>> + Send + use<> {
        let opening: Vec<_> =
            self.shared.config.containers().iter().map(|c| self.core(&c.name).open()).collect();
        async move {
            for opened in opening {
                opened.await?;
            }
            Ok(())
        }
    }

    /// The shared core of a container of this channel, made on first use.
    fn core(&self, name: &str) -> Arc<Core> {
        let mut containers = self.shared.containers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (self.channel.clone(), name.to_owned());
        Arc::clone(containers.entry(key).or_insert_with(|| Core::new(self.backing(name))))
    }

    /// Where a container of this channel is.
    fn backing(&self, name: &str) -> Backing {
        let Some(config) = self.shared.config.container(name) else {
            let names: Vec<&str> = self.shared.config.containers().iter().map(|c| c.name.as_str()).collect();
            let configured = if names.is_empty() {
                "it has none".to_owned()
            } else {
                format!("it has {}", names.join(", "))
            };
            let kind = StorageErrorKind::UnknownContainer { name: name.to_owned(), configured };
            return Backing {
                name: name.to_owned(),
                backend: "no backend".to_owned(),
                engine: Engine::Refused(kind),
                load: false,
                clear: false,
            };
        };
        let domain = self.domain(name);
        let (backend, engine) = match &config.backend {
            Backend::Json(json) => match json_dir(&json.root_dir, &domain) {
                Ok(dir) => (format!("json backend at {}", dir.display()), Engine::Json(dir)),
                Err(problem) => {
                    let problem = format!("its domain `{domain}` {problem}");
                    ("json backend".to_owned(), invalid(name, "json backend", problem))
                }
            },
            #[cfg(feature = "redis")]
            Backend::Redis(settings) => (
                format!("redis backend at {}", settings.describe()),
                Engine::Redis(self.server(settings), domain),
            ),
            #[cfg(not(feature = "redis"))]
            Backend::Redis(settings) => {
                let kind = StorageErrorKind::Unsupported {
                    container: name.to_owned(),
                    implementation: "redis".to_owned(),
                };
                (format!("redis backend at {}", settings.describe()), Engine::Refused(kind))
            }
            Backend::Null => ("null backend".to_owned(), Engine::Null),
        };
        let engine = match name_problem(name) {
            Some(problem) => invalid(name, &backend, format!("its name {problem}")),
            None => engine,
        };
        Backing { name: name.to_owned(), backend, engine, load: config.load, clear: config.clear }
    }

    /// The one connection of this service to the Redis server `settings` names.
    #[cfg(feature = "redis")]
    fn server(&self, settings: &RedisSettings) -> Arc<redis::Server> {
        let mut servers = self.shared.servers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(server) = servers.iter().find(|s| s.settings() == settings) {
            return Arc::clone(server);
        }
        let server = Arc::new(redis::Server::new(settings.clone()));
        servers.push(Arc::clone(&server));
        server
    }
}

/// An engine that refuses every operation: the container cannot be kept there.
fn invalid(name: &str, backend: &str, problem: String) -> Engine {
    Engine::Refused(StorageErrorKind::InvalidContainer {
        container: name.to_owned(),
        backend: backend.to_owned(),
        problem,
    })
}
