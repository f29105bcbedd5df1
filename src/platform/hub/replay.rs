//! One identity's replay buffer: the newest events it was sent, held for `resume`, bounded by
//! count and by bytes (what falls out is reported to a resuming client as a `resume_gap`).

use super::Out;
use std::collections::VecDeque;
use std::sync::Arc;

struct Held {
    seq: u64,
    kind: &'static str,
    body: Arc<str>,
}

/// The events held for one identity, oldest first.
#[derive(Default)]
pub(crate) struct ReplayBuffer {
    held: VecDeque<Held>,
    bytes: usize,
}

impl ReplayBuffer {
    /// Holds an event, then drops the oldest until at most `max_events` and `max_bytes` (body
    /// bytes) are held; the event itself is dropped if it alone is over `max_bytes`.
    pub(crate) fn push(
        &mut self,
        seq: u64,
        kind: &'static str,
        body: Arc<str>,
        max_events: usize,
        max_bytes: usize,
    ) {
        self.bytes += body.len();
        self.held.push_back(Held { seq, kind, body });
        while self.held.len() > max_events || self.bytes > max_bytes {
            match self.held.pop_front() {
                Some(old) => self.bytes -= old.body.len(),
                None => break,
            }
        }
    }

    /// What a login resuming after `after` is sent, given that `last` is the newest seq: a gap
    /// for what is no longer held, then every held event after `after`.
    pub(crate) fn replay(&self, after: u64, last: u64) -> Vec<Out> {
        let mut replay = Vec::new();
        if after >= last {
            return replay;
        }
        let first_held = self.held.front().map_or(last + 1, |h| h.seq);
        if first_held > after + 1 {
            replay.push(Out::Gap { from_seq: after + 1, to_seq: first_held - 1 });
        }
        for held in self.held.iter().filter(|h| h.seq > after) {
            replay.push(Out::Event { kind: held.kind, seq: held.seq, body: held.body.clone() });
        }
        replay
    }

    /// Events and body bytes held.
    pub(crate) fn sizes(&self) -> (usize, usize) {
        (self.held.len(), self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_by_count_and_bytes_with_a_gap_for_what_fell_out() {
        let mut buffer = ReplayBuffer::default();
        for seq in 1..=10 {
            buffer.push(seq, "update", "x".repeat(10).into(), 5, 35);
        }
        assert_eq!(buffer.sizes(), (3, 30));
        let replay = buffer.replay(0, 10);
        assert!(matches!(replay[0], Out::Gap { from_seq: 1, to_seq: 7 }), "{replay:?}");
        assert_eq!(replay.len(), 4);
        buffer.push(11, "update", "y".repeat(100).into(), 5, 35);
        assert_eq!(buffer.sizes(), (0, 0), "an event over the byte limit alone is not held");
    }
}
