//! Uploading, as the reference SDK: `GET /file/upload?extension=` gives an upload URL (the
//! platform's bucket) and form fields; a `multipart/form-data` POST of those fields and the file
//! to that URL stores it; the file's URL is the upload URL followed by the field `key`. Uploads
//! are cached by content (SHA-256, as the SDK's `filehash2URL`), so each distinct content is
//! uploaded once per client.

use super::envelope::Call;
use super::files::{FileUrl, Uploaded, is_url, refusal};
use super::{HttpClient, HttpError, HttpErrorKind};
use awc::http::Method;
use bytes::{BufMut, Bytes, BytesMut};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OnceCell;

/// The extension asked for when a file name has none.
const NO_EXTENSION: &str = "bin";

/// What identifies an upload in the cache: the content's SHA-256 and the extension (the
/// extension is part of the URL, and so of the type a download is served as).
type Key = ([u8; 32], String);

/// Uploaded URLs by content. As the group cache: the first caller for a content uploads it while
/// later callers for the same content wait for its URL; a failure leaves the entry empty (the next
/// caller tries again); entries are never evicted (a client uploads a bounded set of files).
#[derive(Debug, Default)]
pub(crate) struct FileCache {
    entries: Mutex<HashMap<Key, Arc<OnceCell<FileUrl>>>>,
}

impl FileCache {
    fn cell(&self, key: Key) -> Arc<OnceCell<FileUrl>> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(entries.entry(key).or_default())
    }

    fn len(&self) -> usize {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.values().filter(|cell| cell.initialized()).count()
    }
}

/// `data` of `GET /file/upload`.
#[derive(Deserialize)]
struct Ticket {
    url: String,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

impl HttpClient {
    /// Uploads `data` under the name `filename` (its extension is part of the URL) and returns
    /// where it can be downloaded. The same content with the same extension is uploaded once per
    /// client (and its [`share`](HttpClient::share)d copies): later calls answer the cached URL
    /// without a call.
    ///
    /// # Errors
    /// [`HttpErrorKind::InvalidRequest`] for an empty `filename`; [`HttpErrorKind::Refused`] when
    /// the platform refuses the upload (on the local platform: the file is over its size limit,
    /// 413, or it holds its limit of bytes or files, 507); [`HttpErrorKind::UnexpectedResponse`]
    /// when `GET /file/upload` answers no upload URL or `key`; as every call. A failure is not
    /// cached.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let uploaded = client.upload_bytes(b"hello".to_vec(), "hello.txt").await?;
    /// assert_eq!(uploaded.size, 5);
    /// let calls = client.calls();
    /// assert_eq!(client.upload_bytes(b"hello".to_vec(), "again.txt").await?.url, uploaded.url);
    /// assert_eq!(client.calls(), calls); // cached
    /// # Ok(()) }
    /// ```
    pub async fn upload_bytes(&self, data: impl Into<Bytes>, filename: &str) -> Result<Uploaded, HttpError> {
        let data = data.into();
        let hashing = data.clone();
        let hash = tokio::task::spawn_blocking(move || hash_of(&hashing)).await.map_err(|_| {
            HttpError::new(HttpErrorKind::InvalidRequest {
                call: "upload".to_owned(),
                detail: "the task hashing the file stopped".to_owned(),
            })
        })?;
        self.upload_cached(data, hash, filename).await
    }

    /// Uploads the local file at `path` (read and hashed off the caller's thread) under its own
    /// name, cached by content as [`HttpClient::upload_bytes`].
    ///
    /// # Errors
    /// [`HttpErrorKind::LocalFile`] when the file cannot be read (the system's reason is the
    /// source); as [`HttpClient::upload_bytes`].
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let uploaded = client.upload_path("images/cat.png").await?;
    /// println!("{} ({} bytes)", uploaded.url, uploaded.size);
    /// # Ok(()) }
    /// ```
    pub async fn upload_path(&self, path: impl AsRef<Path>) -> Result<Uploaded, HttpError> {
        let path = path.as_ref().to_owned();
        let shown = path.display().to_string();
        let filename = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if filename.is_empty() {
            return Err(HttpError::new(HttpErrorKind::LocalFile {
                path: shown,
                detail: "it names no file (it ends in `..` or `/`): give a file's path".to_owned(),
            }));
        }
        let read = tokio::task::spawn_blocking(move || {
            std::fs::read(&path).map(|data| {
                let hash = hash_of(&data);
                (Bytes::from(data), hash)
            })
        })
        .await;
        let (data, hash) = match read {
            Ok(Ok(read)) => read,
            Ok(Err(io)) => {
                let detail = match io.kind() {
                    std::io::ErrorKind::NotFound => {
                        "no such file to upload (a path that is not a URL is read as a local file)"
                    }
                    _ => "cannot read the file to upload",
                };
                return Err(HttpError::with_source(
                    HttpErrorKind::LocalFile { path: shown, detail: detail.to_owned() },
                    io,
                ));
            }
            Err(_) => {
                return Err(HttpError::new(HttpErrorKind::LocalFile {
                    path: shown,
                    detail: "the task reading the file stopped".to_owned(),
                }));
            }
        };
        self.upload_cached(data, hash, &filename).await
    }

