//! From the raw sections (types already checked by serde) to the public configuration: the
//! checks serde cannot express (URL shapes, empty strings, `others`, duplicate channels) and the
//! SDK's defaults. Each error names the field and where its value came from.

use super::load::{Origin, invalid};
use super::raw::{RawLog, RawService};
use super::*;
use crate::protocol::ServiceId;
use std::collections::HashSet;

/// `service_config` (defaults for what is absent).
pub(super) fn service_section(raw: RawService, origin: &Origin) -> Result<ServiceConfig, ConfigError> {
    let mut service = ServiceConfig::default();
    if let Some(url) = raw.http_server_uri {
        service.http_server_uri =
            check_url("service_config.http_server_uri", url, &["http", "https"], origin)?;
    }
    if let Some(url) = raw.ws_server_uri {
        service.ws_server_uri = check_url("service_config.ws_server_uri", url, &["ws", "wss"], origin)?;
    }
    service.service_id = raw.service_id.filter(|id| !id.trim().is_empty()).map(ServiceId::from);
    if let Some(channels) = raw.channels {
        service.channels = channel_list(channels.0, origin)?;
    }
    if let Some(others) = raw.others {
        service.others = parse_others(&others, origin)?;
    }
    if let Some(mode) = raw.service_mode {
        service.service_mode = mode;
    }
    if let Some(interval) = raw.checkin_interval {
        service.checkin_interval = interval.0;
    }
    service.extra = raw.extra;
    Ok(service)
}

/// `log_config` (the SDK's defaults for what is absent).
pub(super) fn log_section(raw: RawLog) -> LogConfig {
    let mut log = LogConfig::default();
    for (level, slot) in [
        (raw.log_level, &mut log.log_level),
        (raw.terminal_log_level, &mut log.terminal_log_level),
        (raw.error_log_level, &mut log.error_log_level),
    ] {
        if let Some(level) = level {
            *slot = level.to_uppercase();
        }
    }
    log.error_log_file = raw.error_log_file.or_else(|| raw.log_file.clone());
    log.log_file = raw.log_file;
    if let Some(retention) = raw.log_retention {
        log.log_retention = retention.0;
    }
    log.extra = raw.extra;
    log
}

/// A required string: present and not blank.
pub(super) fn required(
    field: &'static str,
    value: Option<String>,
    origin: &Origin,
) -> Result<String, ConfigError> {
    match value {
        None => Err(ConfigError::new(ConfigErrorKind::MissingField {
            field: field.to_owned(),
            origin: origin.to_string(),
        })),
        Some(text) if text.trim().is_empty() => Err(invalid(field, origin, "is empty".to_owned())),
        Some(text) => Ok(text),
    }
}

/// An absolute URL with one of these schemes and a host; returned trimmed.
pub(super) fn check_url(
    field: &str,
    url: String,
    schemes: &[&str],
    origin: &Origin,
) -> Result<String, ConfigError> {
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

/// The file's channel ids, trimmed, without duplicates; a blank one is an error.
fn channel_list(ids: Vec<String>, origin: &Origin) -> Result<Vec<ChannelId>, ConfigError> {
    let mut channels = Vec::with_capacity(ids.len());
    let mut seen = HashSet::new();
    for (index, id) in ids.iter().enumerate() {
        let id = id.trim();
        if id.is_empty() {
            return Err(invalid(&format!("service_config.channels[{index}]"), origin, "is empty".to_owned()));
        }
        if seen.insert(id) {
            channels.push(ChannelId::from(id));
        }
    }
    Ok(channels)
}

/// `MOOBIUS_CHANNELS`: comma separated, blanks and duplicates dropped (empty: none).
pub(super) fn split_channels(text: &str) -> Vec<ChannelId> {
    let mut seen = HashSet::new();
    text.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty() && seen.insert(*id))
        .map(ChannelId::from)
        .collect()
}

/// `service_config.others`, in any case, as the SDK accepts it.
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
