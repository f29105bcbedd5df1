//! Configuration from reference-SDK-shaped files and from the environment, and its error messages.
//! The environment is always given as a map: these tests never touch the process environment.

use crate::support::scratch;
use moobius::config::{Config, ConfigErrorKind, Others};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn loads_the_quickstart_layout_with_one_file_per_section() {
    let project = fixtures().join("sdk_project");
    let file = project.join("config/config.json");
    let config = Config::loader().file(&file).base_dir(&project).load().unwrap();
    assert_eq!(config.account.email, "bot@example.com");
    assert_eq!(config.account.password.expose(), "file-password-123");
    assert_eq!(config.service.http_server_uri, "https://api.moobius.ai/");
    assert_eq!(config.service.ws_server_uri, "wss://ws.moobius.ai/");
    assert_eq!(config.service.service_id.as_deref(), Some("3c1f6a5e-8a3e-4f7e-9a57-5b1d8d4e2f10"));
    assert_eq!(
        config.service.channels,
        ["0d1e7a4c-2b6f-4c1a-9e0b-6f3a2d8c5b71", "7a9b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]
    );
    assert_eq!(config.service.others, Others::Include);
    assert_eq!(config.log.log_file.as_deref(), Some("logs/service.log"));
    assert_eq!(config.log.log_retention, "7 days");
    assert_eq!(config.file.as_deref(), Some(file.as_path()));
    assert!(!format!("{config:?}").contains("file-password-123"));
}

#[test]
fn section_paths_resolve_from_any_working_directory() {
    // No base_dir: the working directory (the crate root) does not hold `config/account.json`,
    // the project directory (the parent of the file's directory) does.
    let file = fixtures().join("sdk_project/config/config.json");
    let config = Config::loader().file(file).load().unwrap();
    assert_eq!(config.account.email, "bot@example.com");
}

#[test]
fn loads_one_file_with_inline_sections() {
    let config = Config::loader().file(fixtures().join("sdk_inline_config.json")).load().unwrap();
    assert_eq!(config.account.password.expose(), "inline-password-456");
    assert_eq!(config.service.service_id, None, "an empty service id means: create one");
    assert!(config.service.channels.is_empty());
    assert_eq!(config.service.others, Others::Ignore);
    assert_eq!(config.service.extra["no_warn_cannot_save_service_id"], true);
    assert_eq!(config.log.log_level, "DEBUG");
    assert_eq!(config.log.error_log_level, "WARNING");
    assert_eq!(config.db.containers()[0].name, "character");
}

#[test]
fn the_environment_overrides_every_field_of_the_file() {
    let config = Config::loader()
        .file(fixtures().join("sdk_inline_config.json"))
        .env_vars([
            ("MOOBIUS_HTTP_URL", "http://127.0.0.1:7001/"),
            ("MOOBIUS_WS_URL", "ws://127.0.0.1:7001/ws"),
            ("MOOBIUS_EMAIL", "env@example.com"),
            ("MOOBIUS_PASSWORD", "env-password"),
            ("MOOBIUS_SERVICE_ID", "svc-env"),
            ("MOOBIUS_CHANNELS", "c-1,c-2"),
        ])
        .load()
        .unwrap();
    assert_eq!(config.service.http_server_uri, "http://127.0.0.1:7001/");
    assert_eq!(config.service.ws_server_uri, "ws://127.0.0.1:7001/ws");
    assert_eq!(config.account.email, "env@example.com");
    assert_eq!(config.account.password.expose(), "env-password");
    assert_eq!(config.service.service_id.as_deref(), Some("svc-env"));
    assert_eq!(config.service.channels, ["c-1", "c-2"]);
    // Untouched fields keep the file's values.
    assert_eq!(config.service.others, Others::Ignore);
}

#[test]
fn the_environment_can_supply_what_the_file_lacks() {
    let dir = scratch("lacks");
    let file = write(&dir, "config.json", r#"{"service_config": {"channels": ["c1"]}}"#);
    let config = Config::loader()
        .file(&file)
        .env_vars([("MOOBIUS_EMAIL", "a@b.c"), ("MOOBIUS_PASSWORD", "pw")])
        .load()
        .unwrap();
    assert_eq!(config.account.email, "a@b.c");
    assert_eq!(config.service.channels, ["c1"]);
    assert_eq!(config.service.http_server_uri, "https://api.moobius.ai/");
}

#[test]
fn a_missing_field_names_the_field_and_the_file() {
    let dir = scratch("missing");
    let file = write(&dir, "config.json", r#"{"account_config": {"email": "a@b.c"}, "service_config": {}}"#);
    let err = Config::loader().file(&file).load().unwrap_err();
    match err.kind() {
        ConfigErrorKind::MissingField { field, origin } => {
            assert_eq!(field, "account_config.password");
            assert_eq!(origin, &file.display().to_string());
        }
        other => panic!("unexpected kind {other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.contains("`account_config.password`"), "{shown}");
    assert!(shown.contains(&file.display().to_string()), "{shown}");
    assert!(shown.contains("MOOBIUS_PASSWORD"), "{shown}");
}

#[test]
fn a_malformed_field_names_the_field_the_file_and_what_was_expected() {
    let dir = scratch("malformed");
    write(&dir, "account.json", r#"{"email": "a@b.c", "password": "pw"}"#);
    let service = write(&dir, "service.json", r#"{"channels": ["c1", 42]}"#);
    let file =
        write(&dir, "config.json", r#"{"account_config": "account.json", "service_config": "service.json"}"#);
    let err = Config::loader().file(&file).load().unwrap_err();
    let shown = err.to_string();
    assert!(
        matches!(err.kind(), ConfigErrorKind::InvalidField { field, .. } if field == "service_config.channels[1]"),
        "{shown}"
    );
    // The field lives in the section file, and that is the file named.
    assert!(shown.contains(&service.display().to_string()), "{shown}");
    assert!(shown.contains("invalid type: integer `42`, expected a channel id (a string)"), "{shown}");

    let file = write(&dir, "bad_type.json", r#"{"account_config": {"email": 7, "password": "pw"}}"#);
    let shown = Config::loader().file(&file).load().unwrap_err().to_string();
    assert!(shown.starts_with("field `account_config.email` in "), "{shown}");
    assert!(shown.contains("bad_type.json"), "{shown}");
    assert!(shown.contains("invalid type: integer `7`, expected a string"), "{shown}");

    let file = write(
        &dir,
        "bad_url.json",
        r#"{"account_config": {"email": "a", "password": "p"}, "service_config": {"http_server_uri": "ws://x/"}}"#,
    );
    let shown = Config::loader().file(&file).load().unwrap_err().to_string();
    assert!(shown.contains("service_config.http_server_uri"), "{shown}");
    assert!(shown.contains("http:// or https://"), "{shown}");

    let file = write(
        &dir,
        "bad_others.json",
        r#"{"account_config": {"email": "a", "password": "p"}, "service_config": {"others": "steal"}}"#,
    );
    let shown = Config::loader().file(&file).load().unwrap_err().to_string();
    assert!(shown.contains("service_config.others") && shown.contains("include, ignore, unbind"), "{shown}");
}

#[test]
fn unreadable_and_invalid_files_are_named() {
    let dir = scratch("files");
    let absent = dir.join("absent.json");
    let err = Config::loader().file(&absent).load().unwrap_err();
    assert!(matches!(err.kind(), ConfigErrorKind::Read { .. }), "{err}");
    assert!(err.to_string().contains("absent.json"), "{err}");

    let broken = write(&dir, "broken.json", "{\"account_config\": {\"email\": ");
    let err = Config::loader().file(&broken).load().unwrap_err();
    assert!(matches!(err.kind(), ConfigErrorKind::Syntax { .. }), "{err}");
    assert!(err.to_string().contains("broken.json") && err.to_string().contains("line 1"), "{err}");

    let file = write(&dir, "no_section_file.json", r#"{"account_config": "nowhere/account.json"}"#);
    let shown = Config::loader().file(&file).base_dir(&dir).load().unwrap_err().to_string();
    assert!(shown.starts_with("field `account_config` in "), "{shown}");
    assert!(shown.contains("nowhere/account.json") && shown.contains("not found"), "{shown}");

    let file = write(&dir, "list.json", "[]");
    let shown = Config::loader().file(&file).load().unwrap_err().to_string();
    assert!(shown.contains("expected a JSON object"), "{shown}");
}

#[test]
fn environment_errors_name_the_variable() {
    let err = Config::loader()
        .env_vars([("MOOBIUS_EMAIL", "a"), ("MOOBIUS_PASSWORD", "p"), ("MOOBIUS_HTTP_URL", "not a url")])
        .load()
        .unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.starts_with("field `service_config.http_server_uri` in environment variable MOOBIUS_HTTP_URL"),
        "{shown}"
    );
}

#[test]
fn created_ids_are_saved_back_where_service_config_lives() {
    use moobius::config::Created;
    let created = Created { service_id: Some("svc-new".into()), channels: vec!["chan-new".into()] };

    // One file with inline sections.
    let dir = scratch("save-inline");
    let inline = std::fs::read_to_string(fixtures().join("sdk_inline_config.json")).unwrap();
    let file = write(&dir, "config.json", &inline);
    let config = Config::loader().file(&file).load().unwrap();
    assert_eq!(config.service_file.as_deref(), Some(file.as_path()));
    assert_eq!(config.save_created(&created).unwrap(), Some(file.as_path()));
    let again = Config::loader().file(&file).load().unwrap();
    assert_eq!(again.service.service_id.as_deref(), Some("svc-new"));
    assert_eq!(again.service.channels, ["chan-new"]);
    assert_eq!(again.account, config.account, "the rest is kept");
    assert_eq!(again.service.others, Others::Ignore);
    assert_eq!(again.db, config.db);

    // The quickstart layout: the section file is written, not config.json.
    let dir = scratch("save-sections");
    std::fs::create_dir_all(dir.join("config")).unwrap();
    for name in ["config.json", "account.json", "service.json", "log.json", "db.json"] {
        std::fs::copy(fixtures().join("sdk_project/config").join(name), dir.join("config").join(name))
            .unwrap();
    }
    let top = dir.join("config/config.json");
    let before = std::fs::read_to_string(&top).unwrap();
    let config = Config::loader().file(&top).base_dir(&dir).load().unwrap();
    let only_service = Created { service_id: Some("svc-2".into()), channels: Vec::new() };
    let written = config.save_created(&only_service).unwrap().unwrap().to_owned();
    assert_eq!(written, dir.join("config/service.json"));
    assert_eq!(std::fs::read_to_string(&top).unwrap(), before);
    let again = Config::loader().file(&top).base_dir(&dir).load().unwrap();
    assert_eq!(again.service.service_id.as_deref(), Some("svc-2"));
    assert_eq!(again.service.channels, config.service.channels, "channels untouched");

    // Nothing created, or no file: nothing written.
    assert_eq!(config.save_created(&Created::default()).unwrap(), None);
    let from_env =
        Config::loader().env_vars([("MOOBIUS_EMAIL", "a"), ("MOOBIUS_PASSWORD", "p")]).load().unwrap();
    assert_eq!(from_env.save_created(&created).unwrap(), None);
}
