//! Every row of `../shared/protocol/vectors/` checked against the protocol types: outbound frames
//! byte-compatible with the reference SDK, inbound events decoded into the variant the row expects
//! and encoded back, malformed text refused with a clear error. A new row is tested as is.

use crate::support::vectors_dir;
use moobius::protocol::{
    ActionKind, BottomButton, BuildError, Button, CanvasItem, ChannelId, ChannelInfo, CharacterId,
    ClickArgument, ClickedMessage, Context, Dialog, Event, Frame, GroupId, Incoming, InputComponent,
    InputType, MenuItem, MessageContent, MessageId, Request, ServiceId, StyleItem, UpdateContent,
    UpdatePayload, Visibility,
};
use serde_json::Value;

pub(super) fn rows(file: &str) -> Vec<Value> {
    let path = vectors_dir().join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let rows: Vec<Value> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{} line {}: not JSON: {e}", path.display(), n + 1))
        })
        .collect();
    assert!(!rows.is_empty(), "{} has no rows", path.display());
    rows
}

/// PROTOCOL.md's comparison rule: an object field whose value is null equals an absent one.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), without_nulls(v))).collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn assert_same_json(name: &str, ours: &str, theirs: &Value) {
    let ours: Value =
        serde_json::from_str(ours).unwrap_or_else(|e| panic!("{name}: we wrote invalid JSON: {e}"));
    assert_eq!(without_nulls(&ours), without_nulls(theirs), "{name}: frame differs from the vector");
}

fn s<'a>(call: &'a Value, key: &str) -> &'a str {
    call[key].as_str().unwrap_or_else(|| panic!("call has no string `{key}`: {call}"))
}

