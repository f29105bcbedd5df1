//! The platform process: this bench re-executed in a platform child mode, or `moobius platform`.

use crate::support;
use crate::support::process::{Running, line_after_within, moobius_platform_via};
use std::path::Path;

/// The environment variable that selects the platform child mode.
pub(crate) const PLATFORM_CHILD: &str = "VS_PYTHON_PLATFORM_CHILD";

/// The platform child mode: this crate's platform, configured as `benches/e2e.rs` configures it
/// (a large per-connection buffer, no traffic or studio recording), on 127.0.0.1:0; prints the
/// `moobius platform` command's first line and serves until killed.
pub(crate) fn platform_child() -> ! {
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
pub(crate) async fn start_platform(nofile: u64) -> (Running, String, String, &'static str) {
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
