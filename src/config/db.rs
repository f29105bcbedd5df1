//! `db_config` into typed storage settings ([`StorageConfig`]): the SDK's list of
//! `{"implementation", "name", "load", "clear", "settings"}`, each field checked, each error
//! naming the field (`db_config[1].settings.port`) and the file it came from.

use super::load::{Origin, invalid};
use super::{ConfigError, ConfigErrorKind};
use crate::protocol::Secret;
use crate::storage::{Backend, ContainerConfig, JsonSettings, RedisSettings, StorageConfig};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// The SDK's `db_config`: absent, `null`, `{}` (the SDK's default) or `[]` is no storage; else a
/// list of containers with distinct names.
pub(super) fn db_section(value: Option<&Value>, origin: &Origin) -> Result<StorageConfig, ConfigError> {
    let entries = match value {
        None | Some(Value::Null) => return Ok(StorageConfig::new()),
        Some(Value::Object(map)) if map.is_empty() => return Ok(StorageConfig::new()),
        Some(Value::Array(entries)) => entries,
        Some(other) => {
            let found = kind_of(other);
            let detail = format!(
                "expected a list of containers (`[{{\"implementation\": \"json\", \"name\": ...}}]`), found {found}"
            );
            return Err(invalid("db_config", origin, detail));
        }
    };
    let mut config = StorageConfig::new();
    for (index, entry) in entries.iter().enumerate() {
        let field = format!("db_config[{index}]");
        let container = container(entry, &field, origin)?;
        if let Some(first) = config.containers().iter().position(|c| c.name == container.name) {
            let detail = format!("container `{}` is already defined by db_config[{first}]", container.name);
            return Err(invalid(&format!("{field}.name"), origin, detail));
        }
        config = config.with(container);
    }
    Ok(config)
}

/// One entry.
fn container(entry: &Value, field: &str, origin: &Origin) -> Result<ContainerConfig, ConfigError> {
    let Value::Object(entry) = entry else {
        let detail = format!("expected an object with `implementation` and `name`, found {}", kind_of(entry));
        return Err(invalid(field, origin, detail));
    };
    let implementation = required_string(entry, field, "implementation", origin)?;
    let Some(backend) = Backend::named(&implementation) else {
        let detail = format!("`{implementation}` is not one of json, redis, null");
        return Err(invalid(&format!("{field}.implementation"), origin, detail));
    };
    let name = required_string(entry, field, "name", origin)?;
    if let Some(problem) = crate::storage::name_problem(&name) {
        return Err(invalid(&format!("{field}.name"), origin, format!("`{name}` {problem}")));
    }
    let load = flag(entry, field, "load", origin)?.unwrap_or(true);
    let clear = flag(entry, field, "clear", origin)?.unwrap_or(false);
    let settings_field = format!("{field}.settings");
    let settings = match entry.get("settings") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(settings)) => settings.clone(),
        Some(other) => {
            return Err(invalid(
                &settings_field,
                origin,
                format!("expected an object, found {}", kind_of(other)),
            ));
        }
    };
    let backend = backend_settings(backend, &settings, &settings_field, origin)?;
    Ok(ContainerConfig { name, backend, load, clear })
}

/// The backend with its `settings` (unknown keys are ignored, as the SDK's `**kwargs`; each is
/// logged).
fn backend_settings(
    backend: Backend,
    settings: &Map<String, Value>,
    field: &str,
    origin: &Origin,
) -> Result<Backend, ConfigError> {
    let known: &[&str] = match backend {
        Backend::Json(_) => &["root_dir"],
        Backend::Redis(_) => &["host", "port", "db", "password"],
        _ => &[],
    };
    for key in settings.keys().filter(|key| !known.contains(&key.as_str())) {
        log::warn!(
            "{field}.{key} in {origin} is not a setting of the {} backend; ignored",
            backend.implementation()
        );
    }
    let text = |key: &str| optional_string(settings, field, key, origin);
    Ok(match backend {
        Backend::Json(_) => {
            Backend::Json(JsonSettings { root_dir: PathBuf::from(text("root_dir")?.unwrap_or_default()) })
        }
        Backend::Redis(_) => {
            let defaults = RedisSettings::default();
            let number = |key: &str, max: u64| -> Result<Option<u64>, ConfigError> {
                match settings.get(key) {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n <= max) => Ok(n.as_u64()),
                    Some(other) => Err(invalid(
                        &format!("{field}.{key}"),
                        origin,
                        format!("expected a whole number from 0 to {max}, found {other}"),
                    )),
                }
            };
            Backend::Redis(RedisSettings {
                host: text("host")?.unwrap_or(defaults.host),
                port: number("port", u64::from(u16::MAX))?.map_or(defaults.port, |p| p as u16),
                db: number("db", u64::from(u32::MAX))?.map_or(defaults.db, |db| db as u32),
                password: text("password")?.filter(|p| !p.is_empty()).map(Secret::new),
            })
        }
        other => other,
    })
}

fn required_string(
    entry: &Map<String, Value>,
    field: &str,
    key: &str,
    origin: &Origin,
) -> Result<String, ConfigError> {
    match optional_string(entry, field, key, origin)? {
        Some(text) if !text.trim().is_empty() => Ok(text),
        Some(_) => Err(invalid(&format!("{field}.{key}"), origin, "is empty".to_owned())),
        None => Err(ConfigError::new(ConfigErrorKind::MissingField {
            field: format!("{field}.{key}"),
            origin: origin.to_string(),
        })),
    }
}

