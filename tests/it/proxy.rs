//! Behind the repository's own nginx site with TLS: every per-address rule holds per real client, forwarded headers count only from the trusted proxy, and the pages announce the public https address.

use std::net::IpAddr;
use std::sync::Arc;

use integration_tests::{Server, TestClient, limits};
use protocol::{ErrorCode, Phase};
use serde_json::json;
use session_server::address::PublicUrl;
use session_server::forwarded::Proxies;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::hosted::{Nginx, get, local, trusting};

/// A server that trusts the nginx in front of it (nginx reaches it from 127.0.0.1; the test's
/// clients come from other addresses of 127.0.0.0/8), known to phones as https://dilemma.test/.
async fn behind_nginx(tune: impl FnOnce(&mut session_server::Limits)) -> Option<(Server, Nginx, Arc<rustls::ClientConfig>)> {
    let s = Server::start_with(|c| {
        c.trusted_proxies = Proxies::parse("127.0.0.1").unwrap();
        c.public_url = Some(PublicUrl::parse("https://dilemma.test/").unwrap());
        limits(tune)(c);
    })
    .await;
    let nginx = Nginx::start(s.addr()).await?;
    let tls = trusting(&[&nginx.pair.cert]);
    Some((s, nginx, tls))
}

async fn through(nginx: &Nginx, tls: &Arc<rustls::ClientConfig>, from: IpAddr) -> TestClient {
    TestClient::connect(nginx.wss(), Some(from), Some(tls.clone())).await
}

