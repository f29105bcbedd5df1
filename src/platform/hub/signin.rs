//! Slows password guessing per account: after `failures` wrong passwords within `window`, the
//! account's password is checked at most once per `delay`; attempts in between are answered
//! 429 with `Retry-After`, unchecked. Nothing sleeps (no worker is held), memory is at most
//! `failures` instants per account, and the right password waits at most `delay` once the
//! wrong ones stop.

use super::Map;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

struct Failures {
    times: VecDeque<Instant>,
    next_check: Instant,
}

/// The recent failures of every account that has some.
pub(crate) struct SignInGuard {
    failures: usize,
    window: Duration,
    delay: Duration,
    accounts: Map<String, Failures>,
}

impl SignInGuard {
    pub(crate) fn new(failures: usize, window: Duration, delay: Duration) -> Self {
        Self { failures: failures.max(1), window, delay, accounts: Map::default() }
    }

    /// `Err(wait)` when `username`'s password may not be checked before `wait` has passed.
    pub(crate) fn check(&mut self, username: &str, now: Instant) -> Result<(), Duration> {
        let Some(entry) = self.accounts.get_mut(username) else { return Ok(()) };
        while entry.times.front().is_some_and(|t| now.duration_since(*t) > self.window) {
            entry.times.pop_front();
        }
        if entry.times.is_empty() {
            self.accounts.remove(username);
            return Ok(());
        }
        if entry.times.len() >= self.failures && now < entry.next_check {
            return Err(entry.next_check - now);
        }
        Ok(())
    }

    /// A wrong password for `username`.
    pub(crate) fn failed(&mut self, username: &str, now: Instant) {
        let entry = self
            .accounts
            .entry(username.to_owned())
            .or_insert_with(|| Failures { times: VecDeque::new(), next_check: now });
        entry.times.push_back(now);
        while entry.times.len() > self.failures {
            entry.times.pop_front();
        }
        if entry.times.len() >= self.failures {
            entry.next_check = now + self.delay;
        }
    }

    /// The right password: the account's failures are forgotten.
    pub(crate) fn succeeded(&mut self, username: &str) {
        self.accounts.remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_the_threshold_one_check_per_delay() {
        let mut guard = SignInGuard::new(3, Duration::from_secs(60), Duration::from_secs(1));
        let now = Instant::now();
        for _ in 0..3 {
            assert!(guard.check("a", now).is_ok());
            guard.failed("a", now);
        }
        assert_eq!(guard.check("a", now), Err(Duration::from_secs(1)));
        assert!(guard.check("b", now).is_ok(), "per account");
        assert!(guard.check("a", now + Duration::from_secs(1)).is_ok());
        guard.succeeded("a");
        assert!(guard.check("a", now).is_ok());
    }
}
