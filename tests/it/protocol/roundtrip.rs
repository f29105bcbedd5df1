//! Property tests: every frame and event type survives encode → decode unchanged, whatever the
//! strings in it (empty, unicode, control characters, quotes and backslashes, long).

use moobius::protocol::{
    ActionBody, ActionKind, BottomButton, Button, ButtonClick, CanvasItem, ChannelInfo, ClickArgument,
    Context, Dialog, ErrorEvent, Event, Frame, Incoming, InputComponent, InputType, MenuItem, MenuItemClick,
    MessageBody, MessageContent, Receipt, ReceiptKind, Request, Resume, ResumeGap, Secret, StyleItem,
    UpdateBody, UpdateContent, UpdatePayload, Visibility,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use serde_json::Value;

/// Strings of every kind the wire must carry.
pub(super) fn text() -> BoxedStrategy<String> {
    prop_oneof![
        Just(String::new()),
        any::<String>(),
        "[\\x00-\\x1f\"\\\\/]{0,16}",
        "\\PC{0,24}",
        vec(any::<char>(), 1000..3000).prop_map(String::from_iter),
    ]
    .boxed()
}

fn opt_text() -> BoxedStrategy<Option<String>> {
    option::of(text()).boxed()
}

/// Ids of any kind (`ChannelId`, `CharacterId`, ...), with every kind of string in them.
fn id<T: From<String> + std::fmt::Debug + 'static>() -> BoxedStrategy<T> {
    text().prop_map(T::from).boxed()
}

fn opt_id<T: From<String> + std::fmt::Debug + 'static>() -> BoxedStrategy<Option<T>> {
    option::of(id::<T>()).boxed()
}

/// Maps whose keys start with `prefix`, so they never collide with a field the frame has.
fn context_with(prefix: &'static str) -> BoxedStrategy<Context> {
    let value = prop_oneof![
        text().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        vec(text().prop_map(Value::String), 0..3).prop_map(Value::Array),
    ];
    vec((text(), value), 0..4)
        .prop_map(move |pairs| pairs.into_iter().map(|(k, v)| (format!("{prefix}{k}"), v)).collect())
        .boxed()
}

fn context() -> BoxedStrategy<Context> {
    context_with("").boxed()
}

fn opt_context() -> BoxedStrategy<Option<Context>> {
    option::of(context()).boxed()
}

fn argument() -> BoxedStrategy<ClickArgument> {
    (text(), text(), opt_text())
        .prop_map(|(label, value, filename)| ClickArgument { label, value, filename })
        .boxed()
}

fn dialog() -> BoxedStrategy<Dialog> {
    let kind = prop_oneof![
        Just(InputType::Text),
        Just(InputType::Textbox),
        Just(InputType::Dropdown),
        Just(InputType::Number),
        Just(InputType::Password),
        Just(InputType::Invalid),
    ];
    let component = (text(), kind, option::of(any::<bool>()), opt_text(), option::of(vec(text(), 0..3)))
        .prop_map(|(label, kind, required, placeholder, choices)| InputComponent {
            label,
            kind,
            required,
            placeholder,
            choices,
        });
    let bottom =
        (text(), text(), any::<bool>()).prop_map(|(id, text, submit)| BottomButton { id, text, submit });
    (text(), option::of(vec(component, 0..3)), option::of(vec(bottom, 0..3)))
        .prop_map(|(title, components, bottom_buttons)| Dialog { title, components, bottom_buttons })
        .boxed()
}

fn message_content() -> BoxedStrategy<MessageContent> {
    prop_oneof![
        text().prop_map(MessageContent::Text),
        text().prop_map(MessageContent::Image),
        text().prop_map(MessageContent::Audio),
        (text(), text(), any::<u64>()).prop_map(|(path, filename, size)| MessageContent::File {
            path,
            filename,
            size
        }),
        (text(), text(), text(), text()).prop_map(|(link, title, button, text)| MessageContent::Card {
            link,
            title,
            button,
            text
        }),
        (text(), context()).prop_map(|(subtype, content)| MessageContent::Other {
            subtype: format!("x-{subtype}"),
            content: Value::Object(content)
        }),
    ]
    .boxed()
}

