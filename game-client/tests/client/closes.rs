//! Closes that are final stay final (the same member opened elsewhere, another protocol version); a server restart comes back by itself.

use std::time::Duration;

use game_client::connection_thread::{Final, Link, NetCmd, NetEvent, NetHandle};
use game_client::ui::Action;
use integration_tests::Server;
use protocol::ClientMsg;

use crate::peer::Peer;

/// No attempt to connect again within `wait`: the link stays as it is.
async fn stays_closed(net: &mut NetHandle, wait: Duration) {
    while let Some(ev) = net.recv_timeout(wait).await {
        assert!(!matches!(ev, NetEvent::Link(Link::Connecting | Link::Connected)), "a final close was retried: {ev:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn opened_on_another_device_is_final_here_until_the_player_takes_over() {
    let server = Server::start().await;
    let (_f, code, _) = server.facilitator("test").await;
    let mut phone = Peer::connect(&server.url);
    phone.until("scenarios", |v| !v.scenarios.is_empty()).await;
    phone.act(Action::Join { code: code.clone(), name: None, team: None });
    phone.until("welcome", |v| v.token.is_some()).await;
    let token = phone.view.token.clone().unwrap();
    // The same player opens the session on a laptop: the phone is closed for good, says why, and waits.
    let mut laptop = server.client().await;
    laptop.send(serde_json::json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    laptop.welcome().await;
    phone.until("closed for good", |v| v.closed_for_good() == Some(Final::OpenedElsewhere)).await;
    stays_closed(&mut phone.net, Duration::from_secs(2)).await;
    // "Go on here": the phone resumes, and now the laptop is the one closed.
    phone.act(Action::TakeOver);
    phone.until("back in", |v| v.link == Link::Connected && v.closed_for_good().is_none()).await;
    phone.until("welcomed again", |v| v.code.as_deref() == Some(code.as_str())).await;
    let frame = laptop.closed().await.expect("a close frame");
    assert_eq!(frame.reason.as_str(), "elders opnieuw verbonden");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_protocol_version_is_final_and_a_server_restart_is_not() {
    let server = Server::start().await;
    let mut old = NetHandle::spawn();
    old.send(NetCmd::Connect { url: server.url.clone(), opening: ClientMsg::ListScenarios { protocol: 99 } });
    let mut closed = None;
    while let Some(ev) = old.recv_timeout(Duration::from_secs(5)).await {
        if let NetEvent::Link(Link::Closed(why)) = ev {
            closed = Some(why);
            break;
        }
    }
    assert_eq!(closed, Some(Final::ProtocolMismatch));
    stays_closed(&mut old, Duration::from_secs(2)).await;

    // A restart closes with 1001: the client reconnects and resumes by itself.
    let (_f, code, _) = server.facilitator("test").await;
    let mut p = Peer::connect(&server.url);
    p.until("scenarios", |v| !v.scenarios.is_empty()).await;
    p.act(Action::Join { code: code.clone(), name: None, team: None });
    p.until("welcome", |v| v.token.is_some()).await;
    let server = server.restart().await;
    p.until("lost", |v| v.is_offline()).await;
    p.until("back", |v| v.link == Link::Connected && v.session.is_some()).await;
    assert!(p.view.closed_for_good().is_none());
    server.stop().await;
}
