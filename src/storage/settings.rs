//! What `db_config` says, as types: the containers each channel's storage has and the backend
//! of each; and the pure rules that turn a container and a key into a place (a file, a Redis
//! key), as the reference SDK does.

use crate::protocol::Secret;
use std::path::{Path, PathBuf};

/// The SDK's `db_config`: the containers every channel's [`Storage`](super::Storage) has, in
/// the file's order. Empty (the default) when the configuration has none.
///
/// # Examples
/// ```
/// use moobius::storage::{ContainerConfig, StorageConfig};
///
/// let config = StorageConfig::new().with(ContainerConfig::json("counter", "json_db"));
/// assert_eq!(config.container("counter").map(|c| c.load), Some(true));
/// assert!(config.container("other").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageConfig {
    containers: Vec<ContainerConfig>,
}

impl StorageConfig {
    /// No containers.
    pub fn new() -> Self {
        Self::default()
    }

    /// With `container` (replacing one of the same name).
    pub fn with(mut self, container: ContainerConfig) -> Self {
        match self.containers.iter_mut().find(|c| c.name == container.name) {
            Some(slot) => *slot = container,
            None => self.containers.push(container),
        }
        self
    }

    /// The containers, in order.
    pub fn containers(&self) -> &[ContainerConfig] {
        &self.containers
    }

    /// The container named `name`, if configured.
    pub fn container(&self, name: &str) -> Option<&ContainerConfig> {
        self.containers.iter().find(|c| c.name == name)
    }

    /// Whether no container is configured.
    pub fn is_empty(&self) -> bool {
        self.containers.is_empty()
    }
}

/// One entry of `db_config`: `{"implementation", "name", "load", "clear", "settings"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerConfig {
    /// `name`: the container's name, the last part of its domain.
    pub name: String,
    /// `implementation` and `settings`: where the values go.
    pub backend: Backend,
    /// `load` (default true): read the whole container when it is opened and serve reads from
    /// memory (writes still go to the backend), as the SDK's `CachedDict.load`.
    pub load: bool,
    /// `clear` (default false): delete what the container holds when it is opened.
    pub clear: bool,
}

impl ContainerConfig {
    /// A container on `backend`, loaded and not cleared (the SDK's defaults).
    pub fn new(name: impl Into<String>, backend: Backend) -> Self {
        Self { name: name.into(), backend, load: true, clear: false }
    }

    /// A json container under `root_dir` (the SDK's `settings.root_dir`).
    pub fn json(name: impl Into<String>, root_dir: impl Into<PathBuf>) -> Self {
        Self::new(name, Backend::Json(JsonSettings { root_dir: root_dir.into() }))
    }

    /// A container on the Redis server `settings` names.
    pub fn redis(name: impl Into<String>, settings: RedisSettings) -> Self {
        Self::new(name, Backend::Redis(settings))
    }

    /// A container that keeps nothing.
    pub fn null(name: impl Into<String>) -> Self {
        Self::new(name, Backend::Null)
    }

    /// With `load` set.
    pub fn with_load(mut self, load: bool) -> Self {
        self.load = load;
        self
    }

    /// With `clear` set.
    pub fn with_clear(mut self, clear: bool) -> Self {
        self.clear = clear;
        self
    }
}

/// Where a container's values go: `implementation` with its `settings`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// `"json"`: one file per key under `root_dir`, the SDK's layout (no server, no setup).
    Json(JsonSettings),
    /// `"redis"`: a Redis server, one key prefix per container (feature `redis`).
    Redis(RedisSettings),
    /// `"null"`: keeps nothing; every read finds nothing.
    Null,
}

impl Backend {
    /// `json`, `redis` or `null`.
    pub fn implementation(&self) -> &'static str {
        match self {
            Backend::Json(_) => "json",
            Backend::Redis(_) => "redis",
            Backend::Null => "null",
        }
    }

    /// The backend an SDK `implementation` names, with `settings` at their defaults (the SDK's
    /// names, compared as it does: trimmed, in any case): `json` (`jsondb`, `jsondatabase`),
    /// `redis` (`redi`, `redisdb`, `ready`, `redisdatabase`, `the linux one`), `null` (`none`,
    /// `false`, `nulldb`, `nulldatabase`).
    ///
    /// # Examples
    /// ```
    /// use moobius::storage::Backend;
    /// assert_eq!(Backend::named(" JSONDatabase ").map(|b| b.implementation()), Some("json"));
    /// assert!(Backend::named("sqlite").is_none());
    /// ```
    pub fn named(implementation: &str) -> Option<Backend> {
        match implementation.trim().to_lowercase().as_str() {
            "json" | "jsondb" | "jsondatabase" => Some(Backend::Json(JsonSettings::default())),
            "redis" | "redi" | "redisdb" | "ready" | "redisdatabase" | "the linux one" => {
                Some(Backend::Redis(RedisSettings::default()))
            }
            // The SDK's list has `'Nulldb''NullDatabase'` (one string, a missing comma); both
            // names are taken here.
            "null" | "none" | "false" | "nulldb" | "nulldatabase" | "nulldbnulldatabase" => {
                Some(Backend::Null)
            }
            _ => None,
        }
    }
}

