//! Local files in actions, in one place: before an action's frame is built, every image, audio,
//! file or canvas image given as a local path (or `file://` URL) is uploaded over the service's
//! HTTP session (each distinct content once per session: the client's upload cache) and its URL
//! put in its place, and a file message's `size` and `filename`, when left empty, are filled in
//! (a local file's own; a URL's size from a `HEAD`, as the reference SDK's `download_size`).
//! Files are read and hashed off the actor's thread; the outbox keeps actions in order meanwhile.
//! A [`SendFrame`](crate::service::SendFrame) is sent as the program built it: nothing is uploaded.

use super::Draft;
use crate::http::{FileUrl, HttpClient, HttpError, HttpErrorKind, is_url, local_path};
use crate::protocol::{MessageContent, UpdateContent};
use crate::service::{ActionError, ActionErrorKind};

impl Draft {
    /// Whether the draft names a local file to upload, or a file message without its size.
    pub(super) fn needs_files(&self) -> bool {
        match self {
            Self::Message { content, .. } => match content {
                MessageContent::Image(path) | MessageContent::Audio(path) => local_path(path).is_some(),
                MessageContent::File { path, size, filename } => {
                    local_path(path).is_some() || *size == 0 || filename.is_empty()
                }
                _ => false,
            },
            Self::Update { content: UpdateContent::Canvas(items), .. } => {
                items.iter().any(|item| item.path.as_deref().and_then(local_path).is_some())
            }
            _ => false,
        }
    }
}

/// Uploads the draft's local files, puts their URLs in their place and fills in file sizes.
pub(super) async fn upload_files(http: Option<&HttpClient>, draft: &mut Draft) -> Result<(), ActionError> {
    match draft {
        Draft::Message { content: MessageContent::Image(path) | MessageContent::Audio(path), .. }
            if local_path(path).is_some() =>
        {
            *path = upload(http, path).await?.0.into_string();
        }
        Draft::Message { content: MessageContent::File { path, filename, size }, .. } => {
            fill_file(http, path, filename, size).await?;
        }
        Draft::Update { content: UpdateContent::Canvas(items), .. } => {
            for item in items {
                if let Some(path) = item.path.as_mut().filter(|p| local_path(p).is_some()) {
                    *path = upload(http, path).await?.0.into_string();
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// A file message's URL, name and size: a local file is uploaded (its own name and size); a
/// URL's empty name is its last path segment and its zero size is asked for with a `HEAD`.
async fn fill_file(
    http: Option<&HttpClient>,
    path: &mut String,
    filename: &mut String,
    size: &mut u64,
) -> Result<(), ActionError> {
    if local_path(path).is_some() {
        let (url, uploaded_size, uploaded_name) = upload(http, path).await?;
        *path = url.into_string();
        if *size == 0 {
            *size = uploaded_size;
        }
        if filename.is_empty() {
            *filename = uploaded_name;
        }
        return Ok(());
    }
    if !is_url(path) {
        return Ok(());
    }
    let url = FileUrl::from(path.as_str());
    if filename.is_empty() {
        url.file_name().clone_into(filename);
    }
    if *size == 0
        && let Some(http) = http
    {
        // Best effort, as the SDK: a size it cannot learn stays 0.
        match http.download_size(&url).await {
            Ok(known) => *size = known,
            Err(error) => log::debug!("the size of {url} is unknown: {error}"),
        }
    }
    Ok(())
}

/// Uploads the local file `path` names: its URL, size and file name.
async fn upload(http: Option<&HttpClient>, path: &str) -> Result<(FileUrl, u64, String), ActionError> {
    let failed = |error: HttpError| ActionError::new(ActionErrorKind::Upload(error));
    let Some(http) = http else {
        return Err(failed(HttpError::new(HttpErrorKind::InvalidRequest {
            call: "upload".to_owned(),
            detail: format!("`{path}` is a local file, and this service has no HTTP session to upload it"),
        })));
    };
    let local = local_path(path).unwrap_or_default();
    let uploaded = http.upload_path(&local).await.map_err(failed)?;
    Ok((uploaded.url, uploaded.size, uploaded.filename))
}