/// Builds the frame the reference SDK built for this row's call, with our constructors.
/// `None` for a row whose call this test does not know (it is still round-tripped).
fn build(name: &str, call: &Value) -> Option<Result<Frame, BuildError>> {
    let svc = || ServiceId::from(s(call, "service_id"));
    let chan = || ChannelId::from(s(call, "channel_id"));
    let rec = || GroupId::from(s(call, "recipients"));
    let user = || CharacterId::from(s(call, "user_id"));
    let args = |key: &str| -> Vec<ClickArgument> { serde_json::from_value(call[key].clone()).unwrap() };
    let content = |subtype: &str| -> MessageContent {
        let c = &call["content"];
        let str_of = |k: &str| c[k].as_str().unwrap().to_owned();
        match subtype {
            "text" => MessageContent::Text(str_of("text")),
            "image" => MessageContent::Image(str_of("path")),
            "file" => MessageContent::File {
                path: str_of("path"),
                filename: str_of("filename"),
                size: c["size"].as_u64().unwrap(),
            },
            "card" => MessageContent::Card {
                link: str_of("link"),
                title: str_of("title"),
                button: str_of("button"),
                text: str_of("text"),
            },
            other => panic!("no content for {other}"),
        }
    };
    Some(match name {
        "heartbeat" => Ok(Frame::heartbeat()),
        "service_login" => Ok(Frame::service_login(svc(), s(call, "access_token"))),
        "user_login" => Ok(Frame::user_login(s(call, "access_token"))),
        "join_channel" => Ok(Frame::join_channel(user(), chan())),
        "leave_channel" => Ok(Frame::leave_channel(user(), chan())),
        "refresh_as_user" => Ok(Frame::refresh(user(), chan())),
        "send_characters" => {
            Frame::send_characters(svc(), chan(), GroupId::from(s(call, "characters")), rec())
        }
        "send_buttons" => {
            let hard = Dialog::new("options")
                .component(InputComponent {
                    choices: Some(vec!["Apple".into(), "Banana".into(), "Coconut".into()]),
                    placeholder: Some("Tasty!".into()),
                    required: Some(false),
                    ..InputComponent::new(InputType::Dropdown, "Pick a fruit!")
                })
                .component(InputComponent {
                    choices: Some(vec![]),
                    placeholder: Some("Artsy!".into()),
                    required: Some(true),
                    ..InputComponent::new(InputType::Text, "Favorite color!")
                });
            let mut bottom = Dialog::new("options")
                .bottom_button(BottomButton {
                    id: "b0".into(),
                    text: "Dont send the click".into(),
                    submit: false,
                })
                .bottom_button(BottomButton { id: "b1".into(), text: "Send it!".into(), submit: true });
            bottom.components = Some(vec![]);
            let buttons = vec![
                Button::new("easy", "Simple button."),
                Button::new("hard", "Pop-up button.").with_dialog(hard),
                Button::new("bottom", "Bottom button.").with_dialog(bottom),
            ];
            Frame::send_buttons(svc(), chan(), buttons, rec())
        }
        "send_menu" => {
            let rate = Dialog::new("Rate it").component(InputComponent {
                required: Some(true),
                ..InputComponent::new(InputType::Number, "Stars")
            });
            let items = vec![
                MenuItem {
                    menu_item_id: "m1".into(),
                    menu_item_text: "Reply".into(),
                    message_subtypes: vec!["text".into()],
                    dialog: None,
                },
                MenuItem {
                    menu_item_id: "m2".into(),
                    menu_item_text: "Rate".into(),
                    message_subtypes: vec!["text".into(), "image".into()],
                    dialog: Some(rate),
                },
            ];
            Frame::send_menu(svc(), chan(), items, rec())
        }
        "send_style" => {
            let items = vec![
                StyleItem {
                    widget: "canvas".into(),
                    display: Visibility::Visible,
                    expand: Some(true),
                    button_id: None,
                    text: None,
                },
                StyleItem {
                    widget: "button".into(),
                    display: Visibility::Highlight,
                    expand: None,
                    button_id: Some("easy".into()),
                    text: Some("<h1>Start here</h1>".into()),
                },
            ];
            Frame::send_style(svc(), chan(), items, rec())
        }
        "update_channel_info" => Ok(Frame::update_channel_info(
            svc(),
            ChannelInfo {
                channel_id: chan(),
                channel_name: "Lobby".into(),
                channel_description: "A test channel".into(),
                channel_type: "ccs".into(),
            },
        )),
        "update_canvas" => {
            let items = vec![
                CanvasItem {
                    path: Some("https://example.invalid/a.png".into()),
                    text: Some("the_text".into()),
                },
                CanvasItem { path: None, text: Some("the_text2".into()) },
            ];
            Frame::update_canvas(svc(), chan(), items, rec())
        }
        "update" => {
            let data: Context = serde_json::from_value(call["data"].clone()).unwrap();
            Ok(Frame::update(svc(), data))
        }
        "message_up_text" => Frame::message_up(user(), svc(), chan(), content("text"), rec()),
        n if n.starts_with("message_down_") && call.get("sender").is_some() => {
            let subtype = n.trim_start_matches("message_down_");
            Frame::message_down(svc(), chan(), content(subtype), rec(), CharacterId::from(s(call, "sender")))
                .map(|mut frame| {
                    if let (Frame::MessageDown { body, .. }, Some(Value::Object(ctx))) =
                        (&mut frame, call.get("context"))
                    {
                        body.context = Some(ctx.clone());
                    }
                    frame
                })
        }
        "message_down_no_recipients" => {
            Frame::message_down("svc".into(), "chan".into(), MessageContent::text("x"), rec(), "agent".into())
        }
        "send_button_click" => Ok(Frame::button_click(
            user(),
            chan(),
            s(call, "button_id"),
            Some(s(call, "bottom_button_id").into()),
            args("button_args"),
        )),
        n if n.starts_with("send_menu_item_click") => {
            let message = match &call["the_message"] {
                Value::String(id) => ClickedMessage::by_id(MessageId::from(id.as_str())),
                full => ClickedMessage {
                    message_id: s(full, "message_id").into(),
                    message_subtype: s(full, "message_subtype").into(),
                    message_content: serde_json::from_value(full["content"].clone()).unwrap(),
                },
            };
            Ok(Frame::menu_item_click(
                user(),
                chan(),
                s(call, "menu_item_id"),
                message,
                Some(s(call, "bottom_button_id").into()),
                args("button_args"),
            ))
        }
        _ => return None,
    })
}

