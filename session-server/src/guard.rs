//! Slows down an address that keeps trying wrong join codes, so codes cannot be guessed by brute force.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures are forgotten after this long without a new one.
const FORGET_AFTER: Duration = Duration::from_secs(600);

#[derive(Debug)]
pub struct JoinGuard {
    free: u32,
    max_delay: Duration,
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl JoinGuard {
    pub fn new(free: u32, max_delay: Duration) -> JoinGuard {
        JoinGuard { free, max_delay, failures: Mutex::new(HashMap::new()) }
    }

    /// How long to wait before answering the next attempt from `ip`: nothing for the first few
    /// wrong codes, then doubling from 250 ms up to the maximum.
    pub fn delay(&self, ip: IpAddr, now: Instant) -> Duration {
        let failures = self.failures.lock().expect("guard lock");
        match failures.get(&ip) {
            Some((n, last)) if *n >= self.free && now.duration_since(*last) < FORGET_AFTER => {
                let steps = (*n - self.free).min(16);
                (Duration::from_millis(250) * 2u32.pow(steps)).min(self.max_delay)
            }
            _ => Duration::ZERO,
        }
    }

    pub fn failed(&self, ip: IpAddr, now: Instant) {
        let mut failures = self.failures.lock().expect("guard lock");
        if failures.len() > 100_000 {
            failures.retain(|_, (_, last)| now.duration_since(*last) < FORGET_AFTER);
        }
        let entry = failures.entry(ip).or_insert((0, now));
        if now.duration_since(entry.1) >= FORGET_AFTER {
            entry.0 = 0;
        }
        entry.0 += 1;
        entry.1 = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slows_down_after_five_wrong_codes_and_forgets_later() {
        let g = JoinGuard::new(5, Duration::from_secs(5));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let t = Instant::now();
        for _ in 0..5 {
            assert_eq!(g.delay(ip, t), Duration::ZERO);
            g.failed(ip, t);
        }
        assert_eq!(g.delay(ip, t), Duration::from_millis(250));
        g.failed(ip, t);
        assert_eq!(g.delay(ip, t), Duration::from_millis(500));
        for _ in 0..20 {
            g.failed(ip, t);
        }
        assert_eq!(g.delay(ip, t), Duration::from_secs(5));
        assert_eq!(g.delay(other, t), Duration::ZERO);
        assert_eq!(g.delay(ip, t + FORGET_AFTER), Duration::ZERO);
    }
}
