//! Services and binding: `/service/create`, `/service/list`, `/service/bind`, `/service/unbind`.

use super::types::*;
use super::{HttpClient, HttpError};
use crate::protocol::{ChannelId, ServiceId};

impl HttpClient {
    /// Creates a service owned by the account (`POST /service/create`); returns its id.
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let service_id = client.create_service("an echo bot").await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_service(&self, description: &str) -> Result<ServiceId, HttpError> {
        let data: ServiceIdData =
            self.post("/service/create", &CreateServiceRequest { description }, "data: {service_id}").await?;
        Ok(data.service_id)
    }

    /// The account's services and the channels bound to each (`GET /service/list`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// for service in client.list_services().await? {
    ///     println!("{}: {:?}", service.service_id, service.channel_ids);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_services(&self) -> Result<Vec<ServiceSummary>, HttpError> {
        self.get("/service/list", &[], "data: [{service_id, channel_ids}]").await
    }

    /// Binds a channel to a service (`POST /service/bind`): the service receives the channel's
    /// events. A channel bound to another service of the platform moves to this one.
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`](super::HttpErrorKind::Refused) when the account does not own the service or the channel does
    /// not exist; as every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.bind(&"service-id".into(), &"channel-id".into()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn bind(&self, service_id: &ServiceId, channel_id: &ChannelId) -> Result<(), HttpError> {
        let request = BindRequest { channel_id: channel_id.as_str(), service_id: service_id.as_str() };
        let _: serde::de::IgnoredAny = self.post("/service/bind", &request, "code 10000").await?;
        Ok(())
    }

    /// Unbinds a channel from a service (`POST /service/unbind`).
    ///
    /// # Errors
    /// As [`HttpClient::bind`].
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.unbind(&"service-id".into(), &"channel-id".into()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn unbind(&self, service_id: &ServiceId, channel_id: &ChannelId) -> Result<(), HttpError> {
        let request = BindRequest { channel_id: channel_id.as_str(), service_id: service_id.as_str() };
        let _: serde::de::IgnoredAny = self.post("/service/unbind", &request, "code 10000").await?;
        Ok(())
    }
}
