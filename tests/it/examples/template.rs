//! `moobius new`: the project it writes is a service crate that compiles against this checkout
//! (`cargo check`, offline, with this checkout's lock file so the versions are the tested ones),
//! with the reference SDK's config shape, and it refuses a directory that is not empty.

use crate::support::process::moobius_binary;
use crate::support::scratch;
use std::path::Path;
use std::process::Command;

#[test]
fn a_new_project_is_a_service_crate_that_compiles_against_this_checkout() {
    let root = scratch("new-project");
    let dir = root.join("hello-bot");
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(moobius_binary())
        .args(["new", dir.to_str().unwrap(), "--moobius-path", checkout.to_str().unwrap()])
        .output()
        .expect("moobius runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("created hello-bot"));
    for file in ["Cargo.toml", "src/main.rs", "config/config.json", "README.md", ".gitignore"] {
        assert!(dir.join(file).is_file(), "{file} is written");
    }
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(r#"name = "hello-bot""#) && manifest.contains("moobius = { path = "),
        "{manifest}"
    );
    // The config is the SDK's shape, and this crate reads it.
    let config =
        moobius::config::Config::from_file(dir.join("config/config.json")).expect("the config loads");
    assert_eq!(config.service.ws_server_uri, "wss://ws.moobius.ai/");

    // It compiles: in its own target folder under this one (kept, so a second run is quick).
    std::fs::copy(checkout.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let target = checkout.join("target/new-project-check");
    let check = Command::new(env!("CARGO"))
        .args(["check", "--offline", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    assert!(
        check.status.success(),
        "cargo check of the new project:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );

    // A second `new` into the same, non-empty directory is refused, saying so.
    let again = Command::new(moobius_binary()).args(["new", dir.to_str().unwrap()]).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));
}
