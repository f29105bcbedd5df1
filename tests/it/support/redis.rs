//! A real Redis server for the storage tests: `redis-server` on a free loopback port, keeping
//! nothing on disk (`--save '' --appendonly no`), killed when dropped. An optional part (README,
//! "Optional parts"): when it is missing, [`RedisServer::start`] prints one line saying how to
//! get it and the test skips, unless `MOOBIUS_REQUIRE_OPTIONAL=1` (set by `.ci/run`).

use super::browser::optional;
use super::{WAIT, eventually};
use moobius::storage::RedisSettings;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `redis-server` child process.
pub struct RedisServer {
    child: Child,
    port: u16,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$REDIS_SERVER`, else `redis-server` on the `PATH`.
fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("REDIS_SERVER") {
        return Some(PathBuf::from(path)).filter(|p| p.exists());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|dir| dir.join("redis-server")).find(|p| p.exists())
}

/// Whether a Redis server answers `PING` on `port` (each try bounded by a short timeout).
fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let short = Some(Duration::from_millis(500));
    if stream.set_read_timeout(short).is_err() || stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut answer = [0u8; 7];
    stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
}

impl RedisServer {
    /// Starts `redis-server` on a free loopback port and waits until it answers; `None`
    /// (skipped) when it is not installed.
    pub async fn start() -> Option<RedisServer> {
        const HOW: &str =
            "install Debian's redis-server: apt-get install -y redis-server (or set $REDIS_SERVER)";
        let binary = optional("redis-server", binary(), HOW)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let server = RedisServer { child, port };
        // redis-server has no readiness signal but its answer: polled, bounded.
        eventually(WAIT, "redis-server answering PING", || answers(port)).await;
        Some(server)
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The storage settings that reach it (db 0, no password).
    pub fn settings(&self) -> RedisSettings {
        RedisSettings { host: "127.0.0.1".to_owned(), port: self.port, ..RedisSettings::default() }
    }

    /// A client connection of the test's own, to look at what the storage wrote.
    pub async fn connection(&self) -> ::redis::aio::MultiplexedConnection {
        ::redis::Client::open(format!("redis://127.0.0.1:{}/", self.port))
            .expect("a Redis client")
            .get_multiplexed_async_connection()
            .await
            .expect("a connection to the test's redis-server")
    }
}
