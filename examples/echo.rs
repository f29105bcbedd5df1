//! The reference SDK's first tutorial: a service that echoes every message back to its sender.
//!
//! ```sh
//! cargo run --example echo                      # on an embedded local platform
//! MOOBIUS_WS_URL=... MOOBIUS_HTTP_URL=... MOOBIUS_EMAIL=... MOOBIUS_PASSWORD=... \
//!     cargo run --example echo                  # on the platform the environment names
//! ```
//!
//! It prints `ready: service <id> on channels <ids>` once logged in and bound, then serves until
//! Ctrl-C or SIGTERM. (`tests/it/examples/` includes this file as a module to test `Echo`.)

use actix::prelude::*;
use moobius::prelude::*;
use moobius::service::Launch;

/// Echoes every message, whatever its kind, to whoever sent it: one actor per channel.
pub struct Echo {
    channel: Channel<AsService>,
}

impl Echo {
    /// The echo of `channel`.
    pub fn new(channel: Channel<AsService>) -> Self {
        Self { channel }
    }
}

impl Actor for Echo {
    type Context = Context<Self>;
}

impl Handler<ChannelEvent> for Echo {
    type Result = HandlerResult;

    fn handle(&mut self, event: ChannelEvent, _ctx: &mut Context<Self>) -> HandlerResult {
        if let EventKind::MessageUp(message) = event.kind {
            self.channel.do_send(SendMessage::new(event.channel_id, message.content, message.sender));
        }
        Ok(())
    }
}

#[actix::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let launch = Launch::from_env_or_local("echo").await?;
    launch.print_platform();
    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::actor(launch.config(), Echo::new)).await?;
    echo.ready().await?;
    if launch.platform().is_none() && !echo.created().is_empty() {
        eprintln!("{} (put them in MOOBIUS_SERVICE_ID / MOOBIUS_CHANNELS to reuse them)", echo.created());
    }
    println!("ready: service {} on channels {}", echo.service_id(), echo.channels().join(","));
    wand.run_until_signal().await;
    Ok(())
}
