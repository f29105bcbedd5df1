//! Starting a service from a reference-SDK config file or from the environment alone, and the
//! errors that say what is wrong.

use crate::support::scratch;
use crate::support::service::{User, config, config_with_channels};
use crate::support::start_platform;
use moobius::config::Config;
use moobius::prelude::*;
use moobius::service::{ServiceContext as Cx, ServiceErrorKind};

/// A config file in the reference SDK's shape (with the sections this crate does not use).
fn sdk_file(
    platform: &moobius::platform::PlatformHandle,
    service_id: &str,
    channels: &[ChannelId],
) -> String {
    serde_json::json!({
        "account_config": {"email": "sdk-user@test.moobius", "password": "sdk-password"},
        "service_config": {
            "http_server_uri": platform.http_url(),
            "ws_server_uri": platform.ws_url(),
            "service_id": service_id,
            "channels": channels,
            "others": "ignore",
            "no_warn_cannot_save_service_id": true
        },
        "log_config": {"log_level": "INFO", "terminal_log_level": "WARNING"},
        "db_config": [{"implementation": "json", "load": true, "clear": false, "name": "character", "settings": {"root_dir": "data"}}]
    })
    .to_string()
}

#[actix_rt::test]
async fn a_reference_sdk_config_file_starts_a_service_and_its_ids_are_reused() {
    let platform = start_platform().await;
    let dir = scratch("sdk-file");
    let file = dir.join("config.json");
    std::fs::write(&file, sdk_file(&platform, "", &[])).unwrap();

    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::new(Config::from_file(&file).unwrap(), |_| Echo)).await.unwrap();
    echo.ready().await.unwrap();
    let (service, channels) = (echo.service_id().clone(), echo.channels().to_vec());
    assert_eq!(echo.created().service_id.as_ref(), Some(&service));
    assert_eq!(echo.created().channels, channels);
    let shown = echo.created().to_string();
    assert!(shown.contains(service.as_str()) && shown.contains(channels[0].as_str()), "{shown}");
    wand.shutdown().await;

    // The reported ids written back into the file: nothing is created, they are used.
    std::fs::write(&file, sdk_file(&platform, service.as_str(), &channels)).unwrap();
    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::new(Config::from_file(&file).unwrap(), |_| Echo)).await.unwrap();
    echo.ready().await.unwrap();
    assert!(echo.created().is_empty());
    assert_eq!((echo.service_id(), echo.channels()), (&service, channels.as_slice()));
    let mut alice = User::start(&mut wand, &platform, "alice", &channels).await;
    alice.join(&channels[0]);
    alice.say(&channels[0], "from the file", &service);
    assert_eq!(alice.text("the echo").await, "from the file");
    wand.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

pub(super) struct Echo;

impl Service for Echo {
    fn on_message_up(&mut self, message: ChatMessage, cx: &mut Cx<'_, Self>) -> ServiceResult {
        cx.send_message(message.content, message.sender);
        Ok(())
    }
}

#[actix_rt::test]
async fn the_environment_alone_configures_a_service() {
    let platform = start_platform().await;
    let env = [
        ("MOOBIUS_HTTP_URL", platform.http_url()),
        ("MOOBIUS_WS_URL", platform.ws_url()),
        ("MOOBIUS_EMAIL", "env-user@test.moobius".to_owned()),
        ("MOOBIUS_PASSWORD", crate::support::service::PASSWORD.to_owned()),
    ];
    let config = Config::loader().env_vars(env.clone()).load().unwrap();
    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::new(config, |_| Echo)).await.unwrap();
    echo.ready().await.unwrap();
    let (service, channels) = (echo.service_id().clone(), echo.channels().to_vec());
    wand.shutdown().await;

    // MOOBIUS_SERVICE_ID and MOOBIUS_CHANNELS (comma separated) name what to use.
    let mut wand = Wand::new();
    let (config, http) = config_with_channels(&platform, "env-user", 1).await;
    let more = [channels[0].clone(), config.service.channels[0].clone()];
    drop(http);
    let mut env = env.to_vec();
    env.push(("MOOBIUS_SERVICE_ID", service.to_string()));
    env.push(("MOOBIUS_CHANNELS", more.join(",")));
    let config = Config::loader().env_vars(env).load().unwrap();
    let echo = wand.start(ServiceBuilder::new(config, |_| Echo)).await.unwrap();
    echo.ready().await.unwrap();
    assert!(echo.created().is_empty());
    assert_eq!((echo.service_id(), echo.channels()), (&service, more.as_slice()));
    let mut alice = User::start(&mut wand, &platform, "alice", &more).await;
    alice.join(&more[1]);
    alice.say(&more[1], "second channel", &service);
    assert_eq!(alice.text("the echo in the second channel").await, "second channel");
    wand.shutdown().await;
}

#[actix_rt::test]
async fn configuration_and_start_up_errors_say_what_is_wrong() {
    // The environment without a password names the missing field and where it was looked for.
    let err = Config::loader()
        .env_vars([("MOOBIUS_EMAIL", "a@b.c"), ("MOOBIUS_WS_URL", "ws://127.0.0.1:1/ws")])
        .load()
        .unwrap_err()
        .to_string();
    assert!(err.contains("password") && err.contains("MOOBIUS_PASSWORD"), "{err}");
    // A malformed channel list in the file names the field and the file.
    let dir = scratch("bad-channels");
    let file = dir.join("config.json");
    std::fs::write(
        &file,
        r#"{"account_config": {"email": "a@b.c", "password": "p"}, "service_config": {"channels": "c1"}}"#,
    )
    .unwrap();
    let err = Config::from_file(&file).unwrap_err().to_string();
    assert!(err.contains("service_config.channels") && err.contains("config.json"), "{err}");
    let _ = std::fs::remove_dir_all(dir);

    // A wrong password: the start-up fails at sign-in, and the password is nowhere in the error.
    let platform = start_platform().await;
    let mut good = config(&platform, "guarded");
    ServiceBuilder::new(good.clone(), |_| Echo).start().await.unwrap().shutdown().await;
    good.account = moobius::http::Credentials::new("guarded@test.moobius", "not-the-password-123");
    let err = ServiceBuilder::new(good, |_| Echo).start().await.unwrap_err();
    assert!(matches!(err.kind(), ServiceErrorKind::Http(_)), "{err:?}");
    let (shown, debug) = (err.to_string(), format!("{err:?}"));
    assert!(shown.starts_with("start-up over HTTP"), "{shown}");
    assert!(!shown.contains("not-the-password-123") && !debug.contains("not-the-password-123"), "{debug}");
}
