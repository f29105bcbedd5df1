//! The studio's page in chromium against the example services, as a developer uses it: two users
//! chatting with the echo, a button's dialog in `buttons`, the right-click menu and the canvas in
//! `menu_canvas`, the inspector's frames and receipts, and a sever from the fault controls.
//! Screenshots go to `target/studio-screenshots/`.
#![cfg(feature = "platform")]

use crate::examples::{buttons, echo, menu_canvas};
use crate::support::browser::Browser;
use crate::support::service::config;
use crate::support::start_platform;
use fantoccini::Locator;
use fantoccini::elements::Element;
use moobius::platform::PlatformHandle;
use moobius::prelude::*;

/// The CSS of `user`'s pane.
fn pane(user: &str) -> String {
    format!("[data-testid=\"user-pane\"][data-user=\"{user}\"]")
}

/// The CSS of what `user` received as messages.
fn received(user: &str) -> String {
    format!(
        "{} [data-testid=\"message\"][data-dir=\"received\"] [data-testid=\"message-content\"]",
        pane(user)
    )
}

/// The echo example on `platform`, ready: its wand, service id and channel.
async fn echo_on(platform: &PlatformHandle) -> (Wand, ServiceId, ChannelId) {
    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::actor(config(platform, "echo"), echo::Echo::new)).await.unwrap();
    echo.ready().await.unwrap();
    let (service, channel) = (echo.service_id().clone(), echo.channels()[0].clone());
    (wand, service, channel)
}

/// Opens the studio.
async fn open(browser: &Browser, platform: &PlatformHandle) {
    browser.client.goto(&platform.studio_url()).await.expect("the page opens");
    browser.wait_css("[data-testid=\"feed-state\"][data-state=\"open\"]").await;
}

/// Signs `user` in from the page and waits until its pane is logged in.
async fn sign_in(browser: &Browser, user: &str) {
    let name = browser.by_test_id("sign-in-name").await;
    name.clear().await.expect("the name field clears");
    name.send_keys(user).await.expect("the name is typed");
    browser.by_test_id("sign-in-button").await.click().await.expect("sign-in is clicked");
    browser.wait_css(&format!("{}[data-state=\"logged-in\"]", pane(user))).await;
}

/// Joins `channel` as `user` (by id) and waits for the channel's view in the pane.
async fn join(browser: &Browser, user: &str, channel: &ChannelId) {
    let input = browser.wait_css(&format!("{} [data-testid=\"join-input\"]", pane(user))).await;
    input.send_keys(channel.as_str()).await.expect("the channel id is typed");
    browser.wait_css(&format!("{} [data-testid=\"join-button\"]", pane(user))).await.click().await.unwrap();
    browser
        .wait_css(&format!("{} [data-testid=\"channel-view\"][data-channel-id=\"{channel}\"]", pane(user)))
        .await;
}

/// Types `text` in `user`'s chat box and sends it.
async fn say(browser: &Browser, user: &str, text: &str) {
    let input = browser.wait_css(&format!("{} [data-testid=\"compose-input\"]", pane(user))).await;
    input.send_keys(text).await.expect("the text is typed");
    browser.wait_css(&format!("{} [data-testid=\"compose-send\"]", pane(user))).await.click().await.unwrap();
}

/// The texts of every element matching `css`.
async fn texts(browser: &Browser, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for element in browser.client.find_all(Locator::Css(css)).await.unwrap_or_default() {
        out.push(element.text().await.unwrap_or_default());
    }
    out
}

/// Right-clicks `element`.
async fn right_click(browser: &Browser, element: &Element) {
    let script = "arguments[0].dispatchEvent(new MouseEvent('contextmenu', {bubbles: true, cancelable: true, clientX: 40, clientY: 40, button: 2}));";
    let arg = serde_json::to_value(element).expect("an element reference");
    browser.client.execute(script, vec![arg]).await.expect("the context menu opens");
}

#[actix_rt::test]
async fn the_page_loads_from_the_platform_alone() {
    let Some(browser) = Browser::start().await else { return };
    let platform = start_platform().await;
    open(&browser, &platform).await;
    let title = browser.client.title().await.expect("a title");
    assert!(title.contains("Moobius studio"), "{title}");
    // Every resource the page loaded came from the platform (it works offline).
    let origins = browser
        .client
        .execute("return performance.getEntriesByType('resource').map(e => new URL(e.name).origin);", vec![])
        .await
        .expect("the resource list");
    let own = platform.http_url();
    let origins = origins.as_array().cloned().unwrap_or_default();
    assert!(!origins.is_empty());
    assert!(origins.iter().all(|o| o.as_str() == Some(own.as_str())), "{origins:?} (expected only {own})");
    browser.close().await;
}

