//! A right-click menu on messages, a canvas and a style change. Every message is echoed so there
//! is something to right-click; the menu shouts a message or counts its letters; the canvas shows
//! every member how many menu clicks the channel has seen; a button hides or shows the canvas.
//!
//! ```sh
//! cargo run --example menu_canvas
//! ```
//!
//! Prints `ready: service <id> on channels <ids>`, then serves until Ctrl-C or SIGTERM. Runs on
//! an embedded local platform unless `MOOBIUS_WS_URL` (and the other `MOOBIUS_*`) are set.

use moobius::prelude::*;
use moobius::service::Launch;
use std::collections::BTreeSet;

/// One channel's state: its members, its menu clicks, and who hid the canvas.
#[derive(Debug, Default)]
pub struct MenuCanvas {
    members: BTreeSet<CharacterId>,
    clicks: u64,
    hidden: BTreeSet<CharacterId>,
}

/// The right-click menu, on text messages.
pub fn menu() -> Vec<MenuItem> {
    let item = |id: &str, text: &str| MenuItem {
        menu_item_id: id.into(),
        menu_item_text: text.into(),
        message_subtypes: vec!["text".into()],
        dialog: None,
    };
    vec![item("shout", "Shout it"), item("count", "Count its letters")]
}

/// The canvas after `clicks` menu clicks.
pub fn canvas(clicks: u64) -> Vec<CanvasItem> {
    vec![CanvasItem { text: Some(format!("{clicks} menu click(s) in this channel")), path: None }]
}

/// The style that shows (or hides) the canvas.
pub fn canvas_style(shown: bool) -> Vec<StyleItem> {
    let display = if shown { Visibility::Visible } else { Visibility::Invisible };
    vec![StyleItem { widget: "canvas".into(), display, expand: Some(shown), button_id: None, text: None }]
}

impl Service for MenuCanvas {
    fn on_join(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        self.members.insert(user.clone());
        cx.send_menu(menu(), &user);
        cx.send_canvas(canvas(self.clicks), &user);
        cx.send_style(canvas_style(true), &user);
        cx.send_buttons(vec![Button::new("canvas", "Hide or show the canvas")], &user);
        cx.send_text("Say something, then right-click it.", user);
        Ok(())
    }

    fn on_leave(&mut self, user: CharacterId, _cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        self.members.remove(&user);
        self.hidden.remove(&user);
        Ok(())
    }

    fn on_message_up(&mut self, message: ChatMessage, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        cx.send_message(message.content, message.sender);
        Ok(())
    }

    fn on_menu_item_click(
        &mut self,
        user: CharacterId,
        click: MenuItemClick,
        cx: &mut ServiceContext<'_, Self>,
    ) -> ServiceResult {
        let text = click.message_content.get("text").and_then(|t| t.as_str()).unwrap_or_default();
        let answer = match click.menu_item_id.as_str() {
            "shout" => format!("{}!", text.to_uppercase()),
            "count" => {
                format!("`{text}` has {} letter(s).", text.chars().filter(|c| c.is_alphabetic()).count())
            }
            other => format!("There is no `{other}` menu item."),
        };
        self.clicks += 1;
        cx.send_text(answer, user);
        cx.send_canvas(canvas(self.clicks), Vec::from_iter(self.members.iter().cloned()));
        Ok(())
    }

    fn on_button_click(
        &mut self,
        user: CharacterId,
        _click: ButtonClick,
        cx: &mut ServiceContext<'_, Self>,
    ) -> ServiceResult {
        // Hidden for this user until now: show it; shown: hide it.
        let was_hidden = self.hidden.remove(&user);
        if !was_hidden {
            self.hidden.insert(user.clone());
        }
        cx.send_style(canvas_style(was_hidden), user);
        Ok(())
    }
}

#[actix::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let launch = Launch::from_env_or_local("menu_canvas").await?;
    launch.print_platform();
    let mut wand = Wand::new();
    let service = wand.start(ServiceBuilder::new(launch.config(), |_| MenuCanvas::default())).await?;
    service.ready().await?;
    println!("ready: service {} on channels {}", service.service_id(), service.channels().join(","));
    wand.run_until_signal().await;
    Ok(())
}
