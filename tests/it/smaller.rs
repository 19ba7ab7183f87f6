//! The security review's smaller findings, each done with a real socket while a room plays: invisible team names, one team for two spellings, long titles, the websocket's 403 with the usual headers, the trainers' key from a file, one budget per IPv6 /48, and Markdown reports that escape what people typed.

use std::process::{Command, Stdio};
use std::time::Duration;

use integration_tests::{Server, TestClient};
use protocol::{ErrorCode, Phase};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::hosted::local;
use crate::process::scenario_dir;

#[tokio::test]
async fn team_names_titles_and_the_403_are_as_careful_as_the_rest() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    // Invisible characters: refused with a sentence.
    let mut sneaky = s.client().await;
    sneaky.send(json!({"type":"join","protocol":1,"code":code,"team":"Oost\u{200b}"})).await;
    let (c, said) = sneaky.error().await;
    assert_eq!(c, ErrorCode::InvalidTeam);
    assert!(said.contains("onzichtbare tekens"), "{said}");
    // Three spellings of one name are one team: its result shows from three answers.
    let mut players = Vec::new();
    for team in ["Café Oost", "CAFÉ OOST", "Cafe\u{301} oost"] {
        players.push(s.player(&code, Some(team)).await.0);
    }
    f.control("open", Some("a")).await;
    for p in &mut players {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", "eens").await;
    }
    let t = f.tally_where("three answers", |t| t.total == 3).await;
    assert_eq!(t.teams.keys().collect::<Vec<_>>(), ["Café Oost"], "{:?}", t.teams);
    // A title longer than 120 characters: refused, not cut.
    let mut long = s.client().await;
    long.send(json!({"type":"create_session","protocol":1,"scenario":"test","title":"x".repeat(121)})).await;
    let (c, said) = long.error().await;
    assert_eq!(c, ErrorCode::BadRequest);
    assert!(said.contains("120 tekens"), "{said}");
    // The websocket's own 403 carries the headers every answer does.
    let mut req = s.url.as_str().into_client_request().unwrap();
    req.headers_mut().insert("origin", "http://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status(), 403);
            for h in ["content-security-policy", "x-content-type-options", "content-type", "content-length", "referrer-policy"] {
                assert!(r.headers().contains_key(h), "{h} in {:?}", r.headers());
            }
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    let (mut late, _) = s.player(&code, Some("café oost")).await;
    late.session_where("open", |v| v.phase == Phase::Open).await;
}

#[tokio::test]
async fn one_ipv6_site_behind_the_proxy_has_one_budget_however_many_networks_it_uses() {
    let s = Server::start_with(|c| {
        c.trusted_proxies = session_server::forwarded::Proxies::parse("127.0.0.1").unwrap();
        integration_tests::limits(|l| l.join_failure_budget = 2)(c);
    })
    .await;
    let mut refused_after = None;
    for n in 0..20u16 {
        // Each guess from another /64 of 2001:db8:7::/48.
        let mut req = s.url.as_str().into_client_request().unwrap();
        req.headers_mut().insert("x-forwarded-for", format!("2001:db8:7:{n:x}::1").parse().unwrap());
        let mut g = TestClient::connect(req, Some(local(1)), None).await;
        g.send(json!({"type":"join","protocol":1,"code":"ZZZZZZ"})).await;
        if g.error().await.0 == ErrorCode::RateLimited {
            refused_after = Some(n);
            break;
        }
    }
    assert_eq!(refused_after, Some(2 * session_server::guard::WIDE_FACTOR as u16), "the /48 as a whole");
    let mut other = s.url.as_str().into_client_request().unwrap();
    other.headers_mut().insert("x-forwarded-for", "2001:db8:8::1".parse().unwrap());
    let mut o = TestClient::connect(other, Some(local(1)), None).await;
    o.send(json!({"type":"join","protocol":1,"code":"ZZZZZZ"})).await;
    assert_eq!(o.error().await.0, ErrorCode::UnknownSession, "another /48 has its own budget");
}

#[tokio::test]
async fn the_trainers_key_can_come_from_a_file() {
    let dir = scenario_dir(&[("test.toml", integration_tests::TEST_DECK)]);
    std::fs::write(dir.path().join("key"), "geheim-uit-bestand\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_server-under-test"))
        .args(["--listen", "127.0.0.1:0", "--create-key-file"])
        .arg(dir.path().join("key"))
        .arg("--db")
        .arg(dir.path().join("w.db"))
        .arg("--scenarios")
        .arg(dir.path().join("scenarios"))
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("ws://127.0.0.1:{}/ws", crate::process::port_of(&mut child).await);
    let mut without = TestClient::connect(url.as_str(), None, None).await;
    without.send(json!({"type":"create_session","protocol":1,"scenario":"test"})).await;
    assert_eq!(without.error().await.0, ErrorCode::Unauthorized);
    let mut with = TestClient::connect(url.as_str(), None, None).await;
    with.send(json!({"type":"create_session","protocol":1,"scenario":"test","key":"geheim-uit-bestand"})).await;
    with.welcome().await;
    let _ = child.kill();
    let _ = child.wait();
    // A file without a key stops the start with a sentence; so does a key given twice.
    std::fs::write(dir.path().join("empty"), "\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_server-under-test"))
        .args(["--listen", "127.0.0.1:0", "--create-key-file"])
        .arg(dir.path().join("empty"))
        .output()
        .unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("holds no key"));
    let out = Command::new(env!("CARGO_BIN_EXE_server-under-test"))
        .args(["--create-key", "a", "--create-key-file"])
        .arg(dir.path().join("key"))
        .output()
        .unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}

#[tokio::test]
async fn a_markdown_report_escapes_what_people_typed() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let team = "<img src=x onerror=alert(1)>";
    let mut players = Vec::new();
    for _ in 0..3 {
        players.push(s.player(&code, Some(team)).await.0);
    }
    f.send(json!({"type":"ask","item":"a","predict":false,"reasons":true})).await;
    f.control("open", Some("a")).await;
    for p in &mut players {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", "eens").await;
    }
    f.tally_where("three answers", |t| t.total == 3).await;
    players[0].send(json!({"type":"reason","item":"a","text":"![pixel](http://evil.example/p.png) **echt**"})).await;
    f.send(json!({"type":"agreement","text":"[klik hier](http://evil.example)"})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let db = s.db.clone();
    let _files = s.stop().await;
    let (ok, md, err) = crate::process::server_cli(&db, &["export".as_ref(), code.as_str().as_ref(), "--format".as_ref(), "md".as_ref()]);
    assert!(ok, "{err}");
    let md = String::from_utf8(md).unwrap();
    assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
    // No markup opens unescaped: every <, [ and * of what was typed has its backslash.
    for (i, c) in md.char_indices().filter(|(_, c)| ['<', '['].contains(c)) {
        assert_eq!(md[..i].chars().last(), Some('\\'), "an unescaped {c} at {i}:\n{md}");
    }
    assert!(md.contains("1. \\[klik hier\\](http://evil.example)"), "{md}");
    assert!(md.contains("!\\[pixel\\](http://evil.example/p.png) \\*\\*echt\\*\\*"), "{md}");
}
