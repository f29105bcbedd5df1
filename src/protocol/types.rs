//! The data shapes frames and events carry: buttons, dialogs, menus, style, canvas, characters.
//!
//! These are plain serde structs, shared by both directions. Optional fields are skipped when
//! absent, which matches the reference SDK's `null`s under PROTOCOL.md's rule (null = absent).

use super::ids::{ChannelId, CharacterId};
use serde::{Deserialize, Serialize};

/// Free-form metadata carried in most bodies (`{}` when unused).
pub type Context = serde_json::Map<String, serde_json::Value>;

/// A button shown in the channel's button bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// The id a click reports back.
    pub button_id: String,
    /// The label the user sees.
    pub button_text: String,
    /// A dialog that pops up when the button is clicked, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialog: Option<Dialog>,
}

impl Button {
    /// A simple button with no dialog.
    ///
    /// # Examples
    /// ```
    /// let b = moobius::protocol::Button::new("easy", "Simple button.");
    /// assert_eq!(b.button_id, "easy");
    /// ```
    pub fn new(button_id: impl Into<String>, button_text: impl Into<String>) -> Self {
        Self { button_id: button_id.into(), button_text: button_text.into(), dialog: None }
    }

    /// The same button, opening `dialog` when clicked.
    pub fn with_dialog(mut self, dialog: Dialog) -> Self {
        self.dialog = Some(dialog);
        self
    }
}

/// A pop-up dialog: input components and optional bottom buttons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dialog {
    /// The dialog's title.
    pub title: String,
    /// The inputs, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<InputComponent>>,
    /// Buttons at the bottom of the dialog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bottom_buttons: Option<Vec<BottomButton>>,
}

impl Dialog {
    /// A dialog with a title and no components yet.
    pub fn new(title: impl Into<String>) -> Self {
        Self { title: title.into(), components: None, bottom_buttons: None }
    }

    /// Adds an input component.
    pub fn component(mut self, component: InputComponent) -> Self {
        self.components.get_or_insert_with(Vec::new).push(component);
        self
    }

    /// Adds a bottom button.
    pub fn bottom_button(mut self, button: BottomButton) -> Self {
        self.bottom_buttons.get_or_insert_with(Vec::new).push(button);
        self
    }
}

/// The kind of an [`InputComponent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputType {
    /// One line of text.
    Text,
    /// Several lines of text.
    Textbox,
    /// A choice among `choices`.
    Dropdown,
    /// A number.
    Number,
    /// A hidden text.
    Password,
    /// The SDK's placeholder for a broken component.
    Invalid,
}

/// One input of a [`Dialog`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputComponent {
    /// The label shown, and reported back in [`ClickArgument::label`].
    pub label: String,
    /// What kind of input.
    #[serde(rename = "type")]
    pub kind: InputType,
    /// Whether the user must fill it in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Grey hint text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// The options of a dropdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
}

impl InputComponent {
    /// A component of the given kind and label, optional fields unset.
    pub fn new(kind: InputType, label: impl Into<String>) -> Self {
        Self { label: label.into(), kind, required: None, placeholder: None, choices: None }
    }
}

/// A button at the bottom of a dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BottomButton {
    /// Reported back as `bottom_button_id`.
    pub id: String,
    /// The label.
    pub text: String,
    /// Whether pressing it sends the click.
    pub submit: bool,
}

/// An entry of the right-click menu on messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuItem {
    /// The id a click reports back.
    pub menu_item_id: String,
    /// The label.
    pub menu_item_text: String,
    /// The message subtypes (`text`, `image`, ...) the item appears on.
    pub message_subtypes: Vec<String>,
    /// A dialog opened by the item, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialog: Option<Dialog>,
}

/// How a widget is displayed, in a [`StyleItem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Shown.
    Visible,
    /// Hidden.
    Invisible,
    /// Shown and highlighted.
    Highlight,
}

/// One style instruction: how a widget is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StyleItem {
    /// The widget (`canvas`, `button`, ...).
    pub widget: String,
    /// How it is displayed.
    pub display: Visibility,
    /// Whether it is expanded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expand: Option<bool>,
    /// The button this item styles, for `widget: "button"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_id: Option<String>,
    /// Text (HTML) shown with the widget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// One item of the canvas: text, an image, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CanvasItem {
    /// Text shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// An image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// A channel's name, description and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelInfo {
    /// The channel.
    pub channel_id: ChannelId,
    /// Its display name.
    pub channel_name: String,
    /// Its description.
    pub channel_description: String,
    /// Its type (`ccs` for a custom channel service).
    pub channel_type: String,
}

/// One input value of a button or menu click.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClickArgument {
    /// The label of the dialog component.
    pub label: String,
    /// What the user entered or chose.
    pub value: String,
    /// The file name, for a file input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

impl ClickArgument {
    /// An argument with a label and a value.
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self { label: label.into(), value: value.into(), filename: None }
    }
}

/// A character's profile (a user or an agent), as the HTTP API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Character {
    /// The character id (a user's id for users).
    pub character_id: CharacterId,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Free-form extra data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub character_context: Option<Context>,
}
