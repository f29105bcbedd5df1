//! The Redis backend (feature `redis`): one connection per server settings, shared by every
//! container of a service that names them, through redis-rs's `ConnectionManager` (async,
//! reconnects by itself). A container's keys are `<domain>:<key>` in the configured `db`; its
//! values are the same text as the json backend's files.

use super::engine::Cause;
use super::settings::{RedisSettings, redis_key, redis_pattern};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo};
use std::sync::Mutex;
use std::time::Duration;

/// How long a connection attempt, or an answer, may take before the operation fails.
const TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a lost connection is retried (with a backoff) before an operation fails.
const RETRIES: usize = 3;

/// One Redis server (host, port, db, password) and its connection, made on first use.
pub(super) struct Server {
    settings: RedisSettings,
    connection: Mutex<Option<ConnectionManager>>,
}

impl Server {
    pub(super) fn new(settings: RedisSettings) -> Self {
        Self { settings, connection: Mutex::new(None) }
    }

    pub(super) fn settings(&self) -> &RedisSettings {
        &self.settings
    }

    /// The connection (a cheap clone of the shared one), made lazily: it connects on its first
    /// command, inside the runtime that runs it.
    fn connection(&self) -> Result<ConnectionManager, Cause> {
        let mut slot = self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(connection) = &*slot {
            return Ok(connection.clone());
        }
        let mut redis = RedisConnectionInfo::default().set_db(i64::from(self.settings.db));
        if let Some(password) = &self.settings.password {
            redis = redis.set_password(password.expose());
        }
        let info = ConnectionAddr::Tcp(self.settings.host.clone(), self.settings.port)
            .into_connection_info()?
            .set_redis_settings(redis);
        let client = redis::Client::open(info)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(RETRIES);
        let connection = ConnectionManager::new_lazy_with_config(client, config)?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    pub(super) async fn read(&self, domain: &str, key: &str) -> Result<Option<Vec<u8>>, Cause> {
        let mut connection = self.connection()?;
        Ok(redis::cmd("GET").arg(redis_key(domain, key)).query_async(&mut connection).await?)
    }

    pub(super) async fn write(&self, domain: &str, key: &str, bytes: Vec<u8>) -> Result<(), Cause> {
        let mut connection = self.connection()?;
        redis::cmd("SET").arg(redis_key(domain, key)).arg(bytes).query_async::<()>(&mut connection).await?;
        Ok(())
    }

    pub(super) async fn remove(&self, domain: &str, key: &str) -> Result<bool, Cause> {
        let mut connection = self.connection()?;
        let removed: i64 = redis::cmd("DEL").arg(redis_key(domain, key)).query_async(&mut connection).await?;
        Ok(removed > 0)
    }

    /// The container's keys: `SCAN` (never `KEYS`, which blocks the server) over `<domain>:*`,
    /// the prefix taken off.
    pub(super) async fn keys(&self, domain: &str) -> Result<Vec<String>, Cause> {
        let mut connection = self.connection()?;
        let (pattern, prefix) = (redis_pattern(domain), redis_key(domain, ""));
        let mut keys = Vec::new();
        let mut cursor = 0u64;
        loop {
            let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(512)
                .query_async(&mut connection)
                .await?;
            for key in batch {
                // A key that is not UTF-8 is no key of this crate's.
                if let Some(key) =
                    String::from_utf8(key).ok().and_then(|k| k.strip_prefix(&prefix).map(str::to_owned))
                {
                    keys.push(key);
                }
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
        // SCAN may return a key twice.
        keys.sort();
        keys.dedup();
        Ok(keys)
    }
}
