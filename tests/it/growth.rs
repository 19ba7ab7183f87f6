//! Growth has bounds, done with real sockets while rooms play: a flood of reports cannot starve the start screen, a series too long for the protocol is refused, an unchanged answer costs no write, and a purge of a big session runs beside a playing room.

use std::time::{Duration, Instant};

use integration_tests::{Server, TestClient, limits};
use protocol::{ErrorCode, Phase, ServerMsg};
use serde_json::json;

use crate::hosted::{get, local};

fn metric(m: &str, name: &str) -> f64 {
    m.lines().find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' '))).unwrap_or_else(|| panic!("{name}")).parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_facilitators_flooding_reports_get_answers_or_refusals_and_the_start_screen_stays_quick() {
    let s = Server::start().await;
    let mut facilitators = Vec::new();
    for _ in 0..40 {
        let (mut f, code, _) = s.facilitator("samen-werken").await;
        let (mut p, _) = s.player(&code, None).await;
        f.control("open", Some("groen-speeltuin")).await;
        p.session_where("open", |v| v.phase == Phase::Open).await;
        facilitators.push(f);
    }
    let started = Instant::now();
    let mut floods = Vec::new();
    for (n, mut f) in facilitators.into_iter().enumerate() {
        floods.push(tokio::spawn(async move {
            for i in 0..15 {
                f.send(json!({"type":"export","format":"md","series": (n + i) % 2 == 0})).await;
                tokio::time::sleep(Duration::from_millis(66)).await;
            }
            let (mut reports, mut refused) = (0, 0);
            while reports + refused < 15 {
                match f
                    .expect("a report or a refusal", |m| match m {
                        ServerMsg::Report { .. } => Some(true),
                        ServerMsg::Error { code: ErrorCode::RateLimited, .. } => Some(false),
                        _ => None,
                    })
                    .await
                {
                    true => reports += 1,
                    false => refused += 1,
                }
            }
            (reports, refused)
        }));
    }
    // Meanwhile a facilitator opens the start screen, again and again.
    let mut slowest = Duration::ZERO;
    let mut start = s.client().await;
    for _ in 0..10 {
        let asked = Instant::now();
        start.send(json!({"type":"list_scenarios","protocol":1})).await;
        start.expect("scenarios", |m| matches!(m, ServerMsg::Scenarios { .. }).then_some(())).await;
        slowest = slowest.max(asked.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut total = (0, 0);
    for flood in floods {
        let (reports, refused) = flood.await.unwrap();
        // Each asked 15 in about a second: a burst at once, then one per cooldown.
        let l = session_server::Limits::default();
        let allowed = l.report_burst as usize + 1 + (started.elapsed().as_secs_f64() / l.report_cooldown.as_secs_f64()) as usize;
        assert!(reports <= allowed, "{reports} reports for one facilitator (at most {allowed})");
        total = (total.0 + reports, total.1 + refused);
    }
    assert!(total.0 >= 40, "every facilitator got reports: {total:?}");
    assert!(total.1 > 0, "the flood was refused: {total:?}");
    eprintln!("report flood: {total:?} (reports, refusals); slowest list_scenarios meanwhile {slowest:?}");
}

#[tokio::test]
async fn a_series_too_long_for_the_protocol_is_refused_with_a_sentence() {
    let s = Server::start_with(limits(|l| l.series_max = 2)).await;
    let (mut f, code, token) = s.facilitator("test").await;
    let mut prev = (code, token);
    for _ in 0..2 {
        f.control("end", None).await;
        f.session_where("ended", |v| v.phase == Phase::Ended).await;
        let mut next = s.client().await;
        next.send(json!({"type":"create_session","protocol":1,"preview":true,"scenario":"test","follows":{"code":prev.0,"token":prev.1}}))
            .await;
        let (c, t, _) = next.welcome().await;
        prev = (c, t);
        f = next;
    }
    f.send(json!({"type":"export","format":"md","series":true})).await;
    let (c, said) = f.error().await;
    assert_eq!(c, ErrorCode::BadRequest);
    assert!(said.contains("3 sessies") && said.contains("session-server report"), "{said}");
    f.send(json!({"type":"export","format":"md","series":false})).await;
    f.expect("this session's report still", |m| matches!(m, ServerMsg::Report { .. }).then_some(())).await;
}

#[tokio::test]
async fn the_same_answer_again_is_acknowledged_without_a_write() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    // Two others answer too, so the result may be shown (from three answers).
    let others = [s.player(&code, None).await.0, s.player(&code, None).await.0];
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == Phase::Open).await;
    for mut o in others {
        o.answer("a", "hangt_af").await;
    }
    for _ in 0..5 {
        p.answer("a", "eens").await; // waits for the ack each time
    }
    p.answer("a", "oneens").await;
    p.answer("a", "oneens").await;
    f.tally_where("one answer, changed", |t| t.total == 3 && t.counts["oneens"] == 1 && t.counts["eens"] == 0).await;
    let m = get(s.metrics, local(1), None, "localhost", "/metrics", "").await.body;
    assert_eq!(metric(&m, "dilemma_answers_committed_total"), 4.0, "the others', then the first and the changed one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purge_of_a_big_session_runs_beside_a_playing_room() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    // An ended session from last year with 30,000 answers, as a big staff day leaves one.
    {
        let db = rusqlite::Connection::open(&s.db).unwrap();
        db.execute_batch("BEGIN").unwrap();
        db.execute(
            "INSERT INTO sessions (code, title, scenario, deck, phase, created_ms) VALUES ('OUDJE2', 'Oud', 'test', '{}', 'ended', 1000)",
            [],
        )
        .unwrap();
        for m in 0..10_000 {
            for item in ["a", "b", "c"] {
                db.execute(
                    "INSERT INTO answers (code, item, member, option, at_ms) VALUES ('OUDJE2', ?1, ?2, 'eens', 1)",
                    rusqlite::params![item, m],
                )
                .unwrap();
            }
        }
        db.execute_batch("COMMIT").unwrap();
    }
    let mut players = Vec::new();
    for _ in 0..20 {
        players.push(s.player(&code, None).await.0);
    }
    f.control("open", Some("a")).await;
    let db = s.db.clone();
    let purge = tokio::task::spawn_blocking(move || {
        crate::process::server_cli(&db, &["sessions".as_ref(), "purge".as_ref(), "--older-than-days".as_ref(), "1".as_ref()])
    });
    for p in &mut players {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", "hangt_af").await;
    }
    f.tally_where("every answer of the room", |t| t.total == 20).await;
    let (ok, _, said) = purge.await.unwrap();
    assert!(ok && said.contains("1 ended session"), "{said}");
    let db = rusqlite::Connection::open(&s.db).unwrap();
    let left: i64 = db.query_row("SELECT count(*) FROM answers WHERE code = 'OUDJE2'", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 0);
    let _ = TestClient::connect(s.url.as_str(), None, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_waits_behind_a_phase_change_is_bounded_in_bytes() {
    let s = Server::start_with(limits(|l| {
        // The close waits for the lock as long as the test holds it, however slow the machine.
        l.store_busy = Duration::from_secs(60);
        l.deferred_bytes = 1024;
    }))
    .await;
    let (mut f, code, _) = s.facilitator("test").await;
    let mut players = Vec::new();
    for _ in 0..20 {
        players.push(s.player(&code, None).await.0);
    }
    f.control("open", Some("a")).await;
    for p in &mut players {
        p.session_where("open", |v| v.phase == Phase::Open).await;
    }
    // Another program holds the database: the facilitator's "close" waits to be stored, and what
    // the room sends meanwhile waits behind it, up to 1 KiB.
    let held = rusqlite::Connection::open(&s.db).unwrap();
    held.execute_batch("BEGIN IMMEDIATE").unwrap();
    f.send(json!({"type":"control","action":"close"})).await;
    // Until the close has reached the session (no message says so), what the room sends is taken
    // as usual; so the room sends until it is asked to try again, not after a guessed pause.
    let mut busy = 0;
    for _ in 0..50 {
        for p in &mut players {
            p.send(json!({"type":"reason","item":"a","text":"x".repeat(200)})).await;
        }
        for p in &mut players {
            for m in p.drain(Duration::from_millis(20)).await {
                if let ServerMsg::Error { code: ErrorCode::RateLimited, message } = m {
                    assert!(message.contains("even druk"), "{message}");
                    busy += 1;
                }
            }
        }
        if busy >= 5 {
            break;
        }
    }
    assert!(busy >= 5, "beyond 1 KiB the room is asked to try again ({busy})");
    held.execute_batch("COMMIT").unwrap();
    f.session_where("closed once the disk is free", |v| v.phase == Phase::Closed).await;
    drop(held);
}

#[tokio::test]
async fn a_loop_of_joins_from_one_address_is_stopped_while_a_room_behind_another_joins() {
    let s = Server::start_with(limits(|l| {
        l.loopback_unlimited = false;
        l.joins_per_address = 5;
        l.join_refill = Duration::from_secs(60);
    }))
    .await;
    let (mut f, code, _) = s.facilitator("test").await;
    let mut tokens = Vec::new();
    for n in 0..6 {
        let mut p = TestClient::connect(s.url.as_str(), Some(local(120)), None).await;
        p.send(json!({"type":"join","protocol":1,"code":code})).await;
        if n < 5 {
            tokens.push(p.welcome().await.1);
        } else {
            let (c, said) = p.error().await;
            assert_eq!(c, ErrorCode::RateLimited);
            assert!(said.contains("heel veel deelnemers"), "{said}");
        }
    }
    // Those who joined can come back (a resume is no new member), and another address joins.
    let mut back = TestClient::connect(s.url.as_str(), Some(local(120)), None).await;
    back.send(json!({"type":"resume","protocol":1,"code":code,"token":tokens[0]})).await;
    back.welcome().await;
    let mut other = TestClient::connect(s.url.as_str(), Some(local(121)), None).await;
    other.send(json!({"type":"join","protocol":1,"code":code})).await;
    other.welcome().await;
    f.control("open", Some("a")).await;
    other.session_where("open", |v| v.phase == Phase::Open).await;
    other.answer("a", "eens").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooded_room_and_another_room_are_both_stored_when_the_disk_is_free() {
    let s = Server::start_with(limits(|l| {
        l.store_share = 50;
        l.store_busy = Duration::from_secs(60);
    }))
    .await;
    let (mut fa, a, _) = s.facilitator("test").await;
    let (mut fb, b, _) = s.facilitator("test").await;
    let mut flood = Vec::new();
    for _ in 0..80 {
        flood.push(s.player(&a, None).await.0);
    }
    let (mut other, _) = s.player(&b, None).await;
    let _ = &b;
    fa.control("open", Some("a")).await;
    fb.control("open", Some("a")).await;
    for p in &mut flood {
        p.session_where("open", |v| v.phase == Phase::Open).await;
    }
    other.session_where("open", |v| v.phase == Phase::Open).await;
    // The disk is stuck (another program holds it) while room A sends 80 answers, then room B one.
    let held = rusqlite::Connection::open(&s.db).unwrap();
    held.execute_batch("BEGIN IMMEDIATE").unwrap();
    for p in &mut flood {
        p.send(json!({"type":"answer","item":"a","option":"eens"})).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    other.send(json!({"type":"answer","item":"a","option":"oneens"})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Every client waits for its ack on its own, so each is timed as it arrives.
    let wait = |mut c: TestClient| {
        tokio::spawn(async move {
            c.expect("the ack", |m| matches!(m, ServerMsg::AnswerAck { .. }).then_some(())).await;
            Instant::now()
        })
    };
    let b = wait(other);
    let a: Vec<_> = flood.into_iter().map(wait).collect();
    held.execute_batch("COMMIT").unwrap();
    let b_acked = b.await.unwrap();
    let mut a_last = None;
    for t in a {
        let at = t.await.unwrap();
        a_last = Some(a_last.map_or(at, |l: Instant| l.max(at)));
    }
    // Everything is stored once the disk is free; which room went first is tested on the store
    // itself (store::tests), where it does not depend on how fast each session sends its acks.
    assert!(a_last.is_some() && b_acked.elapsed() < Duration::from_secs(60));
    fa.tally_where("all of room A's answers", |t| t.total == 80).await;
}

#[tokio::test]
async fn the_server_as_a_whole_holds_a_bounded_number_of_members_in_memory() {
    let s = Server::start_with(limits(|l| {
        l.max_members = 5;
        l.unload_after = Duration::from_millis(200);
        l.sweep_every = Duration::from_millis(100);
    }))
    .await;
    let (mut fa, a, _) = s.facilitator("test").await;
    let (pa1, _) = s.player(&a, None).await;
    let (pa2, _) = s.player(&a, None).await;
    let (_fb, b, _) = s.facilitator("test").await;
    let (pb, token) = s.player(&b, None).await;
    // Five members in memory: the next join anywhere is refused with a sentence.
    let mut late = s.client().await;
    late.send(json!({"type":"join","protocol":1,"code":b})).await;
    let (c, said) = late.error().await;
    assert_eq!(c, ErrorCode::SessionFull);
    assert!(said.contains("De server is vol"), "{said}");
    // Someone who is a member already comes back.
    drop(pb);
    let mut back = s.client().await;
    back.send(json!({"type":"resume","protocol":1,"code":b,"token":token})).await;
    back.welcome().await;
    // Session A ends and leaves memory: there is room again.
    fa.control("end", None).await;
    fa.session_where("ended", |v| v.phase == Phase::Ended).await;
    drop((fa, pa1, pa2));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut again = s.client().await;
        again.send(json!({"type":"join","protocol":1,"code":b})).await;
        match again
            .expect("welcome or error", |m| match m {
                ServerMsg::Welcome { .. } => Some(None),
                ServerMsg::Error { code, .. } => Some(Some(*code)),
                _ => None,
            })
            .await
        {
            None => break,
            Some(code) => assert_eq!(code, ErrorCode::SessionFull),
        }
        assert!(Instant::now() < deadline, "room once the ended session left memory");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
