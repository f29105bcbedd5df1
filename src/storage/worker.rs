//! The worker of one container: a tokio task that runs the container's operations one at a
//! time, in the order they were queued, and holds its memory when it is loaded. It opens the
//! container before its first operation: `clear` deletes what it holds, `load` reads it all.

use super::container::Backing;
use super::engine::{Cause, Engine};
use super::error::{StorageError, StorageErrorKind};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Where an operation's answer goes.
pub(super) type Reply<T> = oneshot::Sender<Result<T, StorageError>>;

/// One queued operation and where its answer goes.
pub(super) enum Op {
    Open(Reply<()>),
    Get(String, Reply<Option<Value>>),
    Put(String, Vec<u8>, Reply<()>),
    Remove(String, Reply<bool>),
    Keys(Reply<Vec<String>>),
    LoadAll(Reply<BTreeMap<String, Value>>),
    Clear(Reply<()>),
}

impl Op {
    fn fail(self, error: StorageError) {
        match self {
            Op::Open(reply) | Op::Put(_, _, reply) | Op::Clear(reply) => drop(reply.send(Err(error))),
            Op::Get(_, reply) => drop(reply.send(Err(error))),
            Op::Remove(_, reply) => drop(reply.send(Err(error))),
            Op::Keys(reply) => drop(reply.send(Err(error))),
            Op::LoadAll(reply) => drop(reply.send(Err(error))),
        }
    }
}

/// Runs one container's operations in order, and holds its memory when it is loaded.
pub(super) struct Worker {
    backing: Arc<Backing>,
    opened: bool,
    /// Every key and value, when the container is loaded (`load`) and keeps anything.
    cache: Option<BTreeMap<String, Value>>,
}

impl Worker {
    pub(super) fn new(backing: Arc<Backing>) -> Self {
        Self { backing, opened: false, cache: None }
    }

    pub(super) async fn run(mut self, mut queue: mpsc::UnboundedReceiver<Op>) {
        while let Some(op) = queue.recv().await {
            self.serve(op).await;
        }
    }

    async fn serve(&mut self, op: Op) {
        if let Err(error) = self.open().await {
            return op.fail(error);
        }
        // The asker may be gone: its answer is then dropped.
        match op {
            Op::Open(reply) => drop(reply.send(Ok(()))),
            Op::Get(key, reply) => drop(reply.send(self.get(&key).await)),
            Op::Put(key, bytes, reply) => drop(reply.send(self.put(key, bytes).await)),
            Op::Remove(key, reply) => drop(reply.send(self.remove(&key).await)),
            Op::Keys(reply) => drop(reply.send(self.keys().await)),
            Op::LoadAll(reply) => drop(reply.send(self.load_all().await)),
            Op::Clear(reply) => drop(reply.send(self.clear().await)),
        }
    }

    fn keeps(&self) -> bool {
        !matches!(self.backing.engine, Engine::Null)
    }

    /// Before the first operation: the SDK's `clear` (delete it all; then it is known empty),
    /// else its `load` (read it all). Tried again by the next operation when it fails.
    async fn open(&mut self) -> Result<(), StorageError> {
        if self.opened {
            return Ok(());
        }
        if let Engine::Refused(kind) = &self.backing.engine {
            return Err(kind.clone().into());
        }
        if self.backing.clear {
            self.clear_backend().await?;
            self.cache = (self.backing.load && self.keeps()).then(BTreeMap::new);
        } else if self.backing.load && self.keeps() {
            self.cache = Some(self.read_all().await?);
        }
        self.opened = true;
        Ok(())
    }

    fn failed(&self, kind: impl FnOnce(String, String) -> StorageErrorKind, cause: Cause) -> StorageError {
        StorageError::with_source(kind(self.backing.name.clone(), self.backing.backend.clone()), cause)
    }

    async fn fetch(&self, key: &str) -> Result<Option<Value>, StorageError> {
        let read = self.backing.engine.read(key).await;
        let bytes = read.map_err(|e| {
            self.failed(
                |container, backend| StorageErrorKind::Read { container, key: key.to_owned(), backend },
                e,
            )
        })?;
        let Some(bytes) = bytes else { return Ok(None) };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            let kind = |container, backend| StorageErrorKind::Decode {
                container,
                key: key.to_owned(),
                backend,
                expected: "JSON value".to_owned(),
            };
            self.failed(kind, Box::new(e))
        })
    }

    async fn listed(&self) -> Result<Vec<String>, StorageError> {
        let listed = self.backing.engine.keys().await;
        listed.map_err(|e| self.failed(|container, backend| StorageErrorKind::List { container, backend }, e))
    }

    async fn read_all(&self) -> Result<BTreeMap<String, Value>, StorageError> {
        let mut all = BTreeMap::new();
        for key in self.listed().await? {
            // A key removed (by someone else) since the listing is not there.
            if let Some(value) = self.fetch(&key).await? {
                all.insert(key, value);
            }
        }
        Ok(all)
    }

    async fn clear_backend(&self) -> Result<(), StorageError> {
        for key in self.listed().await? {
            self.remove_backend(&key).await?;
        }
        Ok(())
    }

    async fn remove_backend(&self, key: &str) -> Result<bool, StorageError> {
        let removed = self.backing.engine.remove(key).await;
        removed.map_err(|e| {
            self.failed(
                |container, backend| StorageErrorKind::Remove { container, key: key.to_owned(), backend },
                e,
            )
        })
    }

    async fn get(&self, key: &str) -> Result<Option<Value>, StorageError> {
        match &self.cache {
            Some(cache) => Ok(cache.get(key).cloned()),
            None => self.fetch(key).await,
        }
    }

    async fn put(&mut self, key: String, bytes: Vec<u8>) -> Result<(), StorageError> {
        let value = match self.cache {
            Some(_) => Some(serde_json::from_slice::<Value>(&bytes).map_err(|e| {
                let kind =
                    StorageErrorKind::Encode { container: self.backing.name.clone(), key: key.clone() };
                StorageError::with_source(kind, e)
            })?),
            None => None,
        };
        let written = self.backing.engine.write(&key, bytes).await;
        written.map_err(|e| {
            self.failed(
                |container, backend| StorageErrorKind::Write { container, key: key.clone(), backend },
                e,
            )
        })?;
        if let (Some(cache), Some(value)) = (&mut self.cache, value) {
            cache.insert(key, value);
        }
        Ok(())
    }

    async fn remove(&mut self, key: &str) -> Result<bool, StorageError> {
        let removed = self.remove_backend(key).await?;
        if let Some(cache) = &mut self.cache {
            cache.remove(key);
        }
        Ok(removed)
    }

    async fn keys(&self) -> Result<Vec<String>, StorageError> {
        match &self.cache {
            Some(cache) => Ok(cache.keys().cloned().collect()),
            None => self.listed().await,
        }
    }

    async fn load_all(&self) -> Result<BTreeMap<String, Value>, StorageError> {
        match &self.cache {
            Some(cache) => Ok(cache.clone()),
            None => self.read_all().await,
        }
    }

    async fn clear(&mut self) -> Result<(), StorageError> {
        self.clear_backend().await?;
        if let Some(cache) = &mut self.cache {
            cache.clear();
        }
        Ok(())
    }
}
