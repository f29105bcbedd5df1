//! The HTTP API client against the embedded local platform on 127.0.0.1:0: every call, the error
//! kinds, token renewal, the group and upload caches (counting HTTP calls), files, history, the
//! account flows, local files in a service's actions, and the config's create-what-is-missing
//! step. Transport failures and timeouts use real sockets that refuse or
//! never answer; an unexpected answer comes from a real (tiny) HTTP server.

mod accounts;
mod auth;
mod directory;
mod files;
mod history;
mod transport;
mod uploads;

use crate::support::WAIT;
use moobius::http::{Credentials, HttpClient};
use moobius::platform::PlatformHandle;

/// A client of `platform` for `username` (the platform creates the account at its first sign-in).
pub(super) fn client_for(platform: &PlatformHandle, username: &str, password: &str) -> HttpClient {
    HttpClient::builder(platform.http_url())
        .credentials(Credentials::new(username, password))
        .timeout(WAIT)
        .build()
        .expect("the platform's url is valid")
}

/// A signed-in client of `platform` for `username`.
pub(super) async fn signed_in(platform: &PlatformHandle, username: &str) -> HttpClient {
    let client = client_for(platform, username, &format!("{username}-password"));
    client.sign_in().await.expect("sign-in works");
    client
}
