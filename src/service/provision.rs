//! Provisioning at start-up: a service or channel the configuration lacks is created, and the
//! channels are bound as the reference SDK does (`others`). Used by
//! [`ServiceBuilder::start`](super::ServiceBuilder::start); re-exported from [`config`](crate::config).

use crate::config::{
    CREATED_CHANNEL_DESCRIPTION, CREATED_CHANNEL_NAME, CREATED_SERVICE_DESCRIPTION, Config, Others,
    ServiceConfig,
};
use crate::http::{HttpClient, HttpError};
use crate::protocol::{ChannelId, ServiceId};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// What [`ensure_service_and_channels`] created, to report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Created {
    /// The new service's id, when the config had none.
    pub service_id: Option<ServiceId>,
    /// The new channels' ids, when the config had none.
    pub channels: Vec<ChannelId>,
}

impl Created {
    /// Whether nothing was created.
    pub fn is_empty(&self) -> bool {
        self.service_id.is_none() && self.channels.is_empty()
    }
}

impl fmt::Display for Created {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.service_id, self.channels.is_empty()) {
            (None, true) => f.write_str("nothing created"),
            (Some(id), true) => write!(f, "created service {id}"),
            (None, false) => write!(f, "created channels {}", self.channels.join(",")),
            (Some(id), false) => write!(f, "created service {id} and channels {}", self.channels.join(",")),
        }
    }
}

/// Creates over HTTP what the configuration lacks: a service when `service_id` is empty (in
/// service mode), a channel when `channels` is empty; writes them into `config` and returns them.
/// The client must be signed in. The caller reports [`Created`] (it is `Display`), so the user
/// can put the ids in the file or the environment and reuse them next time.
///
/// # Errors
/// The [`HttpError`] of the failed call; what was created before it is already in `config`.
///
/// # Examples
/// ```no_run
/// # async fn demo(client: moobius::http::HttpClient, mut config: moobius::config::Config) -> Result<(), moobius::http::HttpError> {
/// let created = moobius::config::ensure_service_and_channels(&client, &mut config).await?;
/// if !created.is_empty() {
///     println!("{created}");
/// }
/// # Ok(()) }
/// ```
pub async fn ensure_service_and_channels(
    client: &HttpClient,
    config: &mut Config,
) -> Result<Created, HttpError> {
    let mut created = Created::default();
    if config.service.service_mode && config.service.service_id.is_none() {
        let id = client.create_service(CREATED_SERVICE_DESCRIPTION).await?;
        log::info!("no service id configured: created service {id}");
        config.service.service_id = Some(id.clone());
        created.service_id = Some(id);
    }
    if config.service.channels.is_empty() {
        let id = client.create_channel(CREATED_CHANNEL_NAME, CREATED_CHANNEL_DESCRIPTION).await?;
        log::info!("no channels configured: created channel {id}");
        config.service.channels.push(id.clone());
        created.channels.push(id);
    }
    Ok(created)
}

/// What [`bind_channels`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bound {
    /// The channels the service is now bound to (and will use), in config order.
    pub channels: Vec<ChannelId>,
    /// Channels left out, each with the service that holds it (`others: ignore` or `unbind`).
    pub skipped: Vec<(ChannelId, ServiceId)>,
}

/// Binds the configured channels to the configured service, as the SDK does at start-up: a
/// channel held by another of the account's services is taken over (`others: include`), left
/// alone (`ignore`) or unbound and left unused (`unbind`); a channel already bound to this
/// service is not bound again.
///
/// # Errors
/// The [`HttpError`] of the failed call. A config without a service id is refused as
/// [`HttpErrorKind::InvalidRequest`](crate::http::HttpErrorKind::InvalidRequest) (call
/// [`ensure_service_and_channels`] first).
///
/// # Examples
/// ```no_run
/// # async fn demo(client: moobius::http::HttpClient, config: moobius::config::Config) -> Result<(), moobius::http::HttpError> {
/// let bound = moobius::config::bind_channels(&client, &config.service).await?;
/// println!("bound to {:?}", bound.channels);
/// # Ok(()) }
/// ```
pub async fn bind_channels(client: &HttpClient, service: &ServiceConfig) -> Result<Bound, HttpError> {
    let Some(service_id) = service.service_id.as_ref() else {
        return Err(HttpError::new(crate::http::HttpErrorKind::InvalidRequest {
            call: "POST /service/bind".to_owned(),
            detail: "the config has no service id: call ensure_service_and_channels first".to_owned(),
        }));
    };
    // Who holds each configured channel (only those: the account may hold many more).
    let wanted: HashSet<&str> = service.channels.iter().map(|c| c.as_str()).collect();
    let mut holder: HashMap<ChannelId, ServiceId> = HashMap::new();
    for summary in client.list_services().await? {
        for channel in summary.channel_ids {
            if wanted.contains(channel.as_str()) {
                holder.insert(channel, summary.service_id.clone());
            }
        }
    }
    let mut bound = Bound::default();
    for channel in &service.channels {
        match holder.get(channel) {
            Some(id) if id == service_id => {}
            Some(other) => match service.others {
                Others::Include => {
                    client.unbind(other, channel).await?;
                    client.bind(service_id, channel).await?;
                }
                Others::Ignore => {
                    bound.skipped.push((channel.clone(), other.clone()));
                    continue;
                }
                Others::Unbind => {
                    client.unbind(other, channel).await?;
                    bound.skipped.push((channel.clone(), other.clone()));
                    continue;
                }
            },
            None => client.bind(service_id, channel).await?,
        }
        bound.channels.push(channel.clone());
    }
    Ok(bound)
}
