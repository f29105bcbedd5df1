//! The one error of loading a configuration. `Display` says what was wrong, where, and what to
//! do; the system's or the parser's own error is the `source()`, printed once by whoever prints
//! the chain.

use derive_more::{Display, Error};

/// A configuration that could not be loaded. `Display` names the field, the file (or environment
/// variable) and what to do.
#[derive(Debug, Display, Error)]
#[display("{kind}")]
pub struct ConfigError {
    kind: ConfigErrorKind,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// What was wrong with a configuration.
#[derive(Debug, Display, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The file could not be read (the system's reason is the source).
    #[display("cannot read config file {file}; check the path")]
    Read {
        /// The file.
        file: String,
    },
    /// The file could not be written ([`Config::save_created`](super::Config::save_created));
    /// the system's reason is the source.
    #[display("cannot write config file {file}; check its permissions")]
    Write {
        /// The file.
        file: String,
    },
    /// The file is not JSON (serde_json's description is the source).
    #[display("config file {file} is not valid JSON (line {line}, column {column})")]
    Syntax {
        /// The file.
        file: String,
        /// Where the parser stopped.
        line: usize,
        /// Where the parser stopped.
        column: usize,
    },
    /// A required field is absent.
    #[display("missing field `{field}` in {origin}: add it{}", super::load::env_for(field).map(|v| format!(" or set {v}")).unwrap_or_default())]
    MissingField {
        /// The field's path, such as `account_config.email`.
        field: String,
        /// The file (or environment variable) that should hold it.
        origin: String,
    },
    /// A field has the wrong type or value.
    #[display("field `{field}` in {origin}: {detail}")]
    InvalidField {
        /// The field's path, such as `service_config.channels[1]`.
        field: String,
        /// The file or environment variable it came from.
        origin: String,
        /// What was wrong and what was expected.
        detail: String,
    },
}

impl ConfigError {
    /// What was wrong.
    pub fn kind(&self) -> &ConfigErrorKind {
        &self.kind
    }

    pub(super) fn new(kind: ConfigErrorKind) -> Self {
        Self { kind, source: None }
    }

    pub(super) fn with_source(
        kind: ConfigErrorKind,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self { kind, source: Some(Box::new(source)) }
    }
}
