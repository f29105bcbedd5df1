//! The studio from a test: its feed (the inspector's WebSocket) read as JSON events, its
//! control API, and its page fetched raw.

use super::WAIT;
use super::ws::WsClient;
use moobius::platform::PlatformHandle;
use serde_json::Value;

/// A reader of `/studio/feed`.
pub struct Feed(WsClient);

impl Feed {
    /// Opens the feed; the first event (`hello`) is returned with it.
    pub async fn open(platform: &PlatformHandle) -> (Feed, Value) {
        let mut feed = Feed(WsClient::connect_url(&format!("ws://{}/studio/feed", platform.addr())).await);
        let hello = feed.next().await;
        assert_eq!(hello["kind"], "hello", "{hello}");
        (feed, hello)
    }

    /// The next event.
    pub async fn next(&mut self) -> Value {
        let text = self.0.next_text().await;
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("the feed sent a non-JSON event ({e}): {text}"))
    }

    /// The next event matching `predicate` (earlier ones are dropped), within [`WAIT`].
    pub async fn wait_for(&mut self, what: &str, predicate: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let event = tokio::time::timeout_at(deadline, self.next())
                .await
                .unwrap_or_else(|_| panic!("no {what} in the studio feed within {WAIT:?}"));
            if predicate(&event) {
                return event;
            }
        }
    }

    /// Waits until the feed ends.
    pub async fn expect_end(&mut self) {
        self.0.expect_end().await;
    }
}

/// Whether `event` is a frame going `dir` on `connection` whose wire text has this `type` and,
/// if given, this `request_id`.
pub fn is_frame(
    event: &Value,
    connection: u64,
    dir: &str,
    frame_type: &str,
    request_id: Option<&str>,
) -> bool {
    if event["kind"] != "frame" || event["connection"] != connection || event["dir"] != dir {
        return false;
    }
    let Some(frame) = event["text"].as_str().and_then(|t| serde_json::from_str::<Value>(t).ok()) else {
        return false;
    };
    let id = frame["request_id"].as_str().or_else(|| frame["body"]["request_id"].as_str());
    frame["type"] == frame_type && request_id.is_none_or(|r| id == Some(r))
}

/// The studio's id of the open connection logged in as `id` (a user or service id).
pub async fn connection_of(platform: &PlatformHandle, id: &str) -> u64 {
    let (status, answer) = super::http_get(platform, "/studio/api/connections", None).await;
    assert_eq!(status, 200, "{answer}");
    answer["connections"]
        .as_array()
        .expect("a list of connections")
        .iter()
        .find(|c| c["peer"]["id"] == id)
        .and_then(|c| c["connection"].as_u64())
        .unwrap_or_else(|| panic!("no open connection of {id}: {answer}"))
}

/// `GET path` as `(status, content type, body)`, for what is not JSON.
pub async fn get_raw(platform: &PlatformHandle, path: &str) -> (u16, String, String) {
    let mut response = awc::Client::builder()
        .timeout(WAIT)
        .finish()
        .get(format!("{}{path}", platform.http_url()))
        .send()
        .await
        .expect("the HTTP request goes through");
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let body = response.body().limit(4 * 1024 * 1024).await.expect("the body arrives");
    (response.status().as_u16(), content_type, String::from_utf8_lossy(&body).into_owned())
}
