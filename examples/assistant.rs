//! A service whose replies need async work: for each message it looks up the sender's character
//! profile over the HTTP API (without blocking its actor, cached per channel actor) and answers
//! the sender alone with `<n>. Hello <profile name>, you said: <text>`, where `<n>` counts the
//! replies in that channel.
//!
//! ```sh
//! cargo run --example assistant
//! ```
//!
//! Prints `ready: service <id> on channels <ids>`, then serves until Ctrl-C or SIGTERM. Runs on
//! an embedded local platform unless `MOOBIUS_WS_URL` (and the other `MOOBIUS_*`) are set.
//!
//! Each user's replies keep the order of their messages: while a sender's profile is being
//! looked up, that sender's later messages wait behind it (other senders' do not).

use actix::prelude::*;
use moobius::prelude::*;
use moobius::service::Launch;
use std::collections::{HashMap, VecDeque};

/// The assistant of one channel.
pub struct Assistant {
    channel: Channel<AsService>,
    /// Profile names looked up so far.
    names: HashMap<CharacterId, String>,
    /// Messages of senders whose profile is being looked up, in order.
    waiting: HashMap<CharacterId, VecDeque<String>>,
    /// Replies sent in this channel.
    replies: u64,
}

impl Assistant {
    /// The assistant of `channel`.
    pub fn new(channel: Channel<AsService>) -> Self {
        Self { channel, names: HashMap::new(), waiting: HashMap::new(), replies: 0 }
    }

    fn reply(&mut self, to: &CharacterId, name: &str, text: &str) {
        self.replies += 1;
        let answer = format!("{}. Hello {name}, you said: {text}", self.replies);
        self.channel.do_send(SendMessage::text(self.channel.id().clone(), answer, to));
    }

    /// Looks up `sender`'s profile; its messages wait until the answer comes.
    fn look_up(&mut self, sender: CharacterId, ctx: &mut Context<Self>) -> HandlerResult {
        let http = self.channel.http().cloned().ok_or("the assistant needs the HTTP API")?;
        let id = sender.clone();
        let lookup = async move { http.fetch_profiles(std::slice::from_ref(&id)).await };
        ctx.spawn(lookup.into_actor(self).map(move |profiles, this, _ctx| {
            let name = match profiles {
                Ok(profiles) => profiles.into_iter().next().map(|p| p.name).filter(|n| !n.is_empty()),
                Err(e) => {
                    log::warn!("no profile for {sender}: {e}");
                    None
                }
            };
            let name = name.unwrap_or_else(|| sender.to_string());
            for text in this.waiting.remove(&sender).unwrap_or_default() {
                this.reply(&sender, &name, &text);
            }
            this.names.insert(sender, name);
        }));
        Ok(())
    }
}

impl Actor for Assistant {
    type Context = Context<Self>;
}

impl Handler<ChannelEvent> for Assistant {
    type Result = HandlerResult;

    fn handle(&mut self, event: ChannelEvent, ctx: &mut Context<Self>) -> HandlerResult {
        let EventKind::MessageUp(message) = event.kind else { return Ok(()) };
        let text = message.text().unwrap_or("(not text)").to_owned();
        if let Some(name) = self.names.get(&message.sender).cloned() {
            self.reply(&message.sender, &name, &text);
            return Ok(());
        }
        let first = !self.waiting.contains_key(&message.sender);
        self.waiting.entry(message.sender.clone()).or_default().push_back(text);
        if first { self.look_up(message.sender, ctx) } else { Ok(()) }
    }
}

#[actix::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let launch = Launch::from_env_or_local("assistant").await?;
    launch.print_platform();
    let mut wand = Wand::new();
    let assistant = wand.start(ServiceBuilder::actor(launch.config(), Assistant::new)).await?;
    assistant.ready().await?;
    if launch.platform().is_none() && !assistant.created().is_empty() {
        eprintln!(
            "{} (put them in MOOBIUS_SERVICE_ID / MOOBIUS_CHANNELS to reuse them)",
            assistant.created()
        );
    }
    println!("ready: service {} on channels {}", assistant.service_id(), assistant.channels().join(","));
    wand.run_until_signal().await;
    Ok(())
}
