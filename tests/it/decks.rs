//! Scenario files as the server meets them: `validate` for trainers, broken files skipped, running sessions unchanged.

use std::process::Command;

use integration_tests::{Server, limits};
use protocol::ServerMsg;
use serde_json::json;

fn validate(path: &std::path::Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_server-under-test")).arg("validate").arg(path).output().unwrap();
    (out.status.code().unwrap(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[test]
fn validate_passes_the_shipped_decks_and_lists_every_problem_of_a_broken_one() {
    let (code, out) = validate(&integration_tests::shipped_scenarios());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Alle scenariobestanden zijn in orde."));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kapot.toml"),
        "id = \"kapot\"\ntitle = \"Kapot\"\nlanguage = \"nl\"\n[[item]]\nid = \"a\"\nkind = \"dilemma\"\nstatment = \"x\"\n[[item]]\nid = \"s\"\nkind = \"sketch\"\ntitle = \"t\"\nsituation = \"s\"\nduration_s = 5\n",
    )
    .unwrap();
    let (code, out) = validate(dir.path());
    assert_eq!(code, 1, "{out}");
    let file = dir.path().join("kapot.toml").display().to_string();
    assert!(out.contains(&format!("{file}:7:1: Onbekend veld `statment` in item \"a\". Bedoel je `statement`?")), "{out}");
    assert!(out.contains(&format!("{file}:5:1: item \"a\" mist `statement`")), "{out}");
    assert!(out.contains(&format!("{file}:13:14: `duration_s`")), "{out}");
    assert!(out.contains("een sketch heeft er minstens twee nodig"), "{out}");
    assert!(out.contains("4 problemen gevonden"), "{out}");
}

/// The ids of the decks the server offers now.
async fn deck_ids(c: &mut integration_tests::TestClient) -> Vec<String> {
    c.send(json!({"type":"list_scenarios","protocol":1})).await;
    c.expect("scenarios", |m| match m {
        ServerMsg::Scenarios { scenarios, .. } => Some(scenarios.iter().map(|d| d.id.clone()).collect::<Vec<_>>()),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn broken_files_are_skipped_and_the_valid_decks_served() {
    let s = Server::start().await;
    std::fs::write(s.scenarios.join("kapot.toml"), "id = \"kapot\"\ntitle = \n").unwrap();
    // A file far too large to be a deck is not read, and does not hide the others.
    std::fs::write(s.scenarios.join("enorm.toml"), "# \n".repeat(1024 * 1024)).unwrap();
    // A deck in a subfolder is offered too.
    std::fs::create_dir(s.scenarios.join("team-oost")).unwrap();
    let sub = integration_tests::TEST_DECK.replace("id = \"test\"", "id = \"oost\"");
    std::fs::write(s.scenarios.join("team-oost/oost.toml"), sub).unwrap();
    let mut c = s.client().await;
    let ids = deck_ids(&mut c).await;
    assert!(!ids.contains(&"kapot".to_owned()));
    assert!(ids.contains(&"test".to_owned()) && ids.contains(&"samen-werken".to_owned()) && ids.contains(&"oost".to_owned()), "{ids:?}");
    // Fixed in place: the next look reads the changed file (and only that one).
    std::fs::write(s.scenarios.join("kapot.toml"), integration_tests::TEST_DECK.replace("id = \"test\"", "id = \"kapot\"")).unwrap();
    let ids = deck_ids(&mut c).await;
    assert!(ids.contains(&"kapot".to_owned()), "{ids:?}");
    s.stop().await;
}

#[tokio::test]
async fn a_session_keeps_the_deck_it_started_with() {
    let s = Server::start().await;
    let (mut f, _, _) = s.facilitator("test").await;
    let edited = integration_tests::TEST_DECK.replace("Bewoners mogen het groen zelf beheren.", "Een nieuwe tekst.");
    std::fs::write(s.scenarios.join("test.toml"), edited).unwrap();
    f.control("open", Some("a")).await;
    let v = f.session_where("open", |v| v.phase == protocol::Phase::Open).await;
    assert_eq!(v.item.unwrap().statement.as_deref(), Some("Bewoners mogen het groen zelf beheren."));
    let (mut g, _, _) = s.facilitator("test").await;
    g.control("open", Some("a")).await;
    let v = g.session_where("open", |v| v.phase == protocol::Phase::Open).await;
    assert_eq!(v.item.unwrap().statement.as_deref(), Some("Een nieuwe tekst."), "a new session gets the new file");
    s.stop().await;
}

#[tokio::test]
async fn a_client_dropped_for_a_full_queue_hears_1013_when_its_connection_has_room() {
    // A queue of one message: a control's `session` and live tally come in one pass, the second
    // finds it full. The client reads all the time, so its socket has room for the close frame.
    let s = Server::start_with(limits(|l| l.outbox = 1)).await;
    let mut f = s.client().await;
    f.send(json!({"type":"create_session","protocol":1,"preview":true,"scenario":"test"})).await;
    f.welcome().await;
    for i in 0..200 {
        let item = ["a", "b"][i % 2];
        if f.c.send_text(&json!({"type":"control","action":"open","item":item}).to_string()).await.is_err() {
            break;
        }
        loop {
            match f.next(std::time::Duration::from_secs(5)).await {
                dilemma_tools::client::Received::Msg(protocol::ServerMsg::Session { session })
                    if session.item.as_ref().is_some_and(|it| it.id == item) =>
                {
                    break;
                }
                dilemma_tools::client::Received::Msg(_) => {}
                dilemma_tools::client::Received::Closed(frame) => {
                    let frame = frame.expect("a close frame: the socket had room for it");
                    assert_eq!(frame.code, tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::Again, "{frame:?}");
                    s.stop().await;
                    return;
                }
                other => panic!("{other:?}"),
            }
        }
    }
    panic!("a queue of one never overflowed in 200 controls");
}

/// A facilitator on a poor connection (a 4 KiB receive buffer, so the server cannot park megabytes
/// in the kernel) of a big deck (every update to it carries all items, ~200 KB).
async fn slow_facilitator(s: &Server) -> (integration_tests::TestClient, String, String) {
    let mut big = String::from("id = \"groot\"\ntitle = \"Groot\"\nlanguage = \"nl\"\n");
    for i in 0..120 {
        let text = "Een lange stelling over samenwerken in de wijk. ".repeat(30);
        big += &format!("[[item]]\nid = \"s{i}\"\nkind = \"dilemma\"\nstatement = \"{text}\"\n");
    }
    std::fs::write(s.scenarios.join("groot.toml"), big).unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let addr: std::net::SocketAddr = s.url.trim_start_matches("ws://").trim_end_matches("/ws").parse().unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let (ws, _) = tokio_tungstenite::client_async(s.url.as_str(), tokio_tungstenite::MaybeTlsStream::Plain(stream)).await.unwrap();
    let mut f = integration_tests::TestClient { c: dilemma_tools::client::Client { ws }, seen: Vec::new() };
    f.send(json!({"type":"create_session","protocol":1,"preview":true,"scenario":"groot"})).await;
    let (code, token, _) = f.welcome().await;
    (f, code, token)
}

/// Sends `n` controls (below the rate limit) without reading; `true` when the server hung up.
async fn controls_without_reading(f: &mut integration_tests::TestClient, n: usize) -> bool {
    for i in 0..n {
        let open = json!({"type":"control","action":"open","item":format!("s{}", i % 2)}).to_string();
        if f.c.send_text(&open).await.is_err() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(55)).await;
    }
    false
}

#[tokio::test]
async fn a_client_that_cannot_keep_up_is_dropped_and_can_resume() {
    let s = Server::start_with(limits(|l| l.outbox = 4)).await;
    let (mut f, code, token) = slow_facilitator(&s).await;
    let hung_up = controls_without_reading(&mut f, 40).await;
    // Reading now, the client finds the connection closed: with 1013 when the close frame still
    // fit, or simply closed when its buffers were full.
    if !hung_up {
        loop {
            match f.next(std::time::Duration::from_secs(10)).await {
                dilemma_tools::client::Received::Closed(Some(frame)) => {
                    assert_eq!(frame.code, tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::Again);
                    break;
                }
                dilemma_tools::client::Received::Closed(None) => break,
                dilemma_tools::client::Received::Msg(_) => {}
                dilemma_tools::client::Received::Nothing => panic!("the slow client was not dropped"),
            }
        }
    }
    // It comes back with its token, and the session went on.
    let mut again = s.client().await;
    again.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    let w = again.welcomed().await;
    assert_eq!(w.role, protocol::Role::Facilitator);
    assert_eq!(w.session.phase, protocol::Phase::Open);
    s.stop().await;
}

#[tokio::test]
async fn a_client_that_reads_late_but_within_its_queue_is_kept() {
    // The same flood with the default queue: nothing is dropped, and once the client reads it
    // receives every update and is still in control.
    let s = Server::start().await;
    let (mut f, _, _) = slow_facilitator(&s).await;
    assert!(!controls_without_reading(&mut f, 40).await);
    let mut updates = 0;
    while updates < 40 {
        match f.next(std::time::Duration::from_secs(10)).await {
            dilemma_tools::client::Received::Msg(ServerMsg::Session { .. }) => updates += 1,
            dilemma_tools::client::Received::Msg(_) => {}
            other => panic!("after {updates} updates: {other:?}"),
        }
    }
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == protocol::Phase::Ended).await;
    s.stop().await;
}
