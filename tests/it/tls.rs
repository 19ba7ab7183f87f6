//! The server's own HTTPS and WSS (`--tls-cert/--tls-key`): pages with HSTS, a room over WSS, plain HTTP on the TLS port, and a certificate swapped while a room plays.

use std::time::Duration;

use integration_tests::{Server, TestClient};
use session_server::TlsFiles;

use crate::hosted::{der, get, local, make_pair, presented, trusting};

async fn tls_server(dir: &std::path::Path) -> (Server, crate::hosted::Pair) {
    let pair = make_pair(dir, "first");
    let (cert, key) = (pair.cert.clone(), pair.key.clone());
    let s = Server::start_with(move |c| {
        let mut files = TlsFiles::new(cert, key);
        files.check_every = Duration::from_millis(100);
        c.tls = Some(files);
    })
    .await;
    (s, pair)
}

#[tokio::test]
async fn pages_and_a_room_over_the_servers_own_tls_with_hsts_and_plain_http_on_that_port_harms_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let (s, pair) = tls_server(dir.path()).await;
    let tls = trusting(&[&pair.cert]);
    for target in ["/", "/js/play.js", "/watch?code=K7M2QX", "/nothing-here"] {
        let a = get(s.addr(), local(1), Some(tls.clone()), "localhost", target, "").await;
        assert!(a.status == 200 || a.status == 404, "{target}: {}", a.head);
        assert_eq!(a.header("strict-transport-security"), Some("max-age=31536000"), "{target}: {}", a.head);
    }
    // A facilitator and a player over WSS.
    let mut f = TestClient::connect(&s.url, None, Some(tls.clone())).await;
    f.send(serde_json::json!({"type":"create_session","protocol":1,"preview":true,"scenario":"test"})).await;
    let (code, _, _) = f.welcome().await;
    // Plain HTTP and garbage on the TLS port: closed, counted, and nobody else notices.
    for junk in ["GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", "\x16\x03\x01\x00\x05hello"] {
        let a = crate::hosted::request(s.addr(), local(1), None, junk).await;
        assert_eq!(a.status, 0, "plain HTTP on the TLS port gets no page: {}", a.head);
    }
    let mut p = TestClient::connect(&s.url, Some(local(7)), Some(tls.clone())).await;
    p.send(serde_json::json!({"type":"join","protocol":1,"code":code})).await;
    p.welcome().await;
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == protocol::Phase::Open).await;
    p.answer("a", "eens").await;
    f.tally_where("the answer over WSS", |t| t.total + t.withheld == 1).await;
    let metrics = get(s.metrics, local(1), None, "localhost", "/metrics", "").await.body;
    assert!(metrics.lines().any(|l| l == "dilemma_tls_handshakes_failed_total 2"), "{metrics}");
    // A websocket over TLS carries HSTS in its upgrade answer too.
    let connector = tokio_tungstenite::Connector::Rustls(tls);
    let (_ws, answer) = tokio_tungstenite::connect_async_tls_with_config(s.url.as_str(), None, false, Some(connector)).await.unwrap();
    assert_eq!(answer.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()), Some("max-age=31536000"));
}

