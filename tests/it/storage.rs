//! A store that fails: another program holds the database's write lock, and the room must neither be told "saved" nor stop.

use std::time::Duration;

use integration_tests::{Server, limits};
use protocol::{ErrorCode, Phase, ServerMsg};

/// Holds SQLite's write lock on the server's database, as a backup tool or a stuck program would.
fn lock(db: &std::path::Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch("BEGIN IMMEDIATE").unwrap();
    c
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test]
async fn while_the_database_is_locked_nothing_is_acknowledged_or_announced_and_afterwards_play_goes_on() {
    let s = Server::start_with(limits(|l| l.store_busy = Duration::from_millis(200))).await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p1, _) = s.player(&code, None).await;
    let (mut p2, _) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    p1.session_where("open", |v| v.phase == Phase::Open).await;
    p1.answer("a", "eens").await;
    f.tally_where("the first answer", |t| t.total + t.withheld == 1).await;

    let held = lock(&s.db);
    // An answer that cannot be stored is not acknowledged and does not count.
    p2.send(serde_json::json!({"type":"answer","item":"a","option":"oneens"})).await;
    let (code_seen, message) = p2.error().await;
    assert_eq!(code_seen, ErrorCode::StorageFailed, "{message}");
    assert!(message.contains("kies opnieuw"), "the player is told what to do: {message}");
    assert!(!p2.seen.iter().any(|m| matches!(m, ServerMsg::AnswerAck { .. })), "an ack for an answer that is not stored");
    // A phase change that cannot be stored is not announced; the facilitator hears why.
    f.control("close", None).await;
    let (code_seen, message) = f.error().await;
    assert_eq!(code_seen, ErrorCode::StorageFailed, "{message}");
    // A newcomer is refused rather than given a token that is not stored...
    let mut late = s.client().await;
    late.send(serde_json::json!({"type":"join","protocol":1,"code":code})).await;
    assert_eq!(late.error().await.0, ErrorCode::StorageFailed);
    // ...and a new session whose creation is not stored is never announced.
    let mut other = s.client().await;
    other.send(serde_json::json!({"type":"create_session","protocol":1,"preview":true,"scenario":"test"})).await;
    assert_eq!(other.error().await.0, ErrorCode::StorageFailed);
    for c in [&mut p1, &mut p2, &mut f] {
        for m in c.drain(Duration::from_millis(300)).await {
            if let ServerMsg::Session { session } = &m {
                assert_eq!(session.phase, Phase::Open, "a phase that was not stored was announced");
                assert_eq!(session.answered, 1, "an answer that was not stored was counted");
            }
            if let ServerMsg::Tally(t) = &m {
                assert_eq!(t.total, 1, "an answer that was not stored is in the tally");
            }
        }
    }
    drop(held);

    // The disk is free again: the same room goes on.
    p2.answer("a", "oneens").await;
    f.tally_where("both answers", |t| t.total + t.withheld == 2).await;
    f.control("close", None).await;
    f.control("reveal", None).await;
    p1.tally_where("revealed", |_| true).await;
    // Both stored answers count; two are too few to show a split, to anyone.
    let t = f.tally_where("revealed", |t| t.withheld == 2).await;
    assert_eq!((t.total, t.counts.values().sum::<u32>()), (0, 0));
    let mut late = s.client().await;
    late.send(serde_json::json!({"type":"join","protocol":1,"code":code})).await;
    late.welcome().await;
    let db = s.db.clone();
    let _files = s.stop().await;
    assert_eq!(count(&db, "SELECT count(*) FROM sessions"), 1, "only the session whose creation was stored");
    assert_eq!(count(&db, "SELECT count(*) FROM answers"), 2);
    assert_eq!(count(&db, "SELECT count(*) FROM members"), 4, "facilitator, two players and the late one");
}

#[tokio::test]
async fn a_full_store_queue_makes_the_room_wait_instead_of_growing_and_nothing_is_lost_or_doubled() {
    let s = Server::start_with(limits(|l| {
        l.store_busy = Duration::from_millis(400);
        l.store_queue = 2;
    }))
    .await;
    let (mut f, code, _) = s.facilitator("test").await;
    let mut players = Vec::new();
    for _ in 0..6 {
        players.push(s.player(&code, None).await.0);
    }
    f.control("open", Some("a")).await;
    for p in &mut players {
        p.session_where("open", |v| v.phase == Phase::Open).await;
    }
    // The disk stalls while every player answers twice: far more writes than the queue holds.
    let held = lock(&s.db);
    for p in &mut players {
        p.send(serde_json::json!({"type":"answer","item":"a","option":"eens"})).await;
        p.send(serde_json::json!({"type":"answer","item":"a","option":"oneens"})).await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    drop(held);
    // Each answer is either acknowledged or refused with storage_failed, never both, never silent.
    let mut acked = 0;
    for p in &mut players {
        let mut answered = 0;
        while answered < 2 {
            let stored = p
                .expect("ack or storage_failed", |m| match m {
                    ServerMsg::AnswerAck { .. } => Some(true),
                    ServerMsg::Error { code: ErrorCode::StorageFailed, .. } => Some(false),
                    _ => None,
                })
                .await;
            acked += usize::from(stored);
            answered += 1;
        }
    }
    // The room goes on: one more answer each, all stored now.
    for p in &mut players {
        p.answer("a", "hangt_af").await;
    }
    let t = f.tally_where("every player's last answer", |t| t.counts["hangt_af"] == 6).await;
    assert_eq!(t.total, 6, "one answer per player, whatever happened before ({acked} acks during the stall)");
    let db = s.db.clone();
    let _files = s.stop().await;
    assert_eq!(count(&db, "SELECT count(*) FROM answers WHERE option = 'hangt_af'"), 6);
}

#[tokio::test]
async fn the_database_holds_no_token_and_no_name_only_the_tokens_sha_256() {
    let s = Server::start().await;
    let (_f, code, ftoken) = s.facilitator("test").await;
    let mut p = s.client().await;
    p.send(serde_json::json!({"type":"join","protocol":1,"code":code,"name":"Sanne Verborgen","team":"Wijkteam Oost"})).await;
    let (_, ptoken, _) = p.welcome().await;
    let db = s.db.clone();
    let _dir = s.stop().await;
    // Every byte of the database and its write-ahead log, as an attacker with the file would read it.
    let mut bytes = std::fs::read(&db).unwrap();
    if let Ok(wal) = std::fs::read(db.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    for token in [&ftoken, &ptoken] {
        assert!(!has(token.as_bytes()), "a token is in the database as it was sent");
        let hash: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()).into();
        assert!(has(&hash), "its SHA-256 is what is kept");
    }
    assert!(!has(b"Sanne Verborgen") && !has(b"Verborgen"), "a name is never stored");
    assert!(has("Wijkteam Oost".as_bytes()), "the team is (for team results)");
}
