//! The service layer against the embedded local platform, with user-mode bots playing the humans:
//! per-channel actors and their supervision (a panic or an error restarts one channel's actor
//! alone, and the events behind it still arrive; restarts are bounded; a panicking factory), the
//! actor form with async work, receipts and refusals returned to the caller, per-channel order
//! without head-of-line blocking, the shared actor, the program's own messages, recipient lists
//! turned into cached groups (HTTP calls counted), what a user-mode bot receives, agents, and
//! starting from a reference-SDK config file or from the environment.

mod actions;
mod checkin;
mod forms;
mod many;
mod routing;
mod startup;
mod supervision;
