//! A budget per network address, shared by all its connections: wrong join codes (so codes cannot be guessed), new sessions.
//!
//! For join codes, failures are counted, not attempts: a room of 200 behind one NAT address that
//! mistypes a few codes never notices. Each address (an IPv4 address, or an IPv6 /64: one home or
//! office network) has a budget that refills steadily; an empty budget refuses further attempts at
//! once, whatever connection they come from. The map is bounded. An IPv6 /48 (one site, which may
//! hold 65,536 /64 networks) also has one budget for all of it, [`WIDE_FACTOR`] times as large.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::address::network;

/// Addresses tracked at most; beyond it, the ones with the least debt are forgotten first.
const MAX_TRACKED: usize = 10_000;

/// A whole IPv6 /48 may spend this many times one network's budget.
pub const WIDE_FACTOR: u32 = 4;

#[derive(Debug)]
pub struct Budget {
    budget: f64,
    refill: Duration,
    spent: Mutex<HashMap<IpAddr, (f64, Instant)>>,
    /// The same, for each IPv6 /48 as a whole.
    wide: Option<Box<Budget>>,
}

/// The /48 an IPv6 address is in; `None` for IPv4.
fn site(ip: IpAddr) -> Option<IpAddr> {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            Some(IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0)))
        }
        IpAddr::V4(_) => None,
    }
}

impl Budget {
    /// `budget` wrong guesses at once, one more every `refill`; a /48 as a whole [`WIDE_FACTOR`] times that.
    pub fn new(budget: u32, refill: Duration) -> Budget {
        let wide = Budget::single(budget.saturating_mul(WIDE_FACTOR), refill / WIDE_FACTOR);
        Budget { wide: Some(Box::new(wide)), ..Budget::single(budget, refill) }
    }

    fn single(budget: u32, refill: Duration) -> Budget {
        Budget { budget: f64::from(budget), refill, spent: Mutex::new(HashMap::new()), wide: None }
    }

    /// Takes one guess from `ip`'s budget (and its /48's); `false` when either is spent. Give it
    /// back with [`Budget::refund`] when the guess was right.
    pub fn take(&self, ip: IpAddr, now: Instant) -> bool {
        if let (Some(wide), Some(site)) = (&self.wide, site(ip)) {
            if !wide.take_key(site, now) {
                return false;
            }
            if !self.take_key(network(ip), now) {
                wide.refund_key(site, now);
                return false;
            }
            return true;
        }
        self.take_key(network(ip), now)
    }

    fn take_key(&self, key: IpAddr, now: Instant) -> bool {
        let mut spent = self.spent.lock().expect("guard lock");
        let used = self.used(&spent, key, now);
        if used + 1.0 > self.budget {
            return false;
        }
        if !spent.contains_key(&key) && spent.len() >= MAX_TRACKED {
            self.forget_the_least_indebted(&mut spent, now);
        }
        spent.insert(key, (used + 1.0, now));
        true
    }

    /// A guess that was right costs nothing.
    pub fn refund(&self, ip: IpAddr, now: Instant) {
        if let (Some(wide), Some(site)) = (&self.wide, site(ip)) {
            wide.refund_key(site, now);
        }
        self.refund_key(network(ip), now);
    }

    fn refund_key(&self, key: IpAddr, now: Instant) {
        let mut spent = self.spent.lock().expect("guard lock");
        let used = self.used(&spent, key, now);
        if used <= 1.0 {
            spent.remove(&key);
        } else {
            spent.insert(key, (used - 1.0, now));
        }
    }

    /// A wrong guess found later (a resume token that is not the session's).
    pub fn charge(&self, ip: IpAddr, now: Instant) {
        if let (Some(wide), Some(site)) = (&self.wide, site(ip)) {
            wide.charge_key(site, now);
        }
        self.charge_key(network(ip), now);
    }

    fn charge_key(&self, key: IpAddr, now: Instant) {
        let mut spent = self.spent.lock().expect("guard lock");
        let used = self.used(&spent, key, now);
        spent.insert(key, ((used + 1.0).min(self.budget), now));
    }