#[actix_rt::test]
async fn two_users_chat_with_the_echo_and_each_sees_only_their_own_echo() {
    let Some(browser) = Browser::start().await else { return };
    let platform = start_platform().await;
    let (wand, service, channel) = echo_on(&platform).await;

    open(&browser, &platform).await;
    sign_in(&browser, "alice").await;
    sign_in(&browser, "bob").await;
    join(&browser, "alice", &channel).await;
    join(&browser, "bob", &channel).await;

    say(&browser, "alice", "hello from alice").await;
    browser.wait_text(&received("alice"), "hello from alice").await;
    // Bob's own echo comes after; by then alice's would have reached him too, had it been sent.
    say(&browser, "bob", "fence from bob").await;
    browser.wait_text(&received("bob"), "fence from bob").await;
    let bobs = texts(&browser, &received("bob")).await;
    assert!(!bobs.iter().any(|t| t.contains("hello from alice")), "bob saw alice's echo: {bobs:?}");
    let alices = texts(&browser, &received("alice")).await;
    assert!(!alices.iter().any(|t| t.contains("fence from bob")), "alice saw bob's echo: {alices:?}");
    // The sender shown is the service.
    let sender = browser
        .wait_css(&format!("{} [data-testid=\"message\"][data-dir=\"received\"]", pane("alice")))
        .await
        .attr("data-sender")
        .await
        .unwrap();
    assert_eq!(sender.as_deref(), Some(service.as_str()));
    browser.screenshot("echo-two-users").await;
    browser.close().await;
    wand.shutdown().await;
}

#[actix_rt::test]
async fn a_buttons_dialog_sends_the_dropdown_choice_and_the_text() {
    let Some(browser) = Browser::start().await else { return };
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let service =
        wand.start(ServiceBuilder::new(config(&platform, "buttons"), |_| buttons::Buttons)).await.unwrap();
    service.ready().await.unwrap();
    let channel = service.channels()[0].clone();

    open(&browser, &platform).await;
    sign_in(&browser, "alice").await;
    join(&browser, "alice", &channel).await;
    browser.wait_text(&received("alice"), "Click a button.").await;

    browser
        .wait_css(&format!("{} [data-testid=\"button-meal\"]", pane("alice")))
        .await
        .click()
        .await
        .unwrap();
    let dialog = browser.by_test_id("dialog").await;
    // The dropdown (the first component) and the text (the second).
    let dropdown = dialog.find(Locator::Css("[data-testid=\"dialog-input-0\"]")).await.expect("the dropdown");
    dropdown
        .select_by_label("soup")
        .await
        .or(dropdown.select_by_value("soup").await)
        .expect("soup is offered");
    let note = dialog.find(Locator::Css("[data-testid=\"dialog-input-1\"]")).await.expect("the text field");
    note.send_keys("no salt").await.unwrap();
    browser.screenshot("buttons-dialog").await;
    let submit = match dialog.find(Locator::Css("[data-testid=\"dialog-submit\"]")).await {
        Ok(submit) => submit,
        Err(_) => {
            dialog.find(Locator::Css("[data-testid^=\"dialog-button-\"]")).await.expect("a submit button")
        }
    };
    submit.click().await.unwrap();
    // Submitted with the page's default bottom button, `confirm`, as the Moobius client does
    // (the vectors' captures); the text is rendered as Markdown, so the backticks are code.
    browser
        .wait_text(&received("alice"), "You clicked meal and chose confirm with Dish = soup, Note = no salt.")
        .await;

    // A bottom button of another dialog is sent with its id.
    browser
        .wait_css(&format!("{} [data-testid=\"button-launch\"]", pane("alice")))
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_css("[data-testid=\"dialog\"] [data-testid=\"dialog-button-no\"]")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_text(&received("alice"), "You clicked launch and chose no.").await;
    browser.close().await;
    wand.shutdown().await;
}

#[actix_rt::test]
async fn the_right_click_menu_answers_and_the_canvas_shows_and_hides() {
    let Some(browser) = Browser::start().await else { return };
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let service = wand
        .start(ServiceBuilder::new(config(&platform, "menu"), |_| menu_canvas::MenuCanvas::default()))
        .await
        .unwrap();
    service.ready().await.unwrap();
    let channel = service.channels()[0].clone();

    open(&browser, &platform).await;
    sign_in(&browser, "alice").await;
    join(&browser, "alice", &channel).await;
    let canvas = format!("{} [data-testid=\"canvas-panel\"]", pane("alice"));
    browser
        .wait_text(&format!("{canvas} [data-testid=\"canvas-text\"]"), "0 menu click(s) in this channel")
        .await;

    say(&browser, "alice", "hello world").await;
    let echoed = browser.wait_text(&received("alice"), "hello world").await;
    right_click(&browser, &echoed).await;
    let menu = browser.by_test_id("context-menu").await;
    assert_eq!(menu.attr("data-subtype").await.unwrap().as_deref(), Some("text"));
    browser.screenshot("menu").await;
    menu.find(Locator::Css("[data-testid=\"menu-item-shout\"]"))
        .await
        .expect("the shout item")
        .click()
        .await
        .unwrap();
    browser.wait_text(&received("alice"), "HELLO WORLD!").await;
    browser
        .wait_text(&format!("{canvas} [data-testid=\"canvas-text\"]"), "1 menu click(s) in this channel")
        .await;

    // The canvas button hides the canvas (a style update), and shows it again.
    let toggle = format!("{} [data-testid=\"button-canvas\"]", pane("alice"));
    browser.wait_css(&toggle).await.click().await.unwrap();
    browser.wait_css(&format!("{canvas}[data-display=\"invisible\"]")).await;
    assert!(!browser.wait_css(&canvas).await.is_displayed().await.unwrap(), "the hidden canvas is not shown");
    browser.wait_css(&toggle).await.click().await.unwrap();
    browser.wait_css(&format!("{canvas}[data-display=\"visible\"]")).await;
    assert!(browser.wait_css(&canvas).await.is_displayed().await.unwrap());
    browser.screenshot("canvas").await;
    browser.close().await;
    wand.shutdown().await;
}

