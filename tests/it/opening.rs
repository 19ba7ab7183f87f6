//! Opening messages: list, create, join, watch; what each role gets to see in its welcome.

use integration_tests::{Server, Welcomed};
use protocol::{Phase, Role, ServerMsg};
use serde_json::json;

#[tokio::test]
async fn list_then_create_on_the_same_connection() {
    let s = Server::start().await;
    let mut c = s.client().await;
    c.send(json!({"type":"list_scenarios","protocol":1})).await;
    let (list, public_url) = c
        .expect("scenarios", |m| match m {
            ServerMsg::Scenarios { scenarios, public_url, .. } => Some((scenarios.clone(), public_url.clone())),
            _ => None,
        })
        .await;
    assert_eq!(public_url, None, "a server without --public-url names none");
    let ids: Vec<&str> = list.iter().map(|d| d.id.as_str()).collect();
    for id in ["test", "samen-werken", "acteren-via-b", "working-together"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert_eq!(list.iter().find(|d| d.id == "test").unwrap().items, 4);
    c.send(json!({"type":"create_session","protocol":1,"scenario":"test","title":"Team Wijken, 3 maart"})).await;
    let Welcomed { role, code, token, session, player_id, .. } = c.welcomed().await;
    assert_eq!((role, player_id), (Role::Facilitator, None));
    // Six characters of the contract's alphabet (docs/protocol.md: no 0/O, 1/I/L).
    assert!(code.len() == 6 && code.chars().all(|c| "ABCDEFGHJKMNPQRSTUVWXYZ23456789".contains(c)), "{code}");
    assert!(token.len() >= 32, "token carries at least 128 bits");
    assert_eq!(session.title, "Team Wijken, 3 maart");
    assert_eq!(session.phase, Phase::Lobby);
    assert_eq!(session.count, 4);
    let items = session.items.expect("the facilitator's copy lists every item");
    assert_eq!(items.len(), 4);
    assert_eq!(items[0].prompts.as_ref().unwrap().len(), 2);
    s.stop().await;
}

#[tokio::test]
async fn players_and_watchers_join_with_the_code_in_any_case() {
    let s = Server::start().await;
    let (_f, code, _) = s.facilitator("test").await;
    let mut p = s.client().await;
    p.send(json!({"type":"join","protocol":1,"code":code.to_lowercase(),"name":"Sanne","team":"Wijkteam Oost"})).await;
    let Welcomed { role, player_id, session, .. } = p.welcomed().await;
    assert_eq!(role, Role::Player);
    assert!(player_id.unwrap().starts_with('p'));
    assert!(session.items.is_none(), "players do not get the item list");
    assert_eq!(session.participants, 1);

    let mut w = s.client().await;
    w.send(json!({"type":"watch","protocol":1,"code":format!(" {}-{} ", &code[..3], &code[3..])})).await;
    let Welcomed { role, session, .. } = w.welcomed().await;
    assert_eq!(role, Role::Watcher);
    assert!(session.items.is_none());
    s.stop().await;
}

#[tokio::test]
async fn the_facilitator_sees_the_participant_count_change() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (p1, _) = s.player(&code, None).await;
    let (_p2, _) = s.player(&code, None).await;
    f.session_where("two participants", |v| v.participants == 2).await;
    drop(p1);
    f.session_where("one participant after a leave", |v| v.participants == 1).await;
    s.stop().await;
}
