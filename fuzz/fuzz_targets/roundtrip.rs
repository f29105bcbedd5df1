//! Round trip of both decoders: whatever `Incoming::decode` or `Request::decode` accepts must
//! encode (`encode`) to text that decodes to an equal value (both types are `PartialEq`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use moobius::protocol::{Incoming, Request};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(incoming) = Incoming::decode(text) {
        let encoded = incoming.encode();
        match Incoming::decode(&encoded) {
            Ok(again) => assert_eq!(again, incoming, "event changed in a round trip through {encoded}"),
            Err(error) => panic!("an encoded event does not decode: {error}: {encoded}"),
        }
    }
    if let Ok(request) = Request::decode(text) {
        let encoded = request.encode();
        match Request::decode(&encoded) {
            Ok(again) => assert_eq!(again, request, "frame changed in a round trip through {encoded}"),
            Err(error) => panic!("an encoded frame does not decode: {error}: {encoded}"),
        }
    }
});
