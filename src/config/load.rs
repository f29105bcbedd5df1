//! Loading a configuration: the reference SDK's `config.json` (sections inline or as paths),
//! then the `MOOBIUS_*` environment overrides, each field checked so that an error names the
//! field and the file or variable it came from.

use super::error::{ConfigError, ConfigErrorKind};
use super::*;
use crate::http::Credentials;
use crate::protocol::{ChannelId, Context, Secret, ServiceId};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Looks up an environment variable by name.
type EnvLookup = Box<dyn Fn(&str) -> Option<String>>;

/// Reads a [`Config`]: from a file (optional), then the environment's overrides.
pub struct ConfigLoader {
    file: Option<PathBuf>,
    env: EnvLookup,
    base_dir: Option<PathBuf>,
}

impl fmt::Debug for ConfigLoader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigLoader")
            .field("file", &self.file)
            .field("base_dir", &self.base_dir)
            .finish_non_exhaustive()
    }
}

impl ConfigLoader {
    pub(super) fn new() -> Self {
        Self { file: None, env: Box::new(|_| None), base_dir: None }
    }

    /// Read this file (the SDK's `config.json`).
    pub fn file(mut self, path: impl AsRef<Path>) -> Self {
        self.file = Some(path.as_ref().to_owned());
        self
    }

    /// Take the environment from this function (name → value); by default there is none.
    pub fn env(mut self, env: impl Fn(&str) -> Option<String> + 'static) -> Self {
        self.env = Box::new(env);
        self
    }

    /// Take the environment from these pairs.
    pub fn env_vars<K: Into<String>, V: Into<String>>(self, vars: impl IntoIterator<Item = (K, V)>) -> Self {
        let vars: HashMap<String, String> = vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        self.env(move |name| vars.get(name).cloned())
    }

    /// Take the environment from the process.
    pub fn process_env(self) -> Self {
        self.env(|name| std::env::var(name).ok())
    }

