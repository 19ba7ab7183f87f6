//! Connection limits: silent clients are pinged and dropped, guessing join codes gets slow, only /ws upgrades.

use std::time::{Duration, Instant};

use integration_tests::{Server, limits};
use protocol::ErrorCode;
use serde_json::json;

#[tokio::test]
async fn a_client_that_does_not_answer_pings_is_dropped() {
    let s = Server::start_with(limits(|l| {
        l.ping_interval = Duration::from_millis(300);
        l.pong_timeout = Duration::from_millis(300);
    }))
    .await;
    let (mut f, code, _) = s.facilitator("test").await;
    // This player never reads again, so it never answers a ping.
    let (_silent, _) = s.player(&code, None).await;
    f.session_where("one participant", |v| v.participants == 1).await;
    let started = Instant::now();
    // The facilitator keeps reading (and so answers pings) and stays.
    f.session_where("the silent player dropped", |v| v.participants == 0).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    f.control("open", Some("a")).await;
    f.session_where("the facilitator is still connected", |v| v.phase == protocol::Phase::Open).await;
    s.stop().await;
}

#[tokio::test]
async fn wrong_join_codes_spend_one_budget_per_address_across_connections_while_a_room_joins() {
    let s = Server::start_with(limits(|l| {
        l.join_failure_budget = 10;
        l.join_failure_refill = Duration::from_secs(3600);
    }))
    .await;
    let (mut f, code, _) = s.facilitator("test").await;
    // A room behind one address: right codes cost nothing, however many.
    let mut room = Vec::new();
    for _ in 0..30 {
        room.push(s.player(&code, None).await.0);
    }
    // Ten wrong guesses spread over five connections at once spend the whole budget...
    let mut guessers = Vec::new();
    for _ in 0..5 {
        guessers.push(s.client().await);
    }
    for round in 0..2 {
        for (i, g) in guessers.iter_mut().enumerate() {
            g.send(json!({"type":"join","protocol":1,"code":format!("ZZZZ{}{}", ["2", "3", "4", "5", "6"][i], ["7", "8"][round])})).await;
        }
    }
    for g in &mut guessers {
        for _ in 0..2 {
            assert_eq!(g.error().await.0, ErrorCode::UnknownSession);
        }
    }
    // ... after which every connection from that address is refused at once, even with a right code.
    let started = Instant::now();
    let mut fresh = s.client().await;
    fresh.send(json!({"type":"join","protocol":1,"code":"YYYYYY"})).await;
    let (error, sentence) = fresh.error().await;
    assert_eq!(error, ErrorCode::RateLimited);
    assert!(sentence.contains("Te veel verkeerde codes"), "{sentence}");
    assert!(started.elapsed() < Duration::from_secs(1), "refused at once, not made to wait");
    fresh.send(json!({"type":"join","protocol":1,"code":code})).await;
    assert_eq!(fresh.error().await.0, ErrorCode::RateLimited);
    // Those already in play on: the room is not disturbed.
    f.control("open", Some("a")).await;
    f.session_where("open with 30", |v| v.phase == protocol::Phase::Open && v.participants == 30).await;
    room[0].session_where("open", |v| v.phase == protocol::Phase::Open).await;
    room[0].answer("a", "eens").await;
    s.stop().await;
}

#[tokio::test]
async fn only_the_ws_path_upgrades() {
    let s = Server::start().await;
    let wrong = s.url.replace("/ws", "/elders");
    match tokio_tungstenite::connect_async(&wrong).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 404),
        other => panic!("expected 404, got {other:?}"),
    }
    s.stop().await;
}

