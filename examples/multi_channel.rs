//! One process, two services under one [`Wand`], each with its own account, connection and two
//! channels, each channel with its own state: `Counter` numbers the messages of each channel, and
//! `RollCall` tells each channel's members who is there.
//!
//! ```sh
//! cargo run --example multi_channel
//! ```
//!
//! The count lives in the channel's storage, so it survives a restart: the `counter` container
//! of the configuration's `db_config` when it has one, else a json container under `json_db/`
//! in the working directory, in the reference SDK's layout
//! (`json_db/service_<id>/channel_<id>/counter/count.json`). The actor reads it before its first
//! event and answers each message once the new count is stored.
//!
//! The program also talks to its services directly: every minute it asks each channel's `Counter`
//! for its count with a plain actix message (`ServiceHandle::send`) and prints it.
//!
//! Prints one `ready: service <id> on channels <ids>` line per service, then serves until Ctrl-C
//! or SIGTERM. With `MOOBIUS_WS_URL` (and the other `MOOBIUS_*`) set, both services use that
//! account: the first is `MOOBIUS_SERVICE_ID` on `MOOBIUS_CHANNELS` (so a restart finds its
//! counts), the second is created, and each gets new channels until it has two.

use actix::prelude::*;
use moobius::config::Config;
use moobius::http::HttpClient;
use moobius::prelude::*;
use moobius::service::Launch;
use moobius::storage::{Container, ContainerConfig};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

/// How often the program prints each channel's count.
const REPORT_EVERY: Duration = Duration::from_secs(60);

/// The storage container of the counts (one `count` key per channel).
pub const COUNTER: &str = "counter";

/// Where the counts go when `db_config` has no `counter` container.
pub const DEFAULT_DB_DIR: &str = "json_db";

/// `config` with a json `counter` container under `root_dir`, unless its `db_config` has one.
pub fn with_storage(mut config: Config, root_dir: impl Into<PathBuf>) -> Config {
    if config.db.container(COUNTER).is_none() {
        config.db = config.db.with(ContainerConfig::json(COUNTER, root_dir));
    }
    config
}

/// Numbers the messages of its channel: a channel actor written as a plain actix actor, its
/// count kept in the channel's storage.
pub struct Counter {
    channel: Channel<AsService>,
    counts: Container<u64>,
    /// Messages seen in this channel (the stored count, once read).
    pub count: u64,
}

impl Counter {
    /// The counter of `channel`; it reads its count when it starts.
    pub fn new(channel: Channel<AsService>) -> Self {
        let counts = channel.storage().container(COUNTER);
        Self { channel, counts, count: 0 }
    }
}

impl Actor for Counter {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // `wait`: no event is handled before the stored count is read. A failure restarts the
        // actor, which reads it again.
        ctx.wait(self.counts.get("count").into_actor(self).map(|stored, this, _ctx| match stored {
            Ok(count) => this.count = count.unwrap_or(0),
            Err(error) => this.channel.fail(error),
        }));
    }
}

impl Handler<ChannelEvent> for Counter {
    type Result = HandlerResult;

    fn handle(&mut self, event: ChannelEvent, ctx: &mut Context<Self>) -> HandlerResult {
        if let EventKind::MessageUp(message) = event.kind {
            self.count += 1;
            let count = self.count;
            // The answer goes once the count is stored (and the next event waits for it).
            let stored = self.counts.put("count", &count);
            ctx.wait(stored.into_actor(self).map(move |stored, this, _ctx| match stored {
                Ok(()) => {
                    let text = format!("message #{count} in this channel");
                    this.channel.do_send(SendMessage::text(event.channel_id, text, message.sender));
                }
                Err(error) => this.channel.fail(error),
            }));
        }
        Ok(())
    }
}

/// The program's question to a channel's `Counter`, a plain actix message: how many messages?
pub struct HowMany;

impl actix::Message for HowMany {
    type Result = u64;
}

impl Handler<HowMany> for Counter {
    type Result = u64;

    fn handle(&mut self, _: HowMany, _ctx: &mut Context<Self>) -> u64 {
        self.count
    }
}

/// Tells its channel's members who is there, whenever someone joins or leaves.
#[derive(Debug, Default)]
pub struct RollCall {
    present: BTreeSet<CharacterId>,
}

impl RollCall {
    fn announce(&self, cx: &mut ServiceContext<'_, Self>) {
        let present: Vec<CharacterId> = self.present.iter().cloned().collect();
        cx.send_text(format!("{} here: {}", present.len(), present.join(", ")), present);
    }
}

impl Service for RollCall {
    fn on_join(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        self.present.insert(user);
        self.announce(cx);
        Ok(())
    }

    fn on_leave(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        self.present.remove(&user);
        self.announce(cx);
        Ok(())
    }
}

/// Signs in and creates channels until `config` has `count`; returns the signed-in client too,
/// for the service to reuse.
///
/// # Errors
/// The failed HTTP call.
pub async fn with_channels(
    mut config: Config,
    count: usize,
) -> Result<(Config, HttpClient), moobius::http::HttpError> {
    let http = HttpClient::builder(config.service.http_server_uri.clone())
        .credentials(config.account.clone())
        .build()?;
    http.sign_in().await?;
    while config.service.channels.len() < count {
        let channel = http.create_channel("multi_channel", "a channel of the multi_channel example").await?;
        config.service.channels.push(channel);
    }
    Ok((config, http))
}

#[actix::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let launch = Launch::from_env_or_local("counter").await?;
    let second = match launch.platform() {
        Some(_) => launch.user_config("rollcall", &[]),
        None => {
            let mut config = launch.config();
            config.service.service_id = None;
            config.service.channels.clear();
            config
        }
    };
    let mut wand = Wand::new();
    let (config, http) = with_channels(with_storage(launch.config(), DEFAULT_DB_DIR), 2).await?;
    let counter = wand.start(ServiceBuilder::actor(config, Counter::new).http(http)).await?;
    let (config, http) = with_channels(second, 2).await?;
    let roll_call = wand.start(ServiceBuilder::new(config, |_| RollCall::default()).http(http)).await?;
    counter.ready().await?;
    println!("ready: service {} on channels {}", counter.service_id(), counter.channels().join(","));
    roll_call.ready().await?;
    println!("ready: service {} on channels {}", roll_call.service_id(), roll_call.channels().join(","));
    actix::spawn(async move {
        let mut every = tokio::time::interval(REPORT_EVERY);
        every.tick().await;
        loop {
            every.tick().await;
            for channel in counter.channels() {
                if let Ok(count) = counter.send(channel, HowMany).await {
                    println!("{count} message(s) in {channel}");
                }
            }
        }
    });
    wand.run_until_signal().await;
    Ok(())
}
