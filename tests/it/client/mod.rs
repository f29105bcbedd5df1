//! The client runtime against the platform: connection and reconnects, delivery and resume,
//! handlers, the outbound queue, and the fault suite over a TCP fault proxy.

mod connection;
mod delivery;
mod faults;
mod handlers;
mod queue;
mod smoke;
