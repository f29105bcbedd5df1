//! A typed container of one channel's storage: its handle, and the queue to its worker.
//!
//! Each container (one name in one channel) has one worker (`worker.rs`), a tokio task started
//! on its first operation. Operations are queued when they are called, not when their future is
//! first polled, and the worker runs them one at a time in that order; so `put(1)` then
//! `put(2)` leaves 2, even when neither future is awaited before the other is made, and an
//! operation whose future is dropped still runs.

use super::engine::Engine;
use super::error::{StorageError, StorageErrorKind};
use super::pyjson;
use super::settings::key_problem;
use super::worker::{Op, Reply, Worker};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// What a container is: its name, its backend, and the SDK's `load` and `clear`.
pub(super) struct Backing {
    pub(super) name: String,
    /// Such as `json backend at data/service_1/channel_2/counter`.
    pub(super) backend: String,
    pub(super) engine: Engine,
    pub(super) load: bool,
    pub(super) clear: bool,
}

/// The shared part of a container: its queue, and the worker's receiving end until it starts.
pub(super) struct Core {
    backing: Arc<Backing>,
    queue: mpsc::UnboundedSender<Op>,
    idle: Mutex<Option<mpsc::UnboundedReceiver<Op>>>,
}

impl Core {
    pub(super) fn new(backing: Backing) -> Arc<Core> {
        let (queue, idle) = mpsc::unbounded_channel();
        Arc::new(Core { backing: Arc::new(backing), queue, idle: Mutex::new(Some(idle)) })
    }

    /// Queues an operation now; the receiver gets its answer.
    fn submit<R>(self: &Arc<Self>, op: impl FnOnce(Reply<R>) -> Op) -> Submitted<R> {
        let (reply, answer) = oneshot::channel();
        // A closed queue drops the operation and so its reply: the answer says `Stopped`.
        let _ = self.queue.send(op(reply));
        if tokio::runtime::Handle::try_current().is_ok() {
            self.start();
        }
        Submitted { core: Arc::clone(self), answer }
    }

    /// Starts the worker, once.
    fn start(&self) {
        let idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(queue) = idle {
            tokio::spawn(Worker::new(Arc::clone(&self.backing)).run(queue));
        }
    }

    pub(super) fn open(self: &Arc<Self>) -> impl Future<Output = Result<(), StorageError>> + Send + use<> {
        self.submit(Op::Open).answer()
    }
}

/// A queued operation's answer to come.
struct Submitted<R> {
    core: Arc<Core>,
    answer: oneshot::Receiver<Result<R, StorageError>>,
}

impl<R> Submitted<R> {
    async fn answer(self) -> Result<R, StorageError> {
        // Queued outside a runtime: the worker starts on the first poll, inside one.
        self.core.start();
        let name = self.core.backing.name.clone();
        drop(self.core);
        match self.answer.await {
            Ok(answer) => answer,
            Err(_) => Err(StorageErrorKind::Stopped { container: name }.into()),
        }
    }
}

/// A container of `T` values under string keys, in one channel's storage (from
/// [`Storage::container`](super::Storage::container)). Cheap to clone; every clone, and every
/// other handle to the same container of the same channel, shares one queue.
///
/// Each operation returns a `'static` future (it borrows nothing), to await in async code or to
/// run from an actor with `ctx.spawn(fut.into_actor(self))` or `ctx.wait(...)`. The operation is
/// queued when the method is called; operations run in the order they were called.
pub struct Container<T> {
    core: Arc<Core>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Container<T> {
    fn clone(&self) -> Self {
        Self { core: Arc::clone(&self.core), _type: PhantomData }
    }
}

impl<T> fmt::Debug for Container<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Container")
            .field("name", &self.core.backing.name)
            .field("backend", &self.core.backing.backend)
            .finish()
    }
}

impl<T> Container<T> {
    pub(super) fn new(core: Arc<Core>) -> Self {
        Self { core, _type: PhantomData }
    }

    /// The container's name (its entry in `db_config`).
    pub fn name(&self) -> &str {
        &self.core.backing.name
    }

    /// The backend and where, such as `json backend at data/service_1/channel_2/counter`.
    pub fn backend(&self) -> &str {
        &self.core.backing.backend
    }

