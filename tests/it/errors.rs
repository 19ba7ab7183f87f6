//! Every error code of the contract, each from the situation that causes it; nothing changes when refused.

use std::time::Duration;

use integration_tests::{Server, limits};
use protocol::{ErrorCode, ServerMsg};
use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[tokio::test]
async fn malformed_json_and_unknown_types_keep_the_connection() {
    let s = Server::start().await;
    let mut c = s.client().await;
    c.send_raw("{not json").await;
    let (code, message) = c.error().await;
    assert_eq!(code, ErrorCode::BadRequest);
    assert!(message.ends_with('.') && message.len() > 20, "{message}");
    c.send(json!({"type":"dance","protocol":1})).await;
    assert_eq!(c.error().await.0, ErrorCode::BadRequest);
    c.send(json!({"type":"answer","item":"a","option":"eens"})).await;
    assert_eq!(c.error().await.0, ErrorCode::BadRequest, "answering before joining");
    // Still open, and unknown fields are ignored.
    c.send(json!({"type":"list_scenarios","protocol":1,"colour":"blue"})).await;
    c.expect("scenarios", |m| matches!(m, ServerMsg::Scenarios { .. }).then_some(())).await;
    s.stop().await;
}

#[tokio::test]
async fn a_different_protocol_version_is_refused_and_closed() {
    let s = Server::start().await;
    let mut c = s.client().await;
    c.send(json!({"type":"join","protocol":2,"code":"ABCDEF"})).await;
    assert_eq!(c.error().await.0, ErrorCode::ProtocolMismatch);
    assert!(c.closed().await.is_some());
    s.stop().await;
}

#[tokio::test]
async fn unknown_session_and_unknown_scenario() {
    let s = Server::start().await;
    let mut c = s.client().await;
    c.send(json!({"type":"join","protocol":1,"code":"ZZZZZZ"})).await;
    assert_eq!(c.error().await.0, ErrorCode::UnknownSession);
    c.send(json!({"type":"watch","protocol":1,"code":"0O1IL!"})).await;
    assert_eq!(c.error().await.0, ErrorCode::UnknownSession);
    // Six characters of which codes never use some: the refusal says which.
    c.send(json!({"type":"join","protocol":1,"code":"ABC123"})).await;
    let (code, message) = c.error().await;
    assert_eq!(code, ErrorCode::UnknownSession);
    assert!(message.contains("nooit 0, 1, I, L of O"), "{message}");
    c.send(json!({"type":"create_session","protocol":1,"scenario":"bestaat-niet"})).await;
    let (code, message) = c.error().await;
    assert_eq!(code, ErrorCode::UnknownScenario);
    assert!(message.contains("bestaat-niet"));
    s.stop().await;
}

#[tokio::test]
async fn only_the_facilitator_controls_and_only_players_answer() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    let mut w = s.client().await;
    w.send(json!({"type":"watch","protocol":1,"code":code})).await;
    w.welcome().await;
    p.control("open", Some("a")).await;
    assert_eq!(p.error().await.0, ErrorCode::Unauthorized);
    w.control("end", None).await;
    assert_eq!(w.error().await.0, ErrorCode::Unauthorized);
    f.control("open", Some("a")).await;
    f.session_where("open", |v| v.phase == protocol::Phase::Open).await;
    w.send(json!({"type":"answer","item":"a","option":"eens"})).await;
    assert_eq!(w.error().await.0, ErrorCode::Unauthorized);
    f.send(json!({"type":"answer","item":"a","option":"eens"})).await;
    assert_eq!(f.error().await.0, ErrorCode::Unauthorized);
    p.send(json!({"type":"join","protocol":1,"code":code})).await;
    assert_eq!(p.error().await.0, ErrorCode::BadRequest, "a second opening message");
    s.stop().await;
}