#[actix_rt::test]
async fn the_inspector_lists_each_frame_with_its_receipt_and_a_sever_loses_no_message() {
    let Some(browser) = Browser::start().await else { return };
    let platform = start_platform().await;
    let (wand, _, channel) = echo_on(&platform).await;

    open(&browser, &platform).await;
    sign_in(&browser, "alice").await;
    join(&browser, "alice", &channel).await;
    say(&browser, "alice", "inspect me").await;
    browser.wait_text(&received("alice"), "inspect me").await;

    // The message_up's row shows its receipt, accepted.
    let row = browser
        .wait_css(
            "[data-testid=\"inspector-row\"][data-dir=\"in\"][data-type=\"message_up\"][data-status=\"ok\"]",
        )
        .await;
    let request_id = row.attr("data-request-id").await.unwrap().expect("the row names its request id");
    assert!(!request_id.is_empty());
    row.click().await.unwrap();
    browser.wait_text("[data-testid=\"inspector-json\"]", &request_id).await;
    browser.wait_text("[data-testid=\"inspector-json\"]", "inspect me").await;
    browser.screenshot("inspector").await;

    // Sever everything from the controls: the pane reconnects, and what is said next arrives.
    browser.by_test_id("control-sever-all").await.click().await.unwrap();
    browser.wait_css("[data-testid=\"inspector-row\"][data-kind=\"control\"]").await;
    browser.wait_css(&format!("{}[data-state=\"logged-in\"]", pane("alice"))).await;
    let before = texts(&browser, &received("alice")).await.len();
    for n in 0..3 {
        say(&browser, "alice", &format!("after the sever {n}")).await;
    }
    for n in 0..3 {
        browser.wait_text(&received("alice"), &format!("after the sever {n}")).await;
    }
    let after = texts(&browser, &received("alice")).await;
    assert_eq!(after.len(), before + 3, "each message echoed once: {after:?}");
    assert_eq!(
        after.iter().filter(|t| t.contains("inspect me")).count(),
        1,
        "nothing shown twice: {after:?}"
    );
    browser.close().await;
    wand.shutdown().await;
}

#[actix_rt::test]
async fn a_conversation_recorded_from_the_page_replays_against_a_fresh_echo() {
    use moobius::platform::replay::{ReplayOptions, replay};
    use moobius::platform::transcript::Transcript;
    let Some(browser) = Browser::start().await else { return };
    let platform = start_platform().await;
    let (wand, _, channel) = echo_on(&platform).await;

    open(&browser, &platform).await;
    sign_in(&browser, "alice").await;
    browser.by_test_id("control-record").await.click().await.unwrap();
    browser.wait_css("[data-testid=\"control-record\"][data-recording=\"true\"]").await;
    join(&browser, "alice", &channel).await;
    for text in ["one", "two"] {
        say(&browser, "alice", text).await;
        browser.wait_text(&received("alice"), text).await;
    }
    browser.by_test_id("control-record").await.click().await.unwrap();
    browser.wait_css("[data-testid=\"control-record\"][data-recording=\"false\"]").await;
    // What the page's "Save transcript" link downloads.
    let href = browser.by_test_id("control-save").await.attr("href").await.unwrap().expect("a link");
    let (status, content_type, text) = crate::support::studio::get_raw(&platform, &href).await;
    assert_eq!((status, content_type.starts_with("application/x-ndjson")), (200, true), "{content_type}");
    let transcript = Transcript::parse(&text).expect("a transcript");
    assert!(text.contains(r#""source":"recording""#), "the page's recording, not the history: {text}");
    assert!(text.contains(r#""text":"two""#) && text.contains("join_channel"), "{text}");
    browser.close().await;
    wand.shutdown().await;

    // A fresh platform and a fresh echo answer the same.
    let fresh = start_platform().await;
    let (wand, _, _) = echo_on(&fresh).await;
    let report = replay(&fresh, &transcript, ReplayOptions::default()).await.expect("the replay runs");
    assert!(report.is_empty(), "{report}");
    wand.shutdown().await;
}
