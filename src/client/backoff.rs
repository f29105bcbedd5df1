//! How long to wait before reconnect attempt N: exponential backoff with full jitter, as a pure
//! function so it can be tested without clocks or randomness.

use std::time::Duration;

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

/// The attempt number after a connection ended: the first step again if it had stayed logged in
/// for at least `reset_after` (`up_for` is how long it was logged in, `None` if it never was),
/// else one step further.
pub(crate) fn next_attempt(current: u32, up_for: Option<Duration>, reset_after: Duration) -> u32 {
    match up_for {
        Some(up) if up >= reset_after => 1,
        _ => current.saturating_add(1),
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

    #[test]
    fn a_stable_connection_resets_the_backoff_and_a_short_one_does_not() {
        let reset = Duration::from_secs(60);
        assert_eq!(next_attempt(0, Some(Duration::from_secs(1)), reset), 1);
        assert_eq!(next_attempt(4, Some(Duration::from_secs(1)), reset), 5);
        assert_eq!(next_attempt(4, None, reset), 5, "never logged in: keep backing off");
        assert_eq!(next_attempt(7, Some(Duration::from_secs(61)), reset), 1);
        assert_eq!(next_attempt(u32::MAX, None, reset), u32::MAX);
    }

    #[test]
    fn huge_base_is_capped_not_overflowed() {
        assert_eq!(ceiling(20, Duration::from_secs(u64::MAX / 4), CAP), CAP);
    }
}
