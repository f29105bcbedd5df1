//! The fuzzers' findings kept as tests: every committed fuzz input (the seeds made from the
//! vectors, each target's corpus, and any crash case in `fuzz/regressions/`) decodes with both
//! decoders to `Ok` or a `DecodeError` on a small stack, and round-trips; the seeds match the
//! vectors; and decode time grows linearly with the input (long strings, many keys, deep nesting).

use moobius::protocol::{Incoming, Request};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The stack of a thread that decodes: well under the 2 MiB of an actix worker thread.
const DECODE_STACK: usize = 512 * 1024;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> =
        entries.map(|entry| entry.expect("readable fuzz directory").path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

fn committed_inputs() -> Vec<PathBuf> {
    let fuzz = fuzz_dir();
    let mut files = files_in(&fuzz.join("seeds"));
    files.extend(files_in(&fuzz.join("regressions")));
    let mut targets: Vec<PathBuf> = std::fs::read_dir(fuzz.join("corpus"))
        .map(|entries| entries.map(|e| e.expect("readable corpus directory").path()).collect())
        .unwrap_or_default();
    targets.sort();
    for target in targets {
        files.extend(files_in(&target));
    }
    files
}

/// What the fuzz targets check for one input: both decoders return, and what decodes round-trips.
fn check(text: &str) {
    if let Ok(incoming) = Incoming::decode(text) {
        let encoded = incoming.encode();
        let again = Incoming::decode(&encoded).unwrap_or_else(|e| panic!("{encoded}: {e}"));
        assert_eq!(again, incoming, "event changed in a round trip through {encoded}");
    }
    match Request::decode(text) {
        Ok(request) => {
            let encoded = request.encode();
            let again = Request::decode(&encoded).unwrap_or_else(|e| panic!("{encoded}: {e}"));
            assert_eq!(again, request, "frame changed in a round trip through {encoded}");
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
}

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> std::thread::Result<T> {
    std::thread::Builder::new().stack_size(DECODE_STACK).spawn(f).expect("thread spawns").join()
}

#[test]
fn every_committed_fuzz_input_decodes_without_panic() {
    let files = committed_inputs();
    assert!(files.len() >= 52, "expected the 52 seeds at least, found {} files", files.len());
    let mut failed = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).expect("readable fuzz input");
        // The targets skip what is not UTF-8, as a WebSocket text frame always is.
        let Ok(text) = String::from_utf8(bytes) else { continue };
        if on_small_stack(move || check(&text)).is_err() {
            failed.push(file.display().to_string());
        }
    }
    assert!(failed.is_empty(), "these fuzz inputs panic (see the messages above): {failed:#?}");
}

#[test]
fn the_seeds_are_the_vectors() {
    let vectors = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/protocol/vectors");
    if !vectors.is_dir() {
        eprintln!("skipped: {} is missing", vectors.display());
        return;
    }
    let seeds = files_in(&fuzz_dir().join("seeds"));
    let mut rows = 0;
    for kind in ["inbound", "outbound", "malformed"] {
        let text = std::fs::read_to_string(vectors.join(format!("{kind}.jsonl"))).expect("vector file");
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            rows += 1;
            let row: serde_json::Value = serde_json::from_str(line).expect("vector row is JSON");
            let prefix = format!("{kind}-{:02}-", n + 1);
            let seed = seeds
                .iter()
                .find(|p| p.file_name().is_some_and(|f| f.to_string_lossy().starts_with(&prefix)))
                .unwrap_or_else(|| panic!("no seed {prefix}*: run fuzz/seed.py"));
            let seed_text = std::fs::read_to_string(seed).expect("seed is UTF-8");
            match row.get("text") {
                Some(text) => assert_eq!(Some(seed_text.as_str()), text.as_str(), "{}", seed.display()),
                None => assert_eq!(
                    serde_json::from_str::<serde_json::Value>(&seed_text).ok().as_ref(),
                    row.get("frame"),
                    "{}: run fuzz/seed.py",
                    seed.display()
                ),
            }
        }
    }
    assert_eq!(seeds.len(), rows, "one seed per vector row: run fuzz/seed.py");
}