#[tokio::test]
async fn team_names_are_capped_in_length_kind_and_number_while_the_room_plays_on() {
    let s = Server::start_with(limits(|l| l.max_teams = 3)).await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut player, _) = s.player(&code, Some("Oost")).await;
    f.control("open", Some("a")).await;
    let refused = |team: String| {
        let s = &s;
        let code = code.clone();
        async move {
            let mut c = s.client().await;
            c.send(json!({"type":"join","protocol":1,"code":code,"team":team})).await;
            c.error().await
        }
    };
    let (error, sentence) = refused("x".repeat(41)).await;
    assert_eq!(error, ErrorCode::InvalidTeam);
    assert!(sentence.contains("hoogstens 40 tekens"), "{sentence}");
    let (error, sentence) = refused("Oost\u{7}\r\n".into()).await;
    assert_eq!(error, ErrorCode::InvalidTeam);
    assert!(sentence.contains("stuurtekens"), "{sentence}");
    s.player(&code, Some("West")).await;
    s.player(&code, Some("Zuid")).await;
    let (error, sentence) = refused("Noord".into()).await;
    assert_eq!(error, ErrorCode::InvalidTeam);
    assert!(sentence.contains("al 3 teams"), "{sentence}");
    // An existing team, or none, still joins; the room's answers go on being counted.
    s.player(&code, Some(" Oost ")).await;
    s.player(&code, None).await;
    player.session_where("open", |v| v.phase == protocol::Phase::Open).await;
    player.answer("a", "eens").await;
    f.tally_where("the answer counted", |t| t.total + t.withheld == 1).await;
    s.stop().await;
}

#[tokio::test]
async fn a_connection_that_never_says_anything_is_closed_and_an_address_has_a_connection_cap() {
    let s = Server::start_with(limits(|l| {
        l.first_message = Duration::from_millis(300);
        l.connections_per_address = 4;
        l.loopback_unlimited = false;
        l.max_watchers = 1;
    }))
    .await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    // Silent, though it answers pings (it reads): closed with 1008 after the first-message deadline.
    let mut silent = s.client().await;
    let started = Instant::now();
    assert_eq!(silent.closed().await.unwrap().code, tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::Policy);
    assert!(started.elapsed() >= Duration::from_millis(250), "{:?}", started.elapsed());
    // Two open here (facilitator, player); two more are allowed, the fifth gets 503.
    let mut watcher = s.client().await;
    watcher.send(json!({"type":"watch","protocol":1,"code":code})).await;
    watcher.welcome().await;
    let mut second_screen = s.client().await;
    second_screen.send(json!({"type":"watch","protocol":1,"code":code})).await;
    let (error, sentence) = second_screen.error().await;
    assert_eq!(error, ErrorCode::SessionFull);
    assert!(sentence.contains("schermen voor de zaal"), "{sentence}");
    match tokio_tungstenite::connect_async(&s.url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 503);
            assert_eq!(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("10"), "it says when to try again");
        }
        other => panic!("the fifth connection must get 503, got {:?}", other.map(|_| ())),
    }
    // A closed connection frees its place; the room plays on meanwhile.
    drop(second_screen);
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio_tungstenite::connect_async(&s.url).await.is_err() {
        assert!(Instant::now() < deadline, "a place should free up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == protocol::Phase::Open).await;
    p.answer("a", "eens").await;
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == protocol::Phase::Ended).await;
    // Four may be open: facilitator, player, watcher and this one.
    let mut late = s.client().await;
    late.send(json!({"type":"watch","protocol":1,"code":code})).await;
    assert_eq!(late.error().await.0, ErrorCode::SessionEnded, "no new projector on an ended session");
    drop(watcher);
    s.stop().await;
}

#[tokio::test]
async fn at_the_open_file_limit_new_connections_wait_the_open_ones_play_on_and_it_is_said_once() {
    let dir = crate::process::scenario_dir(&[("test.toml", integration_tests::TEST_DECK)]);
    let log = dir.path().join("server.log");
    // The server process may open only 48 files (its hard limit), sockets included.
    let wrapper = ["prlimit", "--nofile=48:48", "--"];
    let mut server = crate::process::Binary::start_via(&wrapper, dir.path(), 0, Some(std::fs::File::create(&log).unwrap())).await;
    let url = server.url.clone();
    let (mut f, code, _) = server.facilitator("test").await;
    let mut p = server.client().await;
    p.send(json!({"type":"join","protocol":1,"code":code})).await;
    p.welcome().await;
    // Sixty idle connections: more than the process may have open.
    let mut idle = Vec::new();
    for _ in 0..60 {
        idle.push(tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.unwrap());
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&log).unwrap().contains("cannot accept new connections") {
        assert!(Instant::now() < deadline, "the server never ran out of files");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == protocol::Phase::Open).await;
    p.answer("a", "eens").await;
    f.tally_where("counted", |t| t.total + t.withheld == 1).await;
    drop(idle);
    // Once they are gone, new connections are accepted again.
    let deadline = Instant::now() + Duration::from_secs(15);
    while tokio_tungstenite::connect_async(&url).await.is_err() {
        assert!(Instant::now() < deadline, "no new connection accepted after the idle ones left");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = std::process::Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status();
    let _ = server.child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    // Said once when it starts and once when it ends, not for every refused attempt. (While the
    // idle sockets are being closed the limit may be touched again: that is a second episode,
    // said the same way.)
    let said: Vec<bool> = text
        .lines()
        .filter_map(|l| match (l.contains("cannot accept new connections"), l.contains("accepting new connections again")) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        })
        .collect();
    assert!(said.len() >= 2, "an episode was said at its start and at its end:\n{text}");
    // Strictly alternating: never said twice in a row. (A new episode may just have started when
    // the test stops the server.)
    for (i, out_of_files) in said.iter().enumerate() {
        assert_eq!(*out_of_files, i % 2 == 0, "each episode said once at its start and once at its end:\n{text}");
    }
}

