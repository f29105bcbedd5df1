//! `moobius platform`: prints its two lines (where it listens, the studio's URL) once it accepts
//! connections, serves the protocol, and exits cleanly on SIGTERM.
#![cfg(all(feature = "platform", feature = "cli"))]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_platform_subcommand_announces_itself_serves_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_moobius"))
        .args(["platform", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("one line");
    let line = line.trim_end();
    let addr = line
        .strip_prefix("moobius platform listening on http://")
        .and_then(|rest| rest.split_once(' '))
        .map(|(addr, rest)| {
            assert_eq!(rest, format!("(websocket ws://{addr}/ws)"), "{line}");
            addr.to_owned()
        })
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let mut studio = String::new();
    stdout.read_line(&mut studio).expect("the studio line");
    assert_eq!(
        studio.trim_end(),
        format!("studio: http://{addr}/ (open it to chat as users and inspect every frame)")
    );

    // It accepts HTTP right away.
    let response = std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let mut response = awc::Client::new()
                .post(format!("http://{addr}/auth/sign_in"))
                .send_json(&serde_json::json!({"username": "cli", "password": "pw"}))
                .await
                .expect("the platform answers");
            let body: serde_json::Value = response.json().await.expect("JSON");
            body["code"].clone()
        })
    })
    .join()
    .expect("the client thread");
    assert_eq!(response, 10000);

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let exit =
        rx.recv_timeout(crate::support::WAIT).expect("the platform stops on SIGTERM").expect("wait works");
    assert!(exit.success(), "clean exit, got {exit:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert!(rest.is_empty(), "exactly two lines on stdout, then {rest:?}");
}

#[test]
fn a_bad_option_is_explained() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_moobius")).args(["platform", "--port", "1"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--addr"));
}

fn platform_on(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_moobius"))
        .arg("platform")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    let _ = stdout.read_line(&mut line);
    if !line.is_empty() {
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    }
    let output = child.wait_with_output().expect("it ends");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_non_loopback_address_warns_and_can_be_refused_or_allowed() {
    let (code, stderr) = platform_on(&["--addr", "0.0.0.0:0"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("WARNING") && stderr.contains("open development server"), "{stderr}");

    let (code, stderr) = platform_on(&["--addr", "0.0.0.0:0", "--refuse-remote"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("refusing"), "{stderr}");

    let (code, stderr) = platform_on(&["--addr", "0.0.0.0:0", "--allow-remote"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("WARNING"), "{stderr}");

    let (code, stderr) = platform_on(&["--addr", "127.0.0.1:0", "--refuse-remote"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.is_empty(), "loopback: no warning, {stderr}");
}

#[test]
fn help_version_and_usage_errors() {
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_moobius")).args(args).output().unwrap();
    let output = run(&["platform", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--addr") && help.contains("--refuse-remote"), "{help}");
    let output = run(&["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        concat!("moobius ", env!("CARGO_PKG_VERSION"))
    );
    for args in [&["platform", "--allow-remote", "--refuse-remote"][..], &["frobnicate"]] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("error"), "{args:?}");
    }
}
