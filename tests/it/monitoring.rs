//! What an IT department's monitoring sees: `/healthz` on the main port (503 while the store cannot write) and `/metrics` on its own port, agreeing with what happened.

use std::time::Duration;

use integration_tests::{Server, limits};
use protocol::{ErrorCode, Phase};
use serde_json::json;

use crate::hosted::{get, local};

async fn health(s: &Server) -> (u16, String) {
    let a = get(s.addr(), local(1), None, "localhost", "/healthz", "").await;
    (a.status, a.body)
}

#[tokio::test]
async fn healthz_is_503_with_a_reason_while_the_store_cannot_write_and_200_again_after() {
    let s = Server::start_with(limits(|l| l.store_busy = Duration::from_millis(200))).await;
    assert_eq!(health(&s).await, (200, "ok\n".to_owned()));
    // Another program holds the database's write lock (a stuck backup tool, say).
    let held = rusqlite::Connection::open(&s.db).unwrap();
    held.execute_batch("BEGIN IMMEDIATE").unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await; // past the last answer's freshness
    let (status, body) = health(&s).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("cannot write") && body.lines().count() == 1, "one line that says why: {body}");
    held.execute_batch("COMMIT").unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while health(&s).await.0 != 200 {
        assert!(tokio::time::Instant::now() < deadline, "healthy again once the lock is gone");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Nothing but the health: no other path or method answers 200 there.
    assert_eq!(get(s.addr(), local(1), None, "localhost", "/healthz/x", "").await.status, 404);
    let post = crate::hosted::request(s.addr(), local(1), None, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").await;
    assert_eq!(post.status, 405);
    // Stopping: 503 "shutting down" would be said while the listener still takes connections.
}

fn value(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("{name} in\n{metrics}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_metrics_agree_with_what_the_room_did_and_name_nobody() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (_f2, _, _) = s.facilitator("test").await;
    let mut players = Vec::new();
    for _ in 0..3 {
        players.push(s.player(&code, Some("Team Geheim")).await.0);
    }
    f.control("open", Some("a")).await;
    for (p, option) in players.iter_mut().zip(["eens", "oneens", "eens"]) {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", option).await;
    }
    players[1].answer("a", "hangt_af").await; // a changed answer is stored again
    f.tally_where("three answers", |t| t.total == 3 && t.counts["hangt_af"] == 1).await;
    let mut wrong = s.client().await;
    wrong.send(json!({"type":"join","protocol":1,"code":"ZZZZZZ"})).await;
    assert_eq!(wrong.error().await.0, ErrorCode::UnknownSession);

    let m = get(s.metrics, local(1), None, "localhost", "/metrics", "").await;
    assert_eq!(m.status, 200);
    assert!(m.header("content-type").unwrap().starts_with("application/openmetrics-text"), "{}", m.head);
    let m = m.body;
    assert_eq!(value(&m, "dilemma_sessions_live"), 2.0);
    assert_eq!(value(&m, "dilemma_members_connected{role=\"facilitator\"}"), 2.0);
    assert_eq!(value(&m, "dilemma_members_connected{role=\"player\"}"), 3.0);
    assert_eq!(value(&m, "dilemma_answers_committed_total"), 4.0);
    assert_eq!(value(&m, "dilemma_refusals_total{code=\"unknown_session\"}"), 1.0);
    assert!(value(&m, "dilemma_store_commit_seconds_count") >= 1.0);
    assert!(value(&m, "dilemma_sent_bytes_total") > 0.0);
    assert!(m.ends_with("# EOF\n"), "{m}");
    for secret in [code.as_str(), "Team Geheim", "eens"] {
        assert!(!m.contains(secret), "{secret} in the metrics:\n{m}");
    }
    // A player who leaves is no longer counted.
    drop(players.pop());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let m = get(s.metrics, local(1), None, "localhost", "/metrics", "").await.body;
        if value(&m, "dilemma_members_connected{role=\"player\"}") == 2.0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{m}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Only /metrics there, and not on the main port.
    assert_eq!(get(s.metrics, local(1), None, "localhost", "/", "").await.status, 404);
    assert_eq!(get(s.addr(), local(1), None, "localhost", "/metrics", "").await.status, 404);
}