fn message() -> BoxedStrategy<MessageBody> {
    (id(), message_content(), opt_id(), opt_id(), opt_id(), option::of(any::<i64>()), opt_context())
        .prop_map(|(channel_id, content, recipients, sender, message_id, timestamp, context)| MessageBody {
            channel_id,
            content,
            recipients,
            sender,
            message_id,
            timestamp,
            context,
        })
        .boxed()
}

fn action_kind() -> BoxedStrategy<ActionKind> {
    let button =
        (text(), opt_text(), vec(argument(), 0..3)).prop_map(|(button_id, bottom_button_id, arguments)| {
            ActionKind::ButtonClick(ButtonClick { button_id, bottom_button_id, arguments })
        });
    let menu = (text(), id(), text(), context(), opt_text(), vec(argument(), 0..3)).prop_map(
        |(menu_item_id, message_id, message_subtype, message_content, bottom_button_id, arguments)| {
            ActionKind::MenuItemClick(MenuItemClick {
                menu_item_id,
                message_id,
                message_subtype,
                message_content,
                bottom_button_id,
                arguments,
            })
        },
    );
    prop_oneof![
        Just(ActionKind::JoinChannel),
        Just(ActionKind::LeaveChannel),
        Just(ActionKind::Join),
        Just(ActionKind::Leave),
        Just(ActionKind::Refresh),
        Just(ActionKind::FetchCharacters),
        Just(ActionKind::FetchButtons),
        Just(ActionKind::FetchCanvas),
        Just(ActionKind::FetchStyle),
        Just(ActionKind::FetchMenu),
        Just(ActionKind::FetchChannelInfo),
        button,
        menu,
    ]
    .boxed()
}

fn action() -> BoxedStrategy<ActionBody> {
    (id(), opt_id(), opt_context(), action_kind())
        .prop_map(|(channel_id, sender, context, kind)| ActionBody { channel_id, sender, context, kind })
        .boxed()
}

fn channel_info() -> BoxedStrategy<ChannelInfo> {
    (id(), text(), text(), text())
        .prop_map(|(channel_id, channel_name, channel_description, channel_type)| ChannelInfo {
            channel_id,
            channel_name,
            channel_description,
            channel_type,
        })
        .boxed()
}

fn update_content() -> BoxedStrategy<UpdateContent> {
    let display =
        prop_oneof![Just(Visibility::Visible), Just(Visibility::Invisible), Just(Visibility::Highlight)];
    let button = (text(), text(), option::of(dialog())).prop_map(|(button_id, button_text, dialog)| Button {
        button_id,
        button_text,
        dialog,
    });
    let menu = (text(), text(), vec(text(), 0..3), option::of(dialog())).prop_map(
        |(menu_item_id, menu_item_text, message_subtypes, dialog)| MenuItem {
            menu_item_id,
            menu_item_text,
            message_subtypes,
            dialog,
        },
    );
    let style = (text(), display, option::of(any::<bool>()), opt_text(), opt_text()).prop_map(
        |(widget, display, expand, button_id, text)| StyleItem { widget, display, expand, button_id, text },
    );
    let canvas = (opt_text(), opt_text()).prop_map(|(text, path)| CanvasItem { text, path });
    prop_oneof![
        id().prop_map(UpdateContent::Characters),
        vec(button, 0..4).prop_map(UpdateContent::Buttons),
        vec(menu, 0..3).prop_map(UpdateContent::Menu),
        vec(style, 0..3).prop_map(UpdateContent::Style),
        vec(canvas, 0..3).prop_map(UpdateContent::Canvas),
        channel_info().prop_map(UpdateContent::ChannelInfo),
    ]
    .boxed()
}

