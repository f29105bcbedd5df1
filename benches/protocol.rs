//! Protocol speed: typed decode and encode against `serde_json::Value` parsing of the same text,
//! the floor any typed decoder should beat. Run with `cargo bench --bench protocol`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use moobius::protocol::{Button, Dialog, Frame, Incoming, InputComponent, InputType, MessageContent};
use std::hint::black_box;

/// The message_up captured from the live platform (inbound vector `message_up_text`).
const MESSAGE_UP: &str = r#"{"body": {"channel_id": "a95072a4-2869-41c6-a26d-a164065031df", "content": {"text": "hello world"}, "context": {"channel_type": "ccs", "character_num": 1, "group_id": "51e59300-e58f-46ea-a7ab-4052d66d137c", "group_name": "Meow"}, "message_id": "15ec8005-ad17-4f7c-8c19-51a0bea94682", "recipients": "51e59300-e58f-46ea-a7ab-4052d66d137c", "sender": "e43c5534-ccad-4f7e-b85c-d0a77b1f47b4", "subtype": "text", "timestamp": 1722014904438}, "type": "message_up"}"#;

fn fifty_buttons() -> String {
    let buttons: Vec<Button> = (0..50)
        .map(|i| {
            let button = Button::new(format!("button-{i}"), format!("Button number {i}"));
            if i % 5 == 0 {
                let mut choice = InputComponent::new(InputType::Dropdown, "Pick a fruit!");
                choice.choices = Some(vec!["Apple".into(), "Banana".into(), "Coconut".into()]);
                button.with_dialog(Dialog::new("options").component(choice))
            } else {
                button
            }
        })
        .collect();
    let frame = Frame::send_buttons("svc-0001".into(), "chan-0001".into(), buttons, "group-rec".into())
        .expect("recipients");
    let Frame::Update { update: moobius::protocol::UpdatePayload::Body(body), .. } = frame else {
        unreachable!()
    };
    Incoming { seq: Some(1), event: moobius::protocol::Event::Update(body) }.encode()
}

fn decode(c: &mut Criterion) {
    let buttons = fifty_buttons();
    for (name, text) in [("message_up", MESSAGE_UP), ("update_50_buttons", buttons.as_str())] {
        let mut group = c.benchmark_group(format!("decode/{name}"));
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("typed", text.len()), text, |b, text| {
            b.iter(|| Incoming::decode(black_box(text)).expect("valid"))
        });
        group.bench_with_input(BenchmarkId::new("serde_json_value", text.len()), text, |b, text| {
            b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(text)).expect("valid"))
        });
        group.finish();
    }
}

fn encode(c: &mut Criterion) {
    let frame = Frame::message_down(
        "svc-0001".into(),
        "chan-0001".into(),
        MessageContent::text("hello world, this is a reply of ordinary length"),
        "51e59300-e58f-46ea-a7ab-4052d66d137c".into(),
        "e43c5534-ccad-4f7e-b85c-d0a77b1f47b4".into(),
    )
    .expect("recipients")
    .to_request("00000000-0000-0000-0000-00000000000e");
    let text = frame.encode();
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid");
    let mut group = c.benchmark_group("encode/message_down");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("typed", |b| b.iter(|| black_box(&frame).encode()));
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::to_string(black_box(&value)).expect("valid"))
    });
    group.finish();
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
