//! The one-connection service as a deployed service would be built: `plain_service/`, a binary
//! with this crate's service runtime alone (default features off: no embedded platform, metrics,
//! Redis, logging or CLI, none of which the bench binary can leave out; fat LTO, one codegen
//! unit), built here with `cargo build --release` into `<target>/vs_python_plain`, run against
//! the bench's platform.

use crate::LONG;
use crate::service_child::{Owner, Weighed, parse_weighed};
use crate::support::Remote;
use crate::support::process::{Running, line_after_within};
use moobius::protocol::ChannelId;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the plain service binary (fat LTO: about three minutes on two cores whenever the crate
/// changed) and returns its path, or why it could not be built.
pub(crate) fn build() -> Result<PathBuf, String> {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/vs_python/plain_service/Cargo.toml");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // <target>/release/deps/vs_python-<hash>
    let target = exe.ancestors().nth(3).ok_or("no target directory above the bench")?.join("vs_python_plain");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "--manifest-path", manifest, "--target-dir"])
        .arg(&target)
        .status()
        .map_err(|e| format!("cargo did not run: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build of {manifest} failed ({status})"));
    }
    Ok(target.join("release").join(format!("vs-python-plain-service{}", std::env::consts::EXE_SUFFIX)))
}

/// Runs the plain service binary on `owner`'s `channel` until it weighs itself.
pub(crate) async fn weigh_plain(
    exe: &Path,
    remote: &Remote,
    owner: &Owner<'_>,
    channel: &ChannelId,
) -> Weighed {
    let env = [
        ("MOOBIUS_HTTP_URL", remote.http.clone()),
        ("MOOBIUS_WS_URL", remote.ws.clone()),
        ("MOOBIUS_EMAIL", owner.email.to_owned()),
        ("MOOBIUS_PASSWORD", owner.password.to_owned()),
        ("MOOBIUS_SERVICE_ID", owner.service_id.to_owned()),
        ("MOOBIUS_CHANNELS", channel.to_string()),
    ];
    let mut process = Running::spawn(exe, &[], &env);
    let mut lines = process.lines();
    let line = line_after_within(&mut lines, LONG, "weighed: ").await;
    drop(process);
    parse_weighed(&line)
}