fn update() -> BoxedStrategy<UpdateBody> {
    (id(), update_content(), opt_id(), opt_id(), opt_context())
        .prop_map(|(channel_id, content, recipients, group_id, context)| UpdateBody {
            channel_id,
            content,
            recipients,
            group_id,
            context,
        })
        .boxed()
}

pub(super) fn frame() -> BoxedStrategy<Frame> {
    let resume = option::of(any::<u64>().prop_map(|seq| Resume { seq }));
    prop_oneof![
        Just(Frame::Heartbeat),
        (id(), text(), resume.clone()).prop_map(|(service_id, token, resume)| Frame::ServiceLogin {
            service_id,
            access_token: Secret::new(token),
            resume
        }),
        (text(), resume)
            .prop_map(|(token, resume)| Frame::UserLogin { access_token: Secret::new(token), resume }),
        (opt_id(), action()).prop_map(|(user_id, body)| Frame::Action { user_id, body }),
        (id(), update())
            .prop_map(|(service_id, body)| Frame::Update { service_id, update: UpdatePayload::Body(body) }),
        (id(), channel_info()).prop_map(|(service_id, info)| Frame::Update {
            service_id,
            update: UpdatePayload::ChannelInfo(info)
        }),
        (id(), context_with("x"))
            .prop_map(|(service_id, data)| Frame::Update { service_id, update: UpdatePayload::Custom(data) }),
        (opt_id(), opt_id(), message()).prop_map(|(user_id, service_id, body)| Frame::MessageUp {
            user_id,
            service_id,
            body
        }),
        (id(), message()).prop_map(|(service_id, body)| Frame::MessageDown { service_id, body }),
    ]
    .boxed()
}

fn event() -> BoxedStrategy<Event> {
    let receipt = (any::<bool>(), text(), opt_text(), any::<bool>(), opt_context()).prop_map(
        |(roger, request_id, origin_type, status, context)| {
            let kind = if roger { ReceiptKind::Roger } else { ReceiptKind::Copy };
            Event::Receipt(Receipt { kind, request_id, origin_type, status, context })
        },
    );
    let error = (text(), opt_text(), context_with("x_"))
        .prop_map(|(message, request_id, extra)| Event::Error(ErrorEvent { message, request_id, extra }));
    prop_oneof![
        message().prop_map(Event::MessageUp),
        message().prop_map(Event::MessageDown),
        action().prop_map(Event::Action),
        update().prop_map(Event::Update),
        receipt,
        (any::<u64>(), any::<u64>())
            .prop_map(|(from_seq, to_seq)| Event::ResumeGap(ResumeGap { from_seq, to_seq })),
        error,
    ]
    .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_frame_round_trips(frame in frame(), id in opt_text()) {
        let request = Request { request_id: id, frame };
        let text = request.encode();
        let back = Request::decode(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, request);
    }

    #[test]
    fn every_event_round_trips(event in event(), seq in option::of(any::<u64>())) {
        let seq = if matches!(event, Event::Error(_)) { None } else { seq };
        let incoming = Incoming { seq, event };
        let text = incoming.encode();
        let back = Incoming::decode(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, incoming);
    }

    #[test]
    fn unknown_events_keep_their_raw_json(kind in text(), payload in context()) {
        let kind = format!("x-{kind}");
        let text = serde_json::json!({ "type": kind, "body": payload }).to_string();
        let incoming = Incoming::decode(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(matches!(incoming.event, Event::Unknown(_)), "{:?}", incoming.event);
        let encoded: Value = serde_json::from_str(&incoming.encode()).unwrap();
        prop_assert_eq!(encoded, serde_json::from_str::<Value>(&text).unwrap());
    }

    #[test]
    fn arbitrary_text_never_panics(text in text()) {
        let _ = Incoming::decode(&text);
        let _ = Request::decode(&text);
    }
}
