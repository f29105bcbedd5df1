//! This crate side by side with the reference Python SDK (moobius 1.8.0) and a bare awc client,
//! against one `moobius platform` (this build's, release) in its own process, so every CPU and
//! memory figure is a process's own (`/proc/<pid>/stat`, `/proc/<pid>/status`). Timings on a
//! shared two-core machine are noisy, so each figure is printed beside a baseline measured in the
//! same run, as a ratio; the targets of issue 13 close the table.
//!
//! Run: `cargo bench --bench vs_python` (about 3 to 5 minutes on two cores). Measures:
//! 1. throughput: a service sends N `message_down`s to one logged-in user and waits until every
//!    receipt is in; the SDK's `WSClient` (`benches/vs_python.py`, its own process), this crate's
//!    runtime and a bare awc client take turns, medians of the rounds; msgs/s, client and platform
//!    CPU per message;
//! 2. round trip user `message_up` → service handler → `message_down` → user, p50/p99, runtime
//!    against bare awc as the service (the user is a bare client either way);
//! 3. inbound events per second (a user floods `message_up`, the service counts), runtime against
//!    bare awc; the user keeps at most 512 in flight so neither is dropped as a slow reader;
//! 4. fan-out: U users joined to a channel, one `message_down` to a group of all of them, time
//!    until the last has it (repeated M times, since one takes about one CPU clock tick) and
//!    platform CPU per recipient; before the users join, the platform's RSS per idle logged-in
//!    connection (K of them);
//! 5. a service process (this bench re-executed in a child mode) with one connection and 1 or C
//!    channel actors: its VmRSS/VmHWM, and RSS per idle channel actor.
//!
//! The platform process is this bench re-executed in a platform child mode, configured as
//! `benches/e2e.rs` configures it (a 1 Mi-event per-connection buffer, no traffic or studio
//! recording): `moobius platform` has no flags for these, and with its 1,024-event buffer the
//! throughput user (starved on two busy cores) was cut as a slow reader mid-round.
//! `VS_PLATFORM=moobius` runs `moobius platform --addr 127.0.0.1:0` as it is instead.
//!
//! The client runtime, bare clients and users run in this process: the user that receives the
//! throughput and the user that floods run on a helper thread whose CPU (`/proc/self/task/<tid>`)
//! is subtracted from the process's, so "client CPU" is the measured client's alone.
//!
//! Sizes (environment): `VS_FRAMES` (N, default 50,000), `VS_ROUNDS` (3), `VS_RTT` (round trips,
//! 2,000), `VS_INBOUND` (flooded events, 50,000), `VS_FANOUT_USERS` (U, 10,000), `VS_FANOUT_MSGS`
//! (M, 20), `VS_IDLE_CONNS` (K, 2,000), `VS_CHANNELS` (C, 10,000). `MOOBIUS_PYTHON` names the
//! interpreter with the SDK (default `.venv/bin/python`); without one the SDK row is skipped.
//! 10,000 connections a side need file descriptors: the bench raises its own RLIMIT_NOFILE and
//! the platform's with `prlimit` (util-linux), and shrinks U to fit (saying so) if it cannot.
//! `cargo test --benches` runs it with tiny sizes.

#[path = "../tests/it/support/mod.rs"]
#[allow(unused_imports)]
mod support;

mod common;

use actix::prelude::*;
use awc::ws;
use common::{
    BareService, Sink, Stream, bare_login, bare_login_with, bare_next_text, bare_receipt, config, down,
    echo_handler, env_or, percentile, up, wait_connected,
};
use futures_util::{SinkExt as _, StreamExt as _};
use moobius::client::{Client, ClientEvent, HandlerResult, HandlerSpec, Identity, Runtime};
use moobius::protocol::{ChannelId, CharacterId, Event, Frame, Incoming, MessageContent};
use moobius::service::{AsService, Channel, ChannelEvent, ServiceBuilder};
use serde_json::{Value, json};
use std::future::Future;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::process::{Running, line_after_within, moobius_platform_via};
use support::{Endpoint as _, Remote, World};
use tokio::sync::{mpsc, oneshot, watch};

/// The environment variable that selects the child mode (a service process to weigh).
const CHILD: &str = "VS_PYTHON_CHILD";
/// The environment variable that selects the platform child mode.
const PLATFORM_CHILD: &str = "VS_PYTHON_PLATFORM_CHILD";
/// Messages (or events) in flight at most when a user floods, below the platform's per-connection
/// buffer (1,024) so the service is never dropped as a slow reader.
const WINDOW: u64 = 512;
/// The file descriptors asked for, for this process and the platform.
const NOFILE: u64 = 65_536;
/// The bound on waits longer than [`support::WAIT`] (a whole round, a child's start).
const LONG: Duration = Duration::from_secs(180);

// ----- /proc -----

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of a `/proc/.../stat` file, in seconds.
fn cpu_of(path: &str, ticks: f64) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    // Fields after the command name (which may hold spaces) start at field 3, the state.
    let rest = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields[11].parse().unwrap();
    let stime: u64 = fields[12].parse().unwrap();
    (utime + stime) as f64 / ticks
}

/// A `/proc/<pid>/status` field in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: &str, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("a status file");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// The CPU clocks the bench reads: the platform's, this process's and the helper thread's.
#[derive(Clone, Copy)]
struct Clocks {
    ticks: f64,
    platform: u32,
    helper: Option<u32>,
}

#[derive(Clone, Copy, Debug)]
struct Sample {
    platform: f64,
    process: f64,
    helper: f64,
}

impl Clocks {
    fn sample(&self) -> Sample {
        Sample {
            platform: cpu_of(&format!("/proc/{}/stat", self.platform), self.ticks),
            process: cpu_of("/proc/self/stat", self.ticks),
            helper: self.helper.map_or(0.0, |tid| cpu_of(&format!("/proc/self/task/{tid}/stat"), self.ticks)),
        }
    }

    fn with_helper(self, helper: &Helper) -> Self {
        Self { helper: Some(helper.tid), ..self }
    }
}

