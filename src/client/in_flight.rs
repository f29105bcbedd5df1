//! The frames written and awaiting their receipts: kept in the order they were written (a
//! reconnect resends them in that order) and found by request id in O(1), with no copy of the id
//! and no second map. Receipts mostly come in order, so a settled frame at the front is popped
//! at once; one settled out of order leaves an empty slot until the frames before it settle.
//!
//! This replaced a `BTreeMap` of entries plus a `HashMap<String, u64>` index, which cost a copy of
//! every request id, SipHash twice per frame and two tree operations (about a fifth of the
//! client's CPU per message_down in the profile).

use hashbrown::HashTable;
use std::collections::VecDeque;
use std::hash::BuildHasher as _;

/// What the table holds: anything with a request id.
pub(crate) trait Keyed {
    /// The request id its receipt names.
    fn request_id(&self) -> &str;
}

struct Slot<T> {
    hash: u64,
    entry: T,
}

/// Entries in write order, indexed by request id.
pub(crate) struct InFlight<T> {
    /// Slot `i` has key `base + i`; `None` is an entry settled out of order.
    slots: VecDeque<Option<Slot<T>>>,
    base: u64,
    live: usize,
    /// Keys of live slots, hashed by their request id.
    index: HashTable<u64>,
    hasher: foldhash::fast::RandomState,
}

impl<T: Keyed> InFlight<T> {
    pub(crate) fn new() -> Self {
        Self {
            slots: VecDeque::new(),
            base: 0,
            live: 0,
            index: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// Entries held.
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Adds `entry` after every other. An id already held keeps its first entry findable; the
    /// second is found once the first is settled (the queue never holds one id twice).
    pub(crate) fn push(&mut self, entry: T) {
        let hash = self.hasher.hash_one(entry.request_id());
        let key = self.base + self.slots.len() as u64;
        let Self { slots, base, index, .. } = self;
        index.insert_unique(hash, key, |&k| slot_hash(slots, *base, k));
        slots.push_back(Some(Slot { hash, entry }));
        self.live += 1;
    }

    /// Takes the entry of `request_id` out, if held.
    pub(crate) fn remove(&mut self, request_id: &str) -> Option<T> {
        let hash = self.hasher.hash_one(request_id);
        let Self { slots, base, index, .. } = self;
        let found = index
            .find_entry(hash, |&k| {
                slots[(k - *base) as usize].as_ref().is_some_and(|s| s.entry.request_id() == request_id)
            })
            .ok()?;
        let (key, _) = found.remove();
        let slot = self.slots[(key - self.base) as usize].take()?;
        self.live -= 1;
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.base += 1;
        }
        Some(slot.entry)
    }

    /// Every entry, in write order.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().flatten().map(|slot| &mut slot.entry)
    }
}

fn slot_hash<T>(slots: &VecDeque<Option<Slot<T>>>, base: u64, key: u64) -> u64 {
    slots[(key - base) as usize].as_ref().map_or(0, |slot| slot.hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Keyed for String {
        fn request_id(&self) -> &str {
            self
        }
    }

    fn ids(table: &mut InFlight<String>) -> Vec<String> {
        table.iter_mut().map(|s| s.clone()).collect()
    }

    #[test]
    fn in_order_receipts_empty_it_and_out_of_order_ones_keep_the_order() {
        let mut table = InFlight::new();
        for id in ["a", "b", "c", "d"] {
            table.push(id.to_owned());
        }
        assert_eq!(table.remove("a").as_deref(), Some("a"));
        assert_eq!(table.remove("c").as_deref(), Some("c"));
        assert_eq!(table.remove("c"), None, "a second receipt finds nothing");
        assert_eq!(table.remove("zz"), None, "an id never held");
        assert_eq!(ids(&mut table), ["b", "d"]);
        assert_eq!(table.len(), 2);
        table.push("e".to_owned());
        assert_eq!(table.remove("b").as_deref(), Some("b"));
        assert_eq!(ids(&mut table), ["d", "e"]);
        assert_eq!(table.slots.len(), 2, "settled slots at the front are dropped");
        assert_eq!(table.remove("e").as_deref(), Some("e"));
        assert_eq!(table.remove("d").as_deref(), Some("d"));
        assert!(table.is_empty() && table.slots.is_empty());
    }

    #[test]
    fn many_entries_survive_the_index_growing_and_settle_in_any_order() {
        let mut table = InFlight::new();
        for i in 0..10_000 {
            table.push(format!("id-{i}"));
        }
        for i in (0..10_000).rev().step_by(2) {
            assert_eq!(table.remove(&format!("id-{i}")), Some(format!("id-{i}")));
        }
        assert_eq!(table.len(), 5_000);
        let left = ids(&mut table);
        assert_eq!(left.first().map(String::as_str), Some("id-0"));
        assert_eq!(left.last().map(String::as_str), Some("id-9998"));
        for i in (0..10_000).step_by(2) {
            assert_eq!(table.remove(&format!("id-{i}")), Some(format!("id-{i}")));
        }
        assert!(table.is_empty() && table.slots.is_empty());
    }

    #[test]
    fn a_repeated_id_is_found_again_once_the_first_settles() {
        let mut table = InFlight::new();
        table.push("x".to_owned());
        table.push("x".to_owned());
        assert!(table.remove("x").is_some());
        assert!(table.remove("x").is_some());
        assert!(table.remove("x").is_none() && table.is_empty());
    }
}
