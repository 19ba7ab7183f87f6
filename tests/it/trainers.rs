//! Deck files over the protocol for trainers: read one, save one (checked like every deck, then
//! offered and playable), never dropping an item that answers are stored under, and only with the
//! trainers' key where the server has one.

use integration_tests::{Server, TestClient};
use protocol::{ErrorCode, ServerMsg};
use serde_json::json;

const NEW_DECK: &str = "# Van de trainer: bewaar deze regel.\nid = \"nieuw\"\ntitle = \"Nieuw deck\"\nlanguage = \"nl\"\n\n[[item]]\nid = \"eerste\"\nkind = \"dilemma\"\nstatement = \"Een eerste stelling.\"\n";

async fn answer(c: &mut TestClient) -> ServerMsg {
    c.expect("deck answer", |m| {
        matches!(
            m,
            ServerMsg::Deck { .. }
                | ServerMsg::DeckSaved { .. }
                | ServerMsg::DeckChecked { .. }
                | ServerMsg::DeckProblems { .. }
                | ServerMsg::Error { .. }
        )
        .then(|| m.clone())
    })
    .await
}

async fn save(c: &mut TestClient, content: &str, key: Option<&str>) -> ServerMsg {
    c.send(json!({"type":"save_deck","protocol":1,"content":content,"key":key})).await;
    answer(c).await
}

#[tokio::test]
async fn a_trainer_reads_and_saves_decks_which_are_checked_offered_and_never_lose_an_answered_item() {
    let s = Server::start().await;
    let mut t = s.client().await;
    t.send(json!({"type":"get_deck","protocol":1,"id":"samen-werken"})).await;
    let ServerMsg::Deck { id, content } = answer(&mut t).await else { panic!("the deck's file") };
    assert_eq!(id, "samen-werken");
    assert_eq!(
        content,
        std::fs::read_to_string(integration_tests::shipped_scenarios().join("samen-werken.toml")).unwrap(),
        "the file itself, comments and all"
    );
    t.send(json!({"type":"get_deck","protocol":1,"id":"bestaat-niet"})).await;
    assert!(matches!(answer(&mut t).await, ServerMsg::Error { code: ErrorCode::UnknownScenario, .. }));

    // A broken deck: every problem, with its line; nothing is written.
    let ServerMsg::DeckProblems { problems } = save(&mut t, &NEW_DECK.replace("statement", "statment"), None).await else {
        panic!("problems")
    };
    assert!(problems.iter().any(|p| p.line == 9 && p.message.contains("Bedoel je `statement`?")), "{problems:?}");
    assert!(!s.scenarios.join("nieuw.toml").exists());

    // A good one: saved as <id>.toml, byte for byte, offered, and playable.
    assert_eq!(save(&mut t, NEW_DECK, None).await, ServerMsg::DeckSaved { id: "nieuw".into() });
    assert_eq!(std::fs::read_to_string(s.scenarios.join("nieuw.toml")).unwrap(), NEW_DECK);
    t.send(json!({"type":"list_scenarios","protocol":1})).await;
    let listed = t.expect("scenarios", |m| match m {
        ServerMsg::Scenarios { scenarios, .. } => Some(scenarios.clone()),
        _ => None,
    });
    assert!(listed.await.iter().any(|d| d.id == "nieuw" && d.title == "Nieuw deck"));
    let (mut f, code, _) = s.facilitator("nieuw").await;
    let (mut p, _) = s.player(&code, None).await;
    f.control("open", Some("eerste")).await;
    p.session_where("open", |v| v.item.is_some()).await;
    p.answer("eerste", "eens").await;

    // Now "eerste" has answers: a version that renames it is refused, and the file stays.
    let renamed = NEW_DECK.replace("id = \"eerste\"", "id = \"hernoemd\"");
    let ServerMsg::DeckProblems { problems } = save(&mut t, &renamed, None).await else { panic!("refused") };
    assert!(
        problems[0].message.contains("\"eerste\" staat niet meer in het deck, maar eerdere sessies hebben er antwoorden onder"),
        "{problems:?}"
    );
    assert_eq!(std::fs::read_to_string(s.scenarios.join("nieuw.toml")).unwrap(), NEW_DECK);
    // Adding an item next to it is fine, and the file it came from is the one rewritten.
    let grown = format!("{NEW_DECK}\n[[item]]\nid = \"tweede\"\nkind = \"dilemma\"\nstatement = \"Nog een.\"\n");
    assert_eq!(save(&mut t, &grown, None).await, ServerMsg::DeckSaved { id: "nieuw".into() });
    assert_eq!(std::fs::read_to_string(s.scenarios.join("nieuw.toml")).unwrap(), grown);

    // Too big for one message: the connection is closed, as for any message over 16 KiB, and nothing is written.
    let huge = format!("{NEW_DECK}# {}\n", "x".repeat(20 * 1024));
    t.send(json!({"type":"save_deck","protocol":1,"content":huge})).await;
    let frame = t.closed().await.expect("a close frame");
    assert!(frame.reason.contains("16 KiB"), "{frame:?}");
    assert_eq!(std::fs::read_to_string(s.scenarios.join("nieuw.toml")).unwrap(), grown);
    s.stop().await;
}