impl Sample {
    /// (client CPU: this process minus the helper thread, platform CPU) since `before`, seconds.
    fn since(&self, before: &Sample) -> (f64, f64) {
        let helper = self.helper - before.helper;
        (self.process - before.process - helper, self.platform - before.platform)
    }
}

// ----- a helper thread with its own actix system -----

type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// A thread running its own actix system, so what runs there (users that receive or flood) is
/// not counted as the measured client's CPU. Dropping it stops the system and its connections.
struct Helper {
    jobs: Option<mpsc::UnboundedSender<Job>>,
    tid: u32,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Helper {
    fn start() -> Self {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let (tid_tx, tid_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
            let tid = link.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse().ok());
            tid_tx.send(tid.expect("a thread id")).unwrap();
            actix_rt::System::new().block_on(async move {
                while let Some(job) = rx.recv().await {
                    actix_rt::spawn(job());
                }
            });
        });
        let tid = tid_rx.recv_timeout(support::WAIT).expect("the helper thread starts");
        Self { jobs: Some(jobs), tid, thread: Some(thread) }
    }

    /// Runs `job` on the helper's system; its output arrives on the receiver.
    fn run<F, Fut, T>(&self, job: F) -> oneshot::Receiver<T>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T> + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            Box::pin(async move {
                let _ = tx.send(job().await);
            })
        });
        self.jobs.as_ref().unwrap().send(job).map_err(|_| "the helper thread is gone").unwrap();
        rx
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Awaits `rx` within `within`, or panics saying `what` did not arrive.
async fn within<T>(
    within: Duration,
    what: &str,
    rx: impl Future<Output = Result<T, oneshot::error::RecvError>>,
) -> T {
    match tokio::time::timeout(within, rx).await {
        Ok(Ok(value)) => value,
        Ok(Err(_)) => panic!("{what}: the task giving it ended first"),
        Err(_) => panic!("{what} did not arrive within {within:?}"),
    }
}

// ----- a user that counts what it receives (on the helper thread) -----

#[derive(Default)]
struct Tally {
    count: u64,
    waiter: Option<(u64, oneshot::Sender<()>)>,
    ended: Option<String>,
}

/// A bare user connection on the helper thread counting the `message_down`s it receives.
struct CountingUser {
    tally: Arc<Mutex<Tally>>,
}

impl CountingUser {
    async fn start(helper: &Helper, ws_url: String, token: String) -> Self {
        let tally = Arc::new(Mutex::new(Tally::default()));
        let shared = Arc::clone(&tally);
        let (ready_tx, ready_rx) = oneshot::channel();
        let _done = helper.run(move || async move {
            let (_sink, mut stream) = bare_login(&ws_url, Frame::user_login(token.as_str())).await;
            let _ = ready_tx.send(());
            let finder = memchr::memmem::Finder::new(b"\"message_down\"");
            let ended = loop {
                match stream.next().await {
                    Some(Ok(ws::Frame::Text(bytes))) if finder.find(&bytes).is_some() => {
                        let mut tally = shared.lock().unwrap();
                        tally.count += 1;
                        if tally.waiter.as_ref().is_some_and(|(target, _)| tally.count >= *target) {
                            let _ = tally.waiter.take().unwrap().1.send(());
                        }
                    }
                    Some(Ok(ws::Frame::Close(reason))) => {
                        break format!("closed by the platform: {reason:?}");
                    }
                    Some(Ok(_)) => {}
                    Some(Err(error)) => break format!("failed: {error}"),
                    None => break "ended".to_owned(),
                }
            };
            shared.lock().unwrap().ended = Some(ended);
        });
        within(support::WAIT, "the counting user's login", ready_rx).await;
        Self { tally }
    }

    fn count(&self) -> u64 {
        self.tally.lock().unwrap().count
    }

    /// Waits until `target` messages arrived in all.
    async fn reach(&self, target: u64) {
        let rx = {
            let mut tally = self.tally.lock().unwrap();
            let (tx, rx) = oneshot::channel();
            if tally.count >= target {
                let _ = tx.send(());
            } else {
                tally.waiter = Some((target, tx));
            }
            rx
        };
        if tokio::time::timeout(LONG, rx).await.is_err() {
            let tally = self.tally.lock().unwrap();
            panic!(
                "the user received {} of {target} message_downs within {LONG:?} (its connection: {})",
                tally.count,
                tally.ended.as_deref().unwrap_or("open")
            );
        }
    }
}

// ----- throughput -----

#[derive(Clone, Copy, Debug)]
struct Throughput {
    per_second: f64,
    client_us: f64,
    platform_us: f64,
}

