//! `moobius replay FILE -- COMMAND [ARGS...]`, the command's replay subcommand (a module of the
//! binary, not of the library): a fresh local platform, the service under test started as a
//! child process pointed at it, the transcript's users replayed against it
//! (`moobius::platform::replay`), the report printed turn by turn, the child killed. Exit code
//! 0 when nothing differs, 1 when something does (or the service never got ready), 2 on a usage
//! error (clap's, an unreadable transcript, a command that cannot start).

use clap::Args;
use std::path::PathBuf;

/// `moobius replay`'s arguments.
#[derive(Debug, Args)]
#[cfg_attr(not(feature = "platform"), allow(dead_code))]
pub(crate) struct ReplayArgs {
    /// The transcript (JSON lines, as `GET /studio/api/transcript` answers)
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// How long a turn waits for the frames the transcript expects, in ms
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub(crate) turn_timeout: u64,
    /// How long a complete turn still waits for frames the transcript does not hold, in ms
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub(crate) grace: u64,
    /// How long the service has to get ready, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub(crate) ready_timeout: u64,
    /// The service to test, and its arguments (after `--`)
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub(crate) command: Vec<String>,
}

#[cfg(feature = "platform")]
pub(crate) use run::run;

#[cfg(feature = "platform")]
mod run {
    use super::ReplayArgs;
    use moobius::platform::replay::{ReplayOptions, replay};
    use moobius::platform::transcript::Transcript;
    use moobius::platform::{LocalPlatform, PlatformHandle};
    use moobius::protocol::ChannelId;
    use serde_json::Value;
    use std::io::{BufRead as _, BufReader};
    use std::process::{Child, Command, ExitCode, Stdio};
    use std::time::Duration;
    use tokio::sync::mpsc;
    use tokio::time::{Instant, timeout_at};

    /// How often readiness is checked on the platform when the service prints no `ready:` line.
    const READY_POLL: Duration = Duration::from_millis(100);

    /// Why the replay did not produce a report.
    enum Failure {
        /// Exit 2.
        Usage(String),
        /// Exit 1.
        Failed(String),
    }

    /// The service's process, killed when dropped.
    struct Service(Child);

    impl Drop for Service {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// Runs `moobius replay`.
    pub(crate) fn run(args: ReplayArgs) -> ExitCode {
        let transcript = match Transcript::read(&args.file) {
            Ok(transcript) => transcript,
            Err(error) => {
                eprintln!("moobius replay: {}", moobius::report(&error));
                return ExitCode::from(2);
            }
        };
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
        let outcome = actix_web::rt::System::new().block_on(replay_with(&args, &transcript));
        match outcome {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(Failure::Usage(message)) => {
                eprintln!("moobius replay: {message}");
                ExitCode::from(2)
            }
            Err(Failure::Failed(message)) => {
                eprintln!("moobius replay: {message}");
                ExitCode::from(1)
            }
        }
    }

    /// `Ok(true)` when nothing differs.
    async fn replay_with(args: &ReplayArgs, transcript: &Transcript) -> Result<bool, Failure> {
        let platform = LocalPlatform::start("127.0.0.1:0")
            .await
            .map_err(|e| Failure::Failed(format!("the local platform: {}", moobius::report(&e))))?;
        let (mut service, mut lines) = spawn(&args.command, &platform)?;
        let services = transcript.services().len().max(1);
        eprintln!(
            "moobius replay: {} ({} turn(s), {} user(s)) against `{}` on {}",
            args.file.display(),
            transcript.turn_count(),
            transcript.header.users.len(),
            args.command.join(" "),
            platform.http_url()
        );
        let ready = Instant::now() + Duration::from_secs(args.ready_timeout);
        let channels = wait_ready(&mut service, &mut lines, &platform, transcript, services, ready).await?;
        let options = ReplayOptions::default()
            .turn_timeout(Duration::from_millis(args.turn_timeout))
            .grace(Duration::from_millis(args.grace))
            .channels(channels);
        let outcome = replay(&platform, transcript, options).await;
        drop(service);
        platform.stop().await;
        let report = outcome.map_err(|e| Failure::Failed(moobius::report(&e).to_string()))?;
        println!("{report}");
        Ok(report.is_empty())
    }