    /// Resolve relative section paths against this directory first (default: the working
    /// directory, as the SDK), then against the directory of the file naming them and its parent.
    pub fn base_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.base_dir = Some(dir.as_ref().to_owned());
        self
    }

    /// Reads the file (if any), applies the environment, checks every field.
    ///
    /// # Errors
    /// A [`ConfigError`] that names the field and where it came from (the file, or the
    /// environment variable).
    ///
    /// # Examples
    /// ```
    /// use moobius::config::{Config, ConfigErrorKind};
    ///
    /// let err = Config::loader().env_vars([("MOOBIUS_EMAIL", "bot@example.com")]).load().unwrap_err();
    /// assert!(matches!(err.kind(), ConfigErrorKind::MissingField { field, .. } if field == "account_config.password"));
    /// ```
    pub fn load(self) -> Result<Config, ConfigError> {
        let sections = match &self.file {
            Some(file) => self.read_sections(file)?,
            None => Sections::default(),
        };
        let (account, account_origin) = &sections.account;
        let mut email = opt_string(account, "account_config", "email", account_origin)?;
        let mut password = opt_string(account, "account_config", "password", account_origin)?;
        let mut service = service_section(&sections.service.0, &sections.service.1)?;
        let log = log_section(&sections.log.0, &sections.log.1)?;

        // The environment overrides the file.
        let env = |name: &'static str| (self.env)(name).map(|value| (value, Origin::Env(name)));
        let (mut email_origin, mut password_origin) = (account_origin.clone(), account_origin.clone());
        if let Some((value, origin)) = env(ENV_EMAIL) {
            (email, email_origin) = (Some(value), origin);
        }
        if let Some((value, origin)) = env(ENV_PASSWORD) {
            (password, password_origin) = (Some(value), origin);
        }
        if let Some((url, origin)) = env(ENV_HTTP_URL) {
            service.http_server_uri =
                check_url("service_config.http_server_uri", url, &["http", "https"], &origin)?;
        }
        if let Some((url, origin)) = env(ENV_WS_URL) {
            service.ws_server_uri = check_url("service_config.ws_server_uri", url, &["ws", "wss"], &origin)?;
        }
        if let Some((id, _)) = env(ENV_SERVICE_ID) {
            let id = id.trim();
            service.service_id = (!id.is_empty()).then(|| ServiceId::from(id));
        }
        if let Some((channels, _)) = env(ENV_CHANNELS) {
            service.channels = split_channels(&channels);
        }

        let email = required("account_config.email", email, &email_origin)?;
        let password = Secret::new(required("account_config.password", password, &password_origin)?);
        Ok(Config {
            account: Credentials { email, password },
            service,
            log,
            db: sections.db.unwrap_or_else(|| Value::Object(Context::new())),
            file: self.file,
            service_file: match &sections.service.1 {
                Origin::File(path) => Some(path.clone()),
                _ => None,
            },
        })
    }

    fn read_sections(&self, file: &Path) -> Result<Sections, ConfigError> {
        let top = read_json(file)?;
        let origin = Origin::File(file.to_owned());
        let Value::Object(mut top) = top else {
            return Err(invalid(
                ".",
                &origin,
                format!(
                    "expected a JSON object with `account_config` and `service_config`, found {}",
                    kind_of(&top)
                ),
            ));
        };
        let mut section = |name: &'static str| -> Result<(Context, Origin), ConfigError> {
            match top.remove(name) {
                None | Some(Value::Null) => Ok((Context::new(), origin.clone())),
                Some(Value::Object(map)) => Ok((map, origin.clone())),
                Some(Value::String(path)) => {
                    let path = self.resolve(file, &path, name, &origin)?;
                    let section_origin = Origin::File(path.clone());
                    match read_json(&path)? {
                        Value::Object(map) => Ok((map, section_origin)),
                        other => Err(invalid(
                            name,
                            &section_origin,
                            format!("expected a JSON object, found {}", kind_of(&other)),
                        )),
                    }
                }
                Some(other) => Err(invalid(
                    name,
                    &origin,
                    format!("expected an object or the path of a JSON file, found {}", kind_of(&other)),
                )),
            }
        };
        let account = section("account_config")?;
        let service = section("service_config")?;
        let log = section("log_config")?;
        let db = match top.remove("db_config") {
            Some(Value::String(path)) => {
                let path = self.resolve(file, &path, "db_config", &origin)?;
                Some(read_json(&path)?)
            }
            other => other,
        };
        Ok(Sections { account, service, log, db })
    }

    /// Finds a section file as the SDK does: against the working directory (or `base_dir`), then
    /// against the directory of the file that names it.
    fn resolve(
        &self,
        file: &Path,
        path: &str,
        field: &'static str,
        origin: &Origin,
    ) -> Result<PathBuf, ConfigError> {
        let path = Path::new(path);
        if path.is_absolute() {
            return Ok(path.to_owned());
        }
        let mut tried = Vec::new();
        let base = self.base_dir.clone().or_else(|| std::env::current_dir().ok());
        // The SDK's quickstart writes `config/config.json` naming `config/account.json`: relative
        // to the project, which is the parent of the file's directory.
        let beside = file.parent().map(Path::to_owned);
        let project = beside.as_deref().and_then(Path::parent).map(Path::to_owned);
        for dir in base.into_iter().chain(beside).chain(project) {
            let candidate = dir.join(path);
            if candidate.is_file() {
                return Ok(candidate);
            }
            tried.push(candidate.display().to_string());
        }
        Err(invalid(
            field,
            origin,
            format!("the section file `{}` was not found (tried {})", path.display(), tried.join(", ")),
        ))
    }
}

