//! The reference SDK's `log_config` applied (feature `logging`): a terminal sink on stderr at
//! `terminal_log_level`, a file sink at `log_level` in `log_file`, and an error file at
//! `error_log_level` in `error_log_file`, the files rotated and cleaned up by `log_retention`
//! (`{"rotation": "1 day", "retention": "7 days"}` by default, as loguru reads it). Files go
//! through flexi_logger's `FileLogWriter`, which rotates and cleans up; this module only routes
//! each record by level, through the `log` facade that the whole crate logs to.
//!
//! A library never installs a logger by itself: a program calls [`init`] once (or builds a
//! [`Logging`] and [`install`](Logging::install)s it).

use crate::config::LogConfig;
use derive_more::{Display, Error};
use flexi_logger::writers::{FileLogWriter, LogWriter};
use flexi_logger::{Age, Cleanup, Criterion, DeferredNow, FileSpec, Naming};
use log::{LevelFilter, Log, Metadata, Record};
use serde_json::Value;
use std::io::Write as _;
use std::sync::Arc;

/// Why `log_config` could not be applied.
#[derive(Debug, Display, Error)]
#[display("{kind}")]
pub struct LogError {
    kind: LogErrorKind,
    source: Option<flexi_logger::FlexiLoggerError>,
}

/// What was wrong with `log_config`.
#[derive(Debug, Display, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogErrorKind {
    /// A level that is not one of loguru's (`TRACE`, `DEBUG`, `INFO`, `SUCCESS`, `WARNING`,
    /// `ERROR`, `CRITICAL`).
    #[display(
        "log_config.{field}: `{value}` is not a level: use TRACE, DEBUG, INFO, SUCCESS, WARNING, ERROR or CRITICAL"
    )]
    Level {
        /// The field, such as `log_level`.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// A rotation this crate cannot apply.
    #[display(
        "log_config.log_retention.rotation: `{value}` is not a rotation: use \"1 day\", \"1 hour\", \"1 minute\" or a size such as \"10 MB\""
    )]
    Rotation {
        /// The value given.
        value: String,
    },
    /// A retention this crate cannot apply.
    #[display(
        "log_config.log_retention.retention: `{value}` is not a retention: use \"<n> days\" or \"<n> files\""
    )]
    Retention {
        /// The value given.
        value: String,
    },
    /// A log file could not be opened (the cause is the source).
    #[display("log file {path} cannot be opened: check the directory and its permissions")]
    File {
        /// The file.
        path: String,
    },
    /// A logger is installed already.
    #[display("a logger is installed already: call moobius::logging::init once, before any other logger")]
    AlreadySet,
}

impl LogError {
    /// What was wrong.
    pub fn kind(&self) -> &LogErrorKind {
        &self.kind
    }

    fn new(kind: LogErrorKind) -> Self {
        Self { kind, source: None }
    }
}

/// A loguru level name as a `log` level filter (`SUCCESS` is `Info`, `CRITICAL` is `Error`).
fn level(field: &'static str, value: &str) -> Result<LevelFilter, LogError> {
    Ok(match value.trim().to_ascii_uppercase().as_str() {
        "TRACE" => LevelFilter::Trace,
        "DEBUG" => LevelFilter::Debug,
        "INFO" | "SUCCESS" => LevelFilter::Info,
        "WARNING" | "WARN" => LevelFilter::Warn,
        "ERROR" | "CRITICAL" => LevelFilter::Error,
        "OFF" => LevelFilter::Off,
        _ => return Err(LogError::new(LogErrorKind::Level { field, value: value.to_owned() })),
    })
}

/// `"<n> <unit>"` split into its number and unit (lowercase, without a plural `s`).
fn amount(text: &str) -> Option<(f64, String)> {
    let text = text.trim().to_ascii_lowercase();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let number: f64 = text[..split].trim().parse().ok()?;
    let unit = text[split..].trim().trim_end_matches('s').to_owned();
    Some((number, unit))
}

/// loguru's rotation as a flexi_logger criterion: an age of one day, hour or minute, or a size.
fn rotation(value: &str) -> Result<Criterion, LogError> {
    let bad = || LogError::new(LogErrorKind::Rotation { value: value.to_owned() });
    let (number, unit) = amount(value).ok_or_else(bad)?;
    let bytes = |scale: f64| Criterion::Size((number * scale) as u64);
    Ok(match unit.as_str() {
        "day" | "d" if number == 1.0 => Criterion::Age(Age::Day),
        "hour" | "h" if number == 1.0 => Criterion::Age(Age::Hour),
        "minute" | "min" | "m" if number == 1.0 => Criterion::Age(Age::Minute),
        "b" | "byte" if number >= 1.0 => bytes(1.0),
        "kb" if number > 0.0 => bytes(1e3),
        "mb" if number > 0.0 => bytes(1e6),
        "gb" if number > 0.0 => bytes(1e9),
        _ => return Err(bad()),
    })
}

