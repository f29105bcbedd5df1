//! The reference SDK's first tutorial: a service that echoes every message back to its sender.
//!
//! ```sh
//! cargo run --example echo                      # on an embedded local platform
//! MOOBIUS_WS_URL=... MOOBIUS_HTTP_URL=... MOOBIUS_EMAIL=... MOOBIUS_PASSWORD=... \
//!     cargo run --example echo                  # on the platform the environment names
//! ```
//!
//! It prints `ready: service <id> on channels <ids>` once logged in and bound, then serves until
//! Ctrl-C or SIGTERM. (`tests/examples.rs` includes this file as a module to test `Echo`.)

use moobius::prelude::*;
use moobius::service::Launch;

/// Echoes every message, whatever its kind, to whoever sent it.
pub struct Echo;

impl Service for Echo {
    fn on_message_up(&mut self, message: Message, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        cx.send_message(message.content, message.sender);
        Ok(())
    }
}

#[actix::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let launch = Launch::from_env_or_local("echo").await?;
    if let Some(platform) = launch.platform() {
        println!("local platform on {} (websocket {})", platform.http_url(), platform.ws_url());
    }
    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::new(launch.config(), |_channel| Echo)).await?;
    echo.ready().await?;
    if launch.platform().is_none() && !echo.created().is_empty() {
        eprintln!("{} (put them in MOOBIUS_SERVICE_ID / MOOBIUS_CHANNELS to reuse them)", echo.created());
    }
    println!("ready: service {} on channels {}", echo.service_id(), echo.channels().join(","));
    wand.run_until_signal().await;
    Ok(())
}
