//! The built binaries as child processes: the examples (which `cargo test` builds) and
//! `moobius`, started with a chosen `MOOBIUS_*` environment, their stdout read line by line into
//! a channel the test awaits, and killed when dropped so a failing test leaves nothing running.

use super::{WAIT, wait_for};
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;
use tokio::sync::mpsc;

/// The built example `name`; panics, saying how to build it, when it is missing (`cargo test`
/// builds every example, a filtered `cargo test --test it` does too, but `cargo build` does not).
pub fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps");
    let path = dir.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --examples` (or a plain `cargo test`, which builds them) first",
        path.display()
    );
    if let (Ok(example), Ok(test)) =
        (path.metadata().and_then(|m| m.modified()), exe.metadata().and_then(|m| m.modified()))
        && example < test
    {
        eprintln!(
            "note: {} is older than this test binary; if src/ changed, rebuild it with `cargo build --examples`",
            path.display()
        );
    }
    path
}

/// The `moobius` binary of this build.
pub fn moobius_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_moobius"))
}

/// A child process, killed when dropped.
pub struct Running {
    child: Option<Child>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Running {
    /// Starts `program` with `args`, stdout piped and stderr discarded, with no `MOOBIUS_*`
    /// variable from the test's own environment and `env` added, in a scratch working directory
    /// of this test process (so what it writes there, such as the storage's `json_db/`, stays
    /// out of the checkout).
    pub fn spawn(program: &Path, args: &[&str], env: &[(&str, String)]) -> Self {
        let cwd = std::env::temp_dir().join(format!("moobius-test-{}-cwd", std::process::id()));
        std::fs::create_dir_all(&cwd).expect("a working directory for the program");
        let mut command = Command::new(program);
        command.current_dir(&cwd).args(args).stdout(Stdio::piped()).stderr(Stdio::null());
        for (var, _) in std::env::vars_os() {
            if var.to_string_lossy().starts_with("MOOBIUS_") {
                command.env_remove(var);
            }
        }
        command.envs(env.iter().map(|(k, v)| (k, v)));
        Self { child: Some(command.spawn().expect("the program starts")) }
    }

    /// The process id (for reading its `/proc/<pid>/stat` and `status`).
    pub fn id(&self) -> u32 {
        self.child.as_ref().expect("the process is still held").id()
    }

    fn child(&mut self) -> &mut Child {
        self.child.as_mut().expect("the process is still held")
    }

    /// Its stdout, line by line, into a channel the test can await with a timeout.
    pub fn lines(&mut self) -> mpsc::UnboundedReceiver<String> {
        let stdout = self.child().stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        rx
    }

    /// Waits (bounded by [`WAIT`]) until the process exits by itself, and how.
    pub async fn exit(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("the process is still held");
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        match tokio::time::timeout(WAIT, rx).await {
            Ok(Ok(Ok(status))) => status,
            Ok(_) => panic!("waiting for the process failed"),
            Err(_) => panic!("the process did not exit within {WAIT:?}"),
        }
    }

    /// Sends SIGTERM and waits (bounded) for a clean exit.
    pub async fn terminate(mut self) {
        let status =
            Command::new("kill").args(["-TERM", &self.child().id().to_string()]).status().expect("kill runs");
        assert!(status.success());
        let exit = self.exit().await;
        assert!(exit.success(), "a clean exit on SIGTERM, got {exit:?}");
    }
}

/// The next line starting with `prefix` (earlier lines are skipped), without it; panics after
/// `within`.
pub async fn line_after_within(
    lines: &mut mpsc::UnboundedReceiver<String>,
    within: Duration,
    prefix: &str,
) -> String {
    let line = wait_for(lines, within, &format!("`{prefix}...` line"), |l| l.starts_with(prefix)).await;
    line[prefix.len()..].to_owned()
}

/// The next line starting with `prefix`, without it; panics after [`WAIT`].
pub async fn line_after(lines: &mut mpsc::UnboundedReceiver<String>, prefix: &str) -> String {
    line_after_within(lines, WAIT, prefix).await
}

/// `(service id, channels)` from an example's `ready: service <id> on channels <ids>` line.
pub async fn ready_line(lines: &mut mpsc::UnboundedReceiver<String>) -> (String, Vec<String>) {
    let rest = line_after(lines, "ready: service ").await;
    let (service, channels) =
        rest.split_once(" on channels ").unwrap_or_else(|| panic!("bad ready line: {rest}"));
    (service.to_owned(), channels.split(',').map(str::to_owned).collect())
}

/// `moobius platform` on a free port, and its HTTP and WebSocket URLs.
pub async fn moobius_platform() -> (Running, String, String) {
    moobius_platform_via(&[]).await
}

/// `moobius platform` on a free port started through `launcher` (a program and its arguments
/// that runs the command after them in its own place, such as `prlimit --nofile=N:N`; empty:
/// directly), and its HTTP and WebSocket URLs.
pub async fn moobius_platform_via(launcher: &[&str]) -> (Running, String, String) {
    let binary = moobius_binary().to_str().expect("a UTF-8 path of the moobius binary");
    let mut command: Vec<&str> = launcher.to_vec();
    command.extend([binary, "platform", "--addr", "127.0.0.1:0"]);
    let mut platform = Running::spawn(Path::new(command[0]), &command[1..], &[]);
    let mut lines = platform.lines();
    let addr = line_after(&mut lines, "moobius platform listening on http://").await;
    let addr = addr.split_once(' ').map(|(a, _)| a.to_owned()).expect("an address");
    (platform, format!("http://{addr}"), format!("ws://{addr}/ws"))
}