#[tokio::test]
async fn with_a_trainers_key_only_who_brings_it_reads_or_saves_decks() {
    let s = Server::start_with(|c| c.create_key = Some("sleutel-voor-trainers".into())).await;
    let mut t = s.client().await;
    for key in [None, Some("verkeerd")] {
        let ServerMsg::Error { code, message } = save(&mut t, NEW_DECK, key).await else { panic!("refused") };
        assert_eq!(code, ErrorCode::Unauthorized);
        assert!(message.contains("sleutel van de trainers"), "{message}");
        t.send(json!({"type":"get_deck","protocol":1,"id":"samen-werken","key":key})).await;
        assert!(matches!(answer(&mut t).await, ServerMsg::Error { code: ErrorCode::Unauthorized, .. }));
    }
    assert!(!s.scenarios.join("nieuw.toml").exists());
    assert_eq!(save(&mut t, NEW_DECK, Some("sleutel-voor-trainers")).await, ServerMsg::DeckSaved { id: "nieuw".into() });
    s.stop().await;
}

#[tokio::test]
async fn a_check_finds_every_problem_writes_nothing_and_needs_no_key_and_the_list_says_when_a_key_is_asked() {
    let s = Server::start_with(|c| c.create_key = Some("sleutel-voor-trainers".into())).await;
    let mut t = s.client().await;
    let check = |content: &str| json!({"type":"save_deck","protocol":1,"content":content,"check":true});
    t.send(check(&NEW_DECK.replace("statement", "statment"))).await;
    let ServerMsg::DeckProblems { problems } = answer(&mut t).await else { panic!("problems") };
    assert!(problems.iter().any(|p| p.line == 9 && p.message.contains("Bedoel je `statement`?")), "{problems:?}");
    t.send(check(NEW_DECK)).await;
    assert_eq!(answer(&mut t).await, ServerMsg::DeckChecked { id: "nieuw".into() });
    assert!(!s.scenarios.join("nieuw.toml").exists(), "a check writes nothing");
    // A check sees what a save would refuse: an item that answers are stored under, dropped.
    let mut f = s.client().await;
    f.send(json!({"type":"create_session","protocol":1,"scenario":"samen-werken","key":"sleutel-voor-trainers","preview":true})).await;
    let (code, _, _) = f.welcome().await;
    let (mut p, _) = s.player(&code, None).await;
    f.control("open", Some("groen-speeltuin")).await;
    p.session_where("open", |v| v.item.is_some()).await;
    p.answer("groen-speeltuin", "eens").await;
    let shipped = std::fs::read_to_string(integration_tests::shipped_scenarios().join("samen-werken.toml")).unwrap();
    t.send(check(&shipped.replace("id = \"groen-speeltuin\"", "id = \"groen\""))).await;
    let ServerMsg::DeckProblems { problems } = answer(&mut t).await else { panic!("the dropped item") };
    assert!(problems[0].message.contains("\"groen-speeltuin\" staat niet meer in het deck"), "{problems:?}");

    t.send(json!({"type":"list_scenarios","protocol":1})).await;
    let asks = t.expect("scenarios", |m| match m {
        ServerMsg::Scenarios { key_required, .. } => Some(*key_required),
        _ => None,
    });
    assert!(asks.await, "this server asks for the key");
    let open = Server::start().await;
    let mut c = open.client().await;
    c.send(json!({"type":"list_scenarios","protocol":1})).await;
    let asks = c.expect("scenarios", |m| match m {
        ServerMsg::Scenarios { key_required, .. } => Some(*key_required),
        _ => None,
    });
    assert!(!asks.await, "not where no key is asked");
    open.stop().await;
    s.stop().await;
}