    /// Starts the command with the `MOOBIUS_*` variables of `platform` (and none of ours); its
    /// stdout, line by line (each also copied to stderr, prefixed).
    fn spawn(
        command: &[String],
        platform: &PlatformHandle,
    ) -> Result<(Service, mpsc::UnboundedReceiver<String>), Failure> {
        let mut child = Command::new(&command[0]);
        child.args(&command[1..]).stdin(Stdio::null()).stdout(Stdio::piped());
        for (var, _) in std::env::vars_os() {
            if var.to_string_lossy().starts_with("MOOBIUS_") {
                child.env_remove(var);
            }
        }
        child
            .env("MOOBIUS_HTTP_URL", platform.http_url())
            .env("MOOBIUS_WS_URL", platform.ws_url())
            .env("MOOBIUS_EMAIL", "replay-service@local.moobius")
            .env("MOOBIUS_PASSWORD", moobius::service::DEV_PASSWORD);
        let mut child =
            child.spawn().map_err(|e| Failure::Usage(format!("cannot start `{}`: {e}", command[0])))?;
        let stdout = child.stdout.take();
        let (tx, rx) = mpsc::unbounded_channel();
        if let Some(stdout) = stdout {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    eprintln!("service| {line}");
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Ok((Service(child), rx))
    }

    /// Waits until `services` `ready:` lines came (their channels, in order, for the replay), or
    /// the platform has a logged-in service bound to as many channels as the transcript has
    /// (then the replay maps channels by name).
    async fn wait_ready(
        service: &mut Service,
        lines: &mut mpsc::UnboundedReceiver<String>,
        platform: &PlatformHandle,
        transcript: &Transcript,
        services: usize,
        deadline: Instant,
    ) -> Result<Vec<ChannelId>, Failure> {
        let (mut ready, mut open) = (0, true);
        let mut channels = Vec::new();
        loop {
            let poll = (Instant::now() + READY_POLL).min(deadline);
            let line = match open {
                true => timeout_at(poll, lines.recv()).await,
                false => {
                    tokio::time::sleep_until(poll).await;
                    Ok(None)
                }
            };
            match line {
                Ok(Some(line)) => {
                    if let Some((_, listed)) =
                        line.strip_prefix("ready: service ").and_then(|r| r.split_once(" on channels "))
                    {
                        ready += 1;
                        channels.extend(listed.split(',').filter(|c| !c.is_empty()).map(ChannelId::from));
                        if ready >= services {
                            return Ok(channels);
                        }
                    }
                    continue;
                }
                // Its stdout closed: only the platform can tell now.
                Ok(None) if open => open = false,
                Ok(None) => {}
                Err(_) => {}
            }
            if let Ok(Some(status)) = service.0.try_wait() {
                return Err(Failure::Failed(format!("the service exited before it was ready ({status})")));
            }
            if ready == 0 && bound_and_logged_in(platform).await >= transcript.header.channels.len().max(1) {
                return Ok(Vec::new());
            }
            if Instant::now() >= deadline {
                return Err(Failure::Failed(format!(
                    "the service was not ready in time: {ready} of {services} `ready: service <id> on channels <ids>` line(s), and not as many channels bound to a logged-in service as the transcript has"
                )));
            }
        }
    }

    /// The channels bound to a service that is logged in.
    async fn bound_and_logged_in(platform: &PlatformHandle) -> usize {
        let get = |path: &str| {
            let url = format!("{}{path}", platform.http_url());
            async move {
                let mut response = awc::Client::new().get(url).send().await.ok()?;
                response.json::<Value>().await.ok()
            }
        };
        let (Some(channels), Some(connections)) =
            (get("/studio/api/channels").await, get("/studio/api/connections").await)
        else {
            return 0;
        };
        let logged_in: Vec<&Value> = connections["connections"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["peer"]["role"] == "service")
            .map(|c| &c["peer"]["id"])
            .collect();
        channels["channels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| !c["service_id"].is_null() && logged_in.contains(&&c["service_id"]))
            .count()
    }
}
