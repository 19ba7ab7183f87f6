//! A room of thirty plays a whole shipped deck from start to end, and every result matches what was sent.

use std::collections::BTreeMap;

use integration_tests::Server;
use protocol::{ItemKind, Phase, ServerMsg};

#[tokio::test]
async fn thirty_players_play_the_english_deck_end_to_end() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("working-together").await;
    let mut w = s.client().await;
    w.send(serde_json::json!({"type":"watch","protocol":1,"code":code})).await;
    w.welcome().await;
    let mut players = Vec::new();
    for i in 0..30 {
        let team = ["Noord", "Zuid", "Oost"][i % 3];
        players.push(s.player(&code, Some(team)).await.0);
    }
    let items = f.seen.iter().find_map(|m| if let ServerMsg::Welcome { session, .. } = m { session.items.clone() } else { None }).unwrap();
    assert_eq!(items.len(), 10);
    for (n, item) in items.iter().enumerate() {
        f.control("open", Some(&item.id)).await;
        let options: Vec<String> = item.options.iter().map(|o| o.id.clone()).collect();
        // A sketch starts with its scene; here the scene is over at once and its statement opened.
        let phase = match (item.kind, options.is_empty()) {
            (ItemKind::Sketch, true) => Phase::Scene,
            (ItemKind::Sketch, false) => {
                f.session_where("the scene", |v| v.index == Some(n) && v.phase == Phase::Scene).await;
                f.control("open", Some(&item.id)).await;
                Phase::Open
            }
            _ => Phase::Open,
        };
        let mut expected: BTreeMap<String, u32> = options.iter().map(|o| (o.clone(), 0)).collect();
        let answers = players.iter_mut().enumerate().map(|(i, p)| {
            let options = options.clone();
            let id = item.id.clone();
            async move {
                p.session_where("open", |v| v.index == Some(n) && v.phase == phase).await;
                if options.is_empty() {
                    // Nothing to answer: the role briefings that follow the scene's opening have come once the session answered a later message.
                    p.settle().await;
                    return None;
                }
                // Everyone answers; every fifth player changes their mind once.
                let first = &options[(i + n) % options.len()];
                p.answer(&id, first).await;
                let last = if i % 5 == 0 { &options[(i + n + 1) % options.len()] } else { first };
                if last != first {
                    p.answer(&id, last).await;
                }
                Some(last.clone())
            }
        });
        for last in futures_util::future::join_all(answers).await.into_iter().flatten() {
            *expected.get_mut(&last).unwrap() += 1;
        }
        if item.kind == ItemKind::Sketch {
            let roles = players
                .iter()
                .filter(|p| p.seen.iter().any(|m| matches!(m, ServerMsg::Role { item: drawn, .. } if *drawn == item.id)))
                .count();
            assert_eq!(roles, item.roles.len(), "each role of the sketch went to one player");
        }
        if options.is_empty() {
            continue;
        }
        f.tally_where("every answer counted", |t| t.item == item.id && t.total == 30).await;
        f.control("close", None).await;
        f.control("reveal", None).await;
        for p in players.iter_mut().chain([&mut w]) {
            let t = p.tally_where("revealed", |t| t.item == item.id).await;
            assert_eq!(t.counts, expected, "{}", item.id);
            assert_eq!(t.percentages.values().sum::<u32>(), 100);
            assert_eq!(t.teams.len(), 3, "three teams of ten");
        }
    }
    f.control("end", None).await;
    let statements = items.iter().filter(|i| !i.options.is_empty()).count();
    assert_eq!(statements, 9, "eight dilemmas and one sketch with a follow-up statement");
    for p in players.iter_mut() {
        p.session_where("ended", |v| v.phase == Phase::Ended).await;
        let tallies = p.seen.iter().filter(|m| matches!(m, ServerMsg::Tally(_))).count();
        assert_eq!(tallies, statements, "one tally per revealed statement, nothing live");
    }
    s.stop().await;
}
