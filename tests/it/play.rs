//! Playing dilemmas: answers, live tallies for the facilitator, reveal for all, teams, reopening, anonymity.

use std::time::Duration;

use integration_tests::{Server, TestClient};
use protocol::{Phase, ServerMsg};

/// Nothing a player received may carry anyone else's answer: acks only for their own answers,
/// tallies only after a reveal, no live tallies; and (these players give no guesses or reasons,
/// and no reason goes up) no guess, reason or shown reason at all. Every message is looked at.
fn assert_private(p: &TestClient, own: &[(&str, &str)]) {
    let mut revealed = false;
    for m in &p.seen {
        match m {
            ServerMsg::AnswerAck { item, option } => {
                assert!(own.contains(&(item.as_str(), option.as_str())), "ack for an answer that is not theirs: {m:?}")
            }
            ServerMsg::Session { session } => revealed = session.phase == Phase::Revealed,
            ServerMsg::Tally(_) => assert!(revealed, "a player got a tally before the reveal: {:#?}", p.seen),
            ServerMsg::Welcome { answers, .. } => {
                assert!(answers.iter().all(|(i, o)| own.contains(&(i.as_str(), o.as_str()))))
            }
            ServerMsg::Report { .. } => panic!("a player got a report: {m:?}"),
            ServerMsg::Agreements { .. } => panic!("a player got the agreements: {m:?}"),
            ServerMsg::Reasons { .. } => panic!("a player got the reasons: {m:?}"),
            ServerMsg::Deck { .. }
            | ServerMsg::DeckSaved { .. }
            | ServerMsg::DeckChecked { .. }
            | ServerMsg::DeckProblems { .. }
            | ServerMsg::MySessions { .. }
            | ServerMsg::Shared { .. }
            | ServerMsg::Audit { .. }
            | ServerMsg::Purged { .. }
            | ServerMsg::AppSignedIn { .. }
            | ServerMsg::SignedOut => {
                panic!("a player got a deck file: {m:?}")
            }
            ServerMsg::Predicted { .. } | ServerMsg::ReasonAck { .. } | ServerMsg::Shown { .. } => {
                panic!("a player who gave no guess or reason got {m:?}")
            }
            ServerMsg::Role { .. } | ServerMsg::Error { .. } | ServerMsg::Scenarios { .. } => {}
        }
    }
}

#[tokio::test]
async fn a_changed_answer_counts_once_and_the_facilitator_sees_it_live() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p1, _) = s.player(&code, None).await;
    let (mut p2, _) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    let empty = f.tally_where("opening tally", |t| t.item == "a").await;
    assert_eq!(empty.total, 0);
    assert_eq!(empty.counts.len(), 3, "every option listed, also at 0");
    p1.session_where("open", |v| v.phase == Phase::Open).await;
    p1.answer("a", "eens").await;
    p1.answer("a", "oneens").await;
    p2.answer("a", "oneens").await;
    // Two answers: even the facilitator's preview shows no split, only how many there are.
    let t = f.tally_where("both answers", |t| t.withheld == 2).await;
    assert_eq!((t.total, t.counts.values().sum::<u32>(), t.percentages.values().sum::<u32>()), (0, 0, 0));
    // The coalesced count catches up: the latest `session` has the final answered count.
    let latest = |f: &TestClient| {
        f.seen.iter().rev().find_map(|m| if let ServerMsg::Session { session } = m { Some(session.answered) } else { None })
    };
    while latest(&f) != Some(2) {
        assert!(
            matches!(f.next(Duration::from_secs(5)).await, dilemma_tools::client::Received::Msg(_)),
            "the count never caught up: {:?}",
            latest(&f)
        );
    }
    f.control("close", None).await;
    f.control("reveal", None).await;
    // Two answers in all: everyone, the facilitator too, is told only that two were withheld.
    let t = f.tally_where("revealed", |t| t.withheld == 2).await;
    assert_eq!((t.total, t.counts.values().sum::<u32>()), (0, 0));
    for p in [&mut p1, &mut p2] {
        let t = p.tally_where("revealed", |_| true).await;
        assert_eq!((t.total, t.withheld, t.counts.values().sum::<u32>(), t.percentages.values().sum::<u32>()), (0, 2, 0, 0));
        assert_eq!(t.counts.len(), 3, "every option still listed");
    }
    p1.settle().await;
    p2.settle().await;
    assert_private(&p1, &[("a", "eens"), ("a", "oneens")]);
    assert_private(&p2, &[("a", "oneens")]);
    s.stop().await;
}

