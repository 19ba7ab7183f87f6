//! The numbers an IT department's monitoring reads (Prometheus text on `--metrics-listen`): counts and timings, never a code, a team or anything typed.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use protocol::{ErrorCode, Role};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RoleLabel {
    role: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabel {
    limit: &'static str,
}

/// One server's metrics. Cloning shares them (every part is a shared counter).
pub struct Metrics {
    registry: Registry,
    sessions_live: Gauge,
    sessions_in_memory: Gauge,
    members: Family<RoleLabel, Gauge>,
    answers: Counter,
    commit: Histogram,
    store_queue: Gauge,
    refusals: Family<CodeLabel, Counter>,
    refused: Family<LimitLabel, Counter>,
    sent: Counter,
    tls_failed: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("dilemma");
        let m = Metrics {
            registry: Registry::default(),
            sessions_live: Gauge::default(),
            sessions_in_memory: Gauge::default(),
            members: Family::default(),
            answers: Counter::default(),
            // 0.5 ms to about 4 s.
            commit: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            store_queue: Gauge::default(),
            refusals: Family::default(),
            refused: Family::default(),
            sent: Counter::default(),
            tls_failed: Counter::default(),
        };
        registry.register("sessions_live", "Sessions that have not ended", m.sessions_live.clone());
        registry.register(
            "sessions_in_memory",
            "Sessions held in memory, ended ones not yet unloaded included",
            m.sessions_in_memory.clone(),
        );
        registry.register("members_connected", "Connected members by role", m.members.clone());
        registry.register("answers_committed", "Answers (and changed answers) stored", m.answers.clone());
        registry.register("store_commit_seconds", "Time one group commit of the store takes", m.commit.clone());
        registry.register("store_queue_depth", "Writes waiting for the store", m.store_queue.clone());
        registry.register("refusals", "Requests refused, by error code", m.refusals.clone());
        registry.register("connections_refused", "Connections closed or refused by a limit, by limit", m.refused.clone());
        registry.register("sent_bytes", "Bytes of websocket messages and pages sent", m.sent.clone());
        registry.register("tls_handshakes_failed", "TLS handshakes that failed or timed out", m.tls_failed.clone());
        for role in [Role::Facilitator, Role::Player, Role::Watcher] {
            let _ = m.members.get_or_create(&RoleLabel { role: role.as_str() });
        }
        Arc::new(Metrics { registry, ..m })
    }

    /// The text exposition, with the live numbers `live` and `queued` read now.
    pub fn render(&self, live: usize, in_memory: usize, queued: usize) -> String {
        self.sessions_live.set(live as i64);
        self.sessions_in_memory.set(in_memory as i64);
        self.store_queue.set(queued as i64);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String");
        out
    }

    /// A member of `role` is connected until the returned guard is dropped.
    pub fn member(self: &Arc<Metrics>, role: Role) -> MemberGauge {
        let gauge = self.members.get_or_create(&RoleLabel { role: role.as_str() }).clone();
        gauge.inc();
        MemberGauge(gauge)
    }

    pub fn answers_committed(&self, n: u64) {
        self.answers.inc_by(n);
    }

    pub fn commit_took(&self, took: Duration) {
        self.commit.observe(took.as_secs_f64());
    }

    pub fn refusal(&self, code: ErrorCode) {
        let code = serde_json::to_value(code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        self.refusals.get_or_create(&CodeLabel { code }).inc();
    }

    pub fn refused_by_limit(&self, limit: &'static str) {
        self.refused.get_or_create(&LimitLabel { limit }).inc();
    }

    pub fn sent(&self, bytes: usize) {
        self.sent.inc_by(bytes as u64);
    }

    pub fn tls_failed(&self) {
        self.tls_failed.inc();
    }
}

/// One connected member, counted in `members_connected` while it lives.
#[derive(Debug)]
pub struct MemberGauge(Gauge);

impl Drop for MemberGauge {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_metric_and_counts() {
        let m = Metrics::new();
        let player = m.member(Role::Player);
        m.answers_committed(3);
        m.refusal(ErrorCode::UnknownSession);
        m.refused_by_limit("message_rate");
        let text = m.render(2, 3, 5);
        for line in [
            "dilemma_sessions_live 2",
            "dilemma_sessions_in_memory 3",
            "dilemma_members_connected{role=\"player\"} 1",
            "dilemma_members_connected{role=\"facilitator\"} 0",
            "dilemma_answers_committed_total 3",
            "dilemma_store_queue_depth 5",
            "dilemma_refusals_total{code=\"unknown_session\"} 1",
            "dilemma_connections_refused_total{limit=\"message_rate\"} 1",
            "dilemma_tls_handshakes_failed_total 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert!(text.contains("dilemma_store_commit_seconds_bucket"), "{text}");
        drop(player);
        assert!(m.render(0, 0, 0).lines().any(|l| l == "dilemma_members_connected{role=\"player\"} 0"));
    }
}