/// The json backend's `settings`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonSettings {
    /// `root_dir` (default empty: the working directory, as the SDK). A relative path is
    /// relative to the working directory.
    pub root_dir: PathBuf,
}

/// The Redis backend's `settings`, the SDK's `RedisDatabase` arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisSettings {
    /// `host` (default `localhost`).
    pub host: String,
    /// `port` (default 6379).
    pub port: u16,
    /// `db` (default 0). The SDK's default is `abs(hash(domain))`; see the [module
    /// docs](crate::storage#redis) for why this crate uses 0 and key prefixes instead.
    pub db: u32,
    /// `password` (default none; the SDK's `""` is none).
    pub password: Option<Secret>,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self { host: "localhost".to_owned(), port: 6379, db: 0, password: None }
    }
}

impl RedisSettings {
    /// `host:port db N`, for messages (never the password).
    pub(crate) fn describe(&self) -> String {
        format!("{}:{} db {}", self.host, self.port, self.db)
    }
}

/// The SDK's domain of a container: `service_<id>.channel_<id>.<name>`.
pub(crate) fn domain(service: &str, channel: &str, name: &str) -> String {
    format!("service_{service}.channel_{channel}.{name}")
}

/// What a container's name may not be, or `None`: it is the last part of a path (the SDK turns
/// each `.` of the domain into a directory), so it needs a non-empty part, and no part may be
/// `..` or hold a path separator, a NUL or a `:` (the Redis backend's separator).
pub(crate) fn name_problem(name: &str) -> Option<&'static str> {
    if name.contains(':') {
        return Some("contains `:` (the Redis backend's separator)");
    }
    match parts(name) {
        Err(problem) => Some(problem),
        Ok(parts) if parts.is_empty() => Some("is empty"),
        Ok(_) => None,
    }
}

/// The directories of a domain, as the SDK's `domain.replace('.', os.sep)` makes them (an empty
/// part, from `..` in a row, is nothing, as `a//b` is `a/b`).
fn parts(domain: &str) -> Result<Vec<&str>, &'static str> {
    let mut parts = Vec::new();
    for part in domain.split('.') {
        if part.chars().any(|c| std::path::is_separator(c) || c == '\0') {
            return Err("contains a path separator or a NUL");
        }
        if !part.is_empty() {
            parts.push(part);
        }
    }
    Ok(parts)
}

/// The json backend's directory of `domain` under `root`:
/// `<root>/service_<id>/channel_<id>/<name>`.
pub(crate) fn json_dir(root: &Path, domain: &str) -> Result<PathBuf, &'static str> {
    Ok(parts(domain)?.into_iter().fold(root.to_owned(), |dir, part| dir.join(part)))
}

/// What a key may not be, or `None`: it becomes the file name `<key>.json` as it is (the SDK
/// does not escape it), so it may not hold a path separator or a NUL.
pub(crate) fn key_problem(key: &str) -> Option<&'static str> {
    key.chars()
        .any(|c| std::path::is_separator(c) || c == '\0')
        .then_some("a key becomes a file name: it may not contain a path separator or a NUL")
}

/// The file of `key`: `<key>.json`.
pub(crate) fn file_name(key: &str) -> String {
    format!("{key}.json")
}

/// The key a file holds, if it is one of the container's (its name ends in `.json`).
pub(crate) fn key_of(file_name: &str) -> Option<&str> {
    file_name.strip_suffix(".json")
}

/// The Redis key of `key` in `domain`: `<domain>:<key>`.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn redis_key(domain: &str, key: &str) -> String {
    format!("{domain}:{key}")
}

/// The `SCAN MATCH` pattern of every key of `domain`: the domain with the glob's special
/// characters escaped, then `:*`.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn redis_pattern(domain: &str) -> String {
    let mut pattern = String::with_capacity(domain.len() + 2);
    for c in domain.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push_str(":*");
    pattern
}