#[tokio::test]
async fn players_and_watchers_never_get_a_tally_before_the_reveal() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let mut w = s.client().await;
    w.send(serde_json::json!({"type":"watch","protocol":1,"code":code})).await;
    w.welcome().await;
    let mut players = Vec::new();
    for _ in 0..4 {
        players.push(s.player(&code, None).await.0);
    }
    f.control("open", Some("b")).await;
    for (i, p) in players.iter_mut().enumerate() {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("b", if i % 2 == 0 { "ja" } else { "nee" }).await;
    }
    f.tally_where("four answers", |t| t.total == 4).await;
    f.control("close", None).await;
    for p in players.iter_mut().chain([&mut w]) {
        p.session_where("closed", |v| v.phase == Phase::Closed).await;
        assert!(!p.seen.iter().any(|m| matches!(m, ServerMsg::Tally(_))), "tally before reveal");
    }
    f.control("reveal", None).await;
    w.tally_where("the projector shows the result", |t| t.total == 4 && t.percentages["ja"] == 50).await;
    s.stop().await;
}

#[tokio::test]
async fn teams_show_only_from_three_answers() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let mut ps = Vec::new();
    for team in [Some("Oost"), Some("Oost"), Some("Oost"), Some("West"), Some("West"), None] {
        ps.push(s.player(&code, team).await.0);
    }
    f.control("open", Some("a")).await;
    for (i, p) in ps.iter_mut().take(5).enumerate() {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", ["eens", "oneens", "eens", "eens", "oneens"][i]).await;
    }
    let t = f.tally_where("five answers", |t| t.total == 5).await;
    assert!(t.teams.is_empty(), "everyone minus Oost would be West's two: {t:?}");
    ps[5].session_where("open", |v| v.phase == Phase::Open).await;
    ps[5].answer("a", "hangt_af").await;
    let t = f.tally_where("six answers", |t| t.total == 6).await;
    assert_eq!(t.teams.keys().collect::<Vec<_>>(), vec!["Oost"], "West has only two answers; the rest is three");
    assert_eq!(t.teams["Oost"].total, 3);
    assert_eq!(t.teams["Oost"].percentages["eens"], 67);
    s.stop().await;
}

#[tokio::test]
async fn reopening_an_earlier_item_keeps_its_answers() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    // Two others answer b too, so its result may be shown (from three answers).
    let mut others = [s.player(&code, None).await.0, s.player(&code, None).await.0];
    f.control("open", Some("b")).await;
    p.session_where("b open", |v| v.phase == Phase::Open && v.index == Some(1)).await;
    p.answer("b", "ja").await;
    for o in &mut others {
        o.answer("b", "ja").await;
    }
    f.control("open", Some("a")).await;
    let v = p.session_where("a open", |v| v.index == Some(0)).await;
    assert_eq!(v.answered, 0);
    p.answer("a", "eens").await;
    f.control("open", Some("b")).await;
    let v = p.session_where("b again", |v| v.index == Some(1)).await;
    assert_eq!(v.answered, 3, "the earlier answers are still there");
    f.tally_where("b's earlier tally", |t| t.item == "b" && t.counts["ja"] == 3).await;
    p.answer("b", "nee").await;
    f.tally_where("changed on reopen", |t| t.item == "b" && t.total == 3 && t.counts["nee"] == 1 && t.counts["ja"] == 2).await;
    s.stop().await;
}

#[tokio::test]
async fn live_tallies_are_coalesced_and_the_last_one_is_complete() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let mut ps = Vec::new();
    for _ in 0..40 {
        ps.push(s.player(&code, None).await.0);
    }
    f.control("open", Some("a")).await;
    f.tally_where("opening tally", |t| t.total == 0).await;
    f.settle().await;
    let before = f.seen.len();
    let start = tokio::time::Instant::now();
    let sends = ps.iter_mut().map(|p| p.send(serde_json::json!({"type":"answer","item":"a","option":"eens"})));
    futures_util::future::join_all(sends).await;
    f.tally_where("all forty", |t| t.total == 40).await;
    f.drain(Duration::from_millis(300)).await;
    let elapsed = start.elapsed().as_secs_f64();
    let tallies = f.seen[before..].iter().filter(|m| matches!(m, ServerMsg::Tally(_))).count();
    assert!(tallies <= (elapsed * 10.0).ceil() as usize + 1, "{tallies} tallies in {elapsed:.2}s");
    let last = f.seen.iter().rev().find_map(|m| if let ServerMsg::Tally(t) = m { Some(t) } else { None }).unwrap();
    assert_eq!(last.total, 40, "the last tally is always sent");
    s.stop().await;
}

#[tokio::test]
async fn the_facilitators_deck_list_says_which_items_were_played() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == Phase::Open).await;
    p.answer("a", "eens").await;
    let v = f.session_where("a played", |v| v.items.as_ref().is_some_and(|i| i[0].played)).await;
    let items = v.items.unwrap();
    assert!(!items[1].played && !items[2].played, "b and the sketch are not played yet");
    // A sketch counts as played once its roles are drawn.
    f.control("open", Some("s")).await;
    f.session_where("s played", |v| v.items.as_ref().is_some_and(|i| i[2].played)).await;
    let mine = p.session_where("the sketch", |v| v.index == Some(2)).await;
    assert!(mine.items.is_none() && !mine.item.unwrap().played, "players are not told");
    s.stop().await;
}
