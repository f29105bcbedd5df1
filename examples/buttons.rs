//! The reference demo "buttons": a simple button, a button opening a dialog (a dropdown and a
//! text field), and a button whose dialog has bottom buttons. A click is answered with what was
//! chosen: the button, the bottom button and the arguments.
//!
//! ```sh
//! cargo run --example buttons
//! ```
//!
//! Prints `ready: service <id> on channels <ids>`, then serves until Ctrl-C or SIGTERM. Runs on
//! an embedded local platform unless `MOOBIUS_WS_URL` (and the other `MOOBIUS_*`) are set.

use moobius::prelude::*;
use moobius::service::Launch;

/// Shows the buttons to whoever joins (or refreshes) and answers every click.
pub struct Buttons;

/// The three buttons.
pub fn buttons() -> Vec<Button> {
    let dish = InputComponent {
        choices: Some(vec!["pizza".into(), "salad".into(), "soup".into()]),
        required: Some(true),
        ..InputComponent::new(InputType::Dropdown, "Dish")
    };
    let note = InputComponent {
        placeholder: Some("no onions, please".into()),
        ..InputComponent::new(InputType::Text, "Note")
    };
    let answer = |id: &str, text: &str| BottomButton { id: id.into(), text: text.into(), submit: true };
    vec![
        Button::new("simple", "A simple button"),
        Button::new("meal", "Order a meal")
            .with_dialog(Dialog::new("What would you like?").component(dish).component(note)),
        Button::new("launch", "Launch the rocket").with_dialog(
            Dialog::new("Are you sure?")
                .bottom_button(answer("yes", "Yes"))
                .bottom_button(answer("no", "No")),
        ),
    ]
}

/// What the service answers to a click.
pub fn describe(click: &ButtonClick) -> String {
    let mut answer = format!("You clicked `{}`", click.button_id);
    if let Some(bottom) = &click.bottom_button_id {
        answer += &format!(" and chose `{bottom}`");
    }
    if !click.arguments.is_empty() {
        let arguments: Vec<_> =
            click.arguments.iter().map(|a| format!("{} = {}", a.label, a.value)).collect();
        answer += &format!(" with {}", arguments.join(", "));
    }
    answer + "."
}

impl Service for Buttons {
    fn on_join(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        cx.send_buttons(buttons(), &user);
        cx.send_text("Click a button.", user);
        Ok(())
    }

    fn on_refresh(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        cx.send_buttons(buttons(), user);
        Ok(())
    }

    fn on_button_click(
        &mut self,
        user: CharacterId,
        click: ButtonClick,
        cx: &mut ServiceContext<'_, Self>,
    ) -> ServiceResult {
        cx.send_text(describe(&click), user);
        Ok(())
    }
}

#[actix::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let launch = Launch::from_env_or_local("buttons").await?;
    launch.print_platform();
    let mut wand = Wand::new();
    let service = wand.start(ServiceBuilder::new(launch.config(), |_channel| Buttons)).await?;
    service.ready().await?;
    println!("ready: service {} on channels {}", service.service_id(), service.channels().join(","));
    wand.run_until_signal().await;
    Ok(())
}
