//! Conformance with the reference client: the Python SDK (moobius 1.8.0) drives the embedded
//! platform through `tests/python/conformance.py`, as a user and as a service; and the SDK's own
//! service class, `Moobius`, runs a demo service against `moobius platform`
//! (`tests/python/sdk_service.py`).
//!
//! The interpreter is `$MOOBIUS_PYTHON`, else `.venv/bin/python` under the crate root. When that
//! has no SDK, the test makes it once, under a file lock (`python3 -m venv .venv`, then
//! `pip install moobius==1.8.0`), so a fresh clone's `cargo test` needs no other step. Without
//! `python3` it fails with one line saying what to install.
#![cfg(feature = "platform")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The reference SDK's version the conformance test runs.
const SDK: &str = "moobius==1.8.0";

/// Whether `python` can import the SDK.
fn has_sdk(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import moobius"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `command`, failing the test with its output when it fails.
fn run(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: cannot run it: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The interpreter with the reference SDK, made in `.venv` on first use.
fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("MOOBIUS_PYTHON") {
        return PathBuf::from(path);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join(".venv");
    let python = venv.join("bin/python");
    // One maker at a time, across test processes: the others wait here and find it made.
    let lock_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-sdk-venv.lock");
    let lock = std::fs::File::create(&lock_path).expect("the venv lock file");
    lock.lock().expect("the venv lock");
    if !has_sdk(&python) {
        let found = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
        assert!(
            found,
            "python3 is needed for the reference SDK's conformance test: install python3 and python3-venv (apt-get install -y python3 python3-venv)"
        );
        if !python.exists() {
            run(
                Command::new("python3").args(["-m", "venv"]).arg(&venv),
                "python3 -m venv .venv (on Debian: apt-get install -y python3-venv)",
            );
        }
        run(
            Command::new(venv.join("bin/pip")).args(["install", "-q", "--disable-pip-version-check", SDK]),
            &format!("pip install {SDK}"),
        );
        assert!(has_sdk(&python), "{SDK} was installed in .venv but cannot be imported");
    }
    drop(lock);
    python
}

/// Runs `tests/python/<script>` with the platform's URLs in `MOOBIUS_HTTP` and `MOOBIUS_WS`, in a
/// scratch working directory, and asserts it exits 0 and prints `passed`; on failure the message
/// holds the script's stdout and stderr.
async fn run_script(script: &str, http_url: String, ws_url: String, passed: &str) {
    let python = actix_web::rt::task::spawn_blocking(python).await.expect("making the venv");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python").join(script);
    let cwd = std::env::temp_dir().join(format!("moobius-test-{}-python", std::process::id()));
    std::fs::create_dir_all(&cwd).expect("a working directory for the script");
    let mut command = std::process::Command::new(&python);
    command
        .arg(&path)
        .current_dir(&cwd)
        .env("MOOBIUS_HTTP", http_url)
        .env("MOOBIUS_WS", ws_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so a timeout kills whatever the SDK started too (the pipes then
    // close, and the waiting task ends: a blocking task that never ends would hold the test's
    // runtime open for ever).
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command.spawn().unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let group = format!("-{}", child.id());
    // The scripts end themselves within 70 s (harness.py); this only guards against worse.
    let waiting = actix_web::rt::task::spawn_blocking(move || child.wait_with_output());
    let output = match tokio::time::timeout(std::time::Duration::from_secs(120), waiting).await {
        Ok(output) => output.expect("the waiting task").expect("the script's output"),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            panic!("{script} gave no verdict within 120 s and was killed");
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script}: the Python SDK disagreed with the platform:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(passed), "{script}: no `{passed}` line:\n{stdout}\n{stderr}");
}

#[actix_rt::test]
async fn the_python_sdk_runs_against_the_local_platform() {
    let platform = crate::support::start_platform().await;
    run_script("conformance.py", platform.http_url(), platform.ws_url(), "conformance: every check passed")
        .await;
    platform.stop().await;
}

/// The SDK's own service class: a `Moobius` subclass (join -> a button and a welcome, echo, a
/// relay in the author's name, a click's answer) runs against `moobius platform`, with two users
/// played by the SDK's WSClient checking what it does (`tests/python/sdk_service.py`).
#[actix_rt::test]
async fn the_python_sdks_service_class_runs_against_moobius_platform() {
    let (_platform, http_url, ws_url) = crate::support::process::moobius_platform().await;
    run_script("sdk_service.py", http_url, ws_url, "sdk service: every check passed").await;
}