#[tokio::test]
async fn answers_outside_the_rules_change_nothing() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    p.send(json!({"type":"answer","item":"a","option":"eens"})).await;
    assert_eq!(p.error().await.0, ErrorCode::VotingClosed, "nothing is open yet");
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == protocol::Phase::Open).await;
    p.send(json!({"type":"answer","item":"zzz","option":"eens"})).await;
    assert_eq!(p.error().await.0, ErrorCode::UnknownItem);
    p.send(json!({"type":"answer","item":"b","option":"ja"})).await;
    assert_eq!(p.error().await.0, ErrorCode::VotingClosed, "another item than the open one");
    p.send(json!({"type":"answer","item":"a","option":"ja"})).await;
    assert_eq!(p.error().await.0, ErrorCode::InvalidOption);
    f.control("open", Some("nope")).await;
    assert_eq!(f.error().await.0, ErrorCode::UnknownItem);
    f.control("open", None).await;
    assert_eq!(f.error().await.0, ErrorCode::BadRequest);
    f.control("start_timer", None).await;
    assert_eq!(f.error().await.0, ErrorCode::BadRequest, "a dilemma has no timer");
    f.control("close", None).await;
    p.session_where("closed", |v| v.phase == protocol::Phase::Closed).await;
    p.send(json!({"type":"answer","item":"a","option":"eens"})).await;
    assert_eq!(p.error().await.0, ErrorCode::VotingClosed);
    f.control("reveal", None).await;
    let t = p.tally_where("revealed tally", |_| true).await;
    assert_eq!(t.total, 0, "none of the refused answers counted");
    f.control("end", None).await;
    p.session_where("ended", |v| v.phase == protocol::Phase::Ended).await;
    p.send(json!({"type":"answer","item":"a","option":"eens"})).await;
    assert_eq!(p.error().await.0, ErrorCode::SessionEnded);
    f.control("open", Some("a")).await;
    assert_eq!(f.error().await.0, ErrorCode::SessionEnded);
    let mut late = s.client().await;
    late.send(json!({"type":"join","protocol":1,"code":code})).await;
    assert_eq!(late.error().await.0, ErrorCode::SessionEnded);
    s.stop().await;
}

#[tokio::test]
async fn session_full_for_players_and_for_sessions() {
    let s = Server::start_with(limits(|l| {
        l.max_players = 2;
        l.max_sessions = 1;
    }))
    .await;
    let (_f, code, _) = s.facilitator("test").await;
    let _a = s.player(&code, None).await;
    let _b = s.player(&code, None).await;
    let mut c = s.client().await;
    c.send(json!({"type":"join","protocol":1,"code":code})).await;
    assert_eq!(c.error().await.0, ErrorCode::SessionFull);
    let mut g = s.client().await;
    g.send(json!({"type":"create_session","protocol":1,"scenario":"test"})).await;
    assert_eq!(g.error().await.0, ErrorCode::SessionFull);
    s.stop().await;
}

#[tokio::test]
async fn flooding_gets_rate_limited_and_closed_with_1008() {
    let s = Server::start().await;
    let mut c = s.client().await;
    for _ in 0..150 {
        c.send(json!({"type":"list_scenarios","protocol":1})).await;
    }
    let mut limited = false;
    let frame = loop {
        match c.next(Duration::from_secs(5)).await {
            dilemma_tools::client::Received::Msg(ServerMsg::Error { code, .. }) => {
                assert_eq!(code, ErrorCode::RateLimited);
                limited = true;
            }
            dilemma_tools::client::Received::Msg(_) => {}
            dilemma_tools::client::Received::Closed(frame) => break frame,
            dilemma_tools::client::Received::Nothing => panic!("not closed"),
        }
    };
    assert!(limited);
    assert_eq!(frame.unwrap().code, CloseCode::Policy);
    s.stop().await;
}

#[tokio::test]
async fn a_frame_over_16_kib_is_closed_with_1009() {
    let s = Server::start().await;
    let mut c = s.client().await;
    let big = format!(r#"{{"type":"list_scenarios","protocol":1,"pad":"{}"}}"#, "x".repeat(17 * 1024));
    c.send_raw(&big).await;
    assert_eq!(c.closed().await.unwrap().code, CloseCode::Size);
    // Just under the limit is fine.
    let mut ok = s.client().await;
    let fits = format!(r#"{{"type":"list_scenarios","protocol":1,"pad":"{}"}}"#, "x".repeat(15 * 1024));
    ok.send_raw(&fits).await;
    ok.expect("scenarios", |m| matches!(m, ServerMsg::Scenarios { .. }).then_some(())).await;
    s.stop().await;
}