fn throughput(n: usize, elapsed: Duration, (client, platform): (f64, f64)) -> Throughput {
    Throughput {
        per_second: n as f64 / elapsed.as_secs_f64(),
        client_us: client * 1e6 / n as f64,
        platform_us: platform * 1e6 / n as f64,
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn medians(rounds: &[Throughput]) -> Throughput {
    let pick = |f: fn(&Throughput) -> f64| median(&mut rounds.iter().map(f).collect::<Vec<_>>());
    Throughput {
        per_second: pick(|t| t.per_second),
        client_us: pick(|t| t.client_us),
        platform_us: pick(|t| t.platform_us),
    }
}

/// This crate's runtime as the service: N sends, then a graceful shutdown, which returns once
/// every receipt is in (it then closes the connection).
async fn tp_runtime(ws: &str, w: &World, n: usize, user: &CountingUser, clocks: Clocks) -> Throughput {
    let (events, mut rx) = HandlerSpec::channel();
    let runtime =
        Runtime::start(config(ws, Identity::service(&w.service_id), &w.owner.token, n + 16), vec![events]);
    wait_connected(&mut rx).await;
    let base = user.count();
    let before = clocks.sample();
    let started = Instant::now();
    for i in 0..n {
        runtime.send(down(w, i.to_string())).expect("the runtime accepts the frame");
    }
    let report = runtime.shutdown_within(LONG).await;
    let elapsed = started.elapsed();
    let client_after = clocks.sample();
    assert_eq!(report.unacknowledged, 0, "the runtime's receipts did not all arrive within {LONG:?}");
    assert_eq!(report.counters.refused, 0, "the platform refused message_downs of the runtime");
    user.reach(base + n as u64).await;
    let after = clocks.sample();
    drop(rx);
    throughput(n, elapsed, (client_after.since(&before).0, after.since(&before).1))
}

/// The bare awc service: one task writes, one reads and decodes every receipt.
async fn tp_bare(ws: &str, w: &World, n: usize, user: &CountingUser, clocks: Clocks) -> Throughput {
    let (mut sink, mut stream) =
        bare_login(ws, Frame::service_login(w.service_id.clone(), w.owner.token.as_str())).await;
    let (done_tx, done_rx) = oneshot::channel::<(u64, u64)>();
    let reader = actix_rt::spawn(async move {
        let (mut accepted, mut refused) = (0u64, 0u64);
        let mut done = Some(done_tx);
        while let Some(Ok(frame)) = stream.next().await {
            if let ws::Frame::Text(bytes) = frame
                && let Ok(Incoming { event: Event::Receipt(receipt), .. }) =
                    Incoming::decode(std::str::from_utf8(&bytes).unwrap())
            {
                if receipt.status {
                    accepted += 1;
                } else {
                    refused += 1;
                }
                if accepted + refused == n as u64
                    && let Some(done) = done.take()
                {
                    let _ = done.send((accepted, refused));
                }
            }
        }
    });
    let (tx, mut rx) = mpsc::unbounded_channel::<ws::Message>();
    let writer = actix_rt::spawn(async move {
        let mut batch = Vec::with_capacity(256);
        while rx.recv_many(&mut batch, 256).await > 0 {
            for message in batch.drain(..) {
                sink.feed(message).await.unwrap();
            }
            sink.flush().await.unwrap();
        }
    });
    let base = user.count();
    let before = clocks.sample();
    let started = Instant::now();
    for i in 0..n {
        let text = down(w, i.to_string()).into_request().encode();
        tx.send(ws::Message::Text(text.into())).unwrap();
    }
    let (_, refused) = within(LONG, "the bare client's receipts", done_rx).await;
    let elapsed = started.elapsed();
    let client_after = clocks.sample();
    assert_eq!(refused, 0, "the platform refused message_downs of the bare client");
    reader.abort();
    drop(tx);
    writer.abort();
    user.reach(base + n as u64).await;
    let after = clocks.sample();
    throughput(n, elapsed, (client_after.since(&before).0, after.since(&before).1))
}

/// The reference SDK in its own process (`benches/vs_python.py`), in its own process group,
/// killed (group and all) when dropped.
struct PythonSdk {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    lines: mpsc::UnboundedReceiver<String>,
}

impl Drop for PythonSdk {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.child.id())]).status();
        let _ = self.child.wait();
    }
}

