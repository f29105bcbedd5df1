//! Unit tests of loading: the file, the environment, and the error messages.

use super::load::{log_section, parse_others, service_section};
use super::*;

fn env(vars: &[(&str, &str)]) -> ConfigLoader {
    Config::loader().env_vars(vars.iter().copied())
}

#[test]
fn the_environment_alone_is_enough() {
    let config = env(&[
        ("MOOBIUS_EMAIL", "a@b.c"),
        ("MOOBIUS_PASSWORD", "pw"),
        ("MOOBIUS_HTTP_URL", "http://127.0.0.1:1234/"),
        ("MOOBIUS_WS_URL", "ws://127.0.0.1:1234/ws"),
        ("MOOBIUS_SERVICE_ID", "svc"),
        ("MOOBIUS_CHANNELS", " c1, c2,,c1 "),
    ])
    .load()
    .unwrap();
    assert_eq!(config.account.email, "a@b.c");
    assert_eq!(config.account.password.expose(), "pw");
    assert_eq!(config.service.http_server_uri, "http://127.0.0.1:1234/");
    assert_eq!(config.service.ws_server_uri, "ws://127.0.0.1:1234/ws");
    assert_eq!(config.service.service_id.as_deref(), Some("svc"));
    assert_eq!(config.service.channels, ["c1", "c2"]);
}

#[test]
fn defaults_are_production() {
    let config = env(&[("MOOBIUS_EMAIL", "a@b.c"), ("MOOBIUS_PASSWORD", "pw")]).load().unwrap();
    assert_eq!(config.service.http_server_uri, "https://api.moobius.ai/");
    assert_eq!(config.service.ws_server_uri, "wss://ws.moobius.ai/");
    assert_eq!(config.service.service_id, None);
    assert!(config.service.channels.is_empty());
    assert_eq!(config.service.others, Others::Include);
    assert!(config.service.service_mode);
}

#[test]
fn missing_credentials_name_the_field_and_the_variable() {
    let err = env(&[("MOOBIUS_PASSWORD", "pw")]).load().unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing field `account_config.email` in the environment (no config file given): add it or set MOOBIUS_EMAIL"
    );
    let err = env(&[("MOOBIUS_EMAIL", " "), ("MOOBIUS_PASSWORD", "pw")]).load().unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `account_config.email` in environment variable MOOBIUS_EMAIL: is empty"
    );
}

#[test]
fn urls_are_checked() {
    let err = env(&[("MOOBIUS_EMAIL", "a"), ("MOOBIUS_PASSWORD", "p"), ("MOOBIUS_WS_URL", "https://x/")])
        .load()
        .unwrap_err();
    assert!(
        matches!(err.kind(), ConfigErrorKind::InvalidField { field, .. } if field == "service_config.ws_server_uri"),
        "{err}"
    );
    assert!(err.to_string().contains("MOOBIUS_WS_URL"), "{err}");
    assert!(err.to_string().contains("ws:// or wss://"), "{err}");
}

#[test]
fn empty_service_id_and_channels_mean_none() {
    let config = env(&[
        ("MOOBIUS_EMAIL", "a"),
        ("MOOBIUS_PASSWORD", "p"),
        ("MOOBIUS_SERVICE_ID", ""),
        ("MOOBIUS_CHANNELS", ""),
    ])
    .load()
    .unwrap();
    assert_eq!(config.service.service_id, None);
    assert!(config.service.channels.is_empty());
}

#[test]
fn others_accepts_the_sdk_spellings() {
    let origin = Origin::Nowhere;
    assert_eq!(parse_others(" Include ", &origin).unwrap(), Others::Include);
    assert_eq!(parse_others("IGNORE", &origin).unwrap(), Others::Ignore);
    assert_eq!(parse_others("unbind", &origin).unwrap(), Others::Unbind);
    assert!(parse_others("steal", &origin).unwrap_err().to_string().contains("include, ignore, unbind"));
}

#[test]
fn sdk_extras_are_read_and_checked() {
    let origin = Origin::File(PathBuf::from("service.json"));
    let section = |json: Value| match json {
        Value::Object(map) => map,
        _ => unreachable!(),
    };
    let service = service_section(
        &section(serde_json::json!({"service_mode": false, "checkin_interval": 30, "no_warn": true})),
        &origin,
    )
    .unwrap();
    assert!(!service.service_mode);
    assert_eq!(service.checkin_interval, Duration::from_secs(30));
    assert_eq!(service.extra["no_warn"], true);

    let err = service_section(&section(serde_json::json!({"service_mode": "yes"})), &origin).unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `service_config.service_mode` in service.json: expected true or false, found a string"
    );
    let err = service_section(&section(serde_json::json!({"checkin_interval": -1})), &origin).unwrap_err();
    assert!(err.to_string().contains("0 or more"), "{err}");

    let log =
        log_section(&section(serde_json::json!({"log_file": "a.log", "log_retention": "3 days"})), &origin)
            .unwrap();
    assert_eq!(log.error_log_file.as_deref(), Some("a.log"), "the SDK's default: the log file");
    assert_eq!(log.log_retention, "3 days");
    let err = log_section(&section(serde_json::json!({"log_retention": 7})), &origin).unwrap_err();
    assert!(err.to_string().starts_with("field `log_config.log_retention` in service.json"), "{err}");
}

#[test]
fn created_reports_read_well() {
    let created = Created { service_id: Some("s1".into()), channels: vec!["c1".into()] };
    assert_eq!(created.to_string(), "created service s1 and channels c1");
    assert!(Created::default().is_empty());
}
