//! Nothing acknowledged is lost: graceful shutdown flushes and closes with 1001; after `kill -9` all comes back.

use std::process::Command;
use std::time::Duration;

use integration_tests::{Server, TestClient, WAIT, Welcomed, shipped_scenarios};

use crate::process::{Binary, scenario_dir};
use protocol::{Phase, Role, ServerMsg};
use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[tokio::test]
async fn graceful_shutdown_closes_with_1001_and_keeps_every_ack() {
    let s = Server::start().await;
    let (mut f, code, ftoken) = s.facilitator("test").await;
    let (mut p, ptoken) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == Phase::Open).await;
    p.answer("a", "oneens").await;
    s.shutdown.cancel();
    assert_eq!(p.closed().await.unwrap().code, CloseCode::Away);
    assert_eq!(f.closed().await.unwrap().code, CloseCode::Away);
    let dir = s.stop().await;
    let s = Server::start_in(dir, |_| {}).await;
    let mut f = s.client().await;
    f.send(json!({"type":"resume","protocol":1,"code":code,"token":ftoken})).await;
    let (_, _, session) = f.welcome().await;
    assert_eq!((session.phase, session.index, session.answered), (Phase::Open, Some(0), 1));
    let mut p = s.client().await;
    p.send(json!({"type":"resume","protocol":1,"code":code,"token":ptoken})).await;
    let answers = p.welcomed().await.answers;
    assert_eq!(answers.get("a").map(String::as_str), Some("oneens"));
    s.stop().await;
}

async fn resume(b: &Binary, code: &str, token: &str) -> TestClient {
    let mut c = b.client().await;
    c.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    c
}

#[tokio::test]
async fn after_kill_9_every_acked_answer_phase_role_and_token_is_back() {
    let samen_werken = std::fs::read_to_string(shipped_scenarios().join("samen-werken.toml")).unwrap();
    let dir = scenario_dir(&[("test.toml", integration_tests::TEST_DECK), ("samen-werken.toml", &samen_werken)]);
    let mut b = Binary::start(dir.path(), 0).await;
    let port = b.port;

    let mut f = b.client().await;
    f.send(json!({"type":"create_session","protocol":1,"preview":true,"scenario":"test","title":"Crash"})).await;
    let (code, ftoken, _) = f.welcome().await;
    let mut players = Vec::new();
    for _ in 0..4 {
        let mut p = b.client().await;
        p.send(json!({"type":"join","protocol":1,"code":code,"team":"Oost"})).await;
        let (_, token, _) = p.welcome().await;
        players.push((p, token));
    }
    f.control("open", Some("a")).await;
    let choices = ["eens", "oneens", "eens", "hangt_af"];
    for ((p, _), choice) in players.iter_mut().zip(choices) {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", choice).await;
    }
    f.control("open", Some("s")).await;
    let mut cast = Vec::new();
    for (i, (p, _)) in players.iter_mut().enumerate() {
        p.session_where("sketch", |v| v.index == Some(2)).await;
        p.settle().await;
        if let Some(role) = p.seen.iter().find_map(|m| if let ServerMsg::Role { role, .. } = m { Some(role.clone()) } else { None }) {
            cast.push((i, role));
        }
    }
    assert_eq!(cast.len(), 2);
    f.control("start_timer", None).await;
    f.session_where("timer", |v| v.timer.is_some()).await;

    b.child.kill().unwrap();
    b.child.wait().unwrap();
    // The players' connections went with the server; only their tokens come back.
    let players: Vec<((), String)> = players
        .into_iter()
        .map(|(p, token)| {
            drop(p);
            ((), token)
        })
        .collect();
    let mut b = Binary::start(dir.path(), port).await;

    let mut f = resume(&b, &code, &ftoken).await;
    let Welcomed { role, session, .. } = f.welcomed().await;
    assert_eq!(role, Role::Facilitator);
    assert_eq!((session.phase, session.index, session.answered), (Phase::Scene, Some(2), 0));
    assert!(session.timer.is_some(), "the countdown survives the crash");
    let mut resumed = Vec::new();
    for (i, (_, token)) in players.iter().enumerate() {
        let mut p = resume(&b, &code, token).await;
        let answers = p.welcomed().await.answers;
        assert_eq!(answers.get("a").map(String::as_str), Some(choices[i]));
        if let Some((_, role)) = cast.iter().find(|(j, _)| *j == i) {
            assert_eq!(&p.role().await.0, role);
        }
        resumed.push(p);
    }
    // After the scene its statement opens; the answers to it count like any.
    f.control("open", Some("s")).await;
    for p in &mut resumed {
        p.session_where("statement open", |v| v.phase == Phase::Open).await;
        p.answer("s", "oneens").await;
    }
    let t = f.tally_where("sketch tally", |t| t.item == "s" && t.total == 4).await;
    assert_eq!(t.counts["oneens"], 4);
    f.control("open", Some("a")).await;
    let t = f.tally_where("a again", |t| t.item == "a").await;
    assert_eq!((t.total, t.counts["eens"], t.counts["oneens"], t.counts["hangt_af"]), (4, 2, 1, 1));
    assert_eq!(t.teams["Oost"].total, 4);

    // SIGTERM stops it cleanly.
    let child = &mut b.child;
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "graceful exit, got {status}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the server did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