/// Reads `service_config` (defaults for what is absent).
pub(super) fn service_section(section: &Context, origin: &Origin) -> Result<ServiceConfig, ConfigError> {
    const NAME: &str = "service_config";
    const KNOWN: [&str; 7] = [
        "http_server_uri",
        "ws_server_uri",
        "service_id",
        "channels",
        "others",
        "service_mode",
        "checkin_interval",
    ];
    let mut service = ServiceConfig::default();
    if let Some(url) = opt_string(section, NAME, "http_server_uri", origin)? {
        service.http_server_uri =
            check_url("service_config.http_server_uri", url, &["http", "https"], origin)?;
    }
    if let Some(url) = opt_string(section, NAME, "ws_server_uri", origin)? {
        service.ws_server_uri = check_url("service_config.ws_server_uri", url, &["ws", "wss"], origin)?;
    }
    service.service_id = opt_string(section, NAME, "service_id", origin)?
        .filter(|id| !id.trim().is_empty())
        .map(ServiceId::from);
    if let Some(channels) = present(section, "channels") {
        service.channels = channel_list(channels, origin)?;
    }
    if let Some(others) = opt_string(section, NAME, "others", origin)? {
        service.others = parse_others(&others, origin)?;
    }
    if let Some(mode) = present(section, "service_mode") {
        service.service_mode = mode.as_bool().ok_or_else(|| {
            invalid(
                "service_config.service_mode",
                origin,
                format!("expected true or false, found {}", kind_of(mode)),
            )
        })?;
    }
    if let Some(interval) = present(section, "checkin_interval") {
        service.checkin_interval = interval
            .as_f64()
            .filter(|secs| secs.is_finite() && *secs >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                let found = kind_of(interval);
                invalid(
                    "service_config.checkin_interval",
                    origin,
                    format!("expected a number of seconds (0 or more), found {found}"),
                )
            })?;
    }
    service.extra = others_than(section, &KNOWN);
    Ok(service)
}

/// Reads `log_config` (the SDK's defaults for what is absent).
pub(super) fn log_section(section: &Context, origin: &Origin) -> Result<LogConfig, ConfigError> {
    const NAME: &str = "log_config";
    const KNOWN: [&str; 6] =
        ["log_level", "terminal_log_level", "error_log_level", "log_file", "error_log_file", "log_retention"];
    let mut log = LogConfig::default();
    for (key, slot) in [
        ("log_level", &mut log.log_level),
        ("terminal_log_level", &mut log.terminal_log_level),
        ("error_log_level", &mut log.error_log_level),
    ] {
        if let Some(level) = opt_string(section, NAME, key, origin)? {
            *slot = level.to_uppercase();
        }
    }
    log.log_file = opt_string(section, NAME, "log_file", origin)?;
    log.error_log_file =
        opt_string(section, NAME, "error_log_file", origin)?.or_else(|| log.log_file.clone());
    if let Some(retention) = present(section, "log_retention") {
        if !(retention.is_string() || retention.is_object()) {
            let found = kind_of(retention);
            let detail = format!("expected a string such as \"7 days\" or an object, found {found}");
            return Err(invalid("log_config.log_retention", origin, detail));
        }
        log.log_retention = retention.clone();
    }
    log.extra = others_than(section, &KNOWN);
    Ok(log)
}

/// A field that is there and not `null`.
fn present<'a>(section: &'a Context, key: &str) -> Option<&'a Value> {
    section.get(key).filter(|value| !value.is_null())
}

/// The fields of `section` other than `known`.
fn others_than(section: &Context, known: &[&str]) -> Context {
    section
        .iter()
        .filter(|(k, _)| !known.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The four sections of a file, each with where it came from.
struct Sections {
    account: (Context, Origin),
    service: (Context, Origin),
    log: (Context, Origin),
    db: Option<Value>,
}

impl Default for Sections {
    fn default() -> Self {
        Self {
            account: (Context::new(), Origin::Nowhere),
            service: (Context::new(), Origin::Nowhere),
            log: (Context::new(), Origin::Nowhere),
            db: None,
        }
    }
}

/// Where a field's value came from, for error messages.
#[derive(Debug, Clone)]
pub(super) enum Origin {
    File(PathBuf),
    Env(&'static str),
    Nowhere,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Env(name) => write!(f, "environment variable {name}"),
            Origin::Nowhere => f.write_str("the environment (no config file given)"),
        }
    }
}

pub(super) fn read_json(path: &Path) -> Result<Value, ConfigError> {
    let file = || path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::with_source(ConfigErrorKind::Read { file: file() }, e))?;
    serde_json::from_str(&text).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        ConfigError::with_source(ConfigErrorKind::Syntax { file: file(), line, column }, e)
    })
}

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

