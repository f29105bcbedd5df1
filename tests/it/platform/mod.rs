//! The local platform as a client sees it: raw HTTP and WebSocket clients (no crate client on
//! the other end), so every assertion is about what is on the wire.

mod auth;
mod authz;
mod basics;
mod cli;
mod controls;
mod delivery;
mod files;
mod groups;
mod history;
mod limits;
mod memory;
mod routing;
mod studio;
mod transcript;
mod upgrade;
