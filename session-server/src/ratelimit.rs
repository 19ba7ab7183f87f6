//! Per-connection message rate limit: too many messages a second for several seconds, or a flood, ends it.

use std::time::{Duration, Instant};

use crate::config::Limits;

#[derive(Debug)]
pub struct RateLimiter {
    per_s: u32,
    strikes_allowed: u32,
    flood: u32,
    window_start: Instant,
    count: u32,
    strikes: u32,
}

impl RateLimiter {
    pub fn new(limits: &Limits, now: Instant) -> RateLimiter {
        RateLimiter {
            per_s: limits.rate_per_s,
            strikes_allowed: limits.rate_strikes,
            flood: limits.rate_per_s * limits.rate_flood_factor,
            window_start: now,
            count: 0,
            strikes: 0,
        }
    }

    /// Counts one message at `now`; `false` when the client has now gone over the limit.
    pub fn allow(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.window_start);
        if elapsed >= Duration::from_secs(1) {
            let busy = self.count > self.per_s;
            let idle_windows = elapsed.as_secs().saturating_sub(1);
            self.strikes = if busy && idle_windows == 0 { self.strikes + 1 } else { 0 };
            self.window_start += Duration::from_secs(elapsed.as_secs());
            self.count = 0;
        }
        self.count += 1;
        let over_now = self.count > self.per_s && self.strikes + 1 >= self.strikes_allowed;
        !(over_now || self.count > self.flood)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(start: Instant) -> RateLimiter {
        RateLimiter::new(&Limits::default(), start)
    }

    fn second(l: &mut RateLimiter, start: Instant, s: u64, n: u32) -> bool {
        (0..n).all(|i| l.allow(start + Duration::from_secs(s) + Duration::from_millis(u64::from(i) * 900 / u64::from(n))))
    }

    #[test]
    fn steady_twenty_a_second_is_fine_forever() {
        let t = Instant::now();
        let mut l = limiter(t);
        assert!((0..30).all(|s| second(&mut l, t, s, 20)));
    }

    #[test]
    fn a_short_burst_is_forgiven() {
        let t = Instant::now();
        let mut l = limiter(t);
        assert!(second(&mut l, t, 0, 50));
        assert!(second(&mut l, t, 1, 10));
        assert!(second(&mut l, t, 2, 50));
    }

    #[test]
    fn over_the_rate_for_three_seconds_is_cut_off() {
        let t = Instant::now();
        let mut l = limiter(t);
        assert!(second(&mut l, t, 0, 30));
        assert!(second(&mut l, t, 1, 30));
        assert!(!second(&mut l, t, 2, 30));
    }

    #[test]
    fn a_flood_is_cut_off_at_once() {
        let t = Instant::now();
        let mut l = limiter(t);
        assert!(!second(&mut l, t, 0, 101));
    }
}
