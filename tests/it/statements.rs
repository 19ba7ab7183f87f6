//! Statements from the room over real sockets: the facilitator adds one during the session, the
//! room answers it like any other, it survives kill -9, is in the report, and comes out as a deck
//! file that validates.

use integration_tests::{TEST_DECK, TestClient};
use protocol::{ErrorCode, Phase, ReportFormat, ServerMsg};
use serde_json::json;

use crate::process::{Binary, scenario_dir};

async fn refused(c: &mut TestClient, msg: serde_json::Value, code: ErrorCode, says: &str) {
    c.send(msg.clone()).await;
    let (got, message) = c.error().await;
    assert_eq!(got, code, "{msg}: {message}");
    assert!(message.contains(says), "{msg}: {message}");
}

async fn report(f: &mut TestClient, format: &str) -> String {
    f.send(json!({"type":"export","format":format})).await;
    f.expect("report", |m| match m {
        ServerMsg::Report { content, format: ReportFormat::Toml, .. } => Some(content.clone()),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn a_statement_from_the_room_is_played_like_any_other_kept_through_kill_9_and_saved_as_a_deck() {
    let dir = scenario_dir(&[("test.toml", TEST_DECK)]);
    let b = Binary::start(dir.path(), 0).await;
    let port = b.port;
    let (mut f, code, token) = b.facilitator("test").await;
    let mut players = Vec::new();
    for _ in 0..3 {
        let mut p = b.client().await;
        p.send(json!({"type":"join","protocol":1,"code":code})).await;
        let w = p.welcomed().await;
        players.push((p, w.token));
    }

    refused(&mut f, json!({"type":"export","format":"toml"}), ErrorCode::BadRequest, "geen stellingen uit de zaal").await;
    refused(&mut f, json!({"type":"add_statement","statement":" \u{7} "}), ErrorCode::BadRequest, "zonder tekst").await;
    refused(&mut f, json!({"type":"add_statement","statement":"x".repeat(301)}), ErrorCode::BadRequest, "hoogstens 300").await;
    refused(&mut f, json!({"type":"add_statement","statement":"S","options":["Alleen"]}), ErrorCode::BadRequest, "2 tot 6").await;
    refused(&mut players[0].0, json!({"type":"add_statement","statement":"Van mij"}), ErrorCode::Unauthorized, "").await;

    f.send(json!({"type":"add_statement","statement":"Wij  mailen liever\tdan dat we bellen."})).await;
    let s = f.session_where("the statement added", |s| s.items.as_ref().is_some_and(|i| i.len() == 5)).await;
    let added = s.items.unwrap().pop().unwrap();
    assert_eq!(
        (added.id.as_str(), added.statement.as_deref(), added.from_room),
        ("zaal-1", Some("Wij mailen liever dan dat we bellen."), true)
    );
    assert_eq!(
        added.options.iter().map(|o| o.label.as_str()).collect::<Vec<_>>(),
        ["Eens", "Oneens", "Hangt ervan af"],
        "the default options"
    );
    assert_eq!(added.themes, ["uit de zaal"]);
    f.send(json!({"type":"add_statement","statement":"Een vaste contactpersoon helpt.","options":["Ja","Nee"]})).await;
    let s = f.session_where("the second", |s| s.items.as_ref().is_some_and(|i| i.len() == 6)).await;
    assert_eq!(s.items.unwrap()[5].options.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["ja", "nee"]);

    f.control("open", Some("zaal-1")).await;
    for ((p, _), choice) in players.iter_mut().zip(["eens", "eens", "oneens"]) {
        let s = p.session_where("zaal-1 open", |s| s.item.as_ref().is_some_and(|i| i.id == "zaal-1")).await;
        assert_eq!(s.item.unwrap().statement.as_deref(), Some("Wij mailen liever dan dat we bellen."));
        p.answer("zaal-1", choice).await;
    }
    f.tally_where("three answers", |t| t.item == "zaal-1" && t.total == 3).await;

    // kill -9: the statements and their answers are still there.
    let mut b = b;
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    let b = Binary::start(dir.path(), port).await;
    let mut f = b.client().await;
    f.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    let (_, _, s) = f.welcome().await;
    let items = s.items.unwrap();
    assert_eq!(items.iter().filter(|i| i.from_room).map(|i| i.id.as_str()).collect::<Vec<_>>(), ["zaal-1", "zaal-2"]);
    let mut p = b.client().await;
    p.send(json!({"type":"resume","protocol":1,"code":code,"token":players[0].1})).await;
    assert_eq!(p.welcomed().await.answers.get("zaal-1").map(String::as_str), Some("eens"));
    f.control("reveal", None).await;
    let t = p.tally_where("the reveal", |t| t.item == "zaal-1").await;
    assert_eq!((t.total, t.percentages["eens"]), (3, 67));
    f.send(json!({"type":"add_statement","statement":"Nog een, na de crash."})).await;
    let s = f.session_where("a third", |s| s.items.as_ref().is_some_and(|i| i.iter().any(|i| i.id == "zaal-3"))).await;
    assert_eq!(s.count, 7, "the deck's four and three from the room");

    // The deck file: what the server sends validates, and is what `export --format toml` writes.
    let toml = report(&mut f, "toml").await;
    let deck = protocol::scenario::parse_deck("zaal.toml", &toml).expect("the deck file validates");
    assert_eq!(deck.id, format!("zaal-{}", code.to_lowercase()));
    assert_eq!(
        deck.items.iter().map(|i| i.statement().unwrap()).collect::<Vec<_>>(),
        ["Wij mailen liever dan dat we bellen.", "Een vaste contactpersoon helpt.", "Nog een, na de crash."]
    );
    assert_eq!(deck.items[1].options().iter().map(|o| o.label.as_str()).collect::<Vec<_>>(), ["Ja", "Nee"]);
    assert!(toml.starts_with(&format!("# Stellingen uit de zaal van sessie {code}")), "{toml}");
    f.send(json!({"type":"export","format":"toml","series":true})).await;
    assert_eq!(f.error().await.0, ErrorCode::BadRequest);
    let db = dir.path().join("workshop.db");
    let (ok, out, err) = crate::process::server_cli(&db, &["export".as_ref(), code.as_ref(), "--format".as_ref(), "toml".as_ref()]);
    assert!(ok, "{err}");
    assert_eq!(String::from_utf8(out).unwrap(), toml);
    let (ok, out, _) = crate::process::server_cli(&db, &["export".as_ref(), code.as_ref(), "--format".as_ref(), "md".as_ref()]);
    assert!(ok);
    let md = String::from_utf8(out).unwrap();
    assert!(md.contains("## 5. Wij mailen liever dan dat we bellen.") && md.contains("### uit de zaal"), "{md}");

    // A session without statements from the room: the CLI says so and fails.
    let (mut g, other, _) = b.facilitator("test").await;
    g.control("end", None).await;
    g.session_where("ended", |s| s.phase == Phase::Ended).await;
    let (ok, _, err) = crate::process::server_cli(&db, &["export".as_ref(), other.as_ref(), "--format".as_ref(), "toml".as_ref()]);
    assert!(!ok && err.contains("geen stellingen uit de zaal"), "{err}");
}