async fn create(c: &mut TestClient) -> Result<String, ErrorCode> {
    c.send(json!({"type":"create_session","protocol":1,"preview":true,"scenario":"test"})).await;
    c.expect("welcome or error", |m| match m {
        protocol::ServerMsg::Welcome { code, .. } => Some(Ok(code.clone())),
        protocol::ServerMsg::Error { code, .. } => Some(Err(*code)),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn twelve_facilitators_from_twelve_addresses_behind_the_proxy_each_have_their_own_session_quota() {
    let Some((s, nginx, tls)) = behind_nginx(|_| {}).await else { return };
    for n in 0..12 {
        let mut f = through(&nginx, &tls, local(20 + n)).await;
        create(&mut f).await.unwrap_or_else(|e| panic!("facilitator {n}: {e:?}\n{}", nginx.log()));
    }
    // The first address creates four more (five in all) and is then held to its quota...
    for _ in 0..4 {
        create(&mut through(&nginx, &tls, local(20)).await).await.unwrap();
    }
    assert_eq!(create(&mut through(&nginx, &tls, local(20)).await).await, Err(ErrorCode::RateLimited));
    // ...while another address behind the same proxy still creates.
    create(&mut through(&nginx, &tls, local(21)).await).await.unwrap();
    let db = rusqlite::Connection::open(&s.db).unwrap();
    let sessions: i64 = db.query_row("SELECT count(*) FROM sessions", [], |r| r.get(0)).unwrap();
    assert_eq!(sessions, 17);
}

#[tokio::test]
async fn a_guesser_behind_the_proxy_spends_only_its_own_budget_while_a_room_joins_through_the_same_proxy() {
    let Some((_s, nginx, tls)) = behind_nginx(|l| l.join_failure_budget = 5).await else { return };
    let mut f = through(&nginx, &tls, local(31)).await;
    let code = create(&mut f).await.unwrap();
    // Wrong codes from one client, which also writes X-Forwarded-For of its own to escape: nginx
    // appends the real address, and the server believes only what is right of the proxy. It guesses
    // while the room joins.
    let (wss, guess_tls, right) = (nginx.wss(), tls.clone(), code.clone());
    let guesser = tokio::spawn(async move {
        let mut wrong = 0;
        for n in 0..8 {
            let mut req = wss.as_str().into_client_request().unwrap();
            req.headers_mut().insert("x-forwarded-for", format!("203.0.113.{n}").parse().unwrap());
            let mut g = TestClient::connect(req, Some(local(30)), Some(guess_tls.clone())).await;
            g.send(json!({"type":"join","protocol":1,"code":"ZZZZZZ"})).await;
            match g.error().await.0 {
                ErrorCode::UnknownSession => wrong += 1,
                ErrorCode::RateLimited => break,
                other => panic!("{other:?}"),
            }
        }
        let mut g = TestClient::connect(wss.as_str(), Some(local(30)), Some(guess_tls)).await;
        g.send(json!({"type":"join","protocol":1,"code":right})).await;
        (wrong, g.error().await.0)
    });

    // The room, from other addresses behind the same proxy, joins and every answer counts.
    let mut players = Vec::new();
    for n in 0..6 {
        let mut p = through(&nginx, &tls, local(40 + n)).await;
        p.send(json!({"type":"join","protocol":1,"code":code})).await;
        p.welcome().await;
        players.push(p);
    }
    let (wrong, then) = guesser.await.unwrap();
    assert_eq!(wrong, 5, "the budget of one client, whatever it writes in its headers");
    assert_eq!(then, ErrorCode::RateLimited, "spent is spent, even for the right code");
    f.control("open", Some("a")).await;
    for p in &mut players {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", "eens").await;
    }
    f.tally_where("six answers through the proxy", |t| t.total == 6).await;
}

#[tokio::test]
async fn forwarding_headers_from_a_peer_that_is_not_a_trusted_proxy_are_ignored() {
    let s = Server::start_with(|c| {
        c.trusted_proxies = Proxies::parse("127.0.0.1").unwrap();
        limits(|l| l.join_failure_budget = 4)(c);
    })
    .await;
    // Straight to the server from 127.0.0.50, which is not the proxy, with a new address each time.
    let mut refused = None;
    for n in 0..8 {
        let mut req = s.url.as_str().into_client_request().unwrap();
        req.headers_mut().insert("x-forwarded-for", format!("198.51.100.{n}").parse().unwrap());
        req.headers_mut().insert("forwarded", format!("for=203.0.113.{n}").parse().unwrap());
        let mut g = TestClient::connect(req, Some(local(50)), None).await;
        g.send(json!({"type":"join","protocol":1,"code":"ZZZZZZ"})).await;
        if g.error().await.0 == ErrorCode::RateLimited {
            refused = Some(n);
            break;
        }
    }
    assert_eq!(refused, Some(4), "its own budget ran out after four wrong codes");
    // From the trusted proxy, a header that cannot be read is a clear 400, not a guess.
    let a = get(s.addr(), local(1), None, "localhost", "/", "X-Forwarded-For: not-an-address\r\n").await;
    assert_eq!(a.status, 400, "{}", a.head);
    assert!(a.body.contains("forwarding headers"), "{}", a.body);
    // Nor can a forwarding header that is not text make the proxy's own line vanish and leave
    // a Forwarded of the client's making to be believed.
    let a = crate::hosted::request(
        s.addr(),
        local(1),
        None,
        "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: \u{ff}\r\nForwarded: for=198.51.100.9\r\n\r\n",
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.head);
    // A client the proxy forwards is never this machine: no deck editing without a key.
    let mut req = s.url.as_str().into_client_request().unwrap();
    req.headers_mut().insert("x-forwarded-for", "127.0.0.1".parse().unwrap());
    let mut c = TestClient::connect(req, Some(local(1)), None).await;
    c.send(json!({"type":"get_deck","protocol":1,"id":"test"})).await;
    assert_eq!(c.error().await.0, ErrorCode::Unauthorized, "the proxy's client is not the server's own machine");
    c.send(json!({"type":"save_deck","protocol":1,"content":"id = \"x\"\ntitle = \"X\"\n"})).await;
    assert_eq!(c.error().await.0, ErrorCode::Unauthorized, "nor may it save one");
    let mut direct = TestClient::connect(s.url.as_str(), Some(local(60)), None).await;
    direct.send(json!({"type":"get_deck","protocol":1,"id":"test"})).await;
    assert!(
        matches!(direct.expect("the deck", |m| Some(m.clone())).await, protocol::ServerMsg::Deck { .. }),
        "a local peer that is no proxy is"
    );
}

#[tokio::test]
async fn through_the_proxy_the_qr_code_and_projector_page_carry_the_public_https_address_with_hsts() {
    let Some((_s, nginx, tls)) = behind_nginx(|_| {}).await else { return };
    let mut f = through(&nginx, &tls, local(70)).await;
    // The apps learn the public address with the decks, for their own QR code.
    f.send(json!({"type":"list_scenarios","protocol":1})).await;
    let public = f.expect("scenarios", |m| match m {
        protocol::ServerMsg::Scenarios { public_url, .. } => Some(public_url.clone()),
        _ => None,
    });
    assert_eq!(public.await.as_deref(), Some("https://dilemma.test"));
    let code = create(&mut f).await.unwrap();
    let host = format!("localhost:{}", nginx.port);
    let watch = get(nginx.addr(), local(71), Some(tls.clone()), &host, &format!("/watch?code={code}"), "").await;
    assert_eq!(watch.status, 200, "{}", watch.head);
    assert!(watch.body.contains("https://dilemma.test"), "{}", watch.body);
    assert!(!watch.body.contains("http://127.0.0.1") && !watch.body.contains("http://localhost"), "{}", watch.body);
    assert_eq!(watch.header("strict-transport-security"), Some("max-age=31536000"), "the proxy said https: {}", watch.head);
    let qr = get(nginx.addr(), local(71), Some(tls.clone()), &host, &format!("/qr.svg?code={code}"), "").await;
    assert_eq!(qr.body, session_server::web::qr_svg(&format!("https://dilemma.test/?code={code}")), "the QR code holds the public address");
    let health = get(nginx.addr(), local(71), Some(tls.clone()), &host, "/healthz", "").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    let metrics = get(nginx.addr(), local(71), Some(tls.clone()), &host, "/metrics", "").await;
    assert_eq!(metrics.status, 404, "metrics are on their own port only");
    // A page of the public address, or of the address the browser reached (nginx passes its Host
    // on), may open the websocket; a page elsewhere may not.
    let reached = format!("https://{}", nginx.addr());
    for (origin, ok) in [("https://dilemma.test", true), (reached.as_str(), true), ("https://evil.example", false)] {
        let mut req = nginx.wss().into_client_request().unwrap();
        req.headers_mut().insert("origin", origin.parse().unwrap());
        let connector = tokio_tungstenite::Connector::Rustls(tls.clone());
        let tcp = dilemma_tools::tls::connect_from(local(72), nginx.addr()).await.unwrap();
        let r = tokio_tungstenite::client_async_tls_with_config(req, tcp, None, Some(connector)).await;
        assert_eq!(r.is_ok(), ok, "{origin}: {:?}", r.err());
    }
}

#[tokio::test]
async fn a_phone_plays_through_the_proxy_over_https_and_wss_and_a_reload_keeps_its_answer() {
    let Some(driver) = crate::browser::Driver::start().await else { return };
    // No public address here: the page's origin is the address the phone reached, which nginx
    // passes on as Host.
    let s = Server::start_with(|c| c.trusted_proxies = Proxies::parse("127.0.0.1").unwrap()).await;
    let Some(nginx) = Nginx::start(s.addr()).await else { return };
    let tls = trusting(&[&nginx.pair.cert]);
    let mut f = through(&nginx, &tls, local(80)).await;
    let code = create(&mut f).await.unwrap();
    let mut others = Vec::new();
    for n in 0..2 {
        let mut p = through(&nginx, &tls, local(81 + n)).await;
        p.send(json!({"type":"join","protocol":1,"code":code})).await;
        p.welcome().await;
        others.push(p);
    }
    let phone = driver.phone_accepting_test_certificates().await;
    let base = format!("https://localhost:{}", nginx.port);
    crate::pages::join_from_url(&phone, &format!("{base}/?code={code}")).await;
    assert_eq!(phone.js("return location.protocol", vec![]).await, json!("https:"));
    f.control("open", Some("a")).await;
    phone.wait_text(".statement", "Bewoners mogen").await;
    phone.tap("button[data-key=opt-oneens]").await;
    phone.wait_text("#answer-note", "opgeslagen").await;
    for p in &mut others {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", "eens").await;
    }
    f.tally_where("the phone's answer and two more, through the proxy", |t| t.total == 3 && t.counts["oneens"] == 1).await;
    // A reload over HTTPS resumes with the answer.
    phone.js("location.reload(); return true;", vec![]).await;
    phone.wait_for("resumed after a reload", "document.querySelector('[data-key=opt-oneens]') && document.querySelector('[data-key=opt-oneens]').getAttribute('aria-pressed') === 'true'").await;
    f.control("close", None).await;
    f.control("reveal", None).await;
    phone.wait_for("the result", "document.querySelector('.result') !== null").await;
    let shown = crate::pages::shown_result(&phone).await;
    let t = f.tally_where("revealed", |t| t.total == 3).await;
    assert_eq!(shown[0].1, format!("{}%", t.percentages["eens"]), "{shown:?}");
    assert_eq!(shown[1].1, format!("{}%", t.percentages["oneens"]), "{shown:?}");
    phone.close().await;
}

#[tokio::test]
async fn behind_the_proxy_each_client_has_its_own_connection_cap() {
    let Some((s, nginx, tls)) = behind_nginx(|l| l.connections_per_address = 3).await else { return };
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(through(&nginx, &tls, local(90)).await);
    }
    // The fourth from the same client is refused (503 through the proxy)...
    let fourth = dilemma_tools::client::Client::connect_with(nginx.wss(), Some(local(90)), Some(tls.clone())).await;
    match fourth {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 503),
        other => panic!("a fourth connection from one client behind the proxy: {:?}", other.map(|_| "admitted")),
    }
    // ...while another client behind the same proxy, on the same proxy connection pool, gets in.
    for n in 0..3 {
        let mut c = through(&nginx, &tls, local(91 + n)).await;
        create(&mut c).await.unwrap();
    }
    let metrics = get(s.metrics, local(1), None, "localhost", "/metrics", "").await.body;
    assert!(metrics.lines().any(|l| l == "dilemma_connections_refused_total{limit=\"connections_per_address\"} 1"), "{metrics}");
    drop(held.pop());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut back = through(&nginx, &tls, local(90)).await;
    create(&mut back).await.unwrap();
}