/// The interpreter with the reference SDK, or why there is none.
fn python() -> Result<std::path::PathBuf, String> {
    let python = std::env::var_os("MOOBIUS_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    let ok = Command::new(&python)
        .args(["-c", "import moobius, loguru"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    match ok {
        true => Ok(python),
        false => Err(format!(
            "{} cannot import the reference SDK (make it with `cargo test --test it python_sdk`, or set MOOBIUS_PYTHON)",
            python.display()
        )),
    }
}

impl PythonSdk {
    async fn start(python: &std::path::Path, ws: &str, w: &World, n: usize) -> Self {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/vs_python.py");
        let mut command = Command::new(python);
        command.arg(script).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().expect("python starts");
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let setup = json!({
            "ws": ws, "service_id": w.service_id, "token": w.owner.token, "channel_id": w.channel_id,
            "group": w.user_group, "sender": w.agent, "n": n,
        });
        writeln!(stdin, "{setup}").expect("the SDK's configuration is written");
        let mut sdk = Self { child, stdin, lines };
        sdk.line(Duration::from_secs(60), "the SDK's `ready` line").await;
        sdk
    }

    async fn line(&mut self, within: Duration, what: &str) -> Value {
        let line = match tokio::time::timeout(within, self.lines.recv()).await {
            Ok(Some(line)) => line,
            Ok(None) => panic!("{what}: the SDK process ended (see its stderr above)"),
            Err(_) => panic!("{what} did not arrive within {within:?}"),
        };
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {line}"))
    }

    async fn round(&mut self, n: usize, user: &CountingUser, clocks: Clocks) -> Throughput {
        let pid = self.child.id().to_string();
        let base = user.count();
        let before = clocks.sample();
        let sdk_before = cpu_of(&format!("/proc/{pid}/stat"), clocks.ticks);
        writeln!(self.stdin, "go").expect("`go` is written to the SDK");
        let result = self.line(LONG, "the SDK's round result").await;
        let sdk_cpu = cpu_of(&format!("/proc/{pid}/stat"), clocks.ticks) - sdk_before;
        assert_eq!(result["refused"], 0, "the platform refused message_downs of the SDK: {result}");
        user.reach(base + n as u64).await;
        let after = clocks.sample();
        let elapsed = Duration::from_secs_f64(result["elapsed"].as_f64().expect("an elapsed time"));
        throughput(n, elapsed, (sdk_cpu, after.since(&before).1))
    }
}

// ----- round trips -----

#[derive(Clone, Copy, Debug)]
struct RoundTrip {
    p50: Duration,
    p99: Duration,
}

async fn round_trips(ws: &str, w: &World, rounds: usize) -> Vec<Duration> {
    let (mut sink, mut stream) = bare_login(ws, Frame::user_login(w.user.token.as_str())).await;
    let mut rtts = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let sent = Instant::now();
        let frame = up(w, format!("rt{i}")).into_request().encode();
        sink.send(ws::Message::Text(frame.into())).await.unwrap();
        let text = bare_next_text(&mut stream).await;
        assert_eq!(text, format!("rt{i}"), "the echo of round trip {i}");
        rtts.push(sent.elapsed());
    }
    rtts.sort_unstable();
    rtts
}

async fn rtt_runtime(ws: &str, w: &Arc<World>, rounds: usize) -> Vec<Duration> {
    let (events, mut rx) = HandlerSpec::channel();
    let service = Runtime::start(
        config(ws, Identity::service(&w.service_id), &w.owner.token, rounds + 16),
        vec![echo_handler(w), events],
    );
    wait_connected(&mut rx).await;
    let rtts = round_trips(ws, w, rounds).await;
    let _ = service.shutdown_within(support::WAIT).await;
    rtts
}

async fn rtt_bare(ws: &str, w: &Arc<World>, rounds: usize) -> Vec<Duration> {
    let service = BareService::start(ws, w).await;
    let rtts = round_trips(ws, w, rounds).await;
    service.stop();
    rtts
}

fn summary(rtts: &[Duration]) -> RoundTrip {
    let mut sorted = rtts.to_vec();
    sorted.sort_unstable();
    RoundTrip { p50: percentile(&sorted, 0.5), p99: percentile(&sorted, 0.99) }
}

// ----- inbound events -----

/// A user on the helper thread sends `n` message_ups, at most [`WINDOW`] ahead of what the
/// service counted (`counted`), once `go` fires.
fn flood(
    helper: &Helper,
    ws: String,
    w: World,
    n: u64,
    counted: watch::Receiver<u64>,
) -> (oneshot::Sender<()>, oneshot::Receiver<()>) {
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let (ready_tx, ready_rx) = oneshot::channel();
    let _done = helper.run(move || async move {
        let (mut sink, mut stream) = bare_login(&ws, Frame::user_login(w.user.token.as_str())).await;
        // Receipts are drained; the first refusal is told (it would explain a count that stalls).
        let drain = actix_rt::spawn(async move {
            let mut told = false;
            while let Some(Ok(frame)) = stream.next().await {
                if let ws::Frame::Text(bytes) = frame
                    && !told
                    && let Ok(Incoming { event: Event::Receipt(receipt), .. }) =
                        Incoming::decode(std::str::from_utf8(&bytes).unwrap())
                    && !receipt.status
                {
                    eprintln!("the flooding user: a message_up was refused: {:?}", receipt.reason());
                    told = true;
                }
            }
        });
        let _ = ready_tx.send(());
        if go_rx.await.is_err() {
            return;
        }
        let mut counted = counted;
        let mut sent = 0u64;
        while sent < n {
            let allowed = (*counted.borrow() + WINDOW).min(n);
            while sent < allowed {
                let frame = up(&w, sent.to_string()).into_request().encode();
                sink.feed(ws::Message::Text(frame.into())).await.unwrap();
                sent += 1;
            }
            sink.flush().await.unwrap();
            if sent < n {
                let waited = tokio::time::timeout(support::WAIT, counted.wait_for(|c| c + WINDOW > sent))
                    .await
                    .is_ok_and(|r| r.is_ok());
                if !waited {
                    eprintln!("the flooding user: the service counted {} of {sent} sent", *counted.borrow());
                    break;
                }
            }
        }
        // Closing with receipts unread would reset the connection and lose frames the platform
        // has not read yet: stay until the service counted everything.
        let _ = tokio::time::timeout(LONG, counted.wait_for(|c| *c >= n)).await;
        drain.abort();
    });
    (go_tx, ready_rx)
}

#[derive(Clone, Copy, Debug)]
struct Inbound {
    per_second: f64,
    client_us: f64,
    platform_us: f64,
}

async fn inbound_measure(
    clocks: Clocks,
    n: u64,
    go: oneshot::Sender<()>,
    mut counted: watch::Receiver<u64>,
) -> Inbound {
    let before = clocks.sample();
    let started = Instant::now();
    go.send(()).unwrap();
    let reached = tokio::time::timeout(LONG, counted.wait_for(|c| *c >= n)).await.is_ok_and(|r| r.is_ok());
    assert!(reached, "the service counted {} of {n} message_ups within {LONG:?}", *counted.borrow());
    let elapsed = started.elapsed();
    let (client, platform) = clocks.sample().since(&before);
    Inbound {
        per_second: n as f64 / elapsed.as_secs_f64(),
        client_us: client * 1e6 / n as f64,
        platform_us: platform * 1e6 / n as f64,
    }
}

async fn inbound_runtime(ws: &str, w: &World, n: u64, clocks: Clocks) -> Inbound {
    let helper = Helper::start();
    let clocks = clocks.with_helper(&helper);
    let (count_tx, counted) = watch::channel(0u64);
    let count_tx = Arc::new(count_tx);
    let counter = HandlerSpec::supervised("count", move || {
        let count_tx = Arc::clone(&count_tx);
        let mut seen = 0u64;
        move |event: &ClientEvent, _client: &Client| -> HandlerResult {
            if let ClientEvent::Platform(Incoming { event: Event::MessageUp(_), .. }) = event {
                seen += 1;
                if seen.is_multiple_of(64) || seen >= n {
                    count_tx.send_replace(seen);
                }
            }
            Ok(())
        }
    });
    let (events, mut rx) = HandlerSpec::channel();
    let service = Runtime::start(
        config(ws, Identity::service(&w.service_id), &w.owner.token, 64),
        vec![counter, events],
    );
    wait_connected(&mut rx).await;
    drop(rx);
    let (go, ready) = flood(&helper, ws.to_owned(), w.clone(), n, counted.clone());
    within(support::WAIT, "the flooding user's login", ready).await;
    let result = inbound_measure(clocks, n, go, counted).await;
    let _ = service.shutdown_within(support::WAIT).await;
    result
}

async fn inbound_bare(ws: &str, w: &World, n: u64, clocks: Clocks) -> Inbound {
    let helper = Helper::start();
    let clocks = clocks.with_helper(&helper);
    let (count_tx, counted) = watch::channel(0u64);
    let (_sink, mut stream) =
        bare_login(ws, Frame::service_login(w.service_id.clone(), w.owner.token.as_str())).await;
    let reader = actix_rt::spawn(async move {
        let mut seen = 0u64;
        while let Some(Ok(frame)) = stream.next().await {
            if let ws::Frame::Text(bytes) = frame
                && let Ok(Incoming { event: Event::MessageUp(_), .. }) =
                    Incoming::decode(std::str::from_utf8(&bytes).unwrap())
            {
                seen += 1;
                if seen.is_multiple_of(64) || seen >= n {
                    count_tx.send_replace(seen);
                }
            }
        }
    });
    let (go, ready) = flood(&helper, ws.to_owned(), w.clone(), n, counted.clone());
    within(support::WAIT, "the flooding user's login", ready).await;
    let result = inbound_measure(clocks, n, go, counted).await;
    reader.abort();
    result
}

// ----- many users: idle connections and fan-out -----

/// Runs `f` over `items` with at most `limit` at once, in order of completion.
async fn bounded<T, F, Fut, R>(items: impl IntoIterator<Item = T>, limit: usize, f: F) -> Vec<R>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = R>,
{
    futures_util::stream::iter(items.into_iter().map(f)).buffer_unordered(limit).collect().await
}

struct Many {
    idle_kib_per_conn: f64,
    idle_conns: usize,
    users: usize,
    messages: usize,
    last_p50: Duration,
    last_max: Duration,
    platform_us_per_recipient: f64,
    setup: Duration,
}

async fn many_users(
    remote: &Remote,
    w: &World,
    users: usize,
    idle: usize,
    messages: usize,
    clocks: Clocks,
) -> Many {
    let setup = Instant::now();
    let accounts = bounded(0..users, 32, |i| async move {
        support::sign_in(remote, &format!("fan{i}"), "fan-password").await
    })
    .await;
    let channel = support::create_channel(remote, &w.owner.token, "fan-out").await;
    support::bind(remote, &w.owner.token, &w.service_id, &channel).await;
    let ws_client =
        awc::Client::builder().connector(awc::Connector::new().limit(0)).timeout(support::WAIT).finish();
    let ws_url = remote.ws_url();
    let platform_pid = clocks.platform.to_string();

    // Idle logged-in connections: the platform's RSS before and after.
    let rss_before = status_kib(&platform_pid, "VmRSS");
    let login = |account: &support::Account| {
        let (ws_client, ws_url) = (&ws_client, &ws_url);
        let (token, user_id) = (account.token.clone(), account.user_id.clone());
        async move {
            let (sink, stream) = bare_login_with(ws_client, ws_url, Frame::user_login(token.as_str())).await;
            (sink, stream, user_id)
        }
    };
    let mut conns: Vec<(Sink, Stream, CharacterId)> = bounded(accounts.iter().take(idle), 64, login).await;
    let rss_after = status_kib(&platform_pid, "VmRSS");
    let idle_kib_per_conn = (rss_after as f64 - rss_before as f64) / idle.max(1) as f64;

    // The rest log in too; everyone joins.
    conns.extend(bounded(accounts.iter().skip(idle), 64, login).await);
    let join = |(mut sink, mut stream, user_id): (Sink, Stream, CharacterId)| {
        let channel = channel.clone();
        async move {
            let frame = Frame::join_channel(user_id, channel);
            sink.send(ws::Message::Text(frame.into_request().encode().into())).await.unwrap();
            bare_receipt(&mut stream, "a join's receipt").await;
            (sink, stream)
        }
    };
    let conns = bounded(conns, 64, join).await;
    let (arrived_tx, mut arrived) = mpsc::unbounded_channel::<()>();
    let mut sinks = Vec::with_capacity(conns.len());
    let mut readers = Vec::with_capacity(conns.len());
    for (sink, mut stream) in conns {
        let arrived_tx = arrived_tx.clone();
        sinks.push(sink);
        readers.push(actix_rt::spawn(async move {
            let finder = memchr::memmem::Finder::new(b"\"message_down\"");
            while let Some(Ok(frame)) = stream.next().await {
                if let ws::Frame::Text(bytes) = frame
                    && finder.find(&bytes).is_some()
                {
                    let _ = arrived_tx.send(());
                }
            }
        }));
    }
    let ids: Vec<&str> = accounts.iter().map(|a| a.user_id.as_str()).collect();
    let group = support::create_group(remote, &w.owner.token, &ids).await;
    let mut service = support::login_service(remote, &w.service_id, &w.owner.token).await;
    let setup = setup.elapsed();

    let mut lasts = Vec::with_capacity(messages);
    let before = clocks.sample();
    for m in 0..messages {
        let frame = Frame::message_down(
            w.service_id.clone(),
            channel.clone(),
            MessageContent::text(format!("fan-out {m}")),
            group.clone(),
            w.agent.clone(),
        )
        .unwrap();
        let sent = Instant::now();
        let id = service.send_frame(frame).await;
        for got in 0..users {
            if tokio::time::timeout(support::WAIT, arrived.recv()).await.is_err() {
                panic!("fan-out message {m}: {got} of {users} users had it after {:?}", support::WAIT);
            }
        }
        lasts.push(sent.elapsed());
        let receipt = service.receipt(&id).await;
        assert!(receipt.status, "fan-out message {m} refused: {:?}", receipt.reason());
    }
    let (_, platform) = clocks.sample().since(&before);
    for reader in readers {
        reader.abort();
    }
    drop(sinks);
    lasts.sort_unstable();
    Many {
        idle_kib_per_conn,
        idle_conns: idle,
        users,
        messages,
        last_p50: percentile(&lasts, 0.5),
        last_max: *lasts.last().unwrap(),
        platform_us_per_recipient: platform * 1e6 / (messages * users) as f64,
        setup,
    }
}

// ----- a service process with many channel actors (child mode) -----

/// An idle channel actor that answers [`Ping`] (so the parent knows every one is live).
struct Idle {
    _channel: Channel<AsService>,
}

impl Actor for Idle {
    type Context = Context<Self>;
}

impl Handler<ChannelEvent> for Idle {
    type Result = moobius::service::HandlerResult;

    fn handle(&mut self, _event: ChannelEvent, _ctx: &mut Context<Self>) -> Self::Result {
        Ok(())
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Ping;

impl Handler<Ping> for Idle {
    type Result = ();

    fn handle(&mut self, _: Ping, _ctx: &mut Context<Self>) {}
}

/// The child mode: reads its setup from the file `$VS_PYTHON_CHILD`, starts a service on those
/// channels, pings every channel actor, prints `weighed: {"rss_kib", "hwm_kib"}` and waits to be
/// killed.
fn child(path: &str) -> ! {
    let setup: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("the child's setup file"))
        .expect("the child's setup is JSON");
    let text = |key: &str| setup[key].as_str().unwrap_or_else(|| panic!("no {key} in the setup")).to_owned();
    let mut config =
        moobius::config::Config::new(moobius::http::Credentials::new(text("email"), text("password")));
    config.service.http_server_uri = text("http");
    config.service.ws_server_uri = text("ws");
    config.service.service_id = Some(text("service_id").into());
    config.service.channels =
        setup["channels"].as_array().expect("channels").iter().map(|c| c.as_str().unwrap().into()).collect();
    config.service.checkin_interval = Duration::ZERO;
    actix_rt::System::new().block_on(async move {
        let running = ServiceBuilder::actor(config, |channel| Idle { _channel: channel })
            .start()
            .await
            .expect("the child's service starts");
        let handle = running.handle().clone();
        handle.ready().await.expect("the child's service logs in");
        let channels = handle.channels().to_vec();
        let pings = bounded(channels.iter(), 256, |c| handle.send(c, Ping)).await;
        assert!(pings.iter().all(Result::is_ok), "a channel actor did not answer");
        let weighed = json!({
            "channels": channels.len(),
            "rss_kib": status_kib("self", "VmRSS"),
            "hwm_kib": status_kib("self", "VmHWM"),
        });
        println!("weighed: {weighed}");
        std::future::pending::<()>().await;
    });
    unreachable!("the child waits to be killed")
}

#[derive(Debug, Clone, Copy)]
struct Weighed {
    rss_kib: u64,
    hwm_kib: u64,
}

async fn weigh_service(remote: &Remote, w: &World, service_id: &str, channels: &[ChannelId]) -> Weighed {
    let dir = std::env::temp_dir().join(format!("moobius-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("child-{}.json", channels.len()));
    let setup = json!({
        "email": w.owner.username, "password": "owner-password", "http": remote.http, "ws": remote.ws,
        "service_id": service_id, "channels": channels,
    });
    std::fs::write(&path, setup.to_string()).unwrap();
    let exe = std::env::current_exe().expect("the bench's own path");
    let mut process = Running::spawn(&exe, &[], &[(CHILD, path.to_string_lossy().into_owned())]);
    let mut lines = process.lines();
    let line = line_after_within(&mut lines, LONG, "weighed: ").await;
    drop(process);
    let _ = std::fs::remove_file(&path);
    let value: Value = serde_json::from_str(&line).unwrap();
    Weighed { rss_kib: value["rss_kib"].as_u64().unwrap(), hwm_kib: value["hwm_kib"].as_u64().unwrap() }
}

// ----- the platform process -----

/// The platform child mode: this crate's platform, configured as `benches/e2e.rs` configures it
/// (a large per-connection buffer, no traffic or studio recording), on 127.0.0.1:0; prints the
/// `moobius platform` command's first line and serves until killed.
fn platform_child() -> ! {
    actix_rt::System::new().block_on(async {
        let config = moobius::platform::PlatformConfig::default()
            .outbound_buffer(1 << 20)
            .record_traffic(false)
            .studio(false);
        let handle = support::start_platform_with(config).await;
        let addr = handle.addr();
        println!("moobius platform listening on http://{addr} (websocket ws://{addr}/ws)");
        std::future::pending::<()>().await;
    });
    unreachable!("the platform child waits to be killed")
}

/// The platform process (with `nofile` file descriptors), its URLs and what it is: `moobius
/// platform` as it is with `VS_PLATFORM=moobius`, else this bench in its platform child mode.
async fn start_platform(nofile: u64) -> (Running, String, String, &'static str) {
    let limit = format!("--nofile={nofile}");
    if std::env::var("VS_PLATFORM").is_ok_and(|v| v == "moobius") {
        let (platform, http, ws) = moobius_platform_via(&["prlimit", &limit]).await;
        return (
            platform,
            http,
            ws,
            "`moobius platform` (its defaults: 1,024-event buffer, traffic and studio recording)",
        );
    }
    let exe = std::env::current_exe().expect("the bench's own path");
    let exe = exe.to_str().expect("a UTF-8 path");
    let mut platform =
        Running::spawn(Path::new("prlimit"), &[&limit, exe], &[(PLATFORM_CHILD, "1".to_owned())]);
    let mut lines = platform.lines();
    let addr = line_after_within(&mut lines, support::WAIT, "moobius platform listening on http://").await;
    let addr = addr.split_once(' ').map(|(a, _)| a.to_owned()).expect("an address");
    (
        platform,
        format!("http://{addr}"),
        format!("ws://{addr}/ws"),
        "the embedded platform in a child process (as e2e.rs: 1 Mi-event buffer, no traffic or studio recording)",
    )
}

// ----- file descriptors -----

/// RLIMIT_NOFILE of this process, (soft, hard), from `/proc/self/limits`.
fn nofile() -> (u64, u64) {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let line = limits.lines().find(|l| l.starts_with("Max open files")).unwrap_or_default();
    let mut values = line.split_whitespace().skip(3).map(|v| v.parse().unwrap_or(u64::MAX));
    (values.next().unwrap_or(1024), values.next().unwrap_or(1024))
}

/// Raises this process's soft RLIMIT_NOFILE with `prlimit` to [`NOFILE`], or to the hard limit
/// when that is lower (raising the hard limit needs CAP_SYS_RESOURCE); returns the soft limit
/// in force, which the platform child is given too.
fn raise_nofile() -> u64 {
    let (soft, hard) = nofile();
    let want = NOFILE.min(hard);
    if soft < want {
        let pid = std::process::id().to_string();
        let raised = Command::new("prlimit")
            .args(["--pid", &pid, &format!("--nofile={want}:{hard}")])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !raised {
            eprintln!("note: `prlimit --pid {pid} --nofile={want}:{hard}` failed (is util-linux installed?)");
        }
    }
    nofile().0
}

// ----- the report -----

fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn target(what: &str, measured: String, goal: &str, met: bool) {
    println!("{} {what}: {measured} (target {goal})", if met { "✓" } else { "✗" });
}

fn main() {
    if let Ok(path) = std::env::var(CHILD) {
        child(&path);
    }
    if std::env::var_os(PLATFORM_CHILD).is_some() {
        platform_child();
    }
    let run_started = Instant::now();
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this with tiny sizes.
    let quick = !std::env::args().any(|a| a == "--bench");
    let size = |name: &str, full: usize, tiny: usize| if quick { tiny } else { env_or(name, full) };
    let frames = size("VS_FRAMES", 50_000, 200);
    let rounds = size("VS_ROUNDS", 3, 1).max(1);
    let rtt_rounds = size("VS_RTT", 2_000, 50).max(1);
    let inbound = size("VS_INBOUND", 50_000, 200) as u64;
    let mut users = size("VS_FANOUT_USERS", 10_000, 20).max(1);
    let fan_messages = size("VS_FANOUT_MSGS", 20, 2).max(1);
    let idle = size("VS_IDLE_CONNS", 2_000, 10).min(users);
    let channels = size("VS_CHANNELS", 10_000, 10).max(2);

    let nofile = raise_nofile();
    // The platform holds two descriptors per connection (the accepted socket and the duplicate
    // it keeps to cut it, src/platform/server.rs `on_connect`); this process one per user.
    let fits = (nofile as usize).saturating_sub(1_000) / 2;
    if users > fits {
        eprintln!(
            "note: RLIMIT_NOFILE is {nofile} (its hard limit; raising it needs CAP_SYS_RESOURCE) and the platform \
             takes two descriptors per connection: fan-out shrunk from {users} to {fits} users"
        );
        users = fits;
    }
    let idle = idle.min(users);
    let python = python();

    actix_rt::System::new().block_on(async move {
        let (platform, http, ws, platform_kind) = start_platform(nofile).await;
        let remote = Remote::new(http, ws.clone());
        let clocks = Clocks { ticks: clock_ticks(), platform: platform.id(), helper: None };
        let w = Arc::new(support::world(&remote).await);

        // 1. Throughput, the three clients taking turns.
        let helper = Helper::start();
        let tp_clocks = clocks.with_helper(&helper);
        let user = CountingUser::start(&helper, ws.clone(), w.user.token.clone()).await;
        let mut sdk = match &python {
            Ok(python) => Some(PythonSdk::start(python, &ws, &w, frames).await),
            Err(why) => {
                println!("skipping the Python SDK rows: {why}");
                None
            }
        };
        // Warm-up (connections, allocators, the SDK's imports), not reported.
        let warm = (frames / 10).max(1);
        if let Some(sdk) = &mut sdk {
            // The SDK sends its configured N each round: one round at full size as its warm-up.
            let _ = sdk.round(frames, &user, tp_clocks).await;
        }
        let _ = tp_runtime(&ws, &w, warm, &user, tp_clocks).await;
        let _ = tp_bare(&ws, &w, warm, &user, tp_clocks).await;
        let (mut sdk_rounds, mut rt_rounds, mut bare_rounds) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            if let Some(sdk) = &mut sdk {
                sdk_rounds.push(sdk.round(frames, &user, tp_clocks).await);
            }
            rt_rounds.push(tp_runtime(&ws, &w, frames, &user, tp_clocks).await);
            bare_rounds.push(tp_bare(&ws, &w, frames, &user, tp_clocks).await);
        }
        drop(sdk);
        drop(user);
        drop(helper);
        let sdk_tp = (!sdk_rounds.is_empty()).then(|| medians(&sdk_rounds));
        let rt_tp = medians(&rt_rounds);
        let bare_tp = medians(&bare_rounds);

        // 2. Round trips, the service being the runtime or bare; warm-up first.
        let _ = rtt_bare(&ws, &w, rtt_rounds / 10 + 1).await;
        let _ = rtt_runtime(&ws, &w, rtt_rounds / 10 + 1).await;
        let (mut rt_rtts, mut bare_rtts) = (Vec::new(), Vec::new());
        for _ in 0..2 {
            bare_rtts.extend(rtt_bare(&ws, &w, rtt_rounds / 2 + 1).await);
            rt_rtts.extend(rtt_runtime(&ws, &w, rtt_rounds / 2 + 1).await);
        }
        let (rt_rtt, bare_rtt) = (summary(&rt_rtts), summary(&bare_rtts));

        // 3. Inbound events.
        let _ = inbound_bare(&ws, &w, inbound / 10 + 1, clocks).await;
        let _ = inbound_runtime(&ws, &w, inbound / 10 + 1, clocks).await;
        let bare_in = inbound_bare(&ws, &w, inbound, clocks).await;
        let rt_in = inbound_runtime(&ws, &w, inbound, clocks).await;

        // 4. Many users: idle connections, fan-out.
        let many = many_users(&remote, &w, users, idle, fan_messages, clocks).await;

        // 5. A service process with 1 and with C channel actors.
        let service_id = support::create_service(&remote, &w.owner.token).await;
        let provisioned = Instant::now();
        let owner_token = w.owner.token.clone();
        let ids = bounded(0..channels, 32, |i| {
            let (remote, token, service_id) = (&remote, &owner_token, &service_id);
            async move {
                let id = support::create_channel(remote, token, &format!("actor-{i}")).await;
                support::bind(remote, token, service_id, &id).await;
                id
            }
        })
        .await;
        let provisioned = provisioned.elapsed();
        let one = weigh_service(&remote, &w, &service_id, &ids[..1]).await;
        let all = weigh_service(&remote, &w, &service_id, &ids).await;
        let per_actor_kib = (all.rss_kib as f64 - one.rss_kib as f64) / (channels - 1) as f64;
        drop(platform);

        // ----- the table -----
        println!();
        println!(
            "vs_python: one platform process, release build: {platform_kind}"
        );
        println!("N = {frames} message_downs to one user, median of {rounds} rounds");
        println!("| client | msgs/s | client CPU per message | platform CPU per message |");
        println!("|---|---:|---:|---:|");
        let row = |name: &str, t: &Throughput| {
            println!(
                "| {name} | {} | {:.1} µs | {:.1} µs |",
                thousands(t.per_second),
                t.client_us,
                t.platform_us
            )
        };
        match &sdk_tp {
            Some(t) => row("Python SDK 1.8.0 (logs off)", t),
            None => println!("| Python SDK 1.8.0 (logs off) | skipped | | |"),
        }
        row("this crate, full runtime", &rt_tp);
        row("bare awc", &bare_tp);
        if let Some(sdk) = &sdk_tp {
            println!(
                "crate vs SDK: {:.1}× the throughput, {:.1}× less client CPU per message",
                rt_tp.per_second / sdk.per_second,
                sdk.client_us / rt_tp.client_us
            );
        }
        println!(
            "crate vs bare awc: {:.0}% of the throughput, {:.2}× the client CPU per message",
            100.0 * rt_tp.per_second / bare_tp.per_second,
            rt_tp.client_us / bare_tp.client_us
        );
        println!();
        println!("round trip user message_up → service handler → message_down → user ({} each):", rt_rtts.len());
        println!("| service | p50 | p99 |");
        println!("|---|---:|---:|");
        println!("| this crate, full runtime | {:.1?} | {:.1?} |", rt_rtt.p50, rt_rtt.p99);
        println!("| bare awc | {:.1?} | {:.1?} |", bare_rtt.p50, bare_rtt.p99);
        let rtt_ratio = rt_rtt.p99.as_secs_f64() / bare_rtt.p99.as_secs_f64();
        println!(
            "crate / bare: p50 {:.2}×, p99 {rtt_ratio:.2}×",
            rt_rtt.p50.as_secs_f64() / bare_rtt.p50.as_secs_f64()
        );
        println!();
        println!("inbound events (a user floods {inbound} message_ups, at most {WINDOW} in flight; the service counts):");
        println!("| service | events/s | service CPU per event | platform CPU per event |");
        println!("|---|---:|---:|---:|");
        for (name, r) in [("this crate, full runtime", rt_in), ("bare awc", bare_in)] {
            println!(
                "| {name} | {} | {:.1} µs | {:.1} µs |",
                thousands(r.per_second),
                r.client_us,
                r.platform_us
            );
        }
        println!("crate / bare: {:.0}% of the events/s", 100.0 * rt_in.per_second / bare_in.per_second);
        println!();
        println!(
            "fan-out: {} users joined, {} message_downs to a group of all of them (setup {:.1?}):",
            many.users, many.messages, many.setup
        );
        println!(
            "  until the last user has it: p50 {:.1?}, max {:.1?}; platform CPU {:.2} µs per recipient",
            many.last_p50, many.last_max, many.platform_us_per_recipient
        );
        println!(
            "  platform RSS per idle logged-in connection: {:.1} KiB (VmRSS over {} connections)",
            many.idle_kib_per_conn, many.idle_conns
        );
        println!(
            "service process (channels provisioned over HTTP in {provisioned:.1?}): one channel: VmRSS {:.1} MiB, VmHWM {:.1} MiB; {channels} channels: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
            one.rss_kib as f64 / 1024.0,
            one.hwm_kib as f64 / 1024.0,
            all.rss_kib as f64 / 1024.0,
            all.hwm_kib as f64 / 1024.0
        );
        println!("  per idle channel actor: {per_actor_kib:.2} KiB");
        println!();
        println!("targets:");
        target("client CPU per message_down", format!("{:.1} µs", rt_tp.client_us), "≤ 2.5 µs", rt_tp.client_us <= 2.5);
        target(
            "platform CPU per forwarded message",
            format!("{:.1} µs", rt_tp.platform_us),
            "≤ 3 µs",
            rt_tp.platform_us <= 3.0,
        );
        match &sdk_tp {
            Some(sdk) => {
                let ratio = rt_tp.per_second / sdk.per_second;
                target("throughput vs the Python SDK", format!("{ratio:.1}×"), "≥ 25×", ratio >= 25.0);
            }
            None => println!("- throughput vs the Python SDK: not measured (no SDK)"),
        }
        target("round-trip p99 vs bare awc", format!("{rtt_ratio:.2}×"), "≤ 1.2×", rtt_ratio <= 1.2);
        target(
            "fan-out platform CPU per recipient",
            format!("{:.2} µs", many.platform_us_per_recipient),
            "≤ 1 µs",
            many.platform_us_per_recipient <= 1.0,
        );
        target(
            "RSS per idle platform connection",
            format!("{:.1} KiB", many.idle_kib_per_conn),
            "≤ 8 KiB",
            many.idle_kib_per_conn <= 8.0,
        );
        target("RSS per idle channel actor", format!("{per_actor_kib:.2} KiB"), "≤ 2 KiB", per_actor_kib <= 2.0);
        let one_mib = one.rss_kib as f64 / 1024.0;
        target(
            "RSS of a service process with one connection",
            format!("{one_mib:.1} MiB"),
            "≤ 5 MiB",
            one_mib <= 5.0,
        );
        println!("(whole run {:.0?})", run_started.elapsed());
    });
}
