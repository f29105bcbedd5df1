//! When to reconnect, as pure functions tested without clocks or randomness (the caller passes
//! the time and the jitter).
//!
//! The rule:
//! - A drop of a session that had logged in (its login receipt said `status: true`) reconnects at
//!   once, after a jitter of at most [`DEFAULT_SESSION_DROP_JITTER`](super::DEFAULT_SESSION_DROP_JITTER) (25 ms).
//! - Only failed attempts back off: a connect error, a refused login, or a drop before the login
//!   receipt. The `n`th failure in a row waits a uniformly random time in
//!   `[0, min(backoff_cap, backoff_base × 2^(n-1))]` (exponential, full jitter, capped).
//! - Whatever the above says, logins are paced: at most
//!   [`DEFAULT_LOGIN_BURST`](super::DEFAULT_LOGIN_BURST) (5) at once, then one per
//!   [`DEFAULT_LOGIN_INTERVAL`](super::DEFAULT_LOGIN_INTERVAL) (500 ms), so a platform that
//!   accepts logins and drops them at once ("flapping") sees at most `5 + 2/s` logins.

use std::time::{Duration, Instant};

/// The delay before reconnect `attempt` (1 for the first retry; 0 means "connect now").
///
/// The ceiling doubles per attempt from `base` and is capped at `cap`; the delay is `unit` (a
/// uniform random number in `[0, 1)`) times that ceiling: "full jitter", which spreads many
/// clients reconnecting to one platform over the whole window instead of bunching them up.
/// Values of `unit` outside `[0, 1]` are clamped, so the result never exceeds `cap`.
pub(crate) fn delay(attempt: u32, base: Duration, cap: Duration, unit: f64) -> Duration {
    if attempt == 0 {
        return Duration::ZERO;
    }
    ceiling(attempt, base, cap).mul_f64(unit.clamp(0.0, 1.0))
}

/// The largest delay attempt `attempt` may wait: `min(cap, base * 2^(attempt-1))`.
pub(crate) fn ceiling(attempt: u32, base: Duration, cap: Duration) -> Duration {
    if attempt == 0 {
        return Duration::ZERO;
    }
    let doublings = (attempt - 1).min(32);
    base.checked_mul(1u32 << doublings.min(31)).map_or(cap, |grown| grown.min(cap))
}

/// Where the reconnect loop stands: the retry about to be made since the last session that
/// logged in (or since the start), and how many attempts in a row failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Retry {
    /// The reconnect attempt about to be made (1 for the first retry; 0 for the first connect).
    pub(crate) attempt: u32,
    /// Attempts in a row that failed: a connect error, a refused login or a drop before the
    /// login's receipt. Only these grow the backoff.
    pub(crate) failures: u32,
}

/// The retry after a connection ended. `logged_in` says whether it had logged in (login receipt
/// `status: true`): then it is a dropped session and the failures start again from zero; else it
/// was one more failed attempt.
pub(crate) fn after_connection(previous: Retry, logged_in: bool) -> Retry {
    if logged_in {
        Retry { attempt: 1, failures: 0 }
    } else {
        Retry { attempt: previous.attempt.saturating_add(1), failures: previous.failures.saturating_add(1) }
    }
}

/// How long to wait before `retry`: nothing for the first connect; `unit × session_jitter` after a
/// dropped session (no failure yet); the exponential backoff with full jitter ([`delay`]) for the
/// `failures`th failure in a row. `unit` is clamped to `[0, 1]`.
pub(crate) fn retry_delay(
    retry: Retry,
    base: Duration,
    cap: Duration,
    session_jitter: Duration,
    unit: f64,
) -> Duration {
    match retry {
        Retry { attempt: 0, .. } => Duration::ZERO,
        Retry { failures: 0, .. } => session_jitter.mul_f64(unit.clamp(0.0, 1.0)),
        Retry { failures, .. } => delay(failures, base, cap, unit),
    }
}

/// Bounds the rate of logins (GCRA, the token bucket's equivalent): at most `burst` logins at
/// once, then one per `interval`. Over any window of length `w` there are at most
/// `burst + w / interval` logins, however often the platform drops the sessions it accepts.
/// Pure: the caller passes the clock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoginPacer {
    burst: u32,
    interval: Duration,
    /// GCRA's theoretical arrival time: when the bucket would be full again. `None` before the
    /// first login.
    full_at: Option<Instant>,
}

impl LoginPacer {
    /// A pacer allowing `burst` (at least 1) logins at once and one per `interval` after.
    pub(crate) fn new(burst: u32, interval: Duration) -> Self {
        Self { burst: burst.max(1), interval, full_at: None }
    }

    /// Reserves the next login slot for a login wanted at `at`; returns how long after `at` it
    /// may be made (zero when the budget allows it at once).
    pub(crate) fn reserve(&mut self, at: Instant) -> Duration {
        let tolerance = self.interval.saturating_mul(self.burst - 1);
        let earliest = match self.full_at {
            None => at,
            Some(full_at) => full_at.checked_sub(tolerance).map_or(at, |allowed| allowed.max(at)),
        };
        let full_at = self.full_at.map_or(earliest, |full_at| full_at.max(earliest));
        self.full_at = Some(full_at + self.interval);
        earliest - at
    }
}

