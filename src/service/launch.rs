//! Where a first bot runs: the platform the environment names, or else an embedded local
//! platform with development accounts, so every example runs with no setup.

use super::error::ServiceError;
use crate::config::{Config, ENV_WS_URL};
use crate::http::Credentials;
use crate::platform::{LocalPlatform, PlatformHandle};

/// The password of the development accounts [`Launch`] signs in with. The local platform creates
/// an account on its first sign-in; never use these against a real platform.
pub const DEV_PASSWORD: &str = "local-dev-password";

/// A platform to run against and the configuration to reach it.
#[derive(Debug)]
pub struct Launch {
    config: Config,
    platform: Option<PlatformHandle>,
}

impl Launch {
    /// With `MOOBIUS_WS_URL` set, the configuration from the environment (`MOOBIUS_HTTP_URL`,
    /// `MOOBIUS_EMAIL`, `MOOBIUS_PASSWORD`, `MOOBIUS_SERVICE_ID`, `MOOBIUS_CHANNELS`); without
    /// it, an embedded local platform on a free loopback port and the development account
    /// `<name>@local.moobius`.
    ///
    /// # Errors
    /// [`ServiceError`]: the environment's configuration is incomplete, or the local platform
    /// could not start.
    ///
    /// # Examples
    /// ```
    /// # #[actix::main] async fn main() -> Result<(), moobius::service::ServiceError> {
    /// # if std::env::var_os("MOOBIUS_WS_URL").is_some() { return Ok(()) }
    /// let launch = moobius::service::Launch::from_env_or_local("echo").await?;
    /// assert!(launch.platform().is_some());
    /// # Ok(()) }
    /// ```
    pub async fn from_env_or_local(name: &str) -> Result<Self, ServiceError> {
        if std::env::var_os(ENV_WS_URL).is_some() {
            return Ok(Self { config: Config::from_env()?, platform: None });
        }
        let platform = LocalPlatform::start("127.0.0.1:0").await?;
        let mut config = Config::new(Credentials::new(format!("{name}@local.moobius"), DEV_PASSWORD));
        config.service.http_server_uri = platform.http_url();
        config.service.ws_server_uri = platform.ws_url();
        Ok(Self { config, platform: Some(platform) })
    }

    /// This configuration (from a reference-SDK config file, say), with no embedded platform.
    ///
    /// # Examples
    /// ```
    /// use moobius::config::Config;
    /// use moobius::http::Credentials;
    /// let launch = moobius::service::Launch::with_config(Config::new(Credentials::new("me@example.com", "pw")));
    /// assert!(launch.platform().is_none());
    /// ```
    pub fn with_config(config: Config) -> Self {
        Self { config, platform: None }
    }

    /// The service's configuration.
    pub fn config(&self) -> Config {
        self.config.clone()
    }

    /// A configuration for another account on the same platform (a user-mode bot playing a
    /// human, say) in `channels`: the development account `<name>@local.moobius`.
    pub fn user_config(&self, name: &str, channels: &[crate::protocol::ChannelId]) -> Config {
        let mut config = self.config.clone();
        config.account = Credentials::new(format!("{name}@local.moobius"), DEV_PASSWORD);
        config.service.service_id = None;
        config.service.channels = channels.to_vec();
        config
    }

    /// The embedded platform, when there is one.
    pub fn platform(&self) -> Option<&PlatformHandle> {
        self.platform.as_ref()
    }

    /// Prints where the embedded platform listens and the studio's URL (nothing when the
    /// service runs against another platform): `local platform on <http> (websocket <ws>)`, then
    /// `studio: <url>`.
    pub fn print_platform(&self) {
        if let Some(platform) = &self.platform {
            println!("local platform on {} (websocket {})", platform.http_url(), platform.ws_url());
            println!("studio: {} (open it to chat as users and inspect every frame)", platform.studio_url());
        }
    }
}
