//! The `moobius` command: tools around the crate, among them `moobius platform`, the local
//! Moobius platform in the foreground.

use std::process::ExitCode;

const USAGE: &str = "\
moobius: Moobius services as actix actors

Usage: moobius [OPTIONS] [COMMAND]

Commands:
  platform      Run the local Moobius platform in the foreground (Ctrl-C stops it)
                  --addr ADDR       where to listen (default 127.0.0.1:8787; port 0 picks one)
                  --allow-remote    listen on a non-loopback ADDR without the warning
                  --refuse-remote   refuse to start on a non-loopback ADDR
                The local platform is an open development server: anyone who can reach it
                can create accounts. On a non-loopback ADDR it warns on stderr, unless told.
  help          Print this help

Options:
  -h, --help     Print this help
  -V, --version  Print the version
";

/// Where `moobius platform` listens unless told otherwise.
#[cfg(feature = "platform")]
const DEFAULT_PLATFORM_ADDR: &str = "127.0.0.1:8787";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("-V" | "--version") => {
            println!("moobius {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("platform") => platform(&args[1..]),
        Some(other) => {
            eprintln!("moobius: unknown command or option `{other}`; run `moobius --help` for the list");
            ExitCode::from(2)
        }
    }
}

#[cfg(not(feature = "platform"))]
fn platform(_: &[String]) -> ExitCode {
    eprintln!(
        "moobius: this build has no local platform: rebuild with the `platform` feature (on by default)"
    );
    ExitCode::from(2)
}

#[cfg(feature = "platform")]
fn platform(args: &[String]) -> ExitCode {
    let mut addr = DEFAULT_PLATFORM_ADDR.to_owned();
    let mut remote = Remote::Warn;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--allow-remote" => remote = Remote::Allow,
            "--refuse-remote" => remote = Remote::Refuse,
            "--addr" => match rest.next() {
                Some(value) => addr.clone_from(value),
                None => {
                    eprintln!("moobius platform: `--addr` needs a value such as 127.0.0.1:8787");
                    return ExitCode::from(2);
                }
            },
            other => match other.strip_prefix("--addr=") {
                Some(value) => addr = value.to_owned(),
                None => {
                    eprintln!(
                        "moobius platform: unknown option `{other}`; the options are --addr ADDR, --allow-remote, --refuse-remote"
                    );
                    return ExitCode::from(2);
                }
            },
        }
    }
    if let Some(remote_addr) = non_loopback(&addr) {
        match remote {
            Remote::Allow => {}
            Remote::Warn => eprintln!(
                "moobius platform: WARNING: {remote_addr} is not a loopback address. This is an open \
                 development server: anyone who can reach it can create accounts, services and \
                 channels, and read what is sent. Use 127.0.0.1, or pass --allow-remote to silence \
                 this (--refuse-remote to refuse)."
            ),
            Remote::Refuse => {
                eprintln!(
                    "moobius platform: refusing to listen on {remote_addr}: it is not a loopback address \
                     (--refuse-remote); use 127.0.0.1 or ::1"
                );
                return ExitCode::from(2);
            }
        }
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let outcome = actix_web::rt::System::new().block_on(async move {
        let mut signal = moobius::service::ShutdownSignal::install();
        let handle = moobius::platform::LocalPlatform::start(addr.as_str()).await?;
        let bound = handle.addr();
        println!("moobius platform listening on http://{bound} (websocket ws://{bound}/ws)");
        signal.recv().await;
        handle.stop().await;
        Ok::<(), moobius::platform::PlatformError>(())
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("moobius platform: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What `moobius platform` does on a non-loopback address.
#[cfg(feature = "platform")]
#[derive(Clone, Copy)]
enum Remote {
    Warn,
    Allow,
    Refuse,
}

/// The first address `addr` resolves to that is not loopback (all of them when it does not
/// resolve: then binding fails with its own message).
#[cfg(feature = "platform")]
fn non_loopback(addr: &str) -> Option<std::net::SocketAddr> {
    use std::net::ToSocketAddrs as _;
    addr.to_socket_addrs().ok()?.find(|a| !a.ip().is_loopback())
}