/// Gives a built frame the vector's fixed timestamp, as the issue allows.
fn stamp(frame: &mut Frame, vector: &Value) {
    let timestamp = vector["body"]["timestamp"].as_i64();
    if let Frame::MessageUp { body, .. } | Frame::MessageDown { body, .. } = frame {
        body.timestamp = timestamp;
    }
}

#[test]
fn outbound_frames_match_the_reference_sdk() {
    let mut built = 0;
    for row in rows("outbound.jsonl") {
        let name = row["name"].as_str().expect("row has a name");
        let vector = &row["frame"];
        if !vector.is_null() {
            // Every row, known or new: the vector decodes as a frame and encodes back unchanged.
            let text = vector.to_string();
            let request =
                Request::decode(&text).unwrap_or_else(|e| panic!("{name}: vector does not decode: {e}"));
            assert_same_json(name, &request.encode(), vector);
        }
        let Some(result) = build(name, &row["call"]) else { continue };
        built += 1;
        if vector.is_null() {
            assert_eq!(result, Err(BuildError::NoRecipients), "{name}: the SDK sends nothing here");
            continue;
        }
        let mut frame = result.unwrap_or_else(|e| panic!("{name}: could not build: {e}"));
        stamp(&mut frame, vector);
        let id = vector["request_id"].as_str().expect("vector has a request_id");
        assert_same_json(name, &frame.to_request(id).encode(), vector);
    }
    assert!(built >= 22, "only {built} outbound rows were built from their calls");
}

/// What a row's `expect` sentence asks for, checked against the decoded event.
fn check_expectation(name: &str, expect: &str, incoming: &Incoming) {
    let event = &incoming.event;
    let action = |e: &Event| match e {
        Event::Action(a) => Some(a.kind.subtype()),
        _ => None,
    };
    let ok = if expect.contains("Unknown") || expect.contains("unknown") {
        matches!(event, Event::Unknown(_))
    } else if expect.contains("server error") {
        matches!(event, Event::Error(_))
    } else if expect.contains("resume-gap") {
        matches!(event, Event::ResumeGap(_))
    } else if expect.starts_with("Copy") {
        matches!(event, Event::Receipt(_))
    } else if expect.starts_with("MessageUp") {
        matches!(event, Event::MessageUp(_))
    } else if expect.starts_with("MessageDown") {
        matches!(event, Event::MessageDown(_))
    } else if let Some(rest) = expect.strip_prefix("Update(") {
        let subtype = rest.split(')').next().unwrap_or_default();
        matches!(event, Event::Update(u) if u.content.subtype() == subtype)
    } else if expect.starts_with("ButtonClick") {
        action(event) == Some("button_click")
    } else if expect.starts_with("MenuItemClick") {
        action(event) == Some("menu_item_click")
    } else if let Some(subtype) = expect.split("subtype ").nth(1) {
        action(event) == Some(subtype.trim())
    } else if let Some(word) = expect.strip_suffix(" event") {
        action(event) == Some(word.to_lowercase().as_str())
    } else {
        panic!("{name}: cannot tell what `{expect}` expects; teach check_expectation its wording")
    };
    assert!(ok, "{name}: expected {expect}, decoded {event:?}");
}

#[test]
fn inbound_events_decode_to_what_each_row_expects_and_round_trip() {
    for row in rows("inbound.jsonl") {
        let name = row["name"].as_str().expect("row has a name");
        let expect = row["expect"].as_str().expect("row has an expect");
        let text = row["frame"].to_string();
        let incoming = Incoming::decode(&text).unwrap_or_else(|e| panic!("{name}: does not decode: {e}"));
        check_expectation(name, expect, &incoming);
        assert_same_json(name, &incoming.encode(), &row["frame"]);
    }
}

