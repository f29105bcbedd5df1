//! The one error type of starting a service: what failed on the way to a running service.

use crate::client::ClientError;
use crate::config::ConfigError;
use crate::http::HttpError;
use derive_more::{Display, From};

/// Why a service (or a user-mode bot) could not start, or stopped. `Display` quotes the error
/// it wraps; `source()` is that error's own source (print both with [`report`](crate::report)).
#[derive(Debug, Display, From)]
#[display("{kind}")]
pub struct ServiceError {
    kind: ServiceErrorKind,
}

impl ServiceError {
    /// What failed.
    pub fn kind(&self) -> &ServiceErrorKind {
        &self.kind
    }
}

impl std::error::Error for ServiceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ServiceErrorKind::Config(error) => error.source(),
            ServiceErrorKind::Http(error) => error.source(),
            ServiceErrorKind::Client(error) => error.source(),
            ServiceErrorKind::Stopped { .. } => None,
            #[cfg(feature = "platform")]
            ServiceErrorKind::Platform(error) => error.source(),
        }
    }
}

/// What failed.
#[derive(Debug, Display)]
#[non_exhaustive]
pub enum ServiceErrorKind {
    /// The configuration is incomplete or wrong.
    #[display("configuration: {_0}")]
    Config(ConfigError),
    /// An HTTP call of the start-up (sign-in, creating or binding the service and channels).
    #[display("start-up over HTTP: {_0}")]
    Http(HttpError),
    /// The client runtime refused its configuration.
    #[display("client runtime: {_0}")]
    Client(ClientError),
    /// The runtime stopped for good (e.g. the platform refused every login).
    #[display("stopped: {reason}")]
    Stopped {
        /// Why.
        reason: String,
    },
    /// The embedded local platform could not start.
    #[cfg(feature = "platform")]
    #[display("local platform: {_0}")]
    Platform(crate::platform::PlatformError),
}

impl From<ConfigError> for ServiceError {
    fn from(error: ConfigError) -> Self {
        ServiceErrorKind::Config(error).into()
    }
}

impl From<HttpError> for ServiceError {
    fn from(error: HttpError) -> Self {
        ServiceErrorKind::Http(error).into()
    }
}

impl From<ClientError> for ServiceError {
    fn from(error: ClientError) -> Self {
        ServiceErrorKind::Client(error).into()
    }
}

#[cfg(feature = "platform")]
impl From<crate::platform::PlatformError> for ServiceError {
    fn from(error: crate::platform::PlatformError) -> Self {
        ServiceErrorKind::Platform(error).into()
    }
}
