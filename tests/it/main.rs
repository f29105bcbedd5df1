//! The integration tests, one binary with a module per surface, against the embedded local
//! platform on `127.0.0.1:0` (and, where the surface is a process, the built binaries). One
//! [`support`] module holds every helper. Run one surface with `cargo test --test it platform::`,
//! one test by name with `cargo test --test it <name>`.
//!
//! - [`protocol`]: the reference SDK's golden vectors, round-trip properties, fuzz findings.
//! - [`platform`]: the local platform over raw HTTP and WebSockets: auth, routing, delivery,
//!   controls, limits, memory, the `moobius platform` command.
//! - [`http`]: the HTTP API client.
//! - [`config`]: configuration files and environment.
//! - [`client`]: the client runtime: connection, delivery, handlers, queue, and the fault suite.
//! - [`service`]: the service layer: actors, supervision, actions, routing, start-up.
//! - [`examples`]: the example bots, in process and as the built binaries.
//! - [`storage`]: per-channel storage on the json backend (and its byte compatibility with the
//!   reference SDK's files) and on a real Redis server; state that survives a restart.
//! - [`studio`]: the studio's page in a real browser.
//! - [`python_sdk`]: conformance with the reference Python SDK as the client.
//! - [`metrics`]: a wand's `/metrics`, `/healthz`, `/readyz` and the platform's `/metrics`,
//!   scraped while traffic flows.

mod support;

mod client;
mod config;
mod examples;
mod http;
#[cfg(feature = "metrics")]
mod metrics;
mod platform;
mod protocol;
mod python_sdk;
mod service;
mod storage;
mod studio;