/// loguru's retention as a flexi_logger cleanup: a number of days or of files.
fn retention(value: &Value) -> Result<Cleanup, LogError> {
    let shown = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let bad = || LogError::new(LogErrorKind::Retention { value: shown.clone() });
    if let Some(files) = value.as_u64() {
        return Ok(Cleanup::KeepLogFiles(files as usize));
    }
    let (number, unit) = value.as_str().and_then(amount).ok_or_else(bad)?;
    if number < 1.0 || number.fract() != 0.0 {
        return Err(bad());
    }
    match unit.as_str() {
        "day" | "d" => Ok(Cleanup::KeepForDays(number as usize)),
        "week" => Ok(Cleanup::KeepForDays(number as usize * 7)),
        "file" => Ok(Cleanup::KeepLogFiles(number as usize)),
        _ => Err(bad()),
    }
}

/// The sinks of a `log_config`, ready to install.
pub struct Logging {
    sinks: Arc<Sinks>,
}

impl std::fmt::Debug for Logging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logging")
            .field("terminal", &self.sinks.terminal)
            .field("files", &self.sinks.files.iter().map(|(level, _)| *level).collect::<Vec<_>>())
            .finish()
    }
}

struct Sinks {
    terminal: LevelFilter,
    files: Vec<(LevelFilter, FileLogWriter)>,
}

impl Sinks {
    fn max(&self) -> LevelFilter {
        self.files.iter().map(|(level, _)| *level).fold(self.terminal, Ord::max)
    }
}

impl Log for Sinks {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.max()
    }

    fn log(&self, record: &Record<'_>) {
        let mut now = DeferredNow::new();
        if record.level() <= self.terminal {
            let mut stderr = std::io::stderr().lock();
            let _ = flexi_logger::default_format(&mut stderr, &mut now, record);
            let _ = writeln!(stderr);
        }
        for (level, writer) in &self.files {
            if record.level() <= *level {
                let _ = writer.write(&mut now, record);
            }
        }
    }

    fn flush(&self) {
        for (_, writer) in &self.files {
            let _ = writer.flush();
        }
    }
}

/// The installed sinks, shared with the `log` facade.
struct Installed(Arc<Sinks>);

impl Log for Installed {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.0.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        self.0.log(record);
    }

    fn flush(&self) {
        self.0.flush();
    }
}

impl Logging {
    /// The sinks `config` asks for; files are opened (and their directories created) now.
    ///
    /// # Errors
    /// [`LogErrorKind::Level`], [`LogErrorKind::Rotation`] or [`LogErrorKind::Retention`] for a
    /// value this crate cannot apply; [`LogErrorKind::File`] when a file cannot be opened.
    ///
    /// # Examples
    /// ```
    /// let mut config = moobius::config::LogConfig::default();
    /// config.terminal_log_level = "WARNING".into();
    /// let logging = moobius::logging::Logging::from_config(&config)?;
    /// # let _ = logging;
    /// # Ok::<(), moobius::logging::LogError>(())
    /// ```
    pub fn from_config(config: &LogConfig) -> Result<Logging, LogError> {
        let terminal = level("terminal_log_level", &config.terminal_log_level)?;
        let file_level = level("log_level", &config.log_level)?;
        let error_level = level("error_log_level", &config.error_log_level)?;
        let retention_config = match &config.log_retention {
            Value::String(_) => serde_json::json!({ "retention": config.log_retention }),
            other => other.clone(),
        };
        let rotate = match retention_config.get("rotation").and_then(Value::as_str) {
            Some(value) => Some(rotation(value)?),
            None => None,
        };
        let cleanup = match retention_config.get("retention") {
            Some(value) if !value.is_null() => retention(value)?,
            _ => Cleanup::Never,
        };
        let mut files: Vec<(LevelFilter, String)> = Vec::new();
        if let Some(path) = &config.log_file {
            files.push((file_level, path.clone()));
        }
        if let Some(path) = &config.error_log_file {
            // The SDK's default error file is the log file: one writer, at the wider level.
            match files.iter_mut().find(|(_, p)| p == path) {
                Some((level, _)) => *level = (*level).max(error_level),
                None => files.push((error_level, path.clone())),
            }
        }
        let mut writers = Vec::new();
        for (level, path) in files {
            let failed =
                |source| LogError { kind: LogErrorKind::File { path: path.clone() }, source: Some(source) };
            let spec = FileSpec::try_from(&path).map_err(failed)?;
            let mut builder = FileLogWriter::builder(spec)
                .append()
                .format(flexi_logger::detailed_format)
                .cleanup_in_background_thread(false);
            builder = match rotate {
                Some(criterion) => builder.rotate(criterion, Naming::Timestamps, cleanup),
                None => builder,
            };
            writers.push((level, builder.try_build().map_err(failed)?));
        }
        Ok(Logging { sinks: Arc::new(Sinks { terminal, files: writers }) })
    }

