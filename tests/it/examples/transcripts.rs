//! The examples' transcripts (`tests/transcripts/<example>.jsonl`): each is recorded through the
//! studio's recorder from the conversation in `conversations.rs` and must be what is committed
//! (so a recording is the same on every run, and the files stay current: run with
//! `MOOBIUS_WRITE_TRANSCRIPTS=1` to write them anew); each replays against its example service
//! started in process on a fresh platform with an empty report; an edited transcript yields a
//! report naming the turn and the difference; and `moobius replay` runs the same against the
//! built example binary, exiting 0 on the good transcript and 1 on the edited one.

use super::conversations::{EXAMPLES, converse, start};
use crate::support::process::{Running, example_binary, moobius_binary};
use crate::support::studio::get_raw;
use crate::support::*;
use moobius::platform::replay::{DifferenceKind, ReplayOptions, ReplayReport, replay};
use moobius::platform::transcript::{Direction, Transcript};
use moobius::prelude::*;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The turn timeout of replays where a frame is missing on purpose: the turn waits that long.
const MISSING_WAIT: Duration = Duration::from_secs(3);

fn committed(example: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts").join(format!("{example}.jsonl"))
}

/// Records `example`'s conversation on a fresh platform: the transcript's text.
async fn record(example: &str) -> String {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let channels = start(example, &mut wand, &platform).await;
    let answer = http_post(&platform, "/studio/api/record", None, json!({"recording": true})).await;
    assert_eq!(answer, (200, json!({"recording": true})));
    converse(example, &mut wand, &platform, &channels).await;
    let (status, content_type, text) = get_raw(&platform, "/studio/api/transcript").await;
    assert_eq!((status, content_type.as_str()), (200, "application/x-ndjson"), "{text}");
    wand.shutdown().await;
    text
}

async fn records_as_committed(example: &str) {
    let text = record(example).await;
    let path = committed(example);
    if std::env::var_os("MOOBIUS_WRITE_TRANSCRIPTS").is_some() {
        std::fs::write(&path, &text).expect("the transcript is written");
        return;
    }
    let on_file = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        text == on_file,
        "the recording of `{example}` is not {}: run with MOOBIUS_WRITE_TRANSCRIPTS=1 if the example \
         changed on purpose.\n--- recorded:\n{text}\n--- committed:\n{on_file}",
        path.display()
    );
}

/// Replays `transcript` against `example` started in process on a fresh platform, each turn
/// waiting at most `turn_timeout` for its frames.
async fn replay_example(example: &str, transcript: &Transcript, turn_timeout: Duration) -> ReplayReport {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    start(example, &mut wand, &platform).await;
    let report = replay(&platform, transcript, ReplayOptions::default().turn_timeout(turn_timeout))
        .await
        .unwrap_or_else(|e| panic!("the replay of {example} runs: {}", moobius::report(&e)));
    wand.shutdown().await;
    report
}

async fn replays_clean(example: &str) {
    let transcript = Transcript::read(committed(example)).expect("the committed transcript reads");
    assert!(transcript.turn_count() >= 3, "{example}: a conversation of a few turns");
    let started = Instant::now();
    let report = replay_example(example, &transcript, WAIT).await;
    assert!(report.is_empty(), "{example}:\n{report}");
    assert_eq!(report.turns.len() as u32, transcript.turn_count(), "{report}");
    eprintln!(
        "{example}: {} turns, {} frames replayed in {:.2} s (replay {:.2} s)",
        transcript.turn_count(),
        transcript.entries.len(),
        started.elapsed().as_secs_f64(),
        report.elapsed.as_secs_f64()
    );
}

