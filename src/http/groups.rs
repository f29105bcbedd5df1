//! The group cache: a list of character ids costs one `/service/group/create` per process, and a
//! group id's members one lookup, as the reference SDK's `ServiceGroupLib`.

use super::{HttpClient, HttpError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OnceCell;

/// A cache entry: empty until the first caller's HTTP call fills it.
type Entry<T> = Arc<OnceCell<T>>;

/// Group ids by member list and member lists by group id. Each entry is a cell that the first
/// caller fills over HTTP while later callers for the same key wait for it, so concurrent calls
/// for one list still cost one HTTP call. A failed call leaves the cell empty (the next caller
/// tries again). Entries are never evicted: a service addresses a bounded set of audiences.
#[derive(Debug, Default)]
pub(crate) struct GroupCache {
    by_members: Mutex<HashMap<Vec<String>, Entry<String>>>,
    by_id: Mutex<HashMap<String, Entry<Arc<[String]>>>>,
}

impl GroupCache {
    fn id_cell(&self, characters: &[String]) -> Entry<String> {
        let mut map = self.by_members.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cell) = map.get(characters) {
            return Arc::clone(cell);
        }
        Arc::clone(map.entry(characters.to_vec()).or_default())
    }

    fn members_cell(&self, group_id: &str) -> Entry<Arc<[String]>> {
        let mut map = self.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cell) = map.get(group_id) {
            return Arc::clone(cell);
        }
        Arc::clone(map.entry(group_id.to_owned()).or_default())
    }

    fn remember_members(&self, group_id: &str, characters: &[String]) {
        let cell = self.members_cell(group_id);
        // Already known (or being looked up): the platform's answer is the same list.
        let _ = cell.set(characters.into());
    }

    /// How many lists and group ids are cached.
    pub(crate) fn len(&self) -> (usize, usize) {
        let lists = self.by_members.lock().unwrap_or_else(PoisonError::into_inner).len();
        let ids = self.by_id.lock().unwrap_or_else(PoisonError::into_inner).len();
        (lists, ids)
    }
}

impl HttpClient {
    /// The group id for this list of character ids (a service's `recipients`), creating the group
    /// with `POST /service/group/create` the first time this client (or a
    /// [`share`](HttpClient::share)d copy) sees the list. The list's order is kept: the same ids in
    /// another order are another list. The reverse lookup is remembered too, so
    /// [`group_members`](HttpClient::group_members) of the new id costs no call.
    ///
    /// # Errors
    /// As the HTTP call (not signed in, refused, transport, timeout, unexpected answer); a failure
    /// is not cached.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let audience = vec!["user-1".to_owned(), "user-2".to_owned()];
    /// let group = client.create_group(&audience).await?;
    /// let calls = client.calls();
    /// assert_eq!(client.create_group(&audience).await?, group); // cached
    /// assert_eq!(client.calls(), calls);
    /// # Ok(()) }
    /// ```
    pub async fn create_group(&self, characters: &[String]) -> Result<String, HttpError> {
        let groups = &self.shared.groups;
        let cell = groups.id_cell(characters);
        let group_id = cell
            .get_or_try_init(|| async {
                let group_id = self.create_group_uncached(characters).await?;
                groups.remember_members(&group_id, characters);
                Ok::<_, HttpError>(group_id)
            })
            .await?;
        Ok(group_id.clone())
    }

    /// The character ids in a group (as `recipients` of an event names it), looked up with
    /// `GET /service/group` once per group id per client, then cached.
    ///
    /// # Errors
    /// As the HTTP call; an unknown group id is a refusal
    /// ([`HttpErrorKind::Refused`](super::HttpErrorKind::Refused)). A failure is not cached.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// for member in client.group_members("group-id").await?.iter() {
    ///     println!("{member}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn group_members(&self, group_id: &str) -> Result<Arc<[String]>, HttpError> {
        let cell = self.shared.groups.members_cell(group_id);
        let members = cell
            .get_or_try_init(|| async {
                self.group_members_uncached(group_id).await.map(Arc::<[String]>::from)
            })
            .await?;
        Ok(Arc::clone(members))
    }

    /// The character ids of `group_id` when they are cached already (no call, no wait).
    pub fn cached_group_members(&self, group_id: &str) -> Option<Arc<[String]>> {
        let map = self.shared.groups.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(group_id)?.get().cloned()
    }

    /// How many member lists and group ids this client has cached.
    pub fn cached_groups(&self) -> (usize, usize) {
        self.shared.groups.len()
    }
}
