//! The group cache: a list of character ids costs one `/service/group/create` per process, and a
//! group id's members one lookup, as the reference SDK's `ServiceGroupLib`.

use super::{HttpClient, HttpError};
use crate::protocol::{ChannelId, CharacterId, GroupId};
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OnceCell;

/// The name of the channel groups [`HttpClient::create_channel_group`] makes (the reference SDK's).
pub const CHANNEL_GROUP_NAME: &str = "A_message_up_group";

/// A cache entry: empty until the first caller's HTTP call fills it.
type Entry<T> = Arc<OnceCell<T>>;

/// Group ids by member list.
type ByMembers = HashMap<Vec<CharacterId>, Entry<GroupId>>;

/// Group ids by member list and member lists by group id. Each entry is a cell that the first
/// caller fills over HTTP while later callers for the same key wait for it, so concurrent calls
/// for one list still cost one HTTP call. A failed call leaves the cell empty (the next caller
/// tries again). Entries are never evicted: a service addresses a bounded set of audiences.
#[derive(Debug, Default)]
pub(crate) struct GroupCache {
    by_members: Mutex<ByMembers>,
    /// Channel groups (user mode's recipients), by channel and then by member list.
    by_channel_members: Mutex<HashMap<ChannelId, ByMembers>>,
    by_id: Mutex<HashMap<GroupId, Entry<Arc<[CharacterId]>>>>,
    /// Lookups answered without a call of their own (cached, or filled by a concurrent caller).
    pub(crate) hits: AtomicU64,
    /// Lookups that made the HTTP call.
    pub(crate) misses: AtomicU64,
}

/// Counts one lookup as a hit or a miss once it is answered (a failed lookup is neither).
fn tally<T, E>(cache: &GroupCache, called: &Cell<bool>, result: Result<T, E>) -> Result<T, E> {
    if result.is_ok() {
        let counter = if called.get() { &cache.misses } else { &cache.hits };
        counter.fetch_add(1, Ordering::Relaxed);
    }
    result
}

