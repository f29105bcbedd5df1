//! `Incoming::decode`, the inbound event decoder every client runs on each text frame: it must
//! return `Ok` or a `DecodeError` for any text, never panic, overflow its stack or take long.
#![no_main]

use libfuzzer_sys::fuzz_target;
use moobius::protocol::Incoming;

fuzz_target!(|data: &[u8]| {
    // A WebSocket text frame is UTF-8 by the time it reaches the decoder.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Incoming::decode(text);
    }
});
