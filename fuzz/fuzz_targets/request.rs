//! `Request::decode`, what the local platform runs on every client text frame (src/platform/ws.rs
//! `on_text`), before login too: it must return `Ok` or a `DecodeError` for any text, never panic,
//! overflow its stack or take long. A refusal must render (the platform sends its `Display` back).
//! And its two readings agree: where the hand-written reader of message frames
//! (src/protocol/frame/fast.rs) reads a frame, serde's decoder reads the same one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use moobius::protocol::Request;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (fast, serde) = Request::decode_both_ways(text);
        match serde {
            Ok(request) => {
                let _ = request.frame.frame_type();
                if let Some(fast) = fast {
                    assert_eq!(fast, request, "the fast reader and serde differ on {text:?}");
                }
            }
            Err(error) => {
                assert!(fast.is_none(), "the fast reader read {fast:?}, which serde refuses ({error}): {text:?}");
                let _ = (error.to_string(), error.request_id());
            }
        }
    }
});