pub(super) fn invalid(field: &str, origin: &Origin, detail: String) -> ConfigError {
    ConfigError::new(ConfigErrorKind::InvalidField {
        field: field.to_owned(),
        origin: origin.to_string(),
        detail,
    })
}

/// A string field; `null` and absent are `None`.
fn opt_string(
    section: &Context,
    name: &str,
    key: &str,
    origin: &Origin,
) -> Result<Option<String>, ConfigError> {
    match section.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(invalid(
            &format!("{name}.{key}"),
            origin,
            format!("expected a string, found {}", kind_of(other)),
        )),
    }
}

fn required(field: &'static str, value: Option<String>, origin: &Origin) -> Result<String, ConfigError> {
    match value {
        None => Err(ConfigError::new(ConfigErrorKind::MissingField {
            field: field.to_owned(),
            origin: origin.to_string(),
        })),
        Some(text) if text.trim().is_empty() => Err(invalid(field, origin, "is empty".to_owned())),
        Some(text) => Ok(text),
    }
}

fn check_url(field: &str, url: String, schemes: &[&str], origin: &Origin) -> Result<String, ConfigError> {
    let wanted = schemes.iter().map(|s| format!("{s}://")).collect::<Vec<_>>().join(" or ");
    let parsed: Result<awc::http::Uri, _> = url.trim().parse();
    match parsed {
        Ok(uri) if uri.scheme_str().is_some_and(|s| schemes.contains(&s)) && uri.host().is_some() => {
            Ok(url.trim().to_owned())
        }
        Ok(_) => Err(invalid(field, origin, format!("`{url}` is not a {wanted} url"))),
        Err(e) => Err(invalid(field, origin, format!("`{url}` is not a url ({e}); expected {wanted}..."))),
    }
}

fn channel_list(value: &Value, origin: &Origin) -> Result<Vec<ChannelId>, ConfigError> {
    let Value::Array(items) = value else {
        return Err(invalid(
            "service_config.channels",
            origin,
            format!("expected a list of channel ids, found {}", kind_of(value)),
        ));
    };
    let mut channels = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    for (index, item) in items.iter().enumerate() {
        match item {
            Value::String(id) if !id.trim().is_empty() => {
                if seen.insert(id.trim()) {
                    channels.push(ChannelId::from(id.trim()));
                }
            }
            Value::String(_) => {
                return Err(invalid(
                    &format!("service_config.channels[{index}]"),
                    origin,
                    "is empty".to_owned(),
                ));
            }
            other => {
                return Err(invalid(
                    &format!("service_config.channels[{index}]"),
                    origin,
                    format!("expected a channel id (a string), found {}", kind_of(other)),
                ));
            }
        }
    }
    Ok(channels)
}

fn split_channels(text: &str) -> Vec<ChannelId> {
    let mut seen = HashSet::new();
    text.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty() && seen.insert(*id))
        .map(ChannelId::from)
        .collect()
}

pub(super) fn parse_others(text: &str, origin: &Origin) -> Result<Others, ConfigError> {
    match text.trim().to_lowercase().as_str() {
        "include" => Ok(Others::Include),
        "ignore" => Ok(Others::Ignore),
        "unbind" => Ok(Others::Unbind),
        _ => Err(invalid(
            "service_config.others",
            origin,
            format!("`{text}` is not one of include, ignore, unbind"),
        )),
    }
}

/// The environment variable that overrides a field, for hints.
pub(super) fn env_for(field: &str) -> Option<&'static str> {
    Some(match field {
        "account_config.email" => ENV_EMAIL,
        "account_config.password" => ENV_PASSWORD,
        "service_config.http_server_uri" => ENV_HTTP_URL,
        "service_config.ws_server_uri" => ENV_WS_URL,
        "service_config.service_id" => ENV_SERVICE_ID,
        "service_config.channels" => ENV_CHANNELS,
        _ => return None,
    })
}
