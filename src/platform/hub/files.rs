//! Uploaded files, held in memory: `GET /file/upload` hands a signed-in account an upload slot
//! (a fresh key and a single-use token, valid for a while); the POST of that key, token and file
//! stores the bytes under the key; anyone may then download them by their URL (as from the
//! production platform's public bucket). Every bound is a [`PlatformConfig`] setting: the largest
//! file, the bytes and files held in all, the slots handed out and not used yet.
//!
//! [`PlatformConfig`]: crate::platform::PlatformConfig

use super::Map;
use super::{Fail, Hub, new_id};
use bytes::Bytes;
use std::time::{Duration, Instant};

/// The longest extension `GET /file/upload` accepts.
const MAX_EXTENSION: usize = 16;

/// A stored file: its bytes and the type it is served as.
#[derive(Clone)]
pub(crate) struct StoredFile {
    pub(crate) data: Bytes,
    pub(crate) content_type: &'static str,
}

struct Slot {
    token: String,
    expires: Instant,
}

/// The files and the upload slots.
#[derive(Default)]
pub(super) struct FileStore {
    files: Map<String, StoredFile>,
    bytes: usize,
    slots: Map<String, Slot>,
}

impl FileStore {
    /// Files held, their bytes, slots open.
    pub(super) fn sizes(&self) -> (usize, usize, usize) {
        (self.files.len(), self.bytes, self.slots.len())
    }
}

impl Hub {
    /// A new upload slot for a file with this extension: its key (the file's name in the bucket)
    /// and its token.
    pub(crate) fn upload_slot(&mut self, extension: &str) -> Result<(String, String), Fail> {
        if extension.is_empty()
            || extension.len() > MAX_EXTENSION
            || !extension.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Fail::bad(format!(
                "`extension` must be 1 to {MAX_EXTENSION} letters or digits, such as `png`"
            )));
        }
        let now = Instant::now();
        let store = &mut self.files;
        store.slots.retain(|_, slot| slot.expires > now);
        if store.files.len() >= self.config.max_files {
            return Err(full_of_files(self.config.max_files));
        }
        if store.slots.len() >= self.config.upload_slots {
            let mut fail = Fail::new(
                429,
                format!(
                    "{} upload URLs are handed out and not used yet, the local platform's limit \
                     (PlatformConfig::upload_slots): upload with those first, or wait until they expire",
                    store.slots.len()
                ),
            );
            fail.retry_after = Some(Duration::from_secs(1));
            return Err(fail);
        }
        let key = format!("{}.{}", new_id(), extension.to_ascii_lowercase());
        let token = format!("{:032x}", rand::random::<u128>());
        let expires = now + self.config.upload_slot_lifetime;
        store.slots.insert(key.clone(), Slot { token: token.clone(), expires });
        Ok((key, token))
    }

    /// Stores an upload's bytes under the slot's key; the slot is used up.
    pub(crate) fn store_upload(&mut self, key: &str, token: &str, data: Bytes) -> Result<(), Fail> {
        let now = Instant::now();
        let store = &mut self.files;
        let valid = store.slots.get(key).is_some_and(|slot| slot.token == token && slot.expires > now);
        if !valid {
            return Err(Fail::forbidden(
                "the upload's `key` and `token` are not a valid upload slot (unknown, used or expired): \
                 ask GET /file/upload for a new one",
            ));
        }
        let limit = self.config.max_file_bytes;
        if data.len() > limit {
            return Err(too_large(Some(data.len()), limit));
        }
        if store.files.len() >= self.config.max_files {
            return Err(full_of_files(self.config.max_files));
        }
        if store.bytes + data.len() > self.config.max_stored_bytes {
            return Err(Fail::new(
                507,
                format!(
                    "the local platform holds {} bytes of files and this one ({} bytes) would pass its \
                     limit of {} (PlatformConfig::max_stored_bytes)",
                    store.bytes,
                    data.len(),
                    self.config.max_stored_bytes
                ),
            ));
        }
        store.slots.remove(key);
        store.bytes += data.len();
        let content_type = content_type(key);
        store.files.insert(key.to_owned(), StoredFile { data, content_type });
        Ok(())
    }

    /// The stored file `key`, if any.
    pub(crate) fn stored_file(&self, key: &str) -> Option<StoredFile> {
        self.files.files.get(key).cloned()
    }
}

/// The refusal of a file over the size limit (`size` when known).
pub(crate) fn too_large(size: Option<usize>, limit: usize) -> Fail {
    let size = size.map_or_else(|| "the upload is".to_owned(), |size| format!("the file is {size} bytes,"));
    Fail::new(
        413,
        format!(
            "{size} over the local platform's limit of {limit} bytes a file (PlatformConfig::max_file_bytes)"
        ),
    )
}

fn full_of_files(limit: usize) -> Fail {
    Fail::new(
        507,
        format!(
            "the local platform holds {limit} files, its limit (PlatformConfig::max_files): no more can be uploaded"
        ),
    )
}

/// The type a file is served as, by its extension: only types a browser shows without running
/// anything; everything else (HTML, SVG, scripts) is served as bytes to download.
fn content_type(key: &str) -> &'static str {
    let extension = key.rsplit('.').next().unwrap_or_default();
    match extension {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "ico" => "image/x-icon",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        "m4a" => "audio/mp4",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "pdf" => "application/pdf",
        "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::super::Hub;
    use crate::platform::PlatformConfig;
    use bytes::Bytes;
    use std::time::Duration;

    #[test]
    fn a_slot_stores_one_file_within_the_limits() {
        let config = PlatformConfig::default().max_file_bytes(4).max_stored_bytes(6).max_files(2);
        let mut hub = Hub::new(config);
        assert_eq!(hub.upload_slot("../x").unwrap_err().status, 400);
        let (key, token) = hub.upload_slot("PNG").unwrap();
        assert!(key.ends_with(".png"), "{key}");
        assert_eq!(hub.store_upload(&key, "wrong", Bytes::from_static(b"ab")).unwrap_err().status, 403);
        assert_eq!(hub.store_upload(&key, &token, Bytes::from_static(b"abcde")).unwrap_err().status, 413);
        hub.store_upload(&key, &token, Bytes::from_static(b"abcd")).unwrap();
        assert_eq!(hub.stored_file(&key).unwrap().content_type, "image/png");
        assert_eq!(
            hub.store_upload(&key, &token, Bytes::from_static(b"ab")).unwrap_err().status,
            403,
            "used"
        );
        let (key, token) = hub.upload_slot("txt").unwrap();
        let over_total = hub.store_upload(&key, &token, Bytes::from_static(b"abc")).unwrap_err();
        assert_eq!(over_total.status, 507);
        assert!(over_total.message.contains("max_stored_bytes"), "{}", over_total.message);
        hub.store_upload(&key, &token, Bytes::from_static(b"ab")).unwrap();
        assert_eq!(hub.upload_slot("txt").unwrap_err().status, 507, "two files: the limit");
    }

    #[test]
    fn slots_are_bounded_and_expire() {
        let config = PlatformConfig::default().upload_slots(1, Duration::ZERO);
        let mut hub = Hub::new(config);
        let (key, token) = hub.upload_slot("png").unwrap();
        assert_eq!(hub.store_upload(&key, &token, Bytes::new()).unwrap_err().status, 403, "expired");
        // The expired slot no longer counts.
        hub.upload_slot("png").unwrap();
        let config = PlatformConfig::default().upload_slots(1, Duration::from_secs(60));
        let mut hub = Hub::new(config);
        hub.upload_slot("png").unwrap();
        assert_eq!(hub.upload_slot("png").unwrap_err().status, 429);
    }
}
