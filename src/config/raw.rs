//! The reference SDK's `config.json` as serde reads it: private structs mirroring the file, whose
//! type errors (found by serde, located by `serde_path_to_error`) name the field; the checks
//! serde cannot express (URLs, empty strings, `others`) are in `check.rs`.
//!
//! Every field is optional here (`null` is absent); unknown keys are tolerated, as the SDK's
//! files have some (those of `service_config` and `log_config` are kept).

use crate::protocol::Context;
use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

/// What a section looks like, for the `expecting` of [`Object`] and [`Section`].
pub(super) trait Shape {
    /// Such as "a JSON object with `email` and `password`".
    const EXPECTING: &'static str;
}

/// The whole file: four sections, each inline or the path of a file holding it.
#[derive(Deserialize)]
pub(super) struct RawFile {
    pub account_config: Option<Section<RawAccount>>,
    pub service_config: Option<Section<RawService>>,
    pub log_config: Option<Section<RawLog>>,
    /// The SDK's storage settings: any JSON, or the path of a file holding it.
    pub db_config: Option<Value>,
}

impl Shape for RawFile {
    const EXPECTING: &'static str = "a JSON object with `account_config` and `service_config`";
}

/// `account_config`.
#[derive(Deserialize, Default)]
pub(super) struct RawAccount {
    pub email: Option<String>,
    pub password: Option<Password>,
}

impl Shape for RawAccount {
    const EXPECTING: &'static str = "a JSON object with `email` and `password`";
}

/// `service_config`.
#[derive(Deserialize, Default)]
pub(super) struct RawService {
    pub http_server_uri: Option<String>,
    pub ws_server_uri: Option<String>,
    pub service_id: Option<String>,
    pub channels: Option<Channels>,
    pub others: Option<String>,
    pub service_mode: Option<bool>,
    pub checkin_interval: Option<Seconds>,
    #[serde(flatten)]
    pub extra: Context,
}

impl Shape for RawService {
    const EXPECTING: &'static str = "a JSON object";
}

/// `log_config`.
#[derive(Deserialize, Default)]
pub(super) struct RawLog {
    pub log_level: Option<String>,
    pub terminal_log_level: Option<String>,
    pub error_log_level: Option<String>,
    pub log_file: Option<String>,
    pub error_log_file: Option<String>,
    pub log_retention: Option<Retention>,
    #[serde(flatten)]
    pub extra: Context,
}

impl Shape for RawLog {
    const EXPECTING: &'static str = "a JSON object";
}

/// A section: inline, or the path of the JSON file holding it.
pub(super) enum Section<T> {
    Path(String),
    Inline(T),
}

impl<'de, T: Deserialize<'de> + Shape> Deserialize<'de> for Section<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SectionVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Shape> Visitor<'de> for SectionVisitor<T> {
            type Value = Section<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} or the path of a JSON file holding it", T::EXPECTING)
            }
            fn visit_str<E: de::Error>(self, path: &str) -> Result<Self::Value, E> {
                Ok(Section::Path(path.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Section::Inline)
            }
        }
        deserializer.deserialize_any(SectionVisitor(PhantomData))
    }
}

/// A whole file that must be an object (a derived struct would also take a list, by position).
pub(super) struct Object<T>(pub T);

impl<'de, T: Deserialize<'de> + Shape> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Shape> Visitor<'de> for ObjectVisitor<T> {
            type Value = Object<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Object)
            }
        }
        deserializer.deserialize_map(ObjectVisitor(PhantomData))
    }
}

/// `account_config.password`: a string whose type errors do not quote the value.
pub(super) struct Password(pub String);

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PasswordVisitor;
        impl PasswordVisitor {
            fn hidden<T, E: de::Error>(&self, found: &'static str) -> Result<T, E> {
                Err(E::invalid_type(Unexpected::Other(found), self))
            }
        }
        impl<'de> Visitor<'de> for PasswordVisitor {
            type Value = Password;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Password(text.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                self.hidden("a boolean")
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                self.hidden("a number")
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                self.hidden("a number")
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                self.hidden("a number")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                self.hidden("a list")
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                self.hidden("an object")
            }
        }
        deserializer.deserialize_any(PasswordVisitor)
    }
}

/// `service_config.channels`: a list of strings (checked for emptiness and duplicates later).
pub(super) struct Channels(pub Vec<String>);

impl<'de> Deserialize<'de> for Channels {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ChannelsVisitor;
        impl<'de> Visitor<'de> for ChannelsVisitor {
            type Value = Channels;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of channel ids")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut ids = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(id) = seq.next_element_seed(ChannelId)? {
                    ids.push(id);
                }
                Ok(Channels(ids))
            }
        }
        deserializer.deserialize_seq(ChannelsVisitor)
    }
}

/// One of `service_config.channels`.
struct ChannelId;

impl<'de> DeserializeSeed<'de> for ChannelId {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_string(self)
    }
}

impl Visitor<'_> for ChannelId {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a channel id (a string)")
    }
    fn visit_str<E: de::Error>(self, id: &str) -> Result<String, E> {
        Ok(id.to_owned())
    }
}

/// `service_config.checkin_interval`: seconds, 0 or more.
pub(super) struct Seconds(pub Duration);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecondsVisitor;
        impl Visitor<'_> for SecondsVisitor {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of seconds (0 or more)")
            }
            fn visit_u64<E: de::Error>(self, secs: u64) -> Result<Seconds, E> {
                Ok(Seconds(Duration::from_secs(secs)))
            }
            fn visit_i64<E: de::Error>(self, secs: i64) -> Result<Seconds, E> {
                let secs =
                    u64::try_from(secs).map_err(|_| E::invalid_value(Unexpected::Signed(secs), &self))?;
                Ok(Seconds(Duration::from_secs(secs)))
            }
            fn visit_f64<E: de::Error>(self, secs: f64) -> Result<Seconds, E> {
                Duration::try_from_secs_f64(secs)
                    .map(Seconds)
                    .map_err(|_| E::invalid_value(Unexpected::Float(secs), &self))
            }
        }
        deserializer.deserialize_any(SecondsVisitor)
    }
}

/// `log_config.log_retention`: a string such as `"7 days"`, or the SDK's `{rotation, retention}`.
pub(super) struct Retention(pub Value);

impl<'de> Deserialize<'de> for Retention {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RetentionVisitor;
        impl<'de> Visitor<'de> for RetentionVisitor {
            type Value = Retention;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string such as \"7 days\" or an object")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Retention, E> {
                Ok(Retention(Value::String(text.to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Retention, A::Error> {
                Value::deserialize(MapAccessDeserializer::new(map)).map(Retention)
            }
        }
        deserializer.deserialize_any(RetentionVisitor)
    }
}
