//! The backends' four primitives (read, write, remove, list a container's keys) on bytes, and
//! the json backend's files: one `<key>.json` per key in the container's directory, written to
//! a temporary file in the same directory and renamed over the old one, so a reader (this
//! crate or the SDK) sees the old value or the new one, never a part. File I/O runs on tokio's
//! blocking pool, never on an actor's thread.

use super::error::StorageErrorKind;
use super::settings::{file_name, key_of};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A backend's own error (I/O, Redis), the source of a [`StorageError`](super::StorageError).
pub(super) type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where one container's values are.
pub(super) enum Engine {
    /// Files in this directory.
    Json(PathBuf),
    /// Keys `<domain>:<key>` on a Redis server.
    #[cfg(feature = "redis")]
    Redis(std::sync::Arc<super::redis::Server>, String),
    /// Nowhere.
    Null,
    /// Every operation fails with this (an unknown container, a domain that cannot be a path, a
    /// backend this build lacks).
    Refused(StorageErrorKind),
}

impl Engine {
    /// The value of `key`, `None` when absent.
    pub(super) async fn read(&self, key: &str) -> Result<Option<Vec<u8>>, Cause> {
        match self {
            Engine::Json(dir) => {
                let path = dir.join(file_name(key));
                blocking(move || match std::fs::read(&path) {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e),
                })
                .await
            }
            #[cfg(feature = "redis")]
            Engine::Redis(server, domain) => server.read(domain, key).await,
            Engine::Null | Engine::Refused(_) => Ok(None),
        }
    }

    /// Stores `bytes` as the value of `key`.
    pub(super) async fn write(&self, key: &str, bytes: Vec<u8>) -> Result<(), Cause> {
        match self {
            Engine::Json(dir) => {
                let dir = dir.clone();
                let name = file_name(key);
                blocking(move || write_atomically(&dir, &name, &bytes)).await
            }
            #[cfg(feature = "redis")]
            Engine::Redis(server, domain) => server.write(domain, key, bytes).await,
            Engine::Null | Engine::Refused(_) => Ok(()),
        }
    }

    /// Removes `key`; whether it was there.
    pub(super) async fn remove(&self, key: &str) -> Result<bool, Cause> {
        match self {
            Engine::Json(dir) => {
                let path = dir.join(file_name(key));
                blocking(move || match std::fs::remove_file(&path) {
                    Ok(()) => Ok(true),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
                    Err(e) => Err(e),
                })
                .await
            }
            #[cfg(feature = "redis")]
            Engine::Redis(server, domain) => server.remove(domain, key).await,
            Engine::Null | Engine::Refused(_) => Ok(false),
        }
    }

    /// The container's keys, sorted.
    pub(super) async fn keys(&self) -> Result<Vec<String>, Cause> {
        let mut keys = match self {
            Engine::Json(dir) => {
                let dir = dir.clone();
                blocking(move || list(&dir)).await?
            }
            #[cfg(feature = "redis")]
            Engine::Redis(server, domain) => server.keys(domain).await?,
            Engine::Null | Engine::Refused(_) => Vec::new(),
        };
        keys.sort();
        Ok(keys)
    }
}

/// Runs file I/O on tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> Result<T, Cause> {
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => done.map_err(Cause::from),
        Err(join) => Err(Cause::from(join)),
    }
}

/// The keys of the files in `dir` (the regular files whose name ends in `.json`, as the SDK's
/// `all_keys`; a missing directory holds none). Temporary files end in `.tmp` and are not
/// keys, here or for the SDK.
fn list(dir: &Path) -> io::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut keys = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        let Some(key) = key_of(&name) else { continue };
        if entry.path().is_file() {
            keys.push(key.to_owned());
        }
    }
    Ok(keys)
}

/// Writes `bytes` as `dir/name`: into `.<name>.<pid>-<n>.tmp` beside it, flushed to disk, then
/// renamed over it (atomic within one directory). The directory is made if missing, as the
/// SDK's `os.makedirs(path, exist_ok=True)`.
pub(super) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    std::fs::create_dir_all(dir)?;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let temporary = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let written = (|| {
        use std::io::Write as _;
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, dir.join(name))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}
