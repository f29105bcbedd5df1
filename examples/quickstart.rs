//! The first thing to run: an echo service and a scripted user on an embedded local platform.
//! The user joins, says hello, gets the echo, clicks a button and gets the reply; the transcript
//! is printed and the program exits. `--serve` keeps the platform and the service running.
//!
//! ```sh
//! cargo run --example quickstart
//! ```

use moobius::prelude::*;
use moobius::service::Launch;
use std::time::Duration;
use tokio::sync::mpsc;

/// The service: greets whoever joins with a button, echoes every message, answers clicks.
struct Echo;

impl Service for Echo {
    fn on_join(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        cx.send_buttons(vec![Button::new("wave", "Wave back")], &user);
        cx.send_text(format!("Welcome, {user}! Say something."), user);
        Ok(())
    }

    fn on_message_up(&mut self, message: ChatMessage, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        cx.send_message(message.content, message.sender);
        Ok(())
    }

    fn on_button_click(
        &mut self,
        user: CharacterId,
        click: ButtonClick,
        cx: &mut ServiceContext<'_, Self>,
    ) -> ServiceResult {
        cx.send_text(format!("You clicked `{}`. Bye!", click.button_id), user);
        Ok(())
    }
}

/// The scripted user: reports what it sees.
struct Human(mpsc::UnboundedSender<String>);

impl Service<AsUser> for Human {
    fn on_message_down(
        &mut self,
        message: ChatMessage,
        _cx: &mut ServiceContext<'_, Self, AsUser>,
    ) -> ServiceResult {
        let text = message.text().unwrap_or("(not text)");
        self.0.send(format!("{}: {text}", message.sender))?;
        Ok(())
    }

    fn on_update(&mut self, update: Update, _cx: &mut ServiceContext<'_, Self, AsUser>) -> ServiceResult {
        if let UpdateContent::Buttons(buttons) = update.content {
            let labels: Vec<_> = buttons.iter().map(|b| b.button_text.as_str()).collect();
            self.0.send(format!("(buttons: {})", labels.join(", ")))?;
        }
        Ok(())
    }
}

/// The next line of the transcript, or an error naming what was expected.
async fn expect(transcript: &mut mpsc::UnboundedReceiver<String>, what: &str) -> Result<String, String> {
    match tokio::time::timeout(Duration::from_secs(10), transcript.recv()).await {
        Ok(Some(line)) => {
            println!("  {line}");
            Ok(line)
        }
        _ => Err(format!("no answer within 10 s: expected {what}")),
    }
}

#[actix::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let serve = std::env::args().any(|arg| arg == "--serve");
    let launch = Launch::from_env_or_local("quickstart").await?;
    launch.print_platform();

    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::new(launch.config(), |_channel| Echo)).await?;
    echo.ready().await?;
    println!("ready: service {} on channels {}", echo.service_id(), echo.channels().join(","));
    let channel = echo.channels()[0].clone();

    let (seen, mut transcript) = mpsc::unbounded_channel();
    let user_config = launch.user_config("alice", std::slice::from_ref(&channel));
    let alice = wand.start(ServiceBuilder::user(user_config, move |_| Human(seen.clone())).shared()).await?;
    alice.ready().await?;

    println!("alice ({}) joins {channel}", alice.user_id());
    alice.actions().do_send(JoinChannel(channel.clone()));
    expect(&mut transcript, "the buttons").await?;
    expect(&mut transcript, "the welcome").await?;
    println!("alice says: hello");
    alice.actions().do_send(SendMessage::text(channel.clone(), "hello", echo.service_id().as_character()));
    let echoed = expect(&mut transcript, "the echo").await?;
    if !echoed.ends_with("hello") {
        return Err(format!("the echo should repeat `hello`, got `{echoed}`").into());
    }
    println!("alice clicks: Wave back");
    alice.actions().do_send(ClickButton::new(channel.clone(), "wave"));
    expect(&mut transcript, "the answer to the click").await?;

    if serve {
        println!("serving until Ctrl-C");
        wand.run_until_signal().await;
    } else {
        wand.shutdown().await;
    }
    println!("done");
    Ok(())
}
