//! The `moobius` command: tools around the crate, among them `moobius platform`, the local
//! Moobius platform in the foreground. Arguments, help and usage errors are clap's (exit code 2
//! for a usage error).

mod new_command;
mod replay_command;

use clap::{Args, Parser, Subcommand};
use new_command::NewArgs;
use replay_command::ReplayArgs;
use std::process::ExitCode;

/// Where `moobius platform` listens unless told otherwise.
const DEFAULT_PLATFORM_ADDR: &str = "127.0.0.1:8787";

/// The `moobius` command.
#[derive(Debug, Parser)]
#[command(name = "moobius", version, about = "Moobius services as actix actors: tools around the crate")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Run the local Moobius platform in the foreground (Ctrl-C stops it)
    #[command(
        override_usage = "moobius platform [--addr <ADDR>] [--allow-remote | --refuse-remote]",
        long_about = "Run the local Moobius platform in the foreground (Ctrl-C or SIGTERM stops it).\n\n\
            The local platform is an open development server: anyone who can reach it can create\n\
            accounts. On a non-loopback ADDR it warns on stderr, unless told otherwise."
    )]
    Platform(PlatformArgs),
    /// Replay a transcript's users against a service started on a fresh local platform
    #[command(
        override_usage = "moobius replay [OPTIONS] <FILE> -- <COMMAND> [ARGS]...",
        long_about = "Replay a transcript's users against a service started on a fresh local platform.\n\n\
            Starts a local platform on 127.0.0.1:0, then COMMAND with MOOBIUS_HTTP_URL, MOOBIUS_WS_URL,\n\
            MOOBIUS_EMAIL and MOOBIUS_PASSWORD pointing at it, waits for its `ready: service <id> on\n\
            channels <ids>` line(s), plays the users' frames of FILE turn by turn, compares what they\n\
            receive, prints the report and kills COMMAND.\n\n\
            Exit status: 0 when nothing differs, 1 when something does (or the service did not get\n\
            ready), 2 on a usage error."
    )]
    Replay(ReplayArgs),
    /// Write a ready-to-run service crate into DIR (`cargo run` in it works at once)
    New(NewArgs),
}

/// `moobius platform`'s options.
#[derive(Debug, Args)]
#[cfg_attr(not(feature = "platform"), allow(dead_code))]
struct PlatformArgs {
    /// Where to listen (port 0 picks one)
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_PLATFORM_ADDR)]
    addr: String,
    /// Listen on a non-loopback ADDR without the warning
    #[arg(long)]
    allow_remote: bool,
    /// Refuse to start on a non-loopback ADDR
    #[arg(long, conflicts_with = "allow_remote")]
    refuse_remote: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => {
            // As `moobius help`, but without an error: there is nothing wrong in asking.
            let mut command = <Cli as clap::CommandFactory>::command();
            match command.print_help() {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
        Some(Command::Platform(args)) => platform(args),
        Some(Command::Replay(args)) => replay(args),
        Some(Command::New(args)) => new_command::run(args),
    }
}

#[cfg(not(feature = "platform"))]
fn replay(_: ReplayArgs) -> ExitCode {
    eprintln!("moobius: this build has no local platform to replay on: rebuild with the `platform` feature");
    ExitCode::from(2)
}

#[cfg(feature = "platform")]
fn replay(args: ReplayArgs) -> ExitCode {
    replay_command::run(args)
}

#[cfg(not(feature = "platform"))]
fn platform(_: PlatformArgs) -> ExitCode {
    eprintln!(
        "moobius: this build has no local platform: rebuild with the `platform` feature (on by default)"
    );
    ExitCode::from(2)
}

#[cfg(feature = "platform")]
fn platform(args: PlatformArgs) -> ExitCode {
    let PlatformArgs { addr, allow_remote, refuse_remote } = args;
    if let Some(remote_addr) = non_loopback(&addr) {
        if refuse_remote {
            eprintln!(
                "moobius platform: refusing to listen on {remote_addr}: it is not a loopback address \
                 (--refuse-remote); use 127.0.0.1 or ::1"
            );
            return ExitCode::from(2);
        }
        if !allow_remote {
            eprintln!(
                "moobius platform: WARNING: {remote_addr} is not a loopback address. This is an open \
                 development server: anyone who can reach it can create accounts, services and \
                 channels, and read what is sent. Use 127.0.0.1, or pass --allow-remote to silence \
                 this (--refuse-remote to refuse)."
            );
        }
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let outcome = actix_web::rt::System::new().block_on(async move {
        let mut signal = moobius::service::ShutdownSignal::install();
        let handle = moobius::platform::LocalPlatform::start(addr.as_str()).await?;
        let bound = handle.addr();
        println!("moobius platform listening on http://{bound} (websocket ws://{bound}/ws)");
        println!("studio: {} (open it to chat as users and inspect every frame)", handle.studio_url());
        signal.recv().await;
        handle.stop().await;
        Ok::<(), moobius::platform::PlatformError>(())
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("moobius platform: {}", moobius::report(&error));
            ExitCode::FAILURE
        }
    }
}

/// The first address `addr` resolves to that is not loopback (all of them when it does not
/// resolve: then binding fails with its own message).
#[cfg(feature = "platform")]
fn non_loopback(addr: &str) -> Option<std::net::SocketAddr> {
    use std::net::ToSocketAddrs as _;
    addr.to_socket_addrs().ok()?.find(|a| !a.ip().is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn platform_defaults_and_conflicts() {
        let Some(Command::Platform(args)) = Cli::try_parse_from(["moobius", "platform"]).unwrap().command
        else {
            panic!("the platform subcommand");
        };
        assert_eq!(args.addr, DEFAULT_PLATFORM_ADDR);
        assert!(!args.allow_remote && !args.refuse_remote);
        let err =
            Cli::try_parse_from(["moobius", "platform", "--allow-remote", "--refuse-remote"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
        let parsed = Cli::try_parse_from(["moobius", "platform", "--addr=0.0.0.0:0"]).unwrap();
        assert!(
            matches!(parsed.command, Some(Command::Platform(PlatformArgs { addr, .. })) if addr == "0.0.0.0:0")
        );
    }

    #[test]
    fn replay_takes_a_file_and_a_command_after_the_double_dash() {
        let parsed = Cli::try_parse_from(["moobius", "replay", "t.jsonl", "--", "echo", "--flag"]).unwrap();
        let Some(Command::Replay(args)) = parsed.command else { panic!("the replay subcommand") };
        assert_eq!(
            (args.file.to_str(), args.command),
            (Some("t.jsonl"), vec!["echo".to_owned(), "--flag".into()])
        );
        assert_eq!((args.turn_timeout, args.grace), (10_000, 100));
        let err = Cli::try_parse_from(["moobius", "replay", "t.jsonl"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::MissingRequiredArgument);
    }
}
