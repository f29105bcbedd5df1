//! How a failing channel actor is restarted: at most `max_restarts` within `window`, each after a
//! backoff that doubles from `backoff_base` up to `backoff_cap`. The delay is a pure function of
//! the attempt, tested here.

use std::time::Duration;

/// Restarts allowed within [`DEFAULT_RESTART_WINDOW`] before a channel actor is stopped for good.
pub const DEFAULT_MAX_RESTARTS: u32 = 5;
/// The window the restart count is taken over.
pub const DEFAULT_RESTART_WINDOW: Duration = Duration::from_secs(60);
/// The delay before the first restart of a run of failures.
pub const DEFAULT_RESTART_BACKOFF_BASE: Duration = Duration::from_millis(50);
/// The longest delay between restarts.
pub const DEFAULT_RESTART_BACKOFF_CAP: Duration = Duration::from_secs(5);
/// Events held for one channel while its actor restarts; past it, new events are dropped and
/// logged (a channel whose actor cannot keep up is a bug to fix, not a buffer to grow).
pub const DEFAULT_MAX_HELD_EVENTS: usize = 10_000;

/// The bounded restart rule of every channel actor of a service.
///
/// # Examples
/// ```
/// use moobius::service::RestartPolicy;
/// use std::time::Duration;
/// let policy = RestartPolicy::default().max_restarts(3).within(Duration::from_secs(10));
/// assert_eq!(policy.delay(0), Duration::from_millis(50));
/// assert_eq!(policy.delay(1), Duration::from_millis(100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartPolicy {
    max_restarts: u32,
    window: Duration,
    backoff_base: Duration,
    backoff_cap: Duration,
    max_held_events: usize,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            max_restarts: DEFAULT_MAX_RESTARTS,
            window: DEFAULT_RESTART_WINDOW,
            backoff_base: DEFAULT_RESTART_BACKOFF_BASE,
            backoff_cap: DEFAULT_RESTART_BACKOFF_CAP,
            max_held_events: DEFAULT_MAX_HELD_EVENTS,
        }
    }
}

impl RestartPolicy {
    /// Restarts allowed within the window (0: the first failure stops the actor).
    pub fn max_restarts(mut self, count: u32) -> Self {
        self.max_restarts = count;
        self
    }

    /// The window the restarts are counted over.
    pub fn within(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The first delay and the cap of the doubling backoff between restarts.
    pub fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_cap = cap.max(base);
        self
    }

    /// Events held for a channel while its actor restarts.
    pub fn max_held_events(mut self, count: usize) -> Self {
        self.max_held_events = count.max(1);
        self
    }

    /// The delay before restart number `attempt` (0-based) within the window: the base doubled
    /// `attempt` times, capped.
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.backoff_base.saturating_mul(factor).min(self.backoff_cap)
    }

    /// Whether another restart is allowed, given the times of the failures in the window so far
    /// (oldest first) and now; prunes failures older than the window.
    pub(crate) fn allows(
        &self,
        failures: &mut std::collections::VecDeque<std::time::Instant>,
        now: std::time::Instant,
    ) -> bool {
        while failures.front().is_some_and(|t| now.saturating_duration_since(*t) > self.window) {
            failures.pop_front();
        }
        failures.len() < self.max_restarts as usize
    }

    pub(crate) fn held_limit(&self) -> usize {
        self.max_held_events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::time::Instant;

    #[test]
    fn the_delay_doubles_and_is_capped() {
        let policy = RestartPolicy::default().backoff(Duration::from_millis(10), Duration::from_millis(70));
        let delays: Vec<_> = (0..6).map(|n| policy.delay(n).as_millis()).collect();
        assert_eq!(delays, [10, 20, 40, 70, 70, 70]);
        assert_eq!(policy.delay(u32::MAX), Duration::from_millis(70));
    }

    #[test]
    fn restarts_are_counted_within_the_window() {
        let policy = RestartPolicy::default().max_restarts(2).within(Duration::from_secs(10));
        let start = Instant::now();
        let mut failures = VecDeque::new();
        assert!(policy.allows(&mut failures, start));
        failures.push_back(start);
        assert!(policy.allows(&mut failures, start));
        failures.push_back(start);
        assert!(!policy.allows(&mut failures, start + Duration::from_secs(1)));
        // Past the window the old failures no longer count.
        assert!(policy.allows(&mut failures, start + Duration::from_secs(11)));
        assert!(failures.is_empty());
    }

    #[test]
    fn zero_restarts_stops_at_the_first_failure() {
        let policy = RestartPolicy::default().max_restarts(0);
        assert!(!policy.allows(&mut VecDeque::new(), Instant::now()));
    }
}
