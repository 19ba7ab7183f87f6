//! The load generator's correctness check inside the normal suite: a room of 200 with 100 page loads, nothing lost, no timing asserted.

use std::time::Duration;

use dilemma_tools::loadgen::{RoomOpts, echo_throughput, fan_out_baseline, load_pages, run_room, serve_echo};
use integration_tests::Server;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread")]
async fn a_room_of_two_hundred_is_counted_exactly() {
    let s = Server::start().await;
    let opts = RoomOpts {
        url: s.url.clone(),
        players: 200,
        window: Duration::from_millis(500),
        change: 0.3,
        scenario: "samen-werken".into(),
        // The server runs in this process: its open files and memory are this process's.
        server_pid: Some(std::process::id()),
        join_concurrency: 64,
        deadline: Duration::from_secs(120),
        hold: Duration::from_millis(600),
        seed: 3,
        extras: true,
    };
    // Phones open the page meanwhile: every load complete, and the room's count still exact.
    let (report, pages) = tokio::join!(run_room(&opts), load_pages(&s.url, 100, Duration::from_secs(1)));
    let report = report.expect("the run finishes");
    let pages = pages.unwrap();
    assert_eq!(pages.complete, 100, "{pages:#?}");
    assert_eq!(pages.bytes_per_load, session_server::web::page_weight().0, "gzipped, as phones get them");
    assert!(report.correct(), "{report:#?}");
    assert_eq!(report.players, 200);
    // Every player also guessed and gave a reason: all stored, the room's guess exact for everyone,
    // and the facilitator told of every reason.
    assert_eq!((report.extras_sent, report.extras_acked), (400, 400));
    assert_eq!(report.prediction_correct, 200, "{:?}", report.expected_prediction);
    assert_eq!(report.reasons_seen, Some(200));
    assert!(report.answers_sent > 200, "some answers were changed");
    assert_eq!(report.final_counts.values().sum::<u32>(), 200, "a changed answer counts once");
    assert_eq!(report.ack_latency.count, report.answers_sent);
    // Held after the reveal: the server side of 200 players' sockets (and their clients' here) were open.
    assert!(report.held_server_files.is_some_and(|n| n >= 2 * 200), "{:?}", report.held_server_files);
    // The load generator's own verdict checked against the database: the final answers it sent
    // are the rows stored, and so are its guesses and reasons.
    let dir = s.stop().await;
    let db = rusqlite::Connection::open(dir.path().join("workshop.db")).unwrap();
    let mut rows = db.prepare("SELECT item, option, count(*) FROM answers GROUP BY item, option").unwrap();
    let stored: Vec<(String, String, u32)> =
        rows.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    // The round's statement (the load generator answers one other alone first, for the lone-answer latency).
    let round =
        stored.iter().find(|(i, ..)| stored.iter().filter(|(j, ..)| j == i).map(|(.., n)| n).sum::<u32>() == 200).map(|(i, ..)| i.clone());
    let round = round.unwrap_or_else(|| panic!("a statement with 200 answers: {stored:?}"));
    let stored: std::collections::BTreeMap<String, u32> =
        stored.into_iter().filter(|(i, ..)| *i == round).map(|(_, o, n)| (o, n)).collect();
    let sent: std::collections::BTreeMap<String, u32> =
        report.expected.iter().filter(|(_, n)| **n > 0).map(|(o, n)| (o.clone(), *n)).collect();
    assert_eq!(stored, sent, "the answers stored are the last ones each player sent");
    let count = |sql: &str| db.query_row(sql, [], |r| r.get::<_, u32>(0)).unwrap();
    assert_eq!((count("SELECT count(*) FROM guesses"), count("SELECT count(*) FROM reasons")), (200, 200));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_echo_baseline_returns_every_message() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(serve_echo(listener, stop.clone()));
    let report = echo_throughput(&url, &[1, 2, 1, 3], Duration::from_millis(100), 1).await.unwrap();
    assert_eq!((report.connections, report.messages), (4, 7));
    // The fan-out baseline: every connection gets every frame (the report waits for all of them).
    let frames = vec![r#"{"type":"session"}"#.to_owned(), r#"{"type":"tally"}"#.to_owned()];
    let fan = fan_out_baseline(&url, 30, &frames).await.unwrap();
    assert_eq!(fan.connections, 30);
    assert!(fan.all_ms >= fan.half_ms);
    stop.cancel();
}

#[tokio::test]
async fn it_refuses_to_load_anything_but_loopback() {
    let opts = RoomOpts {
        url: "ws://192.168.1.20:7878/ws".into(),
        players: 1,
        window: Duration::ZERO,
        change: 0.0,
        scenario: "samen-werken".into(),
        server_pid: None,
        join_concurrency: 1,
        deadline: Duration::from_secs(1),
        hold: Duration::ZERO,
        seed: 0,
        extras: false,
    };
    assert!(run_room(&opts).await.unwrap_err().to_string().contains("only loopback"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_room_over_the_servers_own_tls_is_counted_exactly_too() {
    let dir = tempfile::tempdir().unwrap();
    let pair = crate::hosted::make_pair(dir.path(), "load");
    let s = Server::start_with(move |c| c.tls = Some(session_server::TlsFiles::new(pair.cert, pair.key))).await;
    assert!(s.url.starts_with("wss://"));
    dilemma_tools::loadgen::accept_any_certificate();
    let opts = RoomOpts {
        url: s.url.clone(),
        players: 100,
        window: Duration::from_millis(300),
        change: 0.3,
        scenario: "samen-werken".into(),
        server_pid: Some(std::process::id()),
        join_concurrency: 32,
        deadline: Duration::from_secs(120),
        hold: Duration::ZERO,
        seed: 5,
        extras: false,
    };
    let report = run_room(&opts).await.expect("the run over wss finishes");
    assert!(report.correct(), "{report:#?}");
    assert_eq!(report.final_counts.values().sum::<u32>(), 100);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crowd_joins_a_session_someone_else_leads_and_each_answer_is_stored_and_counted_once() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let opts = dilemma_tools::loadgen::CrowdOpts {
        url: s.url.clone(),
        code: code.clone(),
        players: 60,
        window: Duration::from_millis(300),
        join_concurrency: 16,
        deadline: Duration::from_secs(60),
        hold: Duration::from_millis(200),
    };
    let crowd = tokio::spawn(async move { dilemma_tools::loadgen::run_crowd(&opts).await });
    // Nobody answers before the facilitator opens a statement.
    f.session_where("everyone in", |v| v.participants == 60).await;
    f.control("open", Some("a")).await;
    let report = crowd.await.unwrap().expect("the crowd finishes");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.players, report.item.as_deref(), report.acked_epoch_ms.len()), (60, Some("a"), 60));
    assert!(report.acked_epoch_ms.windows(2).all(|w| w[0] <= w[1]), "in the order they were stored");
    let tally = f.tally_where("every answer", |t| t.total == 60).await;
    assert_eq!(tally.counts.values().sum::<u32>(), 60);
    // A wrong code is a clear error, not a hang.
    let wrong = dilemma_tools::loadgen::CrowdOpts { code: "ZZZZZZ".into(), ..opts_for(&s.url) };
    let err = dilemma_tools::loadgen::run_crowd(&wrong).await.unwrap_err().to_string();
    assert!(err.contains("join"), "{err}");
}

fn opts_for(url: &str) -> dilemma_tools::loadgen::CrowdOpts {
    dilemma_tools::loadgen::CrowdOpts {
        url: url.to_owned(),
        code: String::new(),
        players: 2,
        window: Duration::ZERO,
        join_concurrency: 2,
        deadline: Duration::from_secs(10),
        hold: Duration::ZERO,
    }
}
