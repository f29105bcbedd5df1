//! The answer's envelope, checked in one place: success is `{"code": 10000, "data": ...}`,
//! anything else an [`HttpError`] with the platform's code and message; and the request side's
//! small pieces (a call's name, its JSON body, transport errors).

use super::client::{Auth, Shared};
use super::{HttpError, HttpErrorKind, SUCCESS_CODE};
use awc::http::{Method, StatusCode};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::fmt;

pub(super) fn json_body<B: Serialize + ?Sized>(call: &Call, body: &B) -> Result<Bytes, HttpError> {
    serde_json::to_vec(body).map(Bytes::from).map_err(|e| {
        HttpError::new(HttpErrorKind::InvalidRequest { call: call.to_string(), detail: e.to_string() })
    })
}

/// A method and path, shown as `POST /auth/sign_in` in logs and errors (or a method and a URL
/// without its query, for uploads and downloads).
pub(super) struct Call {
    pub(super) method: Method,
    pub(super) path: Cow<'static, str>,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

pub(super) fn transport_error(
    call: &Call,
    shared: &Shared,
    error: awc::error::SendRequestError,
) -> HttpError {
    use awc::error::{ConnectError, SendRequestError};
    let kind = match &error {
        SendRequestError::Timeout => HttpErrorKind::Timeout { call: call.to_string(), after: shared.timeout },
        SendRequestError::Connect(ConnectError::Timeout) => {
            HttpErrorKind::Timeout { call: call.to_string(), after: shared.connect_timeout }
        }
        // The system's reason is the source, named here and not quoted.
        SendRequestError::Connect(ConnectError::Io(_)) => {
            HttpErrorKind::Transport { call: call.to_string(), detail: "could not connect".to_owned() }
        }
        SendRequestError::Send(_) => {
            HttpErrorKind::Transport { call: call.to_string(), detail: "could not send".to_owned() }
        }
        // awc's other errors are not `Send`, so they cannot be the source: the kind quotes them.
        other => HttpErrorKind::Transport { call: call.to_string(), detail: other.to_string() },
    };
    match error {
        SendRequestError::Send(io) | SendRequestError::Connect(ConnectError::Io(io)) => {
            HttpError::with_source(kind, io)
        }
        _ => HttpError::new(kind),
    }
}

/// Checks the envelope and reads `data` as `T`.
pub(super) fn decode<T: DeserializeOwned>(
    call: &Call,
    status: StatusCode,
    bytes: &[u8],
    auth: Auth,
    expected: &'static str,
) -> Result<T, HttpError> {
    let unexpected = |detail: String| {
        HttpError::new(HttpErrorKind::UnexpectedResponse {
            call: call.to_string(),
            expected: expected.to_owned(),
            detail,
        })
    };
    let refused = |code: Option<i64>, message: String| {
        HttpError::new(HttpErrorKind::Refused {
            call: call.to_string(),
            status: status.as_u16(),
            code: code.unwrap_or(i64::from(status.as_u16())),
            message,
        })
    };
    let empty = bytes.iter().all(u8::is_ascii_whitespace);
    let envelope: Option<RawEnvelope<'_>> = if empty { None } else { serde_json::from_slice(bytes).ok() };
    let Some(envelope) = envelope else {
        if !status.is_success() {
            return Err(refused(None, snippet(bytes, status)));
        }
        if empty && status == StatusCode::NO_CONTENT {
            return from_data(None, call, auth, expected);
        }
        return Err(unexpected(match auth {
            Auth::Anonymous => "the answer is not a JSON object".to_owned(),
            Auth::Bearer => format!("the answer is not a JSON object: {}", snippet(bytes, status)),
        }));
    };
    let code_ok = matches!(envelope.code, Some(SUCCESS_CODE | 204));
    if !status.is_success() || !code_ok {
        let message = match envelope.message {
            Some(serde_json::Value::String(text)) => text,
            Some(other) => other.to_string(),
            None if status.is_success() => format!("no `message` (code {:?})", envelope.code),
            None => snippet(bytes, status),
        };
        return Err(refused(envelope.code, message));
    }
    from_data(envelope.data, call, auth, expected)
}

fn from_data<T: DeserializeOwned>(
    data: Option<&serde_json::value::RawValue>,
    call: &Call,
    auth: Auth,
    expected: &'static str,
) -> Result<T, HttpError> {
    let text = data.map_or("null", serde_json::value::RawValue::get);
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|error| {
        let path = error.path().to_string();
        let path = match path.as_str() {
            "." => "data".to_owned(),
            index if index.starts_with('[') => format!("data{index}"),
            field => format!("data.{field}"),
        };
        let detail = match auth {
            // serde's messages can quote values, and these answers hold tokens.
            Auth::Anonymous => format!("field `{path}` is missing or has the wrong type"),
            Auth::Bearer => format!("field `{path}`: {}", error.inner()),
        };
        // No source: the detail quotes serde's message where that is safe, and an anonymous
        // call's answer (tokens) must not reach a log through the chain either.
        HttpError::new(HttpErrorKind::UnexpectedResponse {
            call: call.to_string(),
            expected: expected.to_owned(),
            detail,
        })
    })
}