fn optional_string(
    entry: &Map<String, Value>,
    field: &str,
    key: &str,
    origin: &Origin,
) -> Result<Option<String>, ConfigError> {
    match entry.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(invalid(
            &format!("{field}.{key}"),
            origin,
            format!("expected a string, found {}", kind_of(other)),
        )),
    }
}

fn flag(
    entry: &Map<String, Value>,
    field: &str,
    key: &str,
    origin: &Origin,
) -> Result<Option<bool>, ConfigError> {
    match entry.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(other) => Err(invalid(
            &format!("{field}.{key}"),
            origin,
            format!("expected true or false, found {}", kind_of(other)),
        )),
    }
}

/// What a value is, for messages (a password's value is never shown).
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<StorageConfig, ConfigError> {
        db_section(Some(&value), &Origin::File(PathBuf::from("config.json")))
    }

    #[test]
    fn the_sdks_own_example_is_read() {
        // `database_interface.py`'s example db_config (settings a backend lacks are ignored).
        let config = parse(json!([
            {"implementation": "json", "name": "health_bars", "load": true, "clear": false, "settings": {"root_dir": "json_db"}},
            {"implementation": "redis", "name": "mana_bars", "load": true, "clear": false, "settings": {"root_dir": "json_db"}}
        ]))
        .unwrap();
        assert_eq!(
            config.containers(),
            [
                ContainerConfig::json("health_bars", "json_db"),
                ContainerConfig::redis("mana_bars", RedisSettings::default())
            ]
        );
    }

    #[test]
    fn absent_fields_take_the_sdks_defaults() {
        let config = parse(json!([
            {"implementation": "JSON", "name": "a"},
            {"implementation": "redis", "name": "b", "load": false, "clear": true,
             "settings": {"host": "127.0.0.1", "port": 6380, "db": 3, "password": "pw"}},
            {"implementation": "redis", "name": "c", "settings": {"password": "", "db": null}},
            {"implementation": "null", "name": "d", "settings": null}
        ]))
        .unwrap();
        let [a, b, c, d] = config.containers() else { panic!("four containers: {config:?}") };
        assert_eq!((a.load, a.clear), (true, false));
        assert_eq!(
            a.backend,
            Backend::Json(JsonSettings { root_dir: PathBuf::new() }),
            "the working directory"
        );
        assert_eq!((b.load, b.clear), (false, true));
        let expected =
            RedisSettings { host: "127.0.0.1".into(), port: 6380, db: 3, password: Some(Secret::new("pw")) };
        assert_eq!(b.backend, Backend::Redis(expected));
        assert!(!format!("{b:?}").contains("pw\""), "{b:?}");
        assert_eq!(c.backend, Backend::Redis(RedisSettings::default()), "the SDK's empty password is none");
        assert_eq!(d.backend, Backend::Null);
        for none in [Value::Null, json!({}), json!([])] {
            assert!(parse(none).unwrap().is_empty());
        }
        assert!(db_section(None, &Origin::Nowhere).unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_field_and_the_file() {
        let error = |value: Value| parse(value).unwrap_err().to_string();
        assert_eq!(
            error(json!({"implementation": "json"})),
            "field `db_config` in config.json: expected a list of containers (`[{\"implementation\": \"json\", \"name\": ...}]`), found an object"
        );
        assert_eq!(
            error(json!([3])),
            "field `db_config[0]` in config.json: expected an object with `implementation` and `name`, found a number"
        );
        assert_eq!(
            error(json!([{"name": "a"}])),
            "missing field `db_config[0].implementation` in config.json: add it"
        );
        assert_eq!(
            error(json!([{"implementation": "sqlite", "name": "a"}])),
            "field `db_config[0].implementation` in config.json: `sqlite` is not one of json, redis, null"
        );
        assert_eq!(
            error(json!([{"implementation": "json", "name": " "}])),
            "field `db_config[0].name` in config.json: is empty"
        );
        assert_eq!(
            error(json!([{"implementation": "json", "name": "a/b"}])),
            "field `db_config[0].name` in config.json: `a/b` contains a path separator or a NUL"
        );
        assert_eq!(
            error(json!([{"implementation": "json", "name": "a", "load": "yes"}])),
            "field `db_config[0].load` in config.json: expected true or false, found a string"
        );
        assert_eq!(
            error(json!([{"implementation": "json", "name": "a", "settings": []}])),
            "field `db_config[0].settings` in config.json: expected an object, found a list"
        );
        assert_eq!(
            error(json!([{"implementation": "json", "name": "a", "settings": {"root_dir": 1}}])),
            "field `db_config[0].settings.root_dir` in config.json: expected a string, found a number"
        );
        assert_eq!(
            error(
                json!([{"implementation": "null", "name": "a"}, {"implementation": "redis", "name": "b", "settings": {"port": 70000}}])
            ),
            "field `db_config[1].settings.port` in config.json: expected a whole number from 0 to 65535, found 70000"
        );
        assert_eq!(
            error(json!([{"implementation": "null", "name": "a"}, {"implementation": "json", "name": "a"}])),
            "field `db_config[1].name` in config.json: container `a` is already defined by db_config[0]"
        );
        let shown =
            error(json!([{"implementation": "redis", "name": "a", "settings": {"password": 123456}}]));
        assert!(!shown.contains("123456"), "{shown}");
    }
}
