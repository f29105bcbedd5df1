//! Files by URL: the [`FileUrl`] an upload gives, downloading one (to memory or to a file), its
//! size (`HEAD`), and [`HttpClient::convert_to_url`], which uploads a local path and passes a URL
//! through, as the reference SDK's `convert_to_url` (uploading itself is in `upload.rs`).

use super::envelope::Call;
use super::{HttpClient, HttpError, HttpErrorKind};
use awc::http::Method;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Deref;
use std::path::{Path, PathBuf};

/// The URL of an uploaded file (or of any file a message, a canvas or an avatar shows).
///
/// # Examples
/// ```
/// use moobius::http::FileUrl;
/// let url = FileUrl::from("https://example.com/cat.png");
/// assert_eq!(url.as_str(), "https://example.com/cat.png");
/// assert_eq!(url.file_name(), "cat.png");
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FileUrl(String);

impl FileUrl {
    /// The URL as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The last segment of the URL's path, without a query (`cat.png` of
    /// `https://host/files/cat.png?x=1`); empty when the path ends in `/`.
    pub fn file_name(&self) -> &str {
        let path = self.0.split(['?', '#']).next().unwrap_or_default();
        path.rsplit('/').next().unwrap_or_default()
    }
}

impl fmt::Debug for FileUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for FileUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Deref for FileUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FileUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<String> for FileUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl From<&str> for FileUrl {
    fn from(url: &str) -> Self {
        Self(url.to_owned())
    }
}

impl From<FileUrl> for String {
    fn from(url: FileUrl) -> String {
        url.0
    }
}

impl PartialEq<str> for FileUrl {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for FileUrl {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// What an upload gave: the file's URL, its size and the name it was uploaded under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// Where the file can be downloaded.
    pub url: FileUrl,
    /// Its size in bytes.
    pub size: u64,
    /// The file name it was uploaded under (the last component of a local path).
    pub filename: String,
}

/// Whether `text` is a URL (it starts with a scheme and `://`, such as `https://`), as opposed to
/// a local path. `file://` URLs count as local paths (see [`local_path`]).
///
/// # Examples
/// ```
/// use moobius::http::is_url;
/// assert!(is_url("https://example.com/cat.png"));
/// assert!(is_url("ftp://example.com/cat.png"));
/// assert!(!is_url("images/cat.png"));
/// assert!(!is_url("/tmp/cat.png"));
/// assert!(!is_url("file:///tmp/cat.png"));
/// ```
pub fn is_url(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once("://") else { return false };
    let mut chars = scheme.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    well_formed && !scheme.eq_ignore_ascii_case("file")
}

/// The local path `text` names, when it is not a URL: the text itself, or the path of a
/// `file://` URL. `None` for a URL and for the empty string.
///
/// # Examples
/// ```
/// use moobius::http::local_path;
/// use std::path::Path;
/// assert_eq!(local_path("cat.png").as_deref(), Some(Path::new("cat.png")));
/// assert_eq!(local_path("file:///tmp/cat.png").as_deref(), Some(Path::new("/tmp/cat.png")));
/// assert_eq!(local_path("https://example.com/cat.png"), None);
/// assert_eq!(local_path(""), None);
/// ```
pub fn local_path(text: &str) -> Option<PathBuf> {
    if text.is_empty() || is_url(text) {
        return None;
    }
    let path = match text.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("file") => rest,
        _ => text,
    };
    Some(PathBuf::from(path))
}

/// A URL as shown in logs and errors: without its query and fragment (a presigned URL's query
/// is a credential).
fn shown(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_owned()
}

impl HttpClient {
    /// Uploads the file at a local path, or passes a URL through unchanged, as the reference
    /// SDK's `convert_to_url` (every SDK call that takes an image, a file or an avatar accepts
    /// either). A `file://` URL is a local path. Uploads are cached by content, as in
    /// [`HttpClient::upload_path`].
    ///
    /// # Errors
    /// [`HttpErrorKind::InvalidRequest`] for an empty string; for a local path, as
    /// [`HttpClient::upload_path`].
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let url = client.convert_to_url("images/cat.png").await?; // uploaded
    /// let same = client.convert_to_url(url.as_str()).await?; // a URL: passed through
    /// assert_eq!(url, same);
    /// # Ok(()) }
    /// ```
    pub async fn convert_to_url(&self, path_or_url: &str) -> Result<FileUrl, HttpError> {
        if is_url(path_or_url) {
            return Ok(FileUrl::from(path_or_url));
        }
        let Some(path) = local_path(path_or_url) else {
            return Err(HttpError::new(HttpErrorKind::InvalidRequest {
                call: "upload".to_owned(),
                detail: "an empty string is neither a URL nor a local file: give one".to_owned(),
            }));
        };
        Ok(self.upload_path(&path).await?.url)
    }