    /// How many distinct contents this client has uploaded (and so holds in its upload cache).
    pub fn cached_uploads(&self) -> usize {
        self.shared.files.len()
    }

    async fn upload_cached(
        &self,
        data: Bytes,
        hash: [u8; 32],
        filename: &str,
    ) -> Result<Uploaded, HttpError> {
        if filename.is_empty() {
            return Err(HttpError::new(HttpErrorKind::InvalidRequest {
                call: "upload".to_owned(),
                detail: "the file name is empty: give one (its extension is part of the URL)".to_owned(),
            }));
        }
        let extension = extension_of(filename);
        let cell = self.shared.files.cell((hash, extension.clone()));
        let url = cell.get_or_try_init(|| self.upload_uncached(&data, filename, &extension)).await?;
        Ok(Uploaded { url: url.clone(), size: data.len() as u64, filename: filename.to_owned() })
    }

    /// The two calls of one upload.
    async fn upload_uncached(
        &self,
        data: &Bytes,
        filename: &str,
        extension: &str,
    ) -> Result<FileUrl, HttpError> {
        const TICKET: &str = "GET /file/upload";
        let ticket: Ticket =
            self.get("/file/upload", &[("extension", extension)], "data: {url, fields: {key, ...}}").await?;
        let unexpected = |detail: &str| {
            HttpError::new(HttpErrorKind::UnexpectedResponse {
                call: TICKET.to_owned(),
                expected: "data: {url, fields: {key, ...}}".to_owned(),
                detail: detail.to_owned(),
            })
        };
        if !is_url(&ticket.url) {
            return Err(unexpected("field `data.url` is not an http(s) URL"));
        }
        let Some(key) = ticket.fields.get("key") else {
            return Err(unexpected("field `data.fields.key` is missing"));
        };
        let file_url = FileUrl::from(format!("{}{key}", ticket.url));
        let boundary = format!("moobius-{:032x}", rand::random::<u128>());
        let body = multipart(&boundary, &ticket.fields, filename, data);
        let shown = ticket.url.split(['?', '#']).next().unwrap_or_default().to_owned();
        let call = Call { method: Method::POST, path: shown.into() };
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let answer = self.raw(&call, &ticket.url, Some((content_type, body)), 64 * 1024).await?;
        if !answer.status.is_success() {
            return Err(refusal(&call, answer.status, &answer.body));
        }
        log::debug!("uploaded {} bytes as {file_url}", data.len());
        Ok(file_url)
    }
}

fn hash_of(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// The extension `GET /file/upload` is asked for: the file name's, else [`NO_EXTENSION`].
fn extension_of(filename: &str) -> String {
    match Path::new(filename).extension().and_then(|e| e.to_str()) {
        Some(extension) if !extension.is_empty() => extension.to_owned(),
        _ => NO_EXTENSION.to_owned(),
    }
}

/// A `multipart/form-data` body: the upload's fields, then the file (last, as S3 requires).
fn multipart(boundary: &str, fields: &BTreeMap<String, String>, filename: &str, data: &[u8]) -> Bytes {
    let mut body = BytesMut::with_capacity(data.len() + 512 + fields.len() * 128);
    for (name, value) in fields {
        body.put_slice(format!("--{boundary}\r\n").as_bytes());
        body.put_slice(
            format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", quoted(name)).as_bytes(),
        );
        body.put_slice(value.as_bytes());
        body.put_slice(b"\r\n");
    }
    body.put_slice(format!("--{boundary}\r\n").as_bytes());
    body.put_slice(
        format!("Content-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n", quoted(filename))
            .as_bytes(),
    );
    body.put_slice(b"Content-Type: application/octet-stream\r\n\r\n");
    body.put_slice(data);
    body.put_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body.freeze()
}

/// A name inside a quoted header parameter, escaped as browsers do.
fn quoted(text: &str) -> String {
    text.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_holds_the_fields_then_the_file() {
        let fields = BTreeMap::from([("key".to_owned(), "k.png".to_owned())]);
        let body = multipart("B", &fields, "a\"b.png", b"DATA");
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert_eq!(
            text,
            "--B\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk.png\r\n\
             --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a%22b.png\"\r\n\
             Content-Type: application/octet-stream\r\n\r\nDATA\r\n--B--\r\n"
        );
    }

    #[test]
    fn extensions_default_to_bin() {
        assert_eq!(extension_of("cat.PNG"), "PNG");
        assert_eq!(extension_of("README"), NO_EXTENSION);
        assert_eq!(extension_of("archive.tar.gz"), "gz");
    }
}
