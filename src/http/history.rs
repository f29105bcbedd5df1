//! A channel's message history: `GET /channel/history_message`, as the reference SDK's
//! `fetch_message_history`.

use super::{HttpClient, HttpError, HttpErrorKind};
use crate::protocol::{ChannelId, MessageBody, MessageId};
use serde_json::value::RawValue;

/// What the reference SDK sends as `before` for "from the newest message".
const NEWEST: &str = "null";

impl HttpClient {
    /// The last `limit` messages of a channel that the caller may see, oldest first, each as it
    /// was delivered (with `sender`, `message_id` and `timestamp`). With `before`, only messages
    /// older than that one: pass the first `message_id` of a page to get the page before it.
    ///
    /// The local platform keeps a bounded history per channel (`PlatformConfig::history_messages`,
    /// `history_bytes`); the owner of the channel or of its service sees every message, a member
    /// the messages it sent and those it received.
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`] for an unknown channel, a caller who is neither a member nor an
    /// owner (403), an unknown `before` (404); [`HttpErrorKind::UnexpectedResponse`] when an entry
    /// is not a message; as every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let channel = moobius::protocol::ChannelId::from("channel-id");
    /// let page = client.fetch_message_history(&channel, 50, None).await?;
    /// if let Some(oldest) = page.first().and_then(|m| m.message_id.as_ref()) {
    ///     let before = client.fetch_message_history(&channel, 50, Some(oldest)).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch_message_history(
        &self,
        channel_id: &ChannelId,
        limit: usize,
        before: Option<&MessageId>,
    ) -> Result<Vec<MessageBody>, HttpError> {
        const EXPECTED: &str = "data: [message bodies]";
        let limit = limit.to_string();
        let before = before.map_or(NEWEST, MessageId::as_str);
        let query = [("channel_id", channel_id.as_str()), ("limit", limit.as_str()), ("before", before)];
        let raw: Vec<Box<RawValue>> = self.get("/channel/history_message", &query, EXPECTED).await?;
        raw.iter()
            .enumerate()
            .map(|(i, entry)| {
                MessageBody::decode(entry.get(), &format!("data[{i}]")).map_err(|error| {
                    HttpError::new(HttpErrorKind::UnexpectedResponse {
                        call: "GET /channel/history_message".to_owned(),
                        expected: EXPECTED.to_owned(),
                        detail: error.to_string(),
                    })
                })
            })
            .collect()
    }
}
