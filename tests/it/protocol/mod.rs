//! The wire format against the reference SDK's vectors, round-trip properties and the fuzzers'
//! findings: no platform, no sockets.

mod fast_decode;
mod fuzz_regressions;
mod roundtrip;
mod vectors;
