//! Sketches: roles drawn among connected players and sent privately, the countdown, and what follows it.

use std::time::Duration;

use dilemma_tools::client::Received;
use integration_tests::{Server, TestClient};
use protocol::{ItemKind, Phase, ServerMsg};
use serde_json::json;

fn roles_of(c: &TestClient) -> Vec<(String, String)> {
    c.seen
        .iter()
        .filter_map(|m| if let ServerMsg::Role { role, briefing, .. } = m { Some((role.clone(), briefing.clone())) } else { None })
        .collect()
}

#[tokio::test]
async fn roles_reach_only_the_chosen_players_and_come_back_on_resume() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let mut w = s.client().await;
    w.send(json!({"type":"watch","protocol":1,"code":code})).await;
    w.welcome().await;
    let mut players = Vec::new();
    for _ in 0..4 {
        players.push(s.player(&code, None).await);
    }
    f.control("open", Some("s")).await;
    let v = f.session_where("sketch open", |v| v.phase == Phase::Scene).await;
    let item = v.item.unwrap();
    assert_eq!(item.kind, ItemKind::Sketch);
    assert_eq!(item.roles, vec!["Ambtenaar", "Initiatiefnemer"]);
    assert_eq!(item.duration_s, Some(30));
    assert!(item.prompts.is_some(), "the facilitator gets the discussion questions");
    for (p, _) in players.iter_mut() {
        let v = p.session_where("sketch open", |v| v.phase == Phase::Scene).await;
        assert_eq!(v.item.unwrap().situation.as_deref(), Some("De ambtenaar beoordeelt ook de subsidie."));
        p.settle().await;
    }
    f.settle().await;
    w.settle().await;
    assert!(roles_of(&f).is_empty() && roles_of(&w).is_empty(), "the facilitator and watcher get no role");
    // Nor a briefing in any other message, and a player only their own.
    for (who, c) in [("the facilitator", &f), ("the projector", &w)] {
        assert!(!serde_json::to_string(&c.seen).unwrap().contains("Geheim"), "{who} got a briefing");
    }
    for (p, _) in &players {
        let all = serde_json::to_string(&p.seen).unwrap();
        let own: Vec<String> = roles_of(p).into_iter().map(|(_, b)| b).collect();
        assert_eq!(all.matches("Geheim").count(), own.len(), "a player got a briefing that is not theirs: {all}");
    }
    let mut cast: Vec<(String, String)> = players.iter().flat_map(|(p, _)| roles_of(p)).collect();
    cast.sort();
    assert_eq!(
        cast,
        vec![
            ("Ambtenaar".to_owned(), "Geheim voor de ambtenaar.".to_owned()),
            ("Initiatiefnemer".to_owned(), "Geheim voor de initiatiefnemer.".to_owned())
        ]
    );
    let audience = players.iter().filter(|(p, _)| roles_of(p).is_empty()).count();
    assert_eq!(audience, 2);

    // A chosen player who reconnects gets the same role again.
    let i = players.iter().position(|(p, _)| !roles_of(p).is_empty()).unwrap();
    let (old, token) = players.remove(i);
    let role = roles_of(&old)[0].clone();
    drop(old);
    let mut back = s.client().await;
    back.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    assert_eq!(back.role().await, role);

    // Opening it again keeps the draw.
    f.control("open", Some("a")).await;
    f.control("open", Some("s")).await;
    assert_eq!(back.role().await.0, role.0);
    s.stop().await;
}

async fn wait_for_phase(c: &mut TestClient, phase: Phase) -> protocol::SessionView {
    loop {
        match c.next(Duration::from_secs(40)).await {
            Received::Msg(ServerMsg::Session { session }) if session.phase == phase => return session,
            Received::Msg(_) => {}
            other => panic!("waiting for {phase:?}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_countdown_runs_out_and_moves_the_phase_on() {
    let s = Server::start().await;
    let run = |item: &'static str| {
        let s = &s;
        async move {
            let (mut f, code, _) = s.facilitator("test").await;
            let (mut p, _) = s.player(&code, None).await;
            f.control("open", Some(item)).await;
            f.session_where("the scene", |v| v.phase == Phase::Scene).await;
            // The scene takes no answers: its statement waits until the time is up.
            p.session_where("the scene", |v| v.phase == Phase::Scene).await;
            p.send(json!({"type":"answer","item":item,"option":"eens"})).await;
            let (code, message) = p.error().await;
            if item == "s" {
                assert_eq!((code, message.as_str()), (protocol::ErrorCode::VotingClosed, "Eerst de scène; daarna kun je kiezen."));
            } else {
                assert_eq!(code, protocol::ErrorCode::InvalidOption, "a sketch without statement takes no answers");
            }
            f.control("start_timer", None).await;
            let v = p.session_where("timer running", |v| v.timer.is_some()).await;
            let timer = v.timer.unwrap();
            assert_eq!(timer.duration_s, 30);
            assert!(timer.remaining_ms > 25_000 && timer.remaining_ms <= 30_000, "{timer:?}");
            (f, p)
        }
    };
    let ((mut f1, mut p1), (mut f2, _p2)) = tokio::join!(run("kort"), run("s"));
    // Without a follow-up statement the scene closes; with one, the statement opens for answers.
    let (closed, _) = tokio::join!(wait_for_phase(&mut f1, Phase::Closed), async {
        loop {
            match f2.next(Duration::from_secs(40)).await {
                Received::Msg(ServerMsg::Session { session }) if session.timer.is_some_and(|t| t.remaining_ms == 0) => {
                    assert_eq!(session.phase, Phase::Open);
                    break;
                }
                Received::Msg(_) => {}
                other => panic!("{other:?}"),
            }
        }
    });
    assert_eq!(closed.timer.unwrap().remaining_ms, 0);
    p1.session_where("closed for players too", |v| v.phase == Phase::Closed).await;
    s.stop().await;
}

#[tokio::test]
async fn a_follow_up_statement_is_answered_like_a_dilemma() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    f.control("open", Some("s")).await;
    p.session_where("the scene", |v| v.phase == Phase::Scene).await;
    // The actors were done early: the facilitator opens the statement without waiting for the timer.
    f.control("open", Some("s")).await;
    let v = p.session_where("open", |v| v.phase == Phase::Open).await;
    assert_eq!(v.item.unwrap().statement.as_deref(), Some("Een collega moet beoordelen."));
    p.answer("s", "eens").await;
    f.tally_where("follow-up tally", |t| t.item == "s" && t.total + t.withheld == 1).await;
    f.control("open", Some("kort")).await;
    p.session_where("kort open", |v| v.index == Some(3)).await;
    p.send(json!({"type":"answer","item":"kort","option":"eens"})).await;
    assert_eq!(p.error().await.0, protocol::ErrorCode::InvalidOption, "a sketch without statement takes no answers");
    s.stop().await;
}