impl GroupCache {
    fn id_cell(&self, characters: &[CharacterId]) -> Entry<GroupId> {
        let mut map = self.by_members.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cell) = map.get(characters) {
            return Arc::clone(cell);
        }
        Arc::clone(map.entry(characters.to_vec()).or_default())
    }

    fn channel_id_cell(&self, channel_id: &str, characters: &[CharacterId]) -> Entry<GroupId> {
        let mut map = self.by_channel_members.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cell) = map.get(channel_id).and_then(|lists| lists.get(characters)) {
            return Arc::clone(cell);
        }
        let lists = map.entry(ChannelId::from(channel_id)).or_default();
        Arc::clone(lists.entry(characters.to_vec()).or_default())
    }

    fn members_cell(&self, group_id: &str) -> Entry<Arc<[CharacterId]>> {
        let mut map = self.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cell) = map.get(group_id) {
            return Arc::clone(cell);
        }
        Arc::clone(map.entry(GroupId::from(group_id)).or_default())
    }

    fn remember_members(&self, group_id: &str, characters: &[CharacterId]) {
        let cell = self.members_cell(group_id);
        // Already known (or being looked up): the platform's answer is the same list.
        let _ = cell.set(characters.into());
    }

    /// Lookups answered from the cache, and lookups that made the HTTP call.
    pub(crate) fn hits_and_misses(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    /// How many lists and group ids are cached.
    pub(crate) fn len(&self) -> (usize, usize) {
        let channel_lists: usize = self
            .by_channel_members
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(HashMap::len)
            .sum();
        let lists = self.by_members.lock().unwrap_or_else(PoisonError::into_inner).len() + channel_lists;
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
    /// let audience = vec!["user-1".into(), "user-2".into()];
    /// let group = client.create_group(&audience).await?;
    /// let calls = client.calls();
    /// assert_eq!(client.create_group(&audience).await?, group); // cached
    /// assert_eq!(client.calls(), calls);
    /// # Ok(()) }
    /// ```
    pub async fn create_group(&self, characters: &[CharacterId]) -> Result<GroupId, HttpError> {
        let groups = &self.shared.groups;
        let cell = groups.id_cell(characters);
        let called = Cell::new(false);
        let group_id = cell
            .get_or_try_init(|| async {
                called.set(true);
                let group_id = self.create_group_uncached(characters).await?;
                groups.remember_members(&group_id, characters);
                Ok::<_, HttpError>(group_id)
            })
            .await;
        Ok(tally(groups, &called, group_id)?.clone())
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
    pub async fn group_members(&self, group_id: &str) -> Result<Arc<[CharacterId]>, HttpError> {
        let cell = self.shared.groups.members_cell(group_id);
        let called = Cell::new(false);
        let members = cell
            .get_or_try_init(|| async {
                called.set(true);
                self.group_members_uncached(group_id).await.map(Arc::<[CharacterId]>::from)
            })
            .await;
        Ok(Arc::clone(tally(&self.shared.groups, &called, members)?))
    }

    /// The character ids of `group_id` when they are cached already (no call, no wait).
    pub fn cached_group_members(&self, group_id: &str) -> Option<Arc<[CharacterId]>> {
        let groups = &self.shared.groups;
        let map = groups.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        let members = map.get(group_id)?.get().cloned()?;
        groups.hits.fetch_add(1, Ordering::Relaxed);
        Some(members)
    }

    /// The group id for this list of character ids in a channel, as a user-mode client names the
    /// recipients of its messages: created with `POST /user/group/create` (named
    /// [`CHANNEL_GROUP_NAME`], as the reference SDK) the first time this client sees the list in
    /// this channel, then cached like [`create_group`](HttpClient::create_group).
    ///
    /// # Errors
    /// As the HTTP call (an unknown channel is refused); a failure is not cached.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let group = client.create_channel_group("channel-id", &["user-2".into()]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_channel_group(
        &self,
        channel_id: &str,
        characters: &[CharacterId],
    ) -> Result<GroupId, HttpError> {
        let groups = &self.shared.groups;
        let cell = groups.channel_id_cell(channel_id, characters);
        let called = Cell::new(false);
        let group_id = cell
            .get_or_try_init(|| async {
                called.set(true);
                let group_id = self.create_user_group(channel_id, CHANNEL_GROUP_NAME, characters).await?;
                groups.remember_members(&group_id, characters);
                Ok::<_, HttpError>(group_id)
            })
            .await;
        Ok(tally(groups, &called, group_id)?.clone())
    }

    /// The character ids in a channel group, looked up with `GET /user/group` (what the reference
    /// SDK uses for the `recipients` of events it receives; `user_id` is the event's sender) once
    /// per group id per client, then cached. Shares its cache with
    /// [`group_members`](HttpClient::group_members): group ids are unique across both kinds.
    ///
    /// # Errors
    /// As the HTTP call; an unknown group is refused. A failure is not cached.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let members = client.channel_group_members("group-id", "channel-id", "user-1").await?;
    /// # Ok(()) }
    /// ```
    pub async fn channel_group_members(
        &self,
        group_id: &str,
        channel_id: &str,
        user_id: &str,
    ) -> Result<Arc<[CharacterId]>, HttpError> {
        let cell = self.shared.groups.members_cell(group_id);
        let called = Cell::new(false);
        let members = cell
            .get_or_try_init(|| async {
                called.set(true);
                self.user_group_members(group_id, channel_id, user_id).await.map(Arc::<[CharacterId]>::from)
            })
            .await;
        Ok(Arc::clone(tally(&self.shared.groups, &called, members)?))
    }

    /// How many group lookups this client answered from its cache (no HTTP call), and how many
    /// made the call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let audience = vec!["user-1".into()];
    /// client.create_group(&audience).await?;
    /// client.create_group(&audience).await?;
    /// assert_eq!(client.group_cache_hits_and_misses(), (1, 1));
    /// # Ok(()) }
    /// ```
    pub fn group_cache_hits_and_misses(&self) -> (u64, u64) {
        self.shared.groups.hits_and_misses()
    }

    /// How many member lists and group ids this client has cached.
    pub fn cached_groups(&self) -> (usize, usize) {
        self.shared.groups.len()
    }
}
