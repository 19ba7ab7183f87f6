//! Sessions end by themselves when left alone, leave memory once ended and empty, come back on demand, and old ones are purged; the operator's commands.

use std::time::Duration;

use integration_tests::{Server, TestClient, WAIT};
use protocol::{ErrorCode, Phase};
use serde_json::json;

/// Short times for the session's life, so the test sees a whole one.
fn quick(l: &mut session_server::Limits) {
    l.idle_lobby = Duration::from_millis(400);
    l.idle_any = Duration::from_secs(60);
    l.unload_after = Duration::from_millis(300);
    l.sweep_every = Duration::from_millis(100);
}

async fn resume(s: &Server, code: &str, token: &str) -> TestClient {
    let mut c = s.client().await;
    c.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    c
}

fn operator(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let mut all = vec![std::ffi::OsStr::new("sessions")];
    all.extend(args.iter().map(std::ffi::OsStr::new));
    let (ok, out, err) = crate::process::server_cli(db, &all);
    (ok, String::from_utf8_lossy(&out).into_owned(), err)
}

#[tokio::test]
async fn a_lobby_left_alone_ends_by_itself_leaves_memory_and_is_read_back_for_a_resume() {
    let s = Server::start_with(|c| {
        quick(&mut c.limits);
        c.retention = None;
    })
    .await;
    let (mut f, code, f_token) = s.facilitator("test").await;
    let (mut p, p_token) = s.player(&code, None).await;
    // Nobody does anything in the lobby: it ends, and everyone connected is told.
    f.session_where("ended by itself", |v| v.phase == Phase::Ended).await;
    p.session_where("ended by itself", |v| v.phase == Phase::Ended).await;
    drop((f, p));
    // Empty and ended, it leaves memory (the metrics say so); a resume reads it back from the database.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let m = crate::hosted::get(s.metrics, crate::hosted::local(1), None, "localhost", "/metrics", "").await.body;
        if m.lines().any(|l| l == "dilemma_sessions_in_memory 0") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the ended, empty session never left memory: {m}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut again = resume(&s, &code, &p_token).await;
    let w = again.welcomed().await;
    assert_eq!((w.code.as_str(), w.session.phase), (code.as_str(), Phase::Ended));
    let mut f = resume(&s, &code, &f_token).await;
    assert_eq!(f.welcomed().await.role, protocol::Role::Facilitator);
    // An ended session takes no new players, read back or not.
    let mut late = s.client().await;
    late.send(json!({"type":"join","protocol":1,"code":code})).await;
    assert_eq!(late.error().await.0, ErrorCode::SessionEnded);
    s.stop().await;
}

#[tokio::test]
async fn a_session_in_use_does_not_end_and_a_busy_room_is_not_idle() {
    let s = Server::start_with(|c| quick(&mut c.limits)).await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == Phase::Open).await;
    // Out of the lobby, only a day of silence ends it (60 s here): the room keeps playing.
    tokio::time::sleep(Duration::from_millis(800)).await;
    p.answer("a", "eens").await;
    f.tally_where("counted", |t| t.total + t.withheld == 1).await;
    p.settle().await;
    for m in &p.seen {
        if let protocol::ServerMsg::Session { session } = m {
            assert_ne!(session.phase, Phase::Ended);
        }
    }
    s.stop().await;
}

#[tokio::test]
async fn old_ended_sessions_are_purged_once_nobody_has_them_open() {
    let s = Server::start_with(|c| {
        quick(&mut c.limits);
        // Everything that has ended is past its time.
        c.retention = Some(Duration::ZERO);
    })
    .await;
    let (mut f, code, f_token) = s.facilitator("test").await;
    let (mut p, p_token) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == Phase::Open).await;
    p.answer("a", "eens").await;
    f.control("end", None).await;
    p.session_where("ended", |v| v.phase == Phase::Ended).await;
    // While the facilitator still has it open it stays, sweeps or not.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut again = resume(&s, &code, &p_token).await;
    again.welcome().await;
    drop((p, again, f));
    // Once nobody has it open and it has left memory, the next sweep deletes it and its answers
    // (watched in the database: a resume would bring it back into memory).
    let deadline = tokio::time::Instant::now() + WAIT;
    let conn = rusqlite::Connection::open(&s.db).unwrap();
    let rows = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    while rows("SELECT count(*) FROM sessions") > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the ended session was never purged");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(rows("SELECT count(*) FROM answers"), 0, "its answers are gone with it");
    let mut f = resume(&s, &code, &f_token).await;
    assert_eq!(f.error().await.0, ErrorCode::UnknownSession);
    let db = s.db.clone();
    let _files = s.stop().await;
    let (ok, out, _) = operator(&db, &["list"]);
    assert!(ok);
    assert!(!out.contains(&code), "purged from the list: {out}");
}

#[tokio::test]
async fn the_operator_lists_ends_a_live_session_through_the_database_and_purges() {
    let s = Server::start_with(|c| quick(&mut c.limits)).await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == Phase::Open).await;
    p.answer("a", "eens").await;

    let (ok, out, _) = operator(&s.db, &["list"]);
    assert!(ok);
    let line = out.lines().find(|l| l.starts_with(&code)).unwrap_or_else(|| panic!("{code} listed: {out}"));
    assert!(line.contains("open") && line.contains("Test"), "{line}");

    let (ok, _, err) = operator(&s.db, &["end", &code.to_lowercase()]);
    assert!(ok, "{err}");
    assert!(err.contains("will end"), "{err}");
    // The running server carries it out: everyone connected sees the session end.
    f.session_where("ended by the operator", |v| v.phase == Phase::Ended).await;
    p.session_where("ended by the operator", |v| v.phase == Phase::Ended).await;

    let (ok, _, err) = operator(&s.db, &["end", "ZZZZZZ"]);
    assert!(!ok && err.contains("no session ZZZZZZ"), "{err}");
    let (ok, _, err) = operator(&s.db, &["end", "not a code"]);
    assert!(!ok && err.contains("not a join code"), "{err}");
    let (ok, _, err) = operator(&s.db, &["purge", "--older-than-days", "30"]);
    assert!(ok && err.contains("0 ended session(s)"), "nothing is 30 days old: {err}");

    // The audit log has who did it (the laptop room has no accounts) and from where, and the
    // command line's own doings; never the player or the answer.
    let (ok, out, err) =
        crate::process::server_cli(&s.db, &[std::ffi::OsStr::new("audit"), std::ffi::OsStr::new("--days"), std::ffi::OsStr::new("1")]);
    let out = String::from_utf8_lossy(&out).into_owned();
    assert!(ok, "{err}");
    let line = |action: &str| out.lines().find(|l| l.contains(action)).unwrap_or_else(|| panic!("{action} in the log: {out}")).to_owned();
    let created = line("created");
    assert!(created.contains("zonder account") && created.contains("127.0.0.1") && created.ends_with(&code), "{created}");
    assert!(line("end_requested").contains("opdrachtregel"), "{out}");
    assert!(line("purged").contains("0 ouder dan 30 dagen"), "{out}");
    assert!(err.contains("3 line(s)"), "created, end_requested, purged: {err}");
    assert!(!out.contains("eens"), "no answer in the log: {out}");
    s.stop().await;
}