#[test]
fn inbound_details_the_rows_name() {
    let all = rows("inbound.jsonl");
    let find = |name: &str| {
        let row = all.iter().find(|r| r["name"] == name).unwrap_or_else(|| panic!("no row {name}"));
        Incoming::decode(&row["frame"].to_string()).unwrap()
    };
    let Event::MessageUp(up) = find("message_up_text").event else { panic!() };
    assert_eq!(up.content, MessageContent::text("hello world"));
    assert_eq!(up.recipients.as_deref(), Some("51e59300-e58f-46ea-a7ab-4052d66d137c"));
    let Event::Action(click) = find("action_button_click_args").event else { panic!() };
    let ActionKind::ButtonClick(click) = click.kind else { panic!() };
    assert_eq!(
        click.arguments,
        vec![ClickArgument::new("Pick a fruit!", "Apple"), ClickArgument::new("Favorite color!", "blue")]
    );
    let Event::Receipt(refused) = find("copy_failed").event else { panic!() };
    assert!(!refused.status);
    assert_eq!(refused.reason(), Some("login failed"));
    let Event::Receipt(heartbeat) = find("copy_heartbeat").event else { panic!() };
    assert!(heartbeat.status);
    assert_eq!(find("message_up_with_seq").seq, Some(42));
    let Event::ResumeGap(gap) = find("resume_gap").event else { panic!() };
    assert_eq!((gap.from_seq, gap.to_seq), (7, 19));
    let Event::Update(update) = find("update_characters").event else { panic!() };
    assert_eq!(update.content, UpdateContent::Characters("group-chars".into()));
    let Event::Error(error) = find("server_error").event else { panic!() };
    assert_eq!(error.message, "Internal server error");
    let Event::Unknown(unknown) = find("unknown_action_subtype").event else { panic!() };
    assert!(unknown.raw().contains("brand_new_action"));
}

#[test]
fn malformed_text_is_refused_with_a_clear_error_and_no_panic() {
    for row in rows("malformed.jsonl") {
        let name = row["name"].as_str().expect("row has a name").to_owned();
        let text = row["text"].as_str().expect("row has a text").to_owned();
        // A small stack proves the decoder does not recurse with the input's depth.
        let outcome = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || (Incoming::decode(&text).map(|_| ()), Request::decode(&text).map(|_| ())))
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("{name}: the decoder panicked"));
        for (side, result) in [("event", outcome.0), ("frame", outcome.1)] {
            let error = result.err().unwrap_or_else(|| panic!("{name}: accepted as {side}"));
            let message = error.to_string();
            assert!(message.len() > 10, "{name}: unhelpful error `{message}`");
            if name == "wrong_types" {
                assert!(message.contains("body."), "{name}: the error should name the field: {message}");
            }
        }
    }
}

#[test]
fn frames_decode_to_the_shapes_the_platform_needs() {
    let row = rows("outbound.jsonl").into_iter().find(|r| r["name"] == "update_channel_info").unwrap();
    let request = Request::decode(&row["frame"].to_string()).unwrap();
    assert!(
        matches!(request.frame, Frame::Update { update: UpdatePayload::ChannelInfo(ref info), .. } if info.channel_name == "Lobby")
    );
    let row = rows("outbound.jsonl").into_iter().find(|r| r["name"] == "send_button_click").unwrap();
    let Frame::Action { body, .. } = Request::decode(&row["frame"].to_string()).unwrap().frame else {
        panic!()
    };
    let ActionKind::ButtonClick(click) = body.kind else { panic!() };
    assert_eq!(
        click.arguments,
        vec![ClickArgument::new("Pick a fruit!", "Apple")],
        "wrapped arguments are unwrapped"
    );
}
