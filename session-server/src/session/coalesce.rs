//! Leading-edge coalescing of a session's frequent messages: at once after a quiet spell, then at most once per interval.

use std::time::Duration;

use tokio::time::Instant;

/// The first change after a quiet spell goes out at once, later ones wait until the interval has
/// passed, and the last one is always sent.
#[derive(Debug, Default)]
pub(crate) struct Coalesce {
    last: Option<Instant>,
    pub due: Option<Instant>,
}

impl Coalesce {
    /// Whether to send now; otherwise the send is scheduled at `due`.
    pub fn changed(&mut self, now: Instant, interval: Duration) -> bool {
        match self.last {
            Some(last) if now < last + interval => {
                self.due.get_or_insert(last + interval);
                false
            }
            _ => true,
        }
    }

    pub fn sent(&mut self, now: Instant) {
        self.last = Some(now);
        self.due = None;
    }

    pub fn is_due(&self, now: Instant) -> bool {
        self.due.is_some_and(|d| d <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_at_once_then_one_per_interval_and_the_last_is_kept() {
        let t0 = Instant::now();
        let every = Duration::from_millis(100);
        let mut c = Coalesce::default();
        assert!(c.changed(t0, every));
        c.sent(t0);
        assert!(!c.changed(t0 + Duration::from_millis(10), every));
        assert!(!c.changed(t0 + Duration::from_millis(20), every));
        assert_eq!(c.due, Some(t0 + every));
        assert!(!c.is_due(t0 + Duration::from_millis(99)));
        assert!(c.is_due(t0 + every));
        c.sent(t0 + every);
        assert!(c.changed(t0 + Duration::from_millis(250), every));
    }
}
