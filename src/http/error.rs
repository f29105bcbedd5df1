//! The one error type of the HTTP boundary: why a call to the platform's HTTP API failed.

use derive_more::{Display, Error};
use std::time::Duration;

/// A call to the platform's HTTP API that failed.
///
/// Its `Display` says which call failed, why, and what to do. When the system gave a reason (a
/// connection refused, reset), that I/O error is the `source()`, named and not quoted (print
/// both with [`report`](crate::report)); [`HttpError::kind`] tells the cases
/// apart (a refusal carries the platform's `code` and `message`). Nothing secret is ever part of
/// it: request bodies (passwords, tokens) are never copied into an error.
#[derive(Debug, Display, Error)]
#[display("{kind}")]
pub struct HttpError {
    kind: HttpErrorKind,
    source: Option<std::io::Error>,
}

/// What went wrong with an HTTP call.
#[derive(Debug, Display, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// The base URL given to the client is not an `http://` or `https://` URL.
    #[display(
        "invalid http url `{url}`: {detail}; give the platform's base url, such as https://api.moobius.ai/"
    )]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What was wrong with it.
        detail: String,
    },
    /// The request could not be sent or its answer not read (DNS, connection refused, TLS, reset).
    #[display(
        "http call `{call}` failed: could not reach the platform ({detail}); check the http url and that the platform is running"
    )]
    Transport {
        /// The call, such as `POST /auth/sign_in`.
        call: String,
        /// The transport's description of the failure.
        detail: String,
    },
    /// The platform did not answer in time.
    #[display(
        "http call `{call}` got no answer within {after:?}; check the network, or raise the timeout with `HttpClientBuilder::timeout`"
    )]
    Timeout {
        /// The call, such as `GET /user/info`.
        call: String,
        /// The timeout that ran out.
        after: Duration,
    },
    /// The platform answered with an error: HTTP 4xx/5xx, or a `code` other than 10000 or 204.
    #[display("http call `{call}` was refused by the platform (http {status}, code {code}): {message}{}", refusal_hint(*status))]
    Refused {
        /// The call, such as `POST /service/bind`.
        call: String,
        /// The HTTP status.
        status: u16,
        /// The platform's `code` (the HTTP status when the body had none).
        code: i64,
        /// The platform's `message` (or the start of the body when it had none).
        message: String,
    },
    /// The platform answered success but not in the shape this client expects.
    #[display("http call `{call}` answered in an unexpected shape: expected {expected}; {detail}")]
    UnexpectedResponse {
        /// The call, such as `GET /service/list`.
        call: String,
        /// What was expected, such as `data: {service_id}`.
        expected: String,
        /// What was wrong (the JSON path and serde's message, or the start of the body).
        detail: String,
    },
    /// Sign-in or refresh on a client built without credentials.
    #[display(
        "http call `{call}` needs the account's email and password: give them with `HttpClientBuilder::credentials`"
    )]
    NoCredentials {
        /// The call that was attempted.
        call: String,
    },
    /// A request that could not be encoded (its query or JSON body).
    #[display("http call `{call}` could not be encoded: {detail}")]
    InvalidRequest {
        /// The call that was attempted.
        call: String,
        /// What was wrong.
        detail: String,
    },
    /// A local file to upload could not be read, or a download could not be written to its file
    /// (the system's reason is the source).
    #[display("local file `{path}`: {detail}")]
    LocalFile {
        /// The file, as given.
        path: String,
        /// What could not be done, and what to do.
        detail: String,
    },
    /// An answer (a download) was larger than this client reads.
    #[display(
        "http call `{call}` answered more than {limit} bytes; raise the limit with `HttpClientBuilder::max_download_bytes`"
    )]
    TooLarge {
        /// The call, such as `GET https://host/file.png`.
        call: String,
        /// The limit in force, in bytes.
        limit: usize,
    },
    /// A call that needs an access token was made before signing in.
    #[display("http call `{call}` needs an access token: sign in first (`HttpClient::sign_in`)")]
    NotSignedIn {
        /// The call that was attempted.
        call: String,
    },
}

fn refusal_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => "; check the email and password (or sign in again: the access token may have expired)",
        404 => "; check the id (it may not exist, or belong to another account)",
        400 | 422 => "; the request was malformed: check the arguments",
        409 => "; it exists already",
        413 | 507 => "; the platform holds no more than that: send less, or raise the platform's limit",
        500..=599 => "; the platform failed: retry later",
        _ => "",
    }
}

impl HttpError {
    /// What went wrong.
    pub fn kind(&self) -> &HttpErrorKind {
        &self.kind
    }

    /// The platform's `code` and `message`, when the platform refused the call.
    pub fn refusal(&self) -> Option<(i64, &str)> {
        match &self.kind {
            HttpErrorKind::Refused { code, message, .. } => Some((*code, message)),
            _ => None,
        }
    }

    /// Whether trying the same call again later may succeed (transport failures, timeouts and
    /// 5xx refusals), as opposed to a request that will be refused again as it is.
    pub fn is_transient(&self) -> bool {
        match &self.kind {
            HttpErrorKind::Transport { .. } | HttpErrorKind::Timeout { .. } => true,
            HttpErrorKind::Refused { status, .. } => *status >= 500,
            _ => false,
        }
    }

    pub(crate) fn new(kind: HttpErrorKind) -> Self {
        Self { kind, source: None }
    }

    pub(crate) fn with_source(kind: HttpErrorKind, source: std::io::Error) -> Self {
        Self { kind, source: Some(source) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_code_and_message_and_say_what_to_do() {
        let err = HttpError::new(HttpErrorKind::Refused {
            call: "POST /auth/sign_in".into(),
            status: 401,
            code: 401,
            message: "wrong password".into(),
        });
        assert_eq!(err.refusal(), Some((401, "wrong password")));
        let shown = err.to_string();
        assert!(shown.starts_with("http call `POST /auth/sign_in` was refused"), "{shown}");
        assert!(shown.contains("code 401"), "{shown}");
        assert!(shown.contains("check the email and password"), "{shown}");
        assert!(!err.is_transient());
    }

    #[test]
    fn transport_and_timeouts_are_transient() {
        let err = HttpError::new(HttpErrorKind::Timeout {
            call: "GET /user/info".into(),
            after: Duration::from_secs(3),
        });
        assert!(err.is_transient());
        assert!(err.to_string().contains("within 3s"), "{err}");
        assert_eq!(err.refusal(), None);
    }
}
