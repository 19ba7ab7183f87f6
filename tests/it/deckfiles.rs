//! Deck files are written safely: a save never overwrites a file that holds another deck or a draft, never writes through a planted link, never tears a file when two trainers save at once, and refuses a deck id found in two files, while a room plays on.

use integration_tests::{Server, TestClient};
use protocol::{Phase, ServerMsg};
use serde_json::json;

fn deck(id: &str, statement: &str) -> String {
    format!(
        "id = \"{id}\"\ntitle = \"Deck {id}\"\nlanguage = \"nl\"\n\n[[item]]\nid = \"eerste\"\nkind = \"dilemma\"\nstatement = \"{statement}\"\n"
    )
}

async fn save(c: &mut TestClient, content: &str) -> ServerMsg {
    c.send(json!({"type":"save_deck","protocol":1,"content":content})).await;
    c.expect("deck answer", |m| {
        matches!(m, ServerMsg::DeckSaved { .. } | ServerMsg::DeckProblems { .. } | ServerMsg::Error { .. }).then(|| m.clone())
    })
    .await
}

fn problems(m: &ServerMsg) -> String {
    match m {
        ServerMsg::DeckProblems { problems } => problems.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join(" | "),
        other => panic!("problems expected, got {other:?}"),
    }
}

#[tokio::test]
async fn a_new_deck_never_takes_the_file_of_another_deck_or_of_a_draft() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == Phase::Open).await;

    // nieuw.toml holds the deck "ander"; klad.toml is a trainer's draft that does not parse.
    std::fs::write(s.scenarios.join("nieuw.toml"), deck("ander", "Van een ander.")).unwrap();
    std::fs::write(s.scenarios.join("klad.toml"), "id = \"klad\"\ntitle = \n# half af\n").unwrap();
    let mut t = s.client().await;
    assert_eq!(save(&mut t, &deck("nieuw", "Nieuw.")).await, ServerMsg::DeckSaved { id: "nieuw".into() });
    assert_eq!(save(&mut t, &deck("klad", "Klad.")).await, ServerMsg::DeckSaved { id: "klad".into() });
    assert_eq!(
        std::fs::read_to_string(s.scenarios.join("nieuw.toml")).unwrap(),
        deck("ander", "Van een ander."),
        "the other deck is whole"
    );
    assert_eq!(
        std::fs::read_to_string(s.scenarios.join("klad.toml")).unwrap(),
        "id = \"klad\"\ntitle = \n# half af\n",
        "the draft is whole"
    );
    assert_eq!(std::fs::read_to_string(s.scenarios.join("nieuw-2.toml")).unwrap(), deck("nieuw", "Nieuw."));
    assert_eq!(std::fs::read_to_string(s.scenarios.join("klad-2.toml")).unwrap(), deck("klad", "Klad."));
    // Saving "nieuw" again goes to the file that holds it now.
    assert_eq!(save(&mut t, &deck("nieuw", "Nieuw, beter.")).await, ServerMsg::DeckSaved { id: "nieuw".into() });
    assert_eq!(std::fs::read_to_string(s.scenarios.join("nieuw-2.toml")).unwrap(), deck("nieuw", "Nieuw, beter."));
    assert!(!s.scenarios.join("nieuw-3.toml").exists());

    p.answer("a", "eens").await;
    f.tally_where("the room played on", |t| t.total + t.withheld == 1).await;
}

#[tokio::test]
async fn a_planted_link_is_never_written_through() {
    let s = Server::start().await;
    let p = s.facilitator("test").await.0;
    let db_before = std::fs::read(&s.db).unwrap();
    // A link where the old, fixed temporary name was, pointing at the database.
    std::os::unix::fs::symlink(&s.db, s.scenarios.join("test.toml.bewaren")).unwrap();
    let mut t = s.client().await;
    let changed = integration_tests::TEST_DECK.replace("Geld is het antwoord.", "Geld is soms het antwoord.");
    assert_eq!(save(&mut t, &changed).await, ServerMsg::DeckSaved { id: "test".into() });
    assert_eq!(std::fs::read_to_string(s.scenarios.join("test.toml")).unwrap(), changed);
    assert!(std::fs::symlink_metadata(s.scenarios.join("test.toml.bewaren")).unwrap().file_type().is_symlink(), "the link is left alone");
    assert!(std::fs::read(&s.db).unwrap().len() >= db_before.len() / 2, "the database is not overwritten");
    // A deck file that is itself a link to a file elsewhere: refused, the file elsewhere unchanged.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("extern.toml"), deck("extern", "Buiten de map.")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path().join("extern.toml"), s.scenarios.join("extern.toml")).unwrap();
    let m = save(&mut t, &deck("extern", "Gekaapt.")).await;
    assert!(problems(&m).contains("koppeling"), "{m:?}");
    assert_eq!(std::fs::read_to_string(elsewhere.path().join("extern.toml")).unwrap(), deck("extern", "Buiten de map."));
    // A deck in a linked folder: refused too, the folder elsewhere unchanged.
    let linked = tempfile::tempdir().unwrap();
    std::fs::write(linked.path().join("gedeeld.toml"), deck("gedeeld", "In een gedeelde map.")).unwrap();
    std::os::unix::fs::symlink(linked.path(), s.scenarios.join("gedeeld")).unwrap();
    let m = save(&mut t, &deck("gedeeld", "Gekaapt.")).await;
    assert!(problems(&m).contains("buiten de scenariomap"), "{m:?}");
    assert_eq!(std::fs::read_to_string(linked.path().join("gedeeld.toml")).unwrap(), deck("gedeeld", "In een gedeelde map."));
    // The server still stores: a room plays.
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut player, _) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    player.session_where("open", |v| v.phase == Phase::Open).await;
    player.answer("a", "eens").await;
    f.tally_where("stored and counted", |t| t.total + t.withheld == 1).await;
    drop(p);
}

#[tokio::test]
async fn two_trainers_saving_at_once_leave_one_whole_deck() {
    let s = Server::start().await;
    let versions: Vec<String> = (0..8).map(|n| deck("samen", &format!("Versie {n}: {}", "lang ".repeat(400)))).collect();
    let mut tasks = Vec::new();
    for v in versions.clone() {
        let url = s.url.clone();
        tasks.push(tokio::spawn(async move {
            let mut t = TestClient::connect(url.as_str(), None, None).await;
            save(&mut t, &v).await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), ServerMsg::DeckSaved { id: "samen".into() });
    }
    let file = std::fs::read_to_string(s.scenarios.join("samen.toml")).unwrap();
    assert!(versions.contains(&file), "one whole version, not a mix");
    let leftovers: Vec<_> = std::fs::read_dir(&s.scenarios)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".bewaren"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(!s.scenarios.join("samen-2.toml").exists(), "all saves went to the one file");
}

#[tokio::test]
async fn a_deck_id_in_two_files_is_refused_and_neither_file_written() {
    let s = Server::start().await;
    std::fs::copy(s.scenarios.join("test.toml"), s.scenarios.join("test-kopie.toml")).unwrap();
    let mut t = s.client().await;
    let m = save(&mut t, &integration_tests::TEST_DECK.replace("Geld is het antwoord.", "Anders.")).await;
    let said = problems(&m);
    assert!(said.contains("test.toml") && said.contains("test-kopie.toml") && said.contains("niets is bewaard"), "{said}");
    for f in ["test.toml", "test-kopie.toml"] {
        assert_eq!(std::fs::read_to_string(s.scenarios.join(f)).unwrap(), integration_tests::TEST_DECK, "{f}");
    }
}
