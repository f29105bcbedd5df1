//! The example bots end to end: in process against the embedded local platform, driven by
//! user-mode bots that play the humans ([`bots`]), and as the built binaries ([`binaries`]).
//!
//! How the examples are reused: each example keeps its service type(s) in its own file, public,
//! beside its `main`; this test includes the file as a module with `#[path]` (its `main` is unused
//! here, hence `allow(dead_code)`). So the code under test is exactly the code a newcomer reads
//! and runs, with no copy and no library target for the examples. The last tests run the built
//! example binaries themselves (`cargo test` builds them; a run that did not build them fails
//! and says how to): `echo` on its embedded platform, and every
//! example against `moobius platform` through the `MOOBIUS_*` environment variables, the
//! `puppet` process talking to the `echo` process.

#[path = "../../../examples/assistant.rs"]
#[allow(dead_code)]
pub(crate) mod assistant;
#[path = "../../../examples/buttons.rs"]
#[allow(dead_code)]
pub(crate) mod buttons;
#[path = "../../../examples/echo.rs"]
#[allow(dead_code)]
pub(crate) mod echo;
#[path = "../../../examples/groupchat.rs"]
#[allow(dead_code)]
pub(crate) mod groupchat;
#[path = "../../../examples/menu_canvas.rs"]
#[allow(dead_code)]
pub(crate) mod menu_canvas;
#[path = "../../../examples/multi_channel.rs"]
#[allow(dead_code)]
pub(crate) mod multi_channel;
#[path = "../../../examples/puppet.rs"]
#[allow(dead_code)]
pub(crate) mod puppet;

mod binaries;
mod bots;
mod conversations;
mod template;
mod transcripts;
