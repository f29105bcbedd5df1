//! The reference demo "groupchat": every message is relayed to the channel's members, and each
//! member picks a mode by button: default (hears everyone), quiet (hears nothing) or VIP (VIP
//! messages reach only VIPs). The members and their modes are per-channel state.
//!
//! ```sh
//! cargo run --example groupchat
//! ```
//!
//! Prints `ready: service <id> on channels <ids>`, then serves until Ctrl-C or SIGTERM. Runs on
//! an embedded local platform unless `MOOBIUS_WS_URL` (and the other `MOOBIUS_*`) are set.
//!
//! Each message is relayed in its author's name, as the reference SDK's demo does
//! (`send_message(message)`): a service may speak as a current member of the channel.

use moobius::prelude::*;
use moobius::service::Launch;
use std::collections::BTreeMap;

/// How a member takes part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Hears everyone but VIPs.
    Default,
    /// Hears nothing.
    Quiet,
    /// Hears everyone; what a VIP says reaches only VIPs.
    Vip,
}

impl Mode {
    const ALL: [(Mode, &'static str, &'static str); 3] =
        [(Mode::Default, "default", "Default"), (Mode::Quiet, "quiet", "Quiet"), (Mode::Vip, "vip", "VIP")];

    /// Whether a member in this mode hears a member in mode `speaker`.
    pub fn hears(self, speaker: Mode) -> bool {
        match self {
            Mode::Quiet => false,
            Mode::Default => speaker != Mode::Vip,
            Mode::Vip => true,
        }
    }
}

/// One channel's chat: its members and their modes.
#[derive(Debug, Default)]
pub struct GroupChat {
    members: BTreeMap<CharacterId, Mode>,
}

/// The mode buttons.
pub fn mode_buttons() -> Vec<Button> {
    Mode::ALL.iter().map(|(_, id, text)| Button::new(*id, format!("{text} mode"))).collect()
}

impl Service for GroupChat {
    fn on_join(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        self.members.insert(user.clone(), Mode::Default);
        cx.send_buttons(mode_buttons(), &user);
        cx.send_text(
            format!("Welcome! {} member(s) here; you are in default mode.", self.members.len()),
            user,
        );
        Ok(())
    }

    fn on_leave(&mut self, user: CharacterId, _cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        self.members.remove(&user);
        Ok(())
    }

    fn on_refresh(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        cx.send_buttons(mode_buttons(), user);
        Ok(())
    }

    fn on_button_click(
        &mut self,
        user: CharacterId,
        click: ButtonClick,
        cx: &mut ServiceContext<'_, Self>,
    ) -> ServiceResult {
        match Mode::ALL.iter().find(|(_, id, _)| *id == click.button_id) {
            Some((mode, _, text)) => {
                self.members.insert(user.clone(), *mode);
                cx.send_text(format!("You are now in {text} mode."), user);
            }
            None => cx.send_text(format!("There is no `{}` mode.", click.button_id), user),
        }
        Ok(())
    }

    fn on_message_up(&mut self, message: ChatMessage, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        let speaker = *self.members.entry(message.sender.clone()).or_insert(Mode::Default);
        let audience: Vec<CharacterId> =
            self.members.iter().filter(|(_, mode)| mode.hears(speaker)).map(|(id, _)| id.clone()).collect();
        if audience.is_empty() {
            return Ok(());
        }
        cx.send_message_as(message.sender, message.content, audience);
        Ok(())
    }
}

#[actix::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let launch = Launch::from_env_or_local("groupchat").await?;
    launch.print_platform();
    let mut wand = Wand::new();
    let chat = wand.start(ServiceBuilder::new(launch.config(), |_channel| GroupChat::default())).await?;
    chat.ready().await?;
    println!("ready: service {} on channels {}", chat.service_id(), chat.channels().join(","));
    wand.run_until_signal().await;
    Ok(())
}
