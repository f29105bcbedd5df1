//! Unit tests of loading: the file, the environment, and the error messages.

use super::check::{log_section, parse_others, service_section};
use super::load::parse_str;
use super::raw::{Object, RawFile, RawLog, RawService};
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

/// `service_config` as if read from a file `service.json` holding it.
fn service(json: &str) -> Result<ServiceConfig, ConfigError> {
    let origin = Origin::File(PathBuf::from("service.json"));
    let Object(raw) = parse_str::<Object<RawService>>(json, &origin, Some("service_config"))?;
    service_section(raw, &origin)
}

/// `log_config` as if read from a file `log.json` holding it.
fn log(json: &str) -> Result<LogConfig, ConfigError> {
    let origin = Origin::File(PathBuf::from("log.json"));
    parse_str::<Object<RawLog>>(json, &origin, Some("log_config")).map(|raw| log_section(raw.0))
}

/// A whole config file `config.json` with this text (no environment).
fn file(json: &str) -> Result<RawFile, ConfigError> {
    let origin = Origin::File(PathBuf::from("config.json"));
    parse_str::<Object<RawFile>>(json, &origin, None).map(|raw| raw.0)
}

#[test]
fn sdk_extras_are_read_and_checked() {
    let service = service(r#"{"service_mode": false, "checkin_interval": 30, "no_warn": true}"#).unwrap();
    assert!(!service.service_mode);
    assert_eq!(service.checkin_interval, Duration::from_secs(30));
    assert_eq!(service.extra["no_warn"], true);
    assert_eq!(
        self::service(r#"{"checkin_interval": 0.5}"#).unwrap().checkin_interval,
        Duration::from_millis(500)
    );

    let err = self::service(r#"{"service_mode": "yes"}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `service_config.service_mode` in service.json: invalid type: string \"yes\", expected a boolean at line 1 column 22"
    );
    for bad in ["-1", "-0.5", "1e300"] {
        let err = self::service(&format!(r#"{{"checkin_interval": {bad}}}"#)).unwrap_err();
        assert!(err.to_string().contains("expected a number of seconds (0 or more)"), "{err}");
    }

    let log = log(r#"{"log_file": "a.log", "log_retention": "3 days", "log_level": "debug"}"#).unwrap();
    assert_eq!(log.error_log_file.as_deref(), Some("a.log"), "the SDK's default: the log file");
    assert_eq!(log.log_retention, "3 days");
    assert_eq!(log.log_level, "DEBUG");
    let err = self::log(r#"{"log_retention": 7}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `log_config.log_retention` in log.json: invalid type: integer `7`, expected a string such as \"7 days\" or an object at line 1 column 19"
    );
}

#[test]
fn type_errors_name_the_path_within_the_file() {
    let err = service(r#"{"channels": ["c1", "c2", 3]}"#).unwrap_err();
    assert!(
        matches!(err.kind(), ConfigErrorKind::InvalidField { field, origin, .. }
            if field == "service_config.channels[2]" && origin == "service.json"),
        "{err}"
    );
    assert!(
        err.to_string()
            .ends_with("invalid type: integer `3`, expected a channel id (a string) at line 1 column 27"),
        "{err}"
    );
    let err = service(r#"{"channels": "c1"}"#).unwrap_err();
    assert!(err.to_string().contains("expected a list of channel ids"), "{err}");
    let err = service(r#"{"channels": ["c1", " "]}"#).unwrap_err();
    assert_eq!(err.to_string(), "field `service_config.channels[1]` in service.json: is empty");
    let err = service("[]").unwrap_err();
    assert!(
        err.to_string().starts_with("field `service_config` in service.json: invalid type: sequence"),
        "{err}"
    );

    let err = file(r#"{"service_config": {"channels": [1]}}"#).err().unwrap();
    assert!(err.to_string().starts_with("field `service_config.channels[0]` in config.json: "), "{err}");
    let err = file(r#"{"log_config": 5}"#).err().unwrap();
    assert!(
        err.to_string().contains("expected a JSON object or the path of a JSON file holding it"),
        "{err}"
    );
    // A derived struct would take a list by position; a section must be an object.
    let err = file(r#"{"account_config": ["a@b.c", "pw"]}"#).err().unwrap();
    assert!(
        err.to_string().starts_with("field `account_config` in config.json: invalid type: sequence"),
        "{err}"
    );
    let err = file("[]").err().unwrap();
    assert!(
        err.to_string()
            .starts_with("field `.` in config.json: invalid type: sequence, expected a JSON object with"),
        "{err}"
    );
    let err = file(r#"{"service_config": {"others": "ignore", "others": "include"}}"#).err().unwrap();
    assert!(err.to_string().contains("duplicate field `others`"), "{err}");
}

#[test]
fn unknown_fields_are_tolerated_and_nulls_are_absent() {
    let raw = file(
        r#"{"account_config": {"email": "a", "password": null, "phone": 1}, "extra": [], "db_config": null}"#,
    )
    .unwrap();
    assert!(raw.db_config.is_none());
    let service = service(r#"{"service_id": null, "others": null, "x": null}"#).unwrap();
    assert_eq!(service.others, Others::Include);
    assert_eq!(service.extra["x"], Value::Null, "unknown keys are kept as they are");
}

#[test]
fn a_password_of_the_wrong_type_is_not_shown() {
    let err = file(r#"{"account_config": {"email": "a", "password": 123456}}"#).err().unwrap();
    let shown = err.to_string();
    assert!(
        shown.starts_with(
            "field `account_config.password` in config.json: invalid type: a number, expected a string"
        ),
        "{shown}"
    );
    assert!(!shown.contains("123456"), "{shown}");
}

#[test]
fn syntax_errors_keep_the_parser_as_the_source() {
    let err = file(r#"{"account_config": {} } x"#).err().unwrap();
    assert!(matches!(err.kind(), ConfigErrorKind::Syntax { line: 1, column: 25, .. }), "{err:?}");
    assert_eq!(err.to_string(), "config file config.json is not valid JSON (line 1, column 25)");
    let source = std::error::Error::source(&err).expect("the parser's error").to_string();
    assert!(source.starts_with("trailing characters"), "{source}");
}

#[test]
fn created_reports_read_well() {
    let created = Created { service_id: Some("s1".into()), channels: vec!["c1".into()] };
    assert_eq!(created.to_string(), "created service s1 and channels c1");
    assert!(Created::default().is_empty());
}

#[test]
fn created_ids_are_saved_into_a_service_config_the_file_lacked() {
    let dir = std::env::temp_dir().join(format!("moobius-config-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("no_service.json");
    std::fs::write(&path, r#"{"account_config": {"email": "a", "password": "p"}, "service_config": null}"#)
        .unwrap();
    let config = Config::loader().file(&path).load().unwrap();
    let created = Created { service_id: Some("s1".into()), channels: vec!["c1".into()] };
    assert_eq!(config.save_created(&created).unwrap(), Some(path.as_path()));
    let again = Config::loader().file(&path).load().unwrap();
    assert_eq!(again.service.service_id.as_deref(), Some("s1"));
    assert_eq!(again.service.channels, ["c1"]);
    let _ = std::fs::remove_dir_all(&dir);
}
