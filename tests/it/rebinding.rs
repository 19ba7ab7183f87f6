//! A web page in the facilitator's own browser (DNS rebinding): names the server does not have get nothing, and a browser page is never "this machine" with its trainer rights, while a room plays on.

use integration_tests::{Server, TestClient};
use protocol::{ErrorCode, Phase, ServerMsg};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::hosted::{get, local};

/// A websocket handshake as a browser page would make it: with its own `Host` and `Origin`.
async fn browser_ws(s: &Server, host: &str, origin: &str) -> Result<TestClient, tokio_tungstenite::tungstenite::Error> {
    let mut req = s.url.as_str().into_client_request().unwrap();
    req.headers_mut().insert("host", host.parse().unwrap());
    req.headers_mut().insert("origin", origin.parse().unwrap());
    dilemma_tools::client::Client::connect_with(req, None, None).await.map(|c| TestClient { c, seen: Vec::new() })
}

#[tokio::test]
async fn a_page_that_points_its_own_name_at_the_laptop_gets_nothing_and_cannot_touch_the_decks() {
    let s = Server::start().await;
    let port = s.addr().port();
    // The room, playing all along.
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == Phase::Open).await;

    // evil.example now resolves to 127.0.0.1: its page and its websocket are refused by name.
    let evil = format!("evil.example:{port}");
    let page = get(s.addr(), local(1), None, &evil, "/", "").await;
    assert_eq!(page.status, 421, "{}", page.head);
    assert!(page.header("content-security-policy").is_some() && page.header("x-content-type-options") == Some("nosniff"), "{}", page.head);
    match browser_ws(&s, &evil, &format!("http://{evil}")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 421),
        Err(e) => panic!("refused, but not by name: {e}"),
        Ok(_) => panic!("a page of another name opened the websocket"),
    }
    // A page of the laptop itself (the projector page in its browser) opens the websocket but, being
    // a browser page, may not read or save deck files without the key.
    let own = format!("127.0.0.1:{port}");
    let mut page_ws = browser_ws(&s, &own, &format!("http://{own}")).await.expect("the server's own page may open the websocket");
    page_ws.send(json!({"type":"get_deck","protocol":1,"id":"test"})).await;
    assert_eq!(page_ws.error().await.0, ErrorCode::Unauthorized);
    page_ws
        .send(json!({"type":"save_deck","protocol":1,"content":integration_tests::TEST_DECK.replace("Geld is het antwoord.", "Gekaapt.")}))
        .await;
    assert_eq!(page_ws.error().await.0, ErrorCode::Unauthorized);
    assert!(std::fs::read_to_string(s.scenarios.join("test.toml")).unwrap().contains("Geld is het antwoord."), "the deck is untouched");
    // The desktop app on the laptop (no Origin) still may.
    let mut app = s.client().await;
    app.send(json!({"type":"get_deck","protocol":1,"id":"test"})).await;
    assert!(matches!(app.expect("the deck", |m| Some(m.clone())).await, ServerMsg::Deck { .. }));

    p.answer("a", "eens").await;
    f.tally_where("the room played on", |t| t.total + t.withheld == 1).await;
    // A Host that is not text is refused, not taken for "no Host".
    let raw = b"GET / HTTP/1.1\r\nHost: \xff\xfe.example\r\n\r\n";
    let mut tcp = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut tcp, raw).await.unwrap();
    let mut got = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut tcp, &mut got).await.unwrap();
    assert!(got.starts_with(b"HTTP/1.1 400"), "{}", String::from_utf8_lossy(&got));
    // The health check answers to any name (a monitor may use an internal one).
    assert_eq!(get(s.addr(), local(1), None, "dilemma-01.intern", "/healthz", "").await.status, 200);
}

#[tokio::test]
async fn a_name_the_operator_allowed_is_answered() {
    let s = Server::start_with(|c| c.allowed_hosts = vec!["laptop-42.local".into()]).await;
    let host = format!("laptop-42.local:{}", s.addr().port());
    assert_eq!(get(s.addr(), local(1), None, &host, "/", "").await.status, 200);
    assert!(browser_ws(&s, &host, &format!("http://{host}")).await.is_ok());
    assert_eq!(get(s.addr(), local(1), None, "laptop-43.local", "/", "").await.status, 421);
}

#[tokio::test]
async fn a_page_with_a_code_costs_a_guess_so_its_language_finds_no_codes() {
    let s = Server::start_with(integration_tests::limits(|l| {
        l.join_failure_budget = 3;
        l.join_failure_refill = std::time::Duration::from_secs(3600);
        l.loopback_unlimited = false;
    }))
    .await;
    let (_f, code, _) = s.facilitator("working-together").await;
    let page = |code: String| {
        let addr = s.addr();
        async move { crate::hosted::get(addr, crate::hosted::local(9), None, "127.0.0.1", &format!("/?code={code}"), "").await }
    };
    assert!(page(code.clone()).await.body.contains("lang=\"en\""), "the join link of an English session speaks English");
    for wrong in ["ZZZZZZ", "YYYYYY", "XXXXXX"] {
        assert!(page(wrong.into()).await.body.contains("lang=\"nl\""));
    }
    // The wrong codes spent this address's guesses: now even the right one tells nothing.
    assert!(page(code.clone()).await.body.contains("lang=\"nl\""), "no free oracle of codes");
    s.stop().await;
}