#[tokio::test]
async fn one_address_creates_a_few_sessions_a_minute_and_rooms_play_on() {
    let s = Server::start_with(limits(|l| {
        l.creations_per_address = 2;
        l.loopback_unlimited = false;
    }))
    .await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    s.facilitator("test").await;
    let mut third = s.client().await;
    third.send(json!({"type":"create_session","protocol":1,"scenario":"test"})).await;
    let (error, sentence) = third.error().await;
    assert_eq!(error, ErrorCode::RateLimited);
    assert!(sentence.contains("Te veel nieuwe sessies"), "{sentence}");
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == protocol::Phase::Open).await;
    p.answer("a", "eens").await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_room_of_two_hundred_behind_one_address_with_typos_trips_no_limit() {
    // Every limit at its default, and this machine's address counted like any other: one NAT.
    let s = Server::start_with(limits(|l| l.loopback_unlimited = false)).await;
    let (mut f, code, _) = s.facilitator("test").await;
    let mut room = Vec::new();
    for i in 0..200 {
        let mut p = s.client().await;
        if i % 5 == 0 {
            // One in five mistypes the code first (40 wrong codes from one address).
            p.send(json!({"type":"join","protocol":1,"code":"ZZZZZZ"})).await;
            assert_eq!(p.error().await.0, ErrorCode::UnknownSession);
        }
        p.send(json!({"type":"join","protocol":1,"code":code.to_lowercase(),"team":format!("Team {}", i % 10)})).await;
        p.welcome().await;
        room.push(p);
    }
    f.control("open", Some("a")).await;
    for p in &mut room {
        p.session_where("open", |v| v.phase == protocol::Phase::Open).await;
        p.answer("a", "eens").await;
    }
    f.tally_where("all two hundred", |t| t.total == 200).await;
    s.stop().await;
}

#[tokio::test]
async fn with_a_trainers_key_only_who_brings_it_starts_a_session_and_key_guessing_is_budgeted() {
    let s = Server::start_with(|c| {
        c.create_key = Some("sleutel-voor-trainers".into());
        c.limits.join_failure_budget = 3;
        c.limits.join_failure_refill = Duration::from_secs(3600);
    })
    .await;
    let create = |key: Option<&str>| {
        let mut v = json!({"type":"create_session","protocol":1,"scenario":"test"});
        if let Some(k) = key {
            v["key"] = k.into();
        }
        v
    };
    let mut c = s.client().await;
    c.send(create(None)).await;
    let (code, sentence) = c.error().await;
    assert_eq!(code, ErrorCode::Unauthorized);
    assert!(sentence.contains("sleutel"), "says what is missing: {sentence}");
    c.send(create(Some("sleutel"))).await;
    assert_eq!(c.error().await.0, ErrorCode::Unauthorized);
    // The right key works, and players need none.
    c.send(create(Some("sleutel-voor-trainers"))).await;
    let (room, _, _) = c.welcome().await;
    let (mut p, _) = s.player(&room, None).await;
    c.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == protocol::Phase::Open).await;
    p.answer("a", "eens").await;
    // A third wrong key spends the budget; then even the right one waits.
    let mut guesser = s.client().await;
    guesser.send(create(Some("raden"))).await;
    assert_eq!(guesser.error().await.0, ErrorCode::Unauthorized);
    guesser.send(create(Some("sleutel-voor-trainers"))).await;
    assert_eq!(guesser.error().await.0, ErrorCode::RateLimited);
    s.stop().await;
}
