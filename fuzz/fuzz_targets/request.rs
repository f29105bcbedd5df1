//! `Request::decode`, what the local platform runs on every client text frame (src/platform/ws.rs
//! `on_text`), before login too: it must return `Ok` or a `DecodeError` for any text, never panic,
//! overflow its stack or take long. A refusal must render (the platform sends its `Display` back).
#![no_main]

use libfuzzer_sys::fuzz_target;
use moobius::protocol::Request;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match Request::decode(text) {
            Ok(request) => {
                let _ = request.frame.frame_type();
            }
            Err(error) => {
                let _ = (error.to_string(), error.request_id());
            }
        }
    }
});
