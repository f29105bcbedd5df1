//! The built example binaries: `echo` on its embedded platform, and every example against
//! `moobius platform` through the `MOOBIUS_*` environment variables, the `puppet` process talking
//! to the `echo` process.

use super::puppet;
use crate::support::process::{Running, example_binary, line_after, moobius_platform, ready_line};
use crate::support::service::User;
use moobius::prelude::*;

/// A user on the platform at `http_url` / `ws_url` joins `channel` and gets the echo of a word.
async fn talk_to_echo(http_url: String, ws_url: String, service: &str, channel: &str) {
    let (service, channel) = (&ServiceId::from(service), &ChannelId::from(channel));
    let mut wand = Wand::new();
    let mut config = moobius::config::Config::new(moobius::http::Credentials::new("eve@test.moobius", "pw"));
    config.service.http_server_uri = http_url;
    config.service.ws_server_uri = ws_url;
    config.service.channels = vec![channel.clone()];
    let mut eve = User::start_with(&mut wand, config, "eve").await;
    eve.join(channel);
    eve.say(channel, "anyone?", service);
    let echoed = eve.message("the echo from the example process").await;
    assert_eq!((echoed.text(), echoed.sender.as_str()), (Some("anyone?"), service.as_str()));
    wand.shutdown().await;
}

#[actix_rt::test]
async fn the_echo_binary_runs_on_its_embedded_platform() {
    let echo = example_binary("echo");
    let mut process = Running::spawn(&echo, &[], &[]);
    let mut lines = process.lines();
    let urls = line_after(&mut lines, "local platform on ").await;
    let (http_url, ws_url) = urls
        .split_once(" (websocket ")
        .map(|(h, w)| (h.to_owned(), w.trim_end_matches(')').to_owned()))
        .unwrap_or_else(|| panic!("bad platform line: {urls}"));
    let (service, channels) = ready_line(&mut lines).await;
    assert_eq!(channels.len(), 1);
    talk_to_echo(http_url, ws_url, &service, &channels[0]).await;
    process.terminate().await;
}

/// The `MOOBIUS_*` variables for the account `<name>@test.moobius` on that platform.
fn env_for(http_url: &str, ws_url: &str, name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("MOOBIUS_HTTP_URL", http_url.to_owned()),
        ("MOOBIUS_WS_URL", ws_url.to_owned()),
        ("MOOBIUS_EMAIL", format!("{name}@test.moobius")),
        ("MOOBIUS_PASSWORD", "pw".to_owned()),
    ]
}

#[actix_rt::test]
async fn the_echo_binary_runs_against_moobius_platform_and_the_puppet_binary_talks_to_it() {
    let (echo, puppet) = (example_binary("echo"), example_binary("puppet"));
    let (platform, http_url, ws_url) = moobius_platform().await;

    // No service id, no channels: both are created (and reported).
    let env = env_for(&http_url, &ws_url, "echo-owner");
    let mut process = Running::spawn(&echo, &[], &env);
    let mut lines = process.lines();
    let (service, channels) = ready_line(&mut lines).await;
    talk_to_echo(http_url.clone(), ws_url.clone(), &service, &channels[0]).await;
    process.terminate().await;

    // Again with the service and channel from the environment: nothing is created, they are used.
    let mut env = env.to_vec();
    env.push(("MOOBIUS_SERVICE_ID", service.clone()));
    env.push(("MOOBIUS_CHANNELS", channels.join(",")));
    let mut process = Running::spawn(&echo, &[], &env);
    let mut lines = process.lines();
    assert_eq!(ready_line(&mut lines).await, (service.clone(), channels.clone()));
    talk_to_echo(http_url.clone(), ws_url.clone(), &service, &channels[0]).await;

    // The puppet, another process and account, joins the echo's channel and is echoed.
    let mut env = env_for(&http_url, &ws_url, "puppet");
    env.push(("MOOBIUS_SERVICE_ID", service.clone()));
    env.push(("MOOBIUS_CHANNELS", channels.join(",")));
    let mut puppet = Running::spawn(&puppet, &[], &env);
    let mut puppet_lines = puppet.lines();
    let (_puppet_id, joined) = ready_line(&mut puppet_lines).await;
    assert_eq!(joined, channels);
    let heard = line_after(&mut puppet_lines, &format!("puppet heard in {}: ", channels[0])).await;
    assert_eq!(heard, puppet::GREETING);
    puppet.terminate().await;
    process.terminate().await;
    platform.terminate().await;
}

#[actix_rt::test]
async fn every_other_example_starts_against_moobius_platform_and_stops_on_sigterm() {
    let (platform, http_url, ws_url) = moobius_platform().await;
    // (example, its services, channels each)
    for (name, services, channels_each) in [
        ("assistant", 1, 1),
        ("buttons", 1, 1),
        ("groupchat", 1, 1),
        ("menu_canvas", 1, 1),
        ("multi_channel", 2, 2),
    ] {
        let binary = example_binary(name);
        let mut process = Running::spawn(&binary, &[], &env_for(&http_url, &ws_url, name));
        let mut lines = process.lines();
        for _ in 0..services {
            let (_, channels) = ready_line(&mut lines).await;
            assert_eq!(channels.len(), channels_each, "{name}: {channels:?}");
        }
        process.terminate().await;
    }
    // The quickstart's scripted conversation, then a clean exit of its own.
    let binary = example_binary("quickstart");
    let mut process = Running::spawn(&binary, &[], &env_for(&http_url, &ws_url, "quickstart"));
    let mut lines = process.lines();
    ready_line(&mut lines).await;
    line_after(&mut lines, "done").await;
    let exit = process.exit().await;
    assert!(exit.success(), "{exit:?}");
    platform.terminate().await;
}