    /// Makes these sinks the process's logger.
    ///
    /// # Errors
    /// [`LogErrorKind::AlreadySet`] when a logger is installed already.
    pub fn install(self) -> Result<(), LogError> {
        log::set_max_level(self.sinks.max());
        log::set_boxed_logger(Box::new(Installed(self.sinks)))
            .map_err(|_| LogError::new(LogErrorKind::AlreadySet))
    }

    /// Logs one record through these sinks (without installing them), then flushes.
    pub fn log(&self, record: &Record<'_>) {
        self.sinks.log(record);
        self.sinks.flush();
    }
}

/// Applies `config` (the SDK's `log_config`) as the process's logger.
///
/// # Errors
/// As [`Logging::from_config`] and [`Logging::install`].
///
/// # Examples
/// ```no_run
/// let config = moobius::config::Config::from_file("config/config.json")?;
/// moobius::logging::init(&config.log)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn init(config: &LogConfig) -> Result<(), LogError> {
    Logging::from_config(config)?.install()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loguru_levels_rotations_and_retentions_are_read() {
        assert_eq!(level("log_level", "warning").unwrap(), LevelFilter::Warn);
        assert_eq!(level("log_level", "SUCCESS").unwrap(), LevelFilter::Info);
        assert_eq!(level("log_level", "CRITICAL").unwrap(), LevelFilter::Error);
        let err = level("error_log_level", "LOUD").unwrap_err();
        assert!(err.to_string().contains("log_config.error_log_level: `LOUD`"), "{err}");
        assert!(matches!(rotation("1 day").unwrap(), Criterion::Age(Age::Day)));
        assert!(matches!(rotation("1 hour").unwrap(), Criterion::Age(Age::Hour)));
        assert!(matches!(rotation("10 MB").unwrap(), Criterion::Size(10_000_000)));
        assert!(matches!(rotation("500 KB").unwrap(), Criterion::Size(500_000)));
        assert!(rotation("3 days").unwrap_err().to_string().contains("`3 days`"));
        assert!(rotation("soon").is_err());
        assert!(matches!(retention(&"7 days".into()).unwrap(), Cleanup::KeepForDays(7)));
        assert!(matches!(retention(&"2 weeks".into()).unwrap(), Cleanup::KeepForDays(14)));
        assert!(matches!(retention(&"3 files".into()).unwrap(), Cleanup::KeepLogFiles(3)));
        assert!(matches!(retention(&5.into()).unwrap(), Cleanup::KeepLogFiles(5)));
        assert!(retention(&"1.5 days".into()).is_err());
        assert!(retention(&"forever".into()).unwrap_err().to_string().contains("`forever`"));
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("moobius-logging-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn record(level: log::Level, text: &'static str, run: impl FnOnce(&Record<'_>)) {
        run(&Record::builder().level(level).target("moobius::test").args(format_args!("{text}")).build());
    }

    #[test]
    fn records_go_to_the_files_their_levels_ask_for() {
        let dir = scratch("levels");
        let config = LogConfig {
            terminal_log_level: "OFF".into(),
            log_level: "INFO".into(),
            log_file: Some(dir.join("service.log").display().to_string()),
            error_log_level: "ERROR".into(),
            error_log_file: Some(dir.join("errors.log").display().to_string()),
            ..LogConfig::default()
        };
        let logging = Logging::from_config(&config).unwrap();
        record(log::Level::Debug, "a debug line", |r| logging.log(r));
        record(log::Level::Info, "an info line", |r| logging.log(r));
        record(log::Level::Error, "an error line", |r| logging.log(r));
        let read = |prefix: &str| -> String {
            std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
                .map(|p| std::fs::read_to_string(p).unwrap())
                .collect()
        };
        let all = read("service");
        assert!(all.contains("an info line") && all.contains("an error line"), "{all}");
        assert!(!all.contains("a debug line"), "{all}");
        let errors = read("errors");
        assert!(errors.contains("an error line") && !errors.contains("an info line"), "{errors}");
    }

    #[test]
    fn a_small_rotation_rotates_and_the_retention_keeps_that_many_files() {
        let dir = scratch("rotation");
        let config = LogConfig {
            terminal_log_level: "OFF".into(),
            log_file: Some(dir.join("busy.log").display().to_string()),
            log_retention: serde_json::json!({"rotation": "1 KB", "retention": "2 files"}),
            ..LogConfig::default()
        };
        let logging = Logging::from_config(&config).unwrap();
        for _ in 0..200 {
            record(log::Level::Info, "a line long enough to fill a kilobyte in a few dozen records", |r| {
                logging.log(r)
            });
        }
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        // The current file and at most two rotated ones.
        assert!(files.len() >= 2 && files.len() <= 3, "{files:?}");
    }
}