    fn checked(&self, key: &str) -> Result<(), StorageError> {
        match key_problem(key) {
            None => Ok(()),
            Some(problem) => Err(StorageErrorKind::InvalidKey {
                container: self.core.backing.name.clone(),
                key: key.to_owned(),
                problem: problem.to_owned(),
            }
            .into()),
        }
    }

    fn decode(&self, key: &str, value: Value) -> Result<T, StorageError>
    where
        T: DeserializeOwned,
    {
        decode(&self.core.backing, key, value)
    }
}

fn decode<T: DeserializeOwned>(backing: &Backing, key: &str, value: Value) -> Result<T, StorageError> {
    T::deserialize(value).map_err(|e| {
        let kind = StorageErrorKind::Decode {
            container: backing.name.clone(),
            key: key.to_owned(),
            backend: backing.backend.clone(),
            expected: std::any::type_name::<T>().to_owned(),
        };
        StorageError::with_source(kind, e)
    })
}

impl<T: Serialize + DeserializeOwned + 'static> Container<T> {
    /// The value of `key`, or `None` when the container has none.
    ///
    /// # Errors
    /// [`StorageError`]: the key is refused, the backend failed to read it, or what it holds is
    /// not a `T`.
    ///
    /// # Examples
    /// ```
    /// # use moobius::storage::*;
    /// # #[actix::main] async fn main() -> Result<(), StorageError> {
    /// # let dir = std::env::temp_dir().join(format!("moobius-doc-get-{}", std::process::id()));
    /// let config = StorageConfig::new().with(ContainerConfig::json("scores", &dir));
    /// let scores = Storage::new(config, &"svc".into(), &"chan".into()).container::<u32>("scores");
    /// scores.put("alice", &3).await?;
    /// assert_eq!(scores.get("alice").await?, Some(3));
    /// assert_eq!(scores.get("bob").await?, None);
    /// # std::fs::remove_dir_all(&dir).ok(); Ok(()) }
    /// ```
    pub fn get(&self, key: &str) -> impl Future<Output = Result<Option<T>, StorageError>> + Send + use<T> {
        let key = key.to_owned();
        let submitted = self.checked(&key).map(|()| self.core.submit(|reply| Op::Get(key.clone(), reply)));
        let this = self.clone();
        async move { submitted?.answer().await?.map(|value| this.decode(&key, value)).transpose() }
    }

    /// Stores `value` as the value of `key` (written as the SDK writes it: see the
    /// [module docs](crate::storage#the-json-layout)). The value is serialized now; the future
    /// says when it is stored.
    ///
    /// # Errors
    /// [`StorageError`]: the key is refused, the value is not JSON, or the backend failed to
    /// write it.
    ///
    /// # Examples
    /// ```
    /// # use moobius::storage::*;
    /// # #[actix::main] async fn main() -> Result<(), StorageError> {
    /// # let dir = std::env::temp_dir().join(format!("moobius-doc-put-{}", std::process::id()));
    /// let config = StorageConfig::new().with(ContainerConfig::json("names", &dir));
    /// let names = Storage::new(config, &"svc".into(), &"chan".into()).container::<String>("names");
    /// names.put("alice", &"Alice".to_owned()).await?;
    /// let file = dir.join("service_svc/channel_chan/names/alice.json");
    /// assert_eq!(std::fs::read_to_string(file).unwrap(), "\"Alice\"");
    /// # std::fs::remove_dir_all(&dir).ok(); Ok(()) }
    /// ```
    pub fn put(
        &self,
        key: &str,
        value: &T,
    ) -> impl Future<Output = Result<(), StorageError>> + Send + use<T> {
        let submitted = self.checked(key).and_then(|()| {
            let bytes = pyjson::to_vec(value).map_err(|e| {
                let kind = StorageErrorKind::Encode {
                    container: self.core.backing.name.clone(),
                    key: key.to_owned(),
                };
                StorageError::with_source(kind, e)
            })?;
            Ok(self.core.submit(|reply| Op::Put(key.to_owned(), bytes, reply)))
        });
        async move { submitted?.answer().await }
    }

    /// Removes `key`; whether the container had it.
    ///
    /// # Errors
    /// [`StorageError`]: the key is refused, or the backend failed to remove it.
    ///
    /// # Examples
    /// ```
    /// # use moobius::storage::*;
    /// # #[actix::main] async fn main() -> Result<(), StorageError> {
    /// let config = StorageConfig::new().with(ContainerConfig::null("scratch"));
    /// let scratch = Storage::new(config, &"svc".into(), &"chan".into()).container::<u8>("scratch");
    /// scratch.put("k", &1).await?;
    /// assert!(!scratch.remove("k").await?, "the null backend kept nothing");
    /// # Ok(()) }
    /// ```
    pub fn remove(&self, key: &str) -> impl Future<Output = Result<bool, StorageError>> + Send + use<T> {
        let submitted =
            self.checked(key).map(|()| self.core.submit(|reply| Op::Remove(key.to_owned(), reply)));
        async move { submitted?.answer().await }
    }

    /// The container's keys, sorted.
    ///
    /// # Errors
    /// [`StorageError`]: the backend failed to list them.
    ///
    /// # Examples
    /// ```
    /// # use moobius::storage::*;
    /// # #[actix::main] async fn main() -> Result<(), StorageError> {
    /// # let dir = std::env::temp_dir().join(format!("moobius-doc-keys-{}", std::process::id()));
    /// let config = StorageConfig::new().with(ContainerConfig::json("seen", &dir));
    /// let seen = Storage::new(config, &"svc".into(), &"chan".into()).container::<bool>("seen");
    /// seen.put("bob", &true).await?;
    /// seen.put("alice", &true).await?;
    /// assert_eq!(seen.keys().await?, ["alice", "bob"]);
    /// # std::fs::remove_dir_all(&dir).ok(); Ok(()) }
    /// ```
    pub fn keys(&self) -> impl Future<Output = Result<Vec<String>, StorageError>> + Send + use<T> {
        let submitted = self.core.submit(Op::Keys);
        async move { submitted.answer().await }
    }

    /// Every key with its value.
    ///
    /// # Errors
    /// [`StorageError`]: the backend failed to list or read them, or a value is not a `T`.
    ///
    /// # Examples
    /// ```
    /// # use moobius::storage::*;
    /// # #[actix::main] async fn main() -> Result<(), StorageError> {
    /// # let dir = std::env::temp_dir().join(format!("moobius-doc-all-{}", std::process::id()));
    /// let config = StorageConfig::new().with(ContainerConfig::json("hp", &dir));
    /// let hp = Storage::new(config, &"svc".into(), &"chan".into()).container::<i32>("hp");
    /// hp.put("orc", &12).await?;
    /// hp.put("elf", &7).await?;
    /// let all = hp.load_all().await?;
    /// assert_eq!(all.into_iter().collect::<Vec<_>>(), [("elf".to_owned(), 7), ("orc".to_owned(), 12)]);
    /// # std::fs::remove_dir_all(&dir).ok(); Ok(()) }
    /// ```
    pub fn load_all(
        &self,
    ) -> impl Future<Output = Result<BTreeMap<String, T>, StorageError>> + Send + use<T> {
        let submitted = self.core.submit(Op::LoadAll);
        let backing = Arc::clone(&self.core.backing);
        async move {
            let values = submitted.answer().await?;
            values.into_iter().map(|(key, value)| Ok((key.clone(), decode(&backing, &key, value)?))).collect()
        }
    }

    /// Deletes every key.
    ///
    /// # Errors
    /// [`StorageError`]: the backend failed to list or remove them.
    ///
    /// # Examples
    /// ```
    /// # use moobius::storage::*;
    /// # #[actix::main] async fn main() -> Result<(), StorageError> {
    /// # let dir = std::env::temp_dir().join(format!("moobius-doc-clear-{}", std::process::id()));
    /// let config = StorageConfig::new().with(ContainerConfig::json("tmp", &dir));
    /// let tmp = Storage::new(config, &"svc".into(), &"chan".into()).container::<u8>("tmp");
    /// tmp.put("a", &1).await?;
    /// tmp.clear().await?;
    /// assert!(tmp.keys().await?.is_empty());
    /// # std::fs::remove_dir_all(&dir).ok(); Ok(()) }
    /// ```
    pub fn clear(&self) -> impl Future<Output = Result<(), StorageError>> + Send + use<T> {
        let submitted = self.core.submit(Op::Clear);
        async move { submitted.answer().await }
    }
}