/// The fastest of a few decodes of `text` by both decoders.
fn decode_time(text: &str) -> Duration {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            let _ = std::hint::black_box(Incoming::decode(std::hint::black_box(text)));
            let _ = std::hint::black_box(Request::decode(std::hint::black_box(text)));
            start.elapsed()
        })
        .min()
        .expect("five runs")
}

/// Inputs that grow with `n`, each a shape where a careless decoder goes superlinear.
fn growing_inputs(n: usize) -> Vec<(&'static str, String)> {
    let msg = |content: &str, context: &str| {
        format!(
            r#"{{"type":"message_up","service_id":"s","body":{{"subtype":"text","channel_id":"c","content":{content},"recipients":"g","context":{context}}}}}"#
        )
    };
    let keys = (0..n).map(|i| format!(r#""k{i}":{i}"#)).collect::<Vec<_>>().join(",");
    let deep = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let items =
        (0..n / 4).map(|i| format!(r#"{{"button_id":"b{i}","button_text":"t"}}"#)).collect::<Vec<_>>();
    vec![
        ("long string", msg(&format!(r#"{{"text":"{}"}}"#, "a".repeat(n)), "{}")),
        ("long escaped string", msg(&format!(r#"{{"text":"{}"}}"#, r"\u00e9\n".repeat(n / 8)), "{}")),
        ("many context keys", msg(r#"{"text":"x"}"#, &format!("{{{keys}}}"))),
        ("many top-level keys", format!(r#"{{"type":"heartbeat","body":{{}},{keys}}}"#)),
        ("unknown type, many keys", format!(r#"{{"type":"brand_new",{keys}}}"#)),
        ("deep nesting in a body", msg(r#"{"text":"x"}"#, &format!(r#"{{"k":{deep}}}"#))),
        ("deep nesting at the top", deep.clone()),
        (
            "many buttons",
            format!(
                r#"{{"type":"update","service_id":"s","body":{{"subtype":"buttons","channel_id":"c","recipients":"g","content":[{}]}}}}"#,
                items.join(",")
            ),
        ),
        (
            "invalid at the end",
            format!(
                r#"{{"type":"message_up","body":{{"subtype":"text","channel_id":"c","content":{{"text":"{}"}},"recipients":7}}}}"#,
                "a".repeat(n)
            ),
        ),
        ("truncated", msg(&format!(r#"{{"text":"{}"#, "a".repeat(n)), "")),
    ]
}

#[test]
fn decode_time_grows_linearly_with_the_input() {
    // Sizes 16 apart: linear time grows about 16 times, quadratic 256 times. The bound (5x linear)
    // leaves room for caches (the large inputs outgrow L2) and for a busy machine (the tests run in
    // parallel, and CI builds beside them), yet a quadratic decoder is 3x over it; timings are
    // compared within this run only, and a ratio over the bound is measured twice more.
    const SMALL: usize = 32 * 1024;
    const FACTOR: usize = 16;
    const MAX_RATIO: f64 = (FACTOR * 5) as f64;
    let small = growing_inputs(SMALL);
    let large = growing_inputs(SMALL * FACTOR);
    let mut report = Vec::new();
    for ((name, small), (_, large)) in small.into_iter().zip(large) {
        let ratio = || {
            let (t_small, t_large) = (decode_time(&small), decode_time(&large));
            t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-6)
        };
        // More measurements before failing, in case the machine was busy during the first.
        let mut r = ratio();
        for _ in 0..2 {
            if r > MAX_RATIO {
                r = r.min(ratio());
            }
        }
        report.push(format!("{name}: {} -> {} bytes, time x{r:.1}", small.len(), large.len()));
        assert!(r <= MAX_RATIO, "{name}: {FACTOR}x the input took {r:.1}x the time (superlinear)");
    }
    eprintln!("{}", report.join("\n"));
}
