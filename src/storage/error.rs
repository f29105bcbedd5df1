//! The one error of the storage boundary: which operation failed on which container, key and
//! backend. The system's, the parser's or the Redis client's own error is the `source()`,
//! printed once by whoever prints the chain ([`report`](crate::report)).

use derive_more::{Display, Error};

/// A storage operation that failed. `Display` names the container, the key and the backend
/// (such as `json backend at data/service_1/channel_2/counter`).
///
/// # Examples
/// ```
/// use moobius::storage::{Storage, StorageConfig, StorageErrorKind};
/// # #[actix::main] async fn main() {
/// let storage = Storage::new(StorageConfig::new(), &"service-1".into(), &"channel-1".into());
/// let error = storage.container::<u64>("counter").get("count").await.unwrap_err();
/// assert!(matches!(error.kind(), StorageErrorKind::UnknownContainer { name, .. } if name == "counter"));
/// assert_eq!(error.to_string(), "no container `counter` in db_config (it has none): add an entry named `counter`");
/// # }
/// ```
#[derive(Debug, Display, Error)]
#[display("{kind}")]
pub struct StorageError {
    kind: StorageErrorKind,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// What failed, where.
#[derive(Debug, Display, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageErrorKind {
    /// The container is not in `db_config`.
    #[display("no container `{name}` in db_config ({configured}): add an entry named `{name}`")]
    UnknownContainer {
        /// The name asked for.
        name: String,
        /// What is configured: `it has a, b` or `it has none`.
        configured: String,
    },
    /// The container's name, or the ids that make its domain, cannot be a place in the backend.
    #[display("container `{container}` cannot be kept in the {backend}: {problem}")]
    InvalidContainer {
        /// The container.
        container: String,
        /// The backend and where.
        backend: String,
        /// What is wrong with its domain.
        problem: String,
    },
    /// The key cannot be stored.
    #[display("key `{key}` of container `{container}` is refused: {problem}")]
    InvalidKey {
        /// The container.
        container: String,
        /// The key.
        key: String,
        /// Why.
        problem: String,
    },
    /// The backend failed to read a key (the cause is the source).
    #[display("cannot read key `{key}` of container `{container}` from the {backend}")]
    Read {
        /// The container.
        container: String,
        /// The key.
        key: String,
        /// The backend and where.
        backend: String,
    },
    /// The backend failed to write a key (the cause is the source).
    #[display("cannot write key `{key}` of container `{container}` to the {backend}")]
    Write {
        /// The container.
        container: String,
        /// The key.
        key: String,
        /// The backend and where.
        backend: String,
    },
    /// The backend failed to remove a key (the cause is the source).
    #[display("cannot remove key `{key}` of container `{container}` from the {backend}")]
    Remove {
        /// The container.
        container: String,
        /// The key.
        key: String,
        /// The backend and where.
        backend: String,
    },
    /// The backend failed to list the container's keys (the cause is the source).
    #[display("cannot list the keys of container `{container}` in the {backend}")]
    List {
        /// The container.
        container: String,
        /// The backend and where.
        backend: String,
    },
    /// What a key holds is not JSON, or not the type asked for (serde's description is the
    /// source).
    #[display("key `{key}` of container `{container}` in the {backend} does not hold a {expected}")]
    Decode {
        /// The container.
        container: String,
        /// The key.
        key: String,
        /// The backend and where.
        backend: String,
        /// The type asked for (or `JSON value`).
        expected: String,
    },
    /// The value cannot be written as JSON (such as a map with non-string keys; serde's
    /// description is the source).
    #[display("the value for key `{key}` of container `{container}` cannot be written as JSON")]
    Encode {
        /// The container.
        container: String,
        /// The key.
        key: String,
    },
    /// The container's backend is not in this build.
    #[display(
        "container `{container}` uses the {implementation} backend, which this build lacks: rebuild moobius with its `{implementation}` feature"
    )]
    Unsupported {
        /// The container.
        container: String,
        /// The backend's name.
        implementation: String,
    },
    /// The container's worker is gone: the runtime it ran on stopped.
    #[display("the storage of container `{container}` stopped with its runtime; use it from a running one")]
    Stopped {
        /// The container.
        container: String,
    },
}

impl StorageError {
    /// What failed.
    pub fn kind(&self) -> &StorageErrorKind {
        &self.kind
    }

    pub(super) fn new(kind: StorageErrorKind) -> Self {
        Self { kind, source: None }
    }

    pub(super) fn with_source(
        kind: StorageErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Self { kind, source: Some(source.into()) }
    }
}

impl From<StorageErrorKind> for StorageError {
    fn from(kind: StorageErrorKind) -> Self {
        Self::new(kind)
    }
}
