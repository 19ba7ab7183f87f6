//! Behind the repository's own Caddyfile: a room plays over HTTPS/WSS, each client keeps its own budget whatever it writes in X-Forwarded-For, and the pages say the public https address.

use integration_tests::{Server, TestClient, limits};
use protocol::{ErrorCode, Phase};
use serde_json::json;
use session_server::address::PublicUrl;
use session_server::forwarded::Proxies;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::hosted::{Caddy, get, local, trusting};

#[tokio::test]
async fn a_room_plays_behind_caddy_and_a_guesser_there_spends_only_its_own_budget() {
    let s = Server::start_with(|c| {
        c.trusted_proxies = Proxies::parse("127.0.0.1,::1").unwrap();
        c.public_url = Some(PublicUrl::parse("https://dilemma.test/").unwrap());
        limits(|l| l.join_failure_budget = 3)(c);
    })
    .await;
    let Some(caddy) = Caddy::start(s.addr()).await else { return };
    let tls = trusting(&[&caddy.pair.cert]);
    let mut f = TestClient::connect(caddy.wss(), Some(local(110)), Some(tls.clone())).await;
    f.send(json!({"type":"create_session","protocol":1,"preview":true,"scenario":"test"})).await;
    let (code, _, _) = f.welcome().await;
    // A guesser writing a new X-Forwarded-For each time: Caddy puts the real address, the budget holds.
    let mut refused_after = None;
    for n in 0..6 {
        let mut req = caddy.wss().into_client_request().unwrap();
        req.headers_mut().insert("x-forwarded-for", format!("203.0.113.{n}").parse().unwrap());
        let mut g = TestClient::connect(req, Some(local(111)), Some(tls.clone())).await;
        g.send(json!({"type":"join","protocol":1,"code":"ZZZZZZ"})).await;
        if g.error().await.0 == ErrorCode::RateLimited {
            refused_after = Some(n);
            break;
        }
    }
    assert_eq!(refused_after, Some(3));
    let mut players = Vec::new();
    for n in 0..3 {
        let mut p = TestClient::connect(caddy.wss(), Some(local(112 + n)), Some(tls.clone())).await;
        p.send(json!({"type":"join","protocol":1,"code":code})).await;
        p.welcome().await;
        players.push(p);
    }
    f.control("open", Some("a")).await;
    for p in &mut players {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", "hangt_af").await;
    }
    f.tally_where("three answers through Caddy", |t| t.total == 3).await;
    let watch = get(caddy.addr(), local(115), Some(tls), &format!("127.0.0.1:{}", caddy.port), &format!("/watch?code={code}"), "").await;
    assert_eq!(watch.status, 200, "{}", watch.head);
    assert!(watch.body.contains("https://dilemma.test"), "{}", watch.body);
    assert_eq!(watch.header("strict-transport-security"), Some("max-age=31536000"), "Caddy said https: {}", watch.head);
}
