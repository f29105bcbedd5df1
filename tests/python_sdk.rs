//! Conformance with the reference client: the Python SDK (moobius 1.8.0) drives the embedded
//! platform through `tests/python/conformance.py`, as a user and as a service.
//!
//! The interpreter is `$MOOBIUS_PYTHON`, else `.venv/bin/python` under the crate root (`.ci/run`
//! creates it). Without it the test fails and says how to make one.
#![cfg(feature = "platform")]

mod common;

use std::path::PathBuf;
use std::process::Stdio;

fn python() -> PathBuf {
    let path = std::env::var_os("MOOBIUS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    assert!(
        path.exists(),
        "no Python with the reference SDK at {}: run `.ci/run` (it creates .venv), or create it with \
         `python3 -m venv .venv && .venv/bin/pip install moobius==1.8.0`, or set MOOBIUS_PYTHON",
        path.display()
    );
    path
}

#[actix_rt::test]
async fn the_python_sdk_runs_against_the_local_platform() {
    let python = python();
    let platform = common::start_platform().await;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/conformance.py");
    let child = std::process::Command::new(&python)
        .arg(&script)
        .env("MOOBIUS_HTTP", platform.http_url())
        .env("MOOBIUS_WS", platform.ws_url())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    // The script has its own 60 s limit; this one only guards against a hung interpreter.
    let waiting = actix_web::rt::task::spawn_blocking(move || child.wait_with_output());
    let output = tokio::time::timeout(std::time::Duration::from_secs(120), waiting)
        .await
        .expect("the conformance script finished within 120 s")
        .expect("the waiting task")
        .expect("the script's output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the Python SDK disagreed with the platform:\n{stdout}\n{stderr}");
    assert!(stdout.contains("every check passed"), "{stdout}\n{stderr}");
    platform.stop().await;
}
