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
}

#[tokio::test]
async fn healthz_says_shutting_down_to_a_monitor_whose_connection_came_in_just_before_the_stop() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = Server::start().await;
    let mut tcp = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await; // accepted
    s.shutdown.cancel();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut got = String::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_string(&mut got)).await.unwrap().unwrap();
    assert!(got.starts_with("HTTP/1.1 503"), "{got}");
    assert!(got.ends_with("shutting down\n"), "{got}");
    s.stop().await;
}

#[tokio::test]
async fn hsts_is_only_said_over_https_and_only_a_trusted_proxy_can_say_https() {
    let s = Server::start_with(|c| c.trusted_proxies = session_server::forwarded::Proxies::parse("127.0.0.1").unwrap()).await;
    let plain = get(s.addr(), local(50), None, "localhost", "/", "").await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("strict-transport-security"), None, "{}", plain.head);
    let spoofed = get(s.addr(), local(50), None, "localhost", "/", "X-Forwarded-Proto: https\r\n").await;
    assert_eq!(spoofed.header("strict-transport-security"), None, "a peer that is no proxy cannot say https");
    let proxied = get(s.addr(), local(1), None, "localhost", "/", "X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-Proto: https\r\n").await;
    assert_eq!(proxied.header("strict-transport-security"), Some("max-age=31536000"));
    let refused = get(s.addr(), local(1), None, "localhost", "/", "X-Forwarded-For: bogus\r\n").await;
    assert_eq!(refused.status, 400);
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
    // A watcher is counted under its role; an ended session is no longer live.
    let mut w = s.client().await;
    w.send(json!({"type":"watch","protocol":1,"code":code})).await;
    w.welcome().await;
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == Phase::Ended).await;
    let m = get(s.metrics, local(1), None, "localhost", "/metrics", "").await.body;
    assert_eq!(value(&m, "dilemma_members_connected{role=\"watcher\"}"), 1.0);
    assert_eq!(value(&m, "dilemma_sessions_live"), 1.0, "{m}");
    assert_eq!(value(&m, "dilemma_store_queue_depth"), 0.0);
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