/// One test per example, so they run in parallel.
macro_rules! per_example {
    ($($example:ident),*) => {
        mod records_as_committed {
            $(#[actix_rt::test] async fn $example() { super::records_as_committed(stringify!($example)).await })*
        }
        mod replays_with_an_empty_report {
            $(#[actix_rt::test] async fn $example() { super::replays_clean(stringify!($example)).await })*
        }
        #[test]
        fn every_example_has_its_tests() {
            assert_eq!([$(stringify!($example)),*], EXAMPLES);
        }
    };
}

per_example!(echo, buttons, groupchat, menu_canvas, assistant, puppet, multi_channel);

/// The first received frame of `transcript` matching `predicate`.
fn received(transcript: &mut Transcript, predicate: impl Fn(&Value) -> bool) -> &mut Value {
    transcript
        .entries
        .iter_mut()
        .find(|e| e.direction == Direction::Received && predicate(&e.frame))
        .map(|e| &mut e.frame)
        .expect("the transcript has such a frame")
}

/// The echo transcript with the first echo's text changed.
fn edited_echo() -> Transcript {
    let mut transcript = Transcript::read(committed("echo")).expect("the echo transcript reads");
    let echo = received(&mut transcript, |f| f["body"]["content"]["text"] == "hello");
    echo["body"]["content"]["text"] = "hullo".into();
    transcript
}

#[actix_rt::test]
async fn an_edited_transcript_yields_a_report_naming_the_turn_and_the_difference() {
    let report = replay_example("echo", &edited_echo(), WAIT).await;
    let differences: Vec<_> = report.differences().collect();
    assert_eq!(differences.len(), 1, "{report}");
    let (turn, difference) = differences[0];
    assert_eq!((turn, difference.user.as_str()), (1, "alice@test.moobius"), "{report}");
    assert!(matches!(difference.kind, DifferenceKind::Changed { .. }), "{report}");
    let shown = report.to_string();
    assert!(shown.contains("turn 1: 1 difference(s)"), "{shown}");
    assert!(shown.contains(r#"body.content.text: expected "hullo", got "hello""#), "{shown}");
    assert!(shown.contains("turn 2: ok"), "{shown}");

    // Buttons: a button taken out of the first buttons, the last line (the refresh's buttons)
    // taken out, and the answer to the first click twice.
    let mut transcript = Transcript::read(committed("buttons")).expect("the buttons transcript reads");
    let shown = received(&mut transcript, |f| f["body"]["subtype"] == "buttons");
    shown["body"]["content"].as_array_mut().expect("buttons").retain(|b| b["button_id"] != "launch");
    let refreshed = transcript.entries.pop().expect("a last line");
    assert_eq!(refreshed.frame["body"]["subtype"], "buttons");
    let answer = transcript.entries.iter().position(|e| e.turn == 2 && e.direction == Direction::Received);
    let answer = transcript.entries[answer.expect("turn 2 has an answer")].clone();
    transcript.entries.insert(transcript.entries.iter().rposition(|e| e.turn == 2).unwrap() + 1, answer);
    let report = replay_example("buttons", &transcript, MISSING_WAIT).await;
    let shown = report.to_string();
    let last = transcript.turn_count();
    for expected in [
        "turn 1: 1 difference(s)".to_owned(),
        r#"alice@test.moobius: update buttons [simple, meal] to ["alice@test.moobius"] differs: body.content: unexpected `launch`"#.into(),
        "turn 2: 1 difference(s)".into(),
        r#"alice@test.moobius: missing message_down text "You clicked `simple`." to ["alice@test.moobius"]"#.into(),
        format!("turn {last}: 1 difference(s)"),
        r#"alice@test.moobius: unexpected update buttons [simple, meal, launch] to ["alice@test.moobius"]"#.into(),
    ] {
        assert!(shown.contains(&expected), "no `{expected}` in:\n{shown}");
    }
    assert_eq!(report.differences().count(), 3, "{shown}");
}

/// `moobius replay FILE -- COMMAND`: its exit status and output.
async fn moobius_replay(file: &std::path::Path, command: &[&str]) -> (i32, String) {
    let mut args = vec!["replay", file.to_str().expect("a UTF-8 path"), "--"];
    args.extend_from_slice(command);
    let mut process = Running::spawn(moobius_binary(), &args, &[]);
    let mut lines = process.lines();
    let status = process.exit().await;
    let mut output = String::new();
    while let Ok(Some(line)) = tokio::time::timeout(WAIT, lines.recv()).await {
        output += &line;
        output.push('\n');
    }
    (status.code().unwrap_or(-1), output)
}

#[actix_rt::test]
async fn moobius_replay_exits_0_on_the_good_transcript_and_1_on_an_edited_one() {
    let echo = example_binary("echo");
    let echo = echo.to_str().expect("a UTF-8 path");
    let good = committed("echo");
    let started = Instant::now();
    let (code, output) = moobius_replay(&good, &[echo]).await;
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("turn 1: ok") && output.contains("no difference"), "{output}");
    eprintln!("moobius replay of echo: {:.2} s", started.elapsed().as_secs_f64());

    let dir = scratch("moobius-replay");
    let edited = dir.join("echo-edited.jsonl");
    std::fs::write(&edited, edited_echo().to_jsonl()).expect("the edited transcript is written");
    let (code, output) = moobius_replay(&edited, &[echo]).await;
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("turn 1: 1 difference(s)"), "{output}");
    assert!(output.contains(r#"expected "hullo", got "hello""#), "{output}");

    // Usage errors: a transcript that is not one, a command that does not exist.
    let bad = dir.join("not-a-transcript.jsonl");
    std::fs::write(&bad, "{}\n").expect("written");
    assert_eq!(moobius_replay(&bad, &[echo]).await.0, 2);
    assert_eq!(moobius_replay(&good, &["/nonexistent/service"]).await.0, 2);
}

#[actix_rt::test]
async fn moobius_replay_passes_every_example_binary_and_without_a_ready_line_waits_for_the_binding() {
    let started = Instant::now();
    for example in ["buttons", "groupchat", "menu_canvas", "assistant", "multi_channel"] {
        let binary = example_binary(example);
        let (code, output) =
            moobius_replay(&committed(example), &[binary.to_str().expect("a UTF-8 path")]).await;
        assert_eq!(code, 0, "{example}:\n{output}");
    }
    eprintln!("moobius replay of five example binaries: {:.2} s", started.elapsed().as_secs_f64());
    // A service that prints nothing is ready once a logged-in service is bound to its channel.
    #[cfg(unix)]
    {
        let echo = example_binary("echo");
        let quiet = ["sh", "-c", r#"exec "$0" > /dev/null"#, echo.to_str().expect("a UTF-8 path")];
        let (code, output) = moobius_replay(&committed("echo"), &quiet).await;
        assert_eq!(code, 0, "{output}");
    }
}