/// A uniform random number in `[0, 1)` for [`delay`].
pub(crate) fn jitter() -> f64 {
    use rand::Rng;
    rand::rng().random::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_millis(100);
    const CAP: Duration = Duration::from_secs(30);

    #[test]
    fn attempt_zero_is_immediate() {
        assert_eq!(delay(0, BASE, CAP, 0.9), Duration::ZERO);
    }

    #[test]
    fn ceiling_doubles_from_base_up_to_cap() {
        assert_eq!(ceiling(1, BASE, CAP), Duration::from_millis(100));
        assert_eq!(ceiling(2, BASE, CAP), Duration::from_millis(200));
        assert_eq!(ceiling(5, BASE, CAP), Duration::from_millis(1600));
        assert_eq!(ceiling(9, BASE, CAP), Duration::from_millis(25_600));
        assert_eq!(ceiling(10, BASE, CAP), CAP);
        assert_eq!(ceiling(u32::MAX, BASE, CAP), CAP);
    }

    #[test]
    fn full_jitter_spans_zero_to_ceiling() {
        assert_eq!(delay(3, BASE, CAP, 0.0), Duration::ZERO);
        assert_eq!(delay(3, BASE, CAP, 0.5), Duration::from_millis(200));
        assert_eq!(delay(3, BASE, CAP, 1.0), Duration::from_millis(400));
        assert_eq!(delay(40, BASE, CAP, 7.0), CAP, "out-of-range jitter is clamped");
        assert_eq!(delay(40, BASE, CAP, -1.0), Duration::ZERO);
    }

    #[test]
    fn random_delays_stay_within_the_ceiling() {
        for attempt in 1..50 {
            let d = delay(attempt, BASE, CAP, jitter());
            assert!(d <= ceiling(attempt, BASE, CAP), "attempt {attempt}: {d:?}");
        }
    }

    const JITTER: Duration = Duration::from_millis(25);

    #[test]
    fn a_dropped_session_reconnects_at_once_and_failures_grow_the_backoff() {
        let start = Retry::default();
        assert_eq!(retry_delay(start, BASE, CAP, JITTER, 0.9), Duration::ZERO, "the first connect");
        // A session that had logged in drops: the first retry, no failure, a jitter at most.
        let dropped = after_connection(start, true);
        assert_eq!(dropped, Retry { attempt: 1, failures: 0 });
        assert_eq!(retry_delay(dropped, BASE, CAP, JITTER, 1.0), JITTER);
        assert_eq!(retry_delay(dropped, BASE, CAP, JITTER, 0.0), Duration::ZERO);
        // Then attempts fail: the backoff grows with each failure.
        let failed = after_connection(dropped, false);
        assert_eq!(failed, Retry { attempt: 2, failures: 1 });
        assert_eq!(retry_delay(failed, BASE, CAP, JITTER, 1.0), BASE);
        let failed = after_connection(after_connection(failed, false), false);
        assert_eq!(failed, Retry { attempt: 4, failures: 3 });
        assert_eq!(retry_delay(failed, BASE, CAP, JITTER, 1.0), BASE * 4);
        // A login succeeds and that session drops: at once again, however many failures before.
        assert_eq!(after_connection(failed, true), Retry { attempt: 1, failures: 0 });
    }

    #[test]
    fn repeated_session_drops_never_back_off() {
        let mut retry = Retry::default();
        for _ in 0..1000 {
            retry = after_connection(retry, true);
            assert!(retry_delay(retry, BASE, CAP, JITTER, jitter()) <= JITTER);
        }
    }

    #[test]
    fn a_first_connect_that_fails_backs_off_from_the_first_step() {
        let failed = after_connection(Retry::default(), false);
        assert_eq!(failed, Retry { attempt: 1, failures: 1 });
        assert_eq!(retry_delay(failed, BASE, CAP, JITTER, 1.0), BASE);
        let saturated = Retry { attempt: u32::MAX, failures: u32::MAX };
        assert_eq!(after_connection(saturated, false), saturated);
        assert_eq!(retry_delay(saturated, BASE, CAP, JITTER, 1.0), CAP);
    }

    #[test]
    fn logins_are_paced_to_a_burst_then_one_per_interval() {
        let interval = Duration::from_millis(500);
        let mut pacer = LoginPacer::new(3, interval);
        let t0 = Instant::now();
        assert_eq!(pacer.reserve(t0), Duration::ZERO);
        assert_eq!(pacer.reserve(t0), Duration::ZERO);
        assert_eq!(pacer.reserve(t0), Duration::ZERO);
        assert_eq!(pacer.reserve(t0), interval, "the burst is spent");
        assert_eq!(pacer.reserve(t0), interval * 2);
        // Later requests wait for their slot only.
        assert_eq!(pacer.reserve(t0 + interval * 2), interval);
        // After a long quiet time the whole burst is back, and no more.
        let later = t0 + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(pacer.reserve(later), Duration::ZERO);
        }
        assert_eq!(pacer.reserve(later), interval);
    }

    #[test]
    fn paced_logins_stay_within_the_bound_over_any_window() {
        let interval = Duration::from_millis(100);
        let burst = 4;
        let mut pacer = LoginPacer::new(burst, interval);
        let t0 = Instant::now();
        // A flapping platform: a login is wanted again 1 ms after each one is made.
        let mut at = t0;
        let mut logins = Vec::new();
        for _ in 0..200 {
            at += pacer.reserve(at);
            logins.push(at);
            at += Duration::from_millis(1);
        }
        let window = Duration::from_secs(2);
        for (i, start) in logins.iter().enumerate() {
            let within = logins[i..].iter().take_while(|t| **t < *start + window).count();
            assert!(within as u32 <= burst + 20, "{within} logins in a {window:?} window");
        }
        assert_eq!(LoginPacer::new(0, interval).burst, 1, "a zero burst still lets logins through");
    }

    #[test]
    fn huge_base_is_capped_not_overflowed() {
        assert_eq!(ceiling(20, Duration::from_secs(u64::MAX / 4), CAP), CAP);
    }
}
