//! Resuming with a token after a lost connection: identity, answers and role come back; wrong tokens do not.

use integration_tests::Server;
use protocol::{ErrorCode, Phase, Role, ServerMsg};
use serde_json::json;

#[tokio::test]
async fn a_player_resumes_with_their_answers_and_a_facilitator_with_control() {
    let s = Server::start().await;
    let (f, code, ftoken) = s.facilitator("test").await;
    let (mut p, ptoken) = s.player(&code, None).await;
    let pid = p.seen.iter().find_map(|m| if let ServerMsg::Welcome { player_id, .. } = m { player_id.clone() } else { None }).unwrap();
    drop(f);
    let mut f = s.client().await;
    f.send(json!({"type":"resume","protocol":1,"code":code,"token":ftoken})).await;
    assert_eq!(f.welcomed().await.role, Role::Facilitator);
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == Phase::Open).await;
    p.answer("a", "hangt_af").await;
    drop(p);
    let mut p = s.client().await;
    p.send(json!({"type":"resume","protocol":1,"code":code,"token":ptoken})).await;
    let integration_tests::Welcomed { role, player_id, answers, session, .. } = p.welcomed().await;
    assert_eq!((role, player_id), (Role::Player, Some(pid)));
    assert_eq!(answers.get("a").map(String::as_str), Some("hangt_af"), "their own answer shows again");
    assert_eq!(session.answered, 1);
    p.answer("a", "eens").await;
    // Two others answer, so the result may be shown: the resumed player's answer counts once.
    for _ in 0..2 {
        s.player(&code, None).await.0.answer("a", "oneens").await;
    }
    f.tally_where("still one answer of theirs", |t| t.total == 3 && t.counts["eens"] == 1 && t.counts["hangt_af"] == 0).await;
    s.stop().await;
}

#[tokio::test]
async fn a_wrong_token_is_refused() {
    let s = Server::start().await;
    let (_f, code, _) = s.facilitator("test").await;
    let mut c = s.client().await;
    c.send(json!({"type":"resume","protocol":1,"code":code,"token":"00000000000000000000000000000000"})).await;
    assert_eq!(c.error().await.0, ErrorCode::Unauthorized);
    s.stop().await;
}

#[tokio::test]
async fn resuming_on_a_second_connection_closes_the_first() {
    let s = Server::start().await;
    let (_f, code, _) = s.facilitator("test").await;
    let (mut old, token) = s.player(&code, None).await;
    let mut new = s.client().await;
    new.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    new.welcome().await;
    assert!(old.closed().await.is_some());
    s.stop().await;
}
