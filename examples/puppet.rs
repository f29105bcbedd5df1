//! A user-mode bot: it logs in as a user, joins channels and talks to the service there. It says
//! hello, answers every question it hears, and clicks the first button it is shown (once per
//! channel). Built with `ServiceBuilder::user`: the same runtime, acting as a human.
//!
//! ```sh
//! cargo run --example puppet
//! ```
//!
//! With no `MOOBIUS_WS_URL`, it starts an embedded local platform and a small echo service to talk
//! to, prints that service's `ready: service <id> on channels <ids>`, and the conversation. With
//! the variables set, the puppet is the `MOOBIUS_EMAIL` user: it joins `MOOBIUS_CHANNELS` and
//! talks to the service `MOOBIUS_SERVICE_ID` (if set), printing `ready: service <its user id> on
//! channels <ids>`. Either way it runs until Ctrl-C or SIGTERM.

use moobius::prelude::*;
use moobius::service::Launch;
use std::collections::HashSet;

/// What the puppet says first.
pub const GREETING: &str = "hello, is anyone there?";

/// The puppet: one instance for all the channels it joined.
pub struct Puppet {
    target: Option<ServiceId>,
    clicked: HashSet<ChannelId>,
}

impl Puppet {
    /// A puppet talking to the service `target` (to itself when `None`: the platform hands a
    /// user's message to the channel's service whoever it names).
    pub fn new(target: Option<ServiceId>) -> Self {
        Self { target, clicked: HashSet::new() }
    }
}

/// Whom a puppet's messages name: the target service, or the puppet itself.
fn addressee(target: Option<&ServiceId>, me: &CharacterId) -> CharacterId {
    target.map_or_else(|| me.clone(), ServiceId::as_character)
}

impl Service<AsUser> for Puppet {
    fn on_message_down(
        &mut self,
        message: ChatMessage,
        cx: &mut ServiceContext<'_, Self, AsUser>,
    ) -> ServiceResult {
        let text = message.text().unwrap_or("(not text)");
        println!("puppet heard in {}: {text}", message.channel_id);
        if text.ends_with('?') {
            cx.send_text(
                format!("yes, I heard `{text}`"),
                addressee(self.target.as_ref(), cx.channel().me()),
            );
        }
        Ok(())
    }

    fn on_update(&mut self, update: Update, cx: &mut ServiceContext<'_, Self, AsUser>) -> ServiceResult {
        if let UpdateContent::Buttons(buttons) = &update.content
            && let Some(first) = buttons.first()
            && self.clicked.insert(update.channel_id.clone())
        {
            println!("puppet clicks `{}` in {}", first.button_text, update.channel_id);
            cx.click_button(ButtonClick {
                button_id: first.button_id.clone(),
                bottom_button_id: None,
                arguments: Vec::new(),
            });
        }
        Ok(())
    }
}

/// The service the puppet talks to on the embedded platform: echoes, and offers a button.
pub struct Echo;

impl Service for Echo {
    fn on_join(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        cx.send_buttons(vec![Button::new("poke", "Poke the service")], user);
        Ok(())
    }

    fn on_message_up(&mut self, message: ChatMessage, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        cx.send_message(message.content, message.sender);
        Ok(())
    }

    fn on_button_click(
        &mut self,
        user: CharacterId,
        _: ButtonClick,
        cx: &mut ServiceContext<'_, Self>,
    ) -> ServiceResult {
        cx.send_text("ouch! are you a puppet?", user);
        Ok(())
    }
}

#[actix::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let launch = Launch::from_env_or_local("puppet-echo").await?;
    let mut wand = Wand::new();
    let (config, target) = match launch.platform() {
        // Embedded platform: start the echo service, and make the puppet a user in its channel.
        Some(_) => {
            let echo = wand.start(ServiceBuilder::new(launch.config(), |_| Echo)).await?;
            echo.ready().await?;
            println!("ready: service {} on channels {}", echo.service_id(), echo.channels().join(","));
            (launch.user_config("puppet", echo.channels()), Some(echo.service_id().clone()))
        }
        // A platform from the environment: the configured account is the puppet.
        None => (launch.config(), launch.config().service.service_id),
    };
    let factory_target = target.clone();
    let puppet = wand
        .start(ServiceBuilder::user(config, move |_| Puppet::new(factory_target.clone())).shared())
        .await?;
    puppet.ready().await?;
    if launch.platform().is_none() {
        println!("ready: service {} on channels {}", puppet.user_id(), puppet.channels().join(","));
    }
    let to = addressee(target.as_ref(), puppet.user_id());
    for channel in puppet.channels() {
        puppet.actions().do_send(JoinChannel(channel.clone()));
        println!("puppet says in {channel}: {GREETING}");
        puppet.actions().do_send(SendMessage::text(channel.clone(), GREETING, &to));
    }
    wand.run_until_signal().await;
    Ok(())
}