    /// What `key` has spent now, after the refill since its last guess.
    fn used(&self, spent: &HashMap<IpAddr, (f64, Instant)>, key: IpAddr, now: Instant) -> f64 {
        spent.get(&key).map_or(0.0, |(used, at)| self.owed(*used, *at, now))
    }

    fn owed(&self, used: f64, at: Instant, now: Instant) -> f64 {
        (used - now.saturating_duration_since(at).as_secs_f64() / self.refill.as_secs_f64()).max(0.0)
    }

    /// Keeps the map bounded: drops what has refilled, then, if still full, the half that owes least.
    /// Runs once per `MAX_TRACKED / 2` new addresses at most, so its cost is spread thin.
    fn forget_the_least_indebted(&self, spent: &mut HashMap<IpAddr, (f64, Instant)>, now: Instant) {
        spent.retain(|_, (used, at)| self.owed(*used, *at, now) > 0.0);
        if spent.len() >= MAX_TRACKED / 2 {
            let mut owed: Vec<(IpAddr, f64)> = spent.iter().map(|(k, (used, at))| (*k, self.owed(*used, *at, now))).collect();
            owed.sort_by(|a, b| a.1.total_cmp(&b.1));
            for (k, _) in owed.iter().take(spent.len() - MAX_TRACKED / 2) {
                spent.remove(k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_guesses_spend_a_budget_that_refills_and_right_ones_cost_nothing() {
        let g = Budget::new(3, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t = Instant::now();
        for _ in 0..10 {
            assert!(g.take(ip, t));
            g.refund(ip, t);
        }
        for _ in 0..3 {
            assert!(g.take(ip, t));
        }
        assert!(!g.take(ip, t), "the budget is spent");
        assert!(g.take("10.0.0.2".parse().unwrap(), t), "another address has its own");
        assert!(g.take(ip, t + Duration::from_secs(60)), "one guess back a minute later");
        assert!(!g.take(ip, t + Duration::from_secs(60)));
    }

    #[test]
    fn an_ipv6_network_is_one_address() {
        let g = Budget::new(2, Duration::from_secs(60));
        let t = Instant::now();
        assert!(g.take("2001:db8:1:2::1".parse().unwrap(), t));
        assert!(g.take("2001:db8:1:2::ffff".parse().unwrap(), t));
        assert!(!g.take("2001:db8:1:2:abcd::9".parse().unwrap(), t), "the same /64");
        assert!(g.take("2001:db8:1:3::1".parse().unwrap(), t));
        g.charge("::ffff:10.0.0.9".parse().unwrap(), t);
        g.charge("10.0.0.9".parse().unwrap(), t);
        assert!(!g.take("10.0.0.9".parse().unwrap(), t), "an IPv4-mapped address is the IPv4 address");
    }

    #[test]
    fn one_ipv6_site_does_not_get_a_budget_per_network() {
        let g = Budget::new(3, Duration::from_secs(60));
        let t = Instant::now();
        let mut taken = 0;
        for n in 0..1000u16 {
            if g.take(IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 7, n, 0, 0, 0, 1)), t) {
                taken += 1;
            }
        }
        assert_eq!(taken, 3 * WIDE_FACTOR, "one /48 as a whole");
        assert!(g.take("2001:db8:8::1".parse().unwrap(), t), "another /48 has its own");
        assert!(g.take("10.0.0.1".parse().unwrap(), t), "IPv4 is untouched");
        // A refused /64 does not spend the site's budget.
        let h = Budget::new(1, Duration::from_secs(60));
        assert!(h.take("2001:db8:9:1::1".parse().unwrap(), t));
        for _ in 0..10 {
            assert!(!h.take("2001:db8:9:1::2".parse().unwrap(), t));
        }
        assert!(h.take("2001:db8:9:2::1".parse().unwrap(), t), "the site still has room");
    }

    #[test]
    fn the_map_stays_bounded() {
        let g = Budget::new(5, Duration::from_secs(60));
        let t = Instant::now();
        for i in 0..(MAX_TRACKED as u32 + 10) {
            assert!(g.take(IpAddr::V4(i.into()), t));
        }
        assert!(g.spent.lock().unwrap().len() <= MAX_TRACKED);
    }
}
