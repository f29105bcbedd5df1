//! Throughput: the Python SDK, this crate's runtime and bare awc sending `message_down`s to one user.

use crate::LONG;
use crate::common::{bare_login, batched_writer, config, down, wait_connected};
use crate::helper::{CountingUser, within};
use crate::proc::{Clocks, cpu_of};
use crate::support::World;
use awc::ws;
use futures_util::StreamExt as _;
use moobius::client::{HandlerSpec, Identity, Runtime};
use moobius::protocol::{Event, Frame, Incoming};
use serde_json::{Value, json};
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

#[derive(Clone, Copy, Debug)]
pub(crate) struct Throughput {
    pub(crate) per_second: f64,
    pub(crate) client_us: f64,
    pub(crate) platform_us: f64,
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

pub(crate) fn medians(rounds: &[Throughput]) -> Throughput {
    let pick = |f: fn(&Throughput) -> f64| median(&mut rounds.iter().map(f).collect::<Vec<_>>());
    Throughput {
        per_second: pick(|t| t.per_second),
        client_us: pick(|t| t.client_us),
        platform_us: pick(|t| t.platform_us),
    }
}

/// This crate's runtime as the service: N sends, then a graceful shutdown, which returns once
/// every receipt is in (it then closes the connection).
pub(crate) async fn tp_runtime(
    ws: &str,
    w: &World,
    n: usize,
    user: &CountingUser,
    clocks: Clocks,
) -> Throughput {
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
pub(crate) async fn tp_bare(
    ws: &str,
    w: &World,
    n: usize,
    user: &CountingUser,
    clocks: Clocks,
) -> Throughput {
    let (sink, mut stream) =
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
    let (tx, writer) = batched_writer(sink);
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
pub(crate) struct PythonSdk {
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
pub(crate) fn python() -> Result<std::path::PathBuf, String> {
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
    pub(crate) async fn start(python: &std::path::Path, ws: &str, w: &World, n: usize) -> Self {
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

    pub(crate) async fn round(&mut self, n: usize, user: &CountingUser, clocks: Clocks) -> Throughput {
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