    /// Downloads the file at `url` into memory (a plain `GET`, no token: uploaded files are
    /// public, as on the platform's bucket). Reads at most
    /// [`HttpClientBuilder::max_download_bytes`](super::HttpClientBuilder::max_download_bytes).
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`] when the answer is not 200 (such as 404 for an unknown file);
    /// [`HttpErrorKind::TooLarge`] past the size limit; transport errors and timeouts.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let uploaded = client.upload_bytes(&b"hello"[..], "hello.txt").await?;
    /// assert_eq!(client.download(&uploaded.url).await?, &b"hello"[..]);
    /// # Ok(()) }
    /// ```
    pub async fn download(&self, url: &FileUrl) -> Result<Bytes, HttpError> {
        let call = Call { method: Method::GET, path: shown(url).into() };
        let answer = self.raw(&call, url, None, self.shared.max_download).await?;
        if answer.status != awc::http::StatusCode::OK {
            return Err(refusal(&call, answer.status, &answer.body));
        }
        Ok(answer.body)
    }

    /// Downloads the file at `url` to the local file `path` (created or replaced; its folder must
    /// exist) and returns its size in bytes. The file is written off the caller's thread.
    ///
    /// # Errors
    /// As [`HttpClient::download`]; [`HttpErrorKind::LocalFile`] when the file cannot be written
    /// (the system's reason is the source).
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient, url: moobius::http::FileUrl) -> Result<(), moobius::http::HttpError> {
    /// let size = client.download_to(&url, "downloads/cat.png").await?;
    /// println!("{size} bytes");
    /// # Ok(()) }
    /// ```
    pub async fn download_to(&self, url: &FileUrl, path: impl AsRef<Path>) -> Result<u64, HttpError> {
        let bytes = self.download(url).await?;
        let path = path.as_ref().to_owned();
        let size = bytes.len() as u64;
        let shown_path = path.display().to_string();
        let written = tokio::task::spawn_blocking(move || std::fs::write(&path, &bytes)).await;
        match written {
            Ok(Ok(())) => Ok(size),
            Ok(Err(io)) => Err(HttpError::with_source(
                HttpErrorKind::LocalFile {
                    path: shown_path,
                    detail: "cannot write the download there (does its folder exist?)".to_owned(),
                },
                io,
            )),
            Err(_) => Err(HttpError::new(HttpErrorKind::LocalFile {
                path: shown_path,
                detail: "the task writing the download stopped".to_owned(),
            })),
        }
    }

    /// The size in bytes of the file at `url`, from a `HEAD` request's `Content-Length`, without
    /// downloading it (the reference SDK's `download_size`, which fills the size of file
    /// messages sent by URL).
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`] when the answer is not 200; [`HttpErrorKind::UnexpectedResponse`]
    /// when it has no `Content-Length`; transport errors and timeouts.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let size = client.download_size(&"https://example.com/report.pdf".into()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn download_size(&self, url: &FileUrl) -> Result<u64, HttpError> {
        let call = Call { method: Method::HEAD, path: shown(url).into() };
        let answer = self.raw(&call, url, None, 0).await?;
        if answer.status != awc::http::StatusCode::OK {
            return Err(refusal(&call, answer.status, &answer.body));
        }
        answer.content_length.ok_or_else(|| {
            HttpError::new(HttpErrorKind::UnexpectedResponse {
                call: call.to_string(),
                expected: "a Content-Length header".to_owned(),
                detail: "the answer has none".to_owned(),
            })
        })
    }
}

/// A non-success answer to a raw call, with the platform's `message` when it sent a JSON one.
pub(super) fn refusal(call: &Call, status: awc::http::StatusCode, body: &[u8]) -> HttpError {
    #[derive(Deserialize)]
    struct Message {
        message: String,
    }
    let message = serde_json::from_slice::<Message>(body).map(|m| m.message).unwrap_or_else(|_| {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).trim().to_owned();
        if text.is_empty() { format!("empty answer ({status})") } else { text }
    });
    HttpError::new(HttpErrorKind::Refused {
        call: call.to_string(),
        status: status.as_u16(),
        code: i64::from(status.as_u16()),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_local_paths_are_told_apart() {
        for url in ["http://a/b.png", "https://a/b", "ftps://a/b", "s3+x://bucket/key"] {
            assert!(is_url(url), "{url}");
            assert_eq!(local_path(url), None, "{url}");
        }
        for path in ["b.png", "./b.png", "/tmp/b.png", "C:\\b.png", "1x://b", "file://b", "://b"] {
            assert!(!is_url(path), "{path}");
        }
        assert_eq!(local_path("FILE:///x/y.png"), Some(PathBuf::from("/x/y.png")));
    }

    #[test]
    fn shown_urls_lose_their_query() {
        assert_eq!(shown("https://b/k.png?X-Amz-Signature=secret"), "https://b/k.png");
        assert_eq!(FileUrl::from("https://b/dir/k.png?sig=1").file_name(), "k.png");
        assert_eq!(FileUrl::from("https://b/dir/").file_name(), "");
    }
}
