//! Request-id memory: which `request_id`s each sender used, with their verdicts, so a resent
//! frame is receipted again and not delivered twice. Bounded by age, by count per sender and by
//! count in total (oldest forgotten first), so no client can grow it without bound.

use super::Map;
use crate::platform::traffic::Peer;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The verdict a request id got.
pub(crate) type Remembered = Result<(), String>;

/// The limits, from the config.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DedupLimits {
    pub(crate) age: Duration,
    pub(crate) per_sender: usize,
    pub(crate) total: usize,
}

struct Sender {
    /// Who it is, shared with the global order's entries (no copy of the id per request).
    peer: Arc<Peer>,
    seen: Map<Arc<str>, Remembered>,
    /// Oldest first: (stamp, id).
    order: VecDeque<(u64, Arc<str>)>,
}

/// Every sender's request ids.
pub(crate) struct RequestMemory {
    limits: DedupLimits,
    senders: Map<Peer, Sender>,
    /// Every entry in order of arrival: (stamp, when, sender). Entries a per-sender eviction
    /// already removed stay here until they reach the front (its length is bounded by `total`).
    order: VecDeque<(u64, Instant, Arc<Peer>)>,
    next_stamp: u64,
    live: usize,
}

impl RequestMemory {
    pub(crate) fn new(limits: DedupLimits) -> Self {
        Self { limits, senders: Map::default(), order: VecDeque::new(), next_stamp: 0, live: 0 }
    }

    /// The verdict `request_id` got from `sender`, if it is remembered.
    pub(crate) fn get(&mut self, sender: &Peer, request_id: &str, now: Instant) -> Option<Remembered> {
        self.expire(now);
        self.senders.get(sender)?.seen.get(request_id).cloned()
    }

    /// Remembers `request_id`'s verdict, forgetting the oldest ids past the limits.
    pub(crate) fn remember(&mut self, sender: &Peer, request_id: &str, verdict: Remembered, now: Instant) {
        if self.limits.per_sender == 0 || self.limits.total == 0 {
            return;
        }
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        let id: Arc<str> = request_id.into();
        if !self.senders.contains_key(sender) {
            let peer = Arc::new(sender.clone());
            self.senders
                .insert(sender.clone(), Sender { peer, seen: Map::default(), order: VecDeque::new() });
        }
        let entry = self.senders.get_mut(sender).expect("inserted above");
        if entry.seen.insert(id.clone(), verdict).is_none() {
            self.live += 1;
        }
        entry.order.push_back((stamp, id));
        while entry.order.len() > self.limits.per_sender {
            if let Some((_, old)) = entry.order.pop_front() {
                entry.seen.remove(&old);
                self.live -= 1;
            }
        }
        self.order.push_back((stamp, now, Arc::clone(&entry.peer)));
        while self.order.len() > self.limits.total {
            self.pop_oldest();
        }
        self.expire(now);
    }

    fn expire(&mut self, now: Instant) {
        while let Some((_, at, _)) = self.order.front() {
            if now.duration_since(*at) <= self.limits.age {
                break;
            }
            self.pop_oldest();
        }
    }

    /// Drops the oldest entry of the global order, and the id it names if still remembered.
    fn pop_oldest(&mut self) {
        let Some((stamp, _, sender)) = self.order.pop_front() else { return };
        let Some(entry) = self.senders.get_mut(&*sender) else { return };
        if entry.order.front().is_some_and(|(s, _)| *s == stamp)
            && let Some((_, id)) = entry.order.pop_front()
        {
            entry.seen.remove(&id);
            self.live -= 1;
        }
        if entry.order.is_empty() {
            self.senders.remove(&*sender);
        }
    }

    /// Ids remembered in total, and the most for one sender.
    pub(crate) fn sizes(&self) -> (usize, usize) {
        (self.live, self.senders.values().map(|s| s.seen.len()).max().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(per_sender: usize, total: usize) -> RequestMemory {
        RequestMemory::new(DedupLimits { age: Duration::from_secs(60), per_sender, total })
    }

    #[test]
    fn bounded_per_sender_and_in_total_oldest_first() {
        let mut m = memory(3, 5);
        let (a, b) = (Peer::User("a".into()), Peer::User("b".into()));
        let now = Instant::now();
        for i in 0..10 {
            m.remember(&a, &format!("a{i}"), Ok(()), now);
        }
        assert_eq!(m.sizes(), (3, 3));
        assert!(m.get(&a, "a9", now).is_some() && m.get(&a, "a6", now).is_none());
        for i in 0..3 {
            m.remember(&b, &format!("b{i}"), Err("no".into()), now);
        }
        assert!(m.sizes().0 <= 5, "{:?}", m.sizes());
        assert_eq!(m.get(&b, "b2", now), Some(Err("no".into())));
    }

    #[test]
    fn forgotten_after_the_age() {
        let mut m = memory(10, 10);
        let a = Peer::User("a".into());
        let then = Instant::now();
        m.remember(&a, "x", Ok(()), then);
        assert!(m.get(&a, "x", then + Duration::from_secs(61)).is_none());
        assert_eq!(m.sizes(), (0, 0));
    }
}