#[tokio::test]
async fn a_new_certificate_is_used_for_new_connections_while_the_room_stays_connected_and_a_broken_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (s, pair) = tls_server(dir.path()).await;
    let next = make_pair(dir.path(), "second");
    let both = trusting(&[&pair.cert, &next.cert]);
    assert_eq!(presented(s.addr(), both.clone()).await, der(&pair.cert));
    let mut f = TestClient::connect(&s.url, None, Some(both.clone())).await;
    f.send(serde_json::json!({"type":"create_session","protocol":1,"preview":true,"scenario":"test"})).await;
    let (code, _, _) = f.welcome().await;
    let mut players = Vec::new();
    for n in 0..3 {
        let mut p = TestClient::connect(&s.url, Some(local(10 + n)), Some(both.clone())).await;
        p.send(serde_json::json!({"type":"join","protocol":1,"code":code})).await;
        p.welcome().await;
        players.push(p);
    }

    // A renewal writes the new pair over the old files (as certbot's deploy hook would copy them).
    std::fs::copy(&next.key, &pair.key).unwrap();
    std::fs::copy(&next.cert, &pair.cert).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while presented(s.addr(), both.clone()).await != der(&next.cert) {
        assert!(tokio::time::Instant::now() < deadline, "the new certificate was never used");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Nobody was dropped: the room plays on over the connections made with the old certificate.
    f.control("open", Some("a")).await;
    for p in &mut players {
        p.session_where("open", |v| v.phase == protocol::Phase::Open).await;
        p.answer("a", "oneens").await;
    }
    f.tally_where("three answers after the swap", |t| t.total == 3).await;

    // A key that does not fit the certificate: logged, and the good pair stays in use.
    let third = make_pair(dir.path(), "third");
    std::fs::copy(&third.key, &pair.key).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(presented(s.addr(), both.clone()).await, der(&next.cert), "a broken pair is never used");
    let mut late = TestClient::connect(&s.url, None, Some(both)).await;
    late.send(serde_json::json!({"type":"join","protocol":1,"code":code})).await;
    late.welcome().await;
    // The renewal finished (its certificate too): after the broken pair, the good one is taken.
    std::fs::copy(&third.cert, &pair.cert).unwrap();
    let all = trusting(&[&pair.cert, &next.cert, &third.cert]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while presented(s.addr(), all.clone()).await != der(&third.cert) {
        assert!(tokio::time::Instant::now() < deadline, "a good pair after a broken one was never used");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn settings_that_cannot_be_used_stop_the_server_at_start_with_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (make_pair(dir.path(), "a"), make_pair(dir.path(), "b"));
    let start = |args: &[&std::ffi::OsStr]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_server-under-test"))
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(dir.path().join("w.db"))
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} started");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = start(&["--tls-cert".as_ref(), a.cert.as_os_str(), "--tls-key".as_ref(), b.key.as_os_str()]);
    assert!(e.contains("does not fit the certificate"), "{e}");
    let e = start(&["--tls-cert".as_ref(), dir.path().join("none.pem").as_os_str(), "--tls-key".as_ref(), a.key.as_os_str()]);
    assert!(e.contains("cannot read the certificate"), "{e}");
    let e = start(&["--tls-cert".as_ref(), a.cert.as_os_str()]);
    assert!(e.contains("--tls-key"), "{e}");
    let e = start(&["--public-url".as_ref(), "https://dilemma.gemeente.nl/spel/".as_ref()]);
    assert!(e.contains("cannot have a path"), "{e}");
    let e = start(&["--public-url".as_ref(), "ftp://dilemma.gemeente.nl/".as_ref()]);
    assert!(e.contains("only http:// and https://"), "{e}");
    let e = start(&["--trusted-proxy".as_ref(), "nginx".as_ref()]);
    assert!(e.contains("\"nginx\" is not an address or network"), "{e}");
}

#[tokio::test]
async fn sighup_makes_the_server_binary_read_its_certificate_at_once() {
    let dir = crate::process::scenario_dir(&[("test.toml", integration_tests::TEST_DECK)]);
    let (first, second) = (make_pair(dir.path(), "first"), make_pair(dir.path(), "second"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_server-under-test"))
        .args(["--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&first.cert)
        .arg("--tls-key")
        .arg(&first.key)
        .arg("--db")
        .arg(dir.path().join("w.db"))
        .arg("--scenarios")
        .arg(dir.path().join("scenarios"))
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], crate::process::port_of(&mut child).await));
    let both = trusting(&[&first.cert, &second.cert]);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(std::time::Instant::now() < deadline, "the server did not listen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(presented(addr, both.clone()).await, der(&first.cert));
    std::fs::copy(&second.key, &first.key).unwrap();
    std::fs::copy(&second.cert, &first.cert).unwrap();
    std::process::Command::new("kill").args(["-HUP", &child.id().to_string()]).status().unwrap();
    // Well inside the ten seconds after which the files would be looked at anyway.
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while presented(addr, both.clone()).await != der(&second.cert) {
        assert!(std::time::Instant::now() < deadline, "SIGHUP did not bring the new certificate");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(child.try_wait().unwrap().is_none(), "still running");
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(child.wait().unwrap().success());
}
