//! The one error type of the protocol boundary: why a text frame could not be decoded.

use derive_more::{Display, Error};
use serde::Deserialize;

/// A text frame that is not a valid frame or event.
///
/// Its `Display` says what was wrong and where (the JSON path of the field, what was expected),
/// so it can be logged or sent back to a peer as is.
#[derive(Debug, Display, Error)]
#[display("{kind}")]
pub struct DecodeError {
    kind: DecodeErrorKind,
    #[error(not(source))]
    request_id: Option<String>,
}

/// What was wrong with a frame.
#[derive(Debug, Display, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The text is empty (or only whitespace).
    #[display("empty frame: expected one JSON object")]
    Empty,
    /// The text is JSON (or starts like it) but its top level is not an object.
    #[display("frame is not a JSON object (it starts with `{found}`): send one JSON object per text frame")]
    NotAnObject {
        /// The first character of the text.
        found: char,
    },
    /// The text is not valid JSON, or nests too deep.
    #[display("frame is not valid JSON: {detail}")]
    Syntax {
        /// serde_json's description, with line and column.
        detail: String,
    },
    /// A field is missing or has the wrong type or value.
    #[display("field `{path}`: {detail}")]
    Field {
        /// The JSON path of the field, such as `body.subtype`.
        path: String,
        /// What was expected.
        detail: String,
    },
    /// The frame has neither a `type` nor a platform error `message`.
    #[display("frame has no `type` field (and no `message` of a platform error): every frame names its type")]
    MissingType,
    /// A frame whose `type` is not one a client may send (server side only).
    #[display("unknown frame type `{frame_type}`")]
    UnknownType {
        /// The type found.
        frame_type: String,
    },
    /// A `subtype` not known for this frame type (server side only; events keep it as unknown).
    #[display("unknown `{frame_type}` subtype `{subtype}`")]
    UnknownSubtype {
        /// The frame type.
        frame_type: String,
        /// The subtype found.
        subtype: String,
    },
}

impl DecodeError {
    /// What was wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }

    /// The frame's `request_id`, when it could be read despite the error.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    pub(crate) fn new(kind: DecodeErrorKind) -> Self {
        Self { kind, request_id: None }
    }

    pub(crate) fn field(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(DecodeErrorKind::Field { path: path.into(), detail: detail.into() })
    }

    pub(crate) fn missing(path: impl Into<String>) -> Self {
        Self::field(path, "missing: this field is required")
    }

    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Self {
        if self.request_id.is_none() {
            self.request_id = request_id;
        }
        self
    }
}

/// Checks what no serde error says clearly: an empty text or a top level that is not an object.
/// Cheap (looks at the first non-blank byte) and bounds nothing else.
pub(crate) fn check_object(text: &str) -> Result<(), DecodeError> {
    match text.trim_start().chars().next() {
        None => Err(DecodeError::new(DecodeErrorKind::Empty)),
        Some('{') => Ok(()),
        Some(found) => match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Err(e) if found != '[' => {
                Err(DecodeError::new(DecodeErrorKind::Syntax { detail: e.to_string() }))
            }
            _ => Err(DecodeError::new(DecodeErrorKind::NotAnObject { found })),
        },
    }
}

/// Decodes `text` as `T` in one pass. On failure only, decodes again with path tracking so the
/// error names the field (`prefix` is the path of `text` inside the frame, empty at the top).
pub(crate) fn parse<'a, T: Deserialize<'a>>(text: &'a str, prefix: &str) -> Result<T, DecodeError> {
    serde_json::from_str(text).map_err(|error| explain::<T>(text, prefix, error))
}

fn explain<'a, T: Deserialize<'a>>(text: &'a str, prefix: &str, error: serde_json::Error) -> DecodeError {
    use serde_json::error::Category;
    let kind = match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            DecodeErrorKind::Syntax { detail: error.to_string() }
        }
        Category::Data => {
            let mut de = serde_json::Deserializer::from_str(text);
            let (path, detail) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(traced) => (traced.path().to_string(), traced.inner().to_string()),
                Ok(_) => (".".to_owned(), error.to_string()),
            };
            DecodeErrorKind::Field { path: join(prefix, &path), detail }
        }
    };
    DecodeError { kind, request_id: None }
}

pub(crate) fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path == "." || path.is_empty()) {
        (true, true) => ".".to_owned(),
        (true, false) => path.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Probe {
        subtype: String,
    }

    #[test]
    fn field_errors_name_the_path() {
        let err = parse::<Probe>(r#"{"subtype": 7}"#, "body").unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("field `body.subtype`"), "{shown}");
        assert!(shown.contains("expected a string"), "{shown}");
    }

    #[test]
    fn syntax_errors_say_where() {
        let err = parse::<Probe>(r#"{"subtype": "#, "").unwrap_err();
        assert!(matches!(err.kind(), DecodeErrorKind::Syntax { .. }), "{err}");
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn top_level_shape_is_checked_first() {
        assert_eq!(check_object("  ").unwrap_err().kind(), &DecodeErrorKind::Empty);
        assert_eq!(check_object("[1]").unwrap_err().kind(), &DecodeErrorKind::NotAnObject { found: '[' });
        assert!(matches!(
            check_object("this is not json").unwrap_err().kind(),
            DecodeErrorKind::Syntax { .. }
        ));
        assert!(check_object(" {}").is_ok());
    }
}