#[derive(serde::Deserialize)]
struct RawEnvelope<'a> {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default, borrow)]
    data: Option<&'a serde_json::value::RawValue>,
    #[serde(default)]
    message: Option<serde_json::Value>,
}

/// The start of a body, for an error message.
fn snippet(bytes: &[u8], status: StatusCode) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.is_empty() {
        return format!("empty answer ({status})");
    }
    let mut end = text.len().min(MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let more = if end < text.len() { "..." } else { "" };
    format!("{}{more}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::client::check_base_url;
    use crate::http::types::*;
    use crate::http::{Credentials, SharedHttp, TokenSource};

    fn call() -> Call {
        Call { method: Method::GET, path: "/service/list".into() }
    }

    #[test]
    fn what_crosses_threads_can() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<SharedHttp>();
        send_sync::<TokenSource>();
        send_sync::<HttpError>();
        send_sync::<Credentials>();
        send_sync::<crate::config::Config>();
        send_sync::<crate::config::ConfigError>();
    }

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(check_base_url("https://api.moobius.ai/").unwrap(), "https://api.moobius.ai");
        assert_eq!(check_base_url("http://127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
        for bad in ["wss://ws.moobius.ai/", "api.moobius.ai", "", "http://h/?a=b"] {
            let err = check_base_url(bad).unwrap_err();
            assert!(matches!(err.kind(), HttpErrorKind::InvalidUrl { .. }), "{bad}: {err}");
            assert!(err.to_string().starts_with("invalid http url"), "{err}");
        }
    }

    #[test]
    fn success_reads_data() {
        let body = br#"{"code": 10000, "data": [{"service_id": "s1", "channel_ids": ["c1"]}]}"#;
        let list: Vec<ServiceSummary> = decode(&call(), StatusCode::OK, body, Auth::Bearer, "x").unwrap();
        assert_eq!(list[0].channel_ids, ["c1"]);
    }

    #[test]
    fn refusals_keep_code_and_message() {
        let body = br#"{"code": 404, "message": "unknown group g1"}"#;
        let err = decode::<Vec<ServiceSummary>>(&call(), StatusCode::NOT_FOUND, body, Auth::Bearer, "x")
            .unwrap_err();
        assert_eq!(err.refusal(), Some((404, "unknown group g1")));
        // A 200 whose code is not a success code is a refusal too.
        let body = br#"{"code": 500, "message": "boom"}"#;
        let err =
            decode::<Vec<ServiceSummary>>(&call(), StatusCode::OK, body, Auth::Bearer, "x").unwrap_err();
        assert_eq!(err.refusal(), Some((500, "boom")));
        // Not JSON at all.
        let err =
            decode::<()>(&call(), StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>", Auth::Bearer, "x")
                .unwrap_err();
        assert_eq!(err.refusal(), Some((502, "<html>bad gateway</html>")));
    }

    #[test]
    fn wrong_shapes_name_the_field_and_what_was_expected() {
        let body = br#"{"code": 10000, "data": [{"service_id": 7}]}"#;
        let err = decode::<Vec<ServiceSummary>>(
            &call(),
            StatusCode::OK,
            body,
            Auth::Bearer,
            "data: [{service_id}]",
        )
        .unwrap_err();
        let shown = err.to_string();
        assert!(matches!(err.kind(), HttpErrorKind::UnexpectedResponse { .. }), "{shown}");
        assert!(shown.contains("expected data: [{service_id}]"), "{shown}");
        assert!(shown.contains("data[0].service_id"), "{shown}");
    }

    #[test]
    fn sign_in_answers_never_reach_error_messages() {
        let body = br#"{"code": 10000, "data": {"AuthenticationResult": {"AccessToken": 12345678}}}"#;
        let err = decode::<AuthData>(&call(), StatusCode::OK, body, Auth::Anonymous, "x").unwrap_err();
        assert!(!err.to_string().contains("12345678"), "{err}");
        let err =
            decode::<AuthData>(&call(), StatusCode::OK, b"tok-secret", Auth::Anonymous, "x").unwrap_err();
        assert!(!err.to_string().contains("tok-secret"), "{err}");
    }

    #[test]
    fn no_content_is_success() {
        let _: serde::de::IgnoredAny =
            decode(&call(), StatusCode::NO_CONTENT, b"", Auth::Bearer, "x").unwrap();
        let _: serde::de::IgnoredAny =
            decode(&call(), StatusCode::OK, br#"{"code": 204}"#, Auth::Bearer, "x").unwrap();
    }

    #[test]
    fn long_bodies_are_cut() {
        let long = "é".repeat(300);
        let shown = snippet(long.as_bytes(), StatusCode::OK);
        assert!(shown.ends_with("..."));
        assert!(shown.len() < 210);
    }
}
