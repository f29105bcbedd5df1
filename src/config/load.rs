//! Loading a configuration: the reference SDK's `config.json` (sections inline or as paths of
//! other files) read through serde (`raw.rs`) with `serde_path_to_error`, checked (`check.rs`),
//! then the `MOOBIUS_*` environment overrides; an error names the field and the file or
//! variable it came from.

use super::check::{check_url, log_section, required, service_section, split_channels};
use super::db::db_section;
use super::raw::{Object, RawAccount, RawFile, Section, Shape};
use super::*;
use crate::http::Credentials;
use crate::protocol::{Secret, ServiceId};
use crate::storage::StorageConfig;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

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
        let Sections { account: (account, account_origin), service: (mut service, service_origin), log, db } =
            sections;
        let mut email = (account.email, account_origin.clone());
        let mut password = (account.password.map(|p| p.0), account_origin);

        // The environment overrides the file.
        let env = |name: &'static str| (self.env)(name).map(|value| (value, Origin::Env(name)));
        if let Some((value, origin)) = env(ENV_EMAIL) {
            email = (Some(value), origin);
        }
        if let Some((value, origin)) = env(ENV_PASSWORD) {
            password = (Some(value), origin);
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

        let email = required("account_config.email", email.0, &email.1)?;
        let password = Secret::new(required("account_config.password", password.0, &password.1)?);
        Ok(Config {
            account: Credentials { email, password },
            service,
            log,
            db,
            file: self.file,
            service_file: match service_origin {
                Origin::File(path) => Some(path),
                _ => None,
            },
        })
    }

    /// Reads the file, and the section files it names.
    fn read_sections(&self, file: &Path) -> Result<Sections, ConfigError> {
        let Object(top) = parse::<Object<RawFile>>(file, None)?;
        let account = self.section(file, "account_config", top.account_config)?;
        let (service, service_origin) = self.section(file, "service_config", top.service_config)?;
        let service = (service_section(service, &service_origin)?, service_origin);
        let (log, _) = self.section(file, "log_config", top.log_config)?;
        let db = match top.db_config {
            Some(Value::String(path)) => {
                let path = self.resolve(file, &path, "db_config")?;
                let value = read_json(&path)?;
                db_section(Some(&value), &Origin::File(path))?
            }
            other => db_section(other.as_ref(), &Origin::File(file.to_owned()))?,
        };
        Ok(Sections { account, service, log: log_section(log), db })
    }

    /// A section of `file` (empty when absent), with the file it was read from.
    fn section<T: DeserializeOwned + Shape + Default>(
        &self,
        file: &Path,
        name: &'static str,
        section: Option<Section<T>>,
    ) -> Result<(T, Origin), ConfigError> {
        match section {
            None => Ok((T::default(), Origin::File(file.to_owned()))),
            Some(Section::Inline(raw)) => Ok((raw, Origin::File(file.to_owned()))),
            Some(Section::Path(path)) => {
                let path = self.resolve(file, &path, name)?;
                let Object(raw) = parse::<Object<T>>(&path, Some(name))?;
                Ok((raw, Origin::File(path)))
            }
        }
    }

    /// Finds a section file as the SDK does: against the working directory (or `base_dir`), then
    /// against the directory of the file that names it.
    fn resolve(&self, file: &Path, path: &str, field: &'static str) -> Result<PathBuf, ConfigError> {
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
            &Origin::File(file.to_owned()),
            format!("the section file `{}` was not found (tried {})", path.display(), tried.join(", ")),
        ))
    }
}

/// The sections of a file, each with where it came from (the account's is checked once the
/// environment has had its say).
struct Sections {
    account: (RawAccount, Origin),
    service: (ServiceConfig, Origin),
    log: LogConfig,
    db: StorageConfig,
}

impl Default for Sections {
    fn default() -> Self {
        Self {
            account: (RawAccount::default(), Origin::Nowhere),
            service: (ServiceConfig::default(), Origin::Nowhere),
            log: LogConfig::default(),
            db: StorageConfig::new(),
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

/// Any JSON file.
pub(super) fn read_json(path: &Path) -> Result<Value, ConfigError> {
    parse(path, None)
}

/// Reads `file` as a `T`. A type error names the field (its path in the file, after `section`
/// when the file holds that section) and the file; serde's description, with the line and
/// column, is the detail.
pub(super) fn parse<T: DeserializeOwned>(file: &Path, section: Option<&str>) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        ConfigError::with_source(ConfigErrorKind::Read { file: file.display().to_string() }, e)
    })?;
    parse_str(&text, &Origin::File(file.to_owned()), section)
}

/// [`parse`] of a text that came from `origin`.
pub(super) fn parse_str<T: DeserializeOwned>(
    text: &str,
    origin: &Origin,
    section: Option<&str>,
) -> Result<T, ConfigError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|error| {
        let field = match (section, error.path().to_string().as_str()) {
            (None, path) => path.to_owned(),
            (Some(section), ".") => section.to_owned(),
            (Some(section), index) if index.starts_with('[') => format!("{section}{index}"),
            (Some(section), path) => format!("{section}.{path}"),
        };
        let error = error.into_inner();
        if error.is_data() {
            // The description is the whole cause: it is the detail, not also a source.
            invalid(&field, origin, error.to_string())
        } else {
            syntax(origin, error)
        }
    })?;
    de.end().map_err(|error| syntax(origin, error))?;
    Ok(value)
}

fn syntax(origin: &Origin, error: serde_json::Error) -> ConfigError {
    let (line, column) = (error.line(), error.column());
    ConfigError::with_source(ConfigErrorKind::Syntax { file: origin.to_string(), line, column }, error)
}

pub(super) fn invalid(field: &str, origin: &Origin, detail: String) -> ConfigError {
    ConfigError::new(ConfigErrorKind::InvalidField {
        field: field.to_owned(),
        origin: origin.to_string(),
        detail,
    })
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
