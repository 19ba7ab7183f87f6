//! A store that fails: another program holds the database's write lock, and the room must neither be told "saved" nor stop.

use std::time::Duration;

use integration_tests::{Server, TestClient, limits};
use protocol::{ErrorCode, Phase, ServerMsg};

/// The answer just sent: its acknowledged option, or `None` when it was refused with `storage_failed`.
async fn acked_or_refused(p: &mut TestClient) -> Option<String> {
    p.expect("ack or storage_failed", |m| match m {
        ServerMsg::AnswerAck { option, .. } => Some(Some(option.clone())),
        ServerMsg::Error { code: ErrorCode::StorageFailed, .. } => Some(None),
        _ => None,
    })
    .await
}

/// The answer to item `a` the database holds for `member` of session `code`.
fn stored_answer(db: &std::path::Path, code: &str, member: u32) -> Option<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT option FROM answers WHERE code = ?1 AND item = 'a' AND member = ?2", rusqlite::params![code, member], |r| {
        r.get(0)
    })
    .ok()
}

/// Holds SQLite's write lock on the server's database, as a backup tool or a stuck program would.
pub(crate) fn lock(db: &std::path::Path) -> rusqlite::Connection {
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
        let from = c.seen.len();
        c.settle().await;
        for m in &c.seen[from..] {
            if let ServerMsg::Session { session } = m {
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
    let mut last_acked = Vec::new();
    for p in &mut players {
        let mut answered = 0;
        let mut last = None;
        while answered < 2 {
            let stored = acked_or_refused(p).await;
            acked += usize::from(stored.is_some());
            last = stored.or(last);
            answered += 1;
        }
        last_acked.push((p.member().unwrap(), last));
    }
    // What was acknowledged is what the database holds; what was refused is not there.
    for (member, last) in &last_acked {
        assert_eq!(&stored_answer(&s.db, &code, *member), last, "player p{member}: the stored answer is the last one acknowledged");
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

/// A filesystem of its own, this many KiB (tmpfs), unmounted when dropped. Where this machine may
/// not mount (not root) the test fails, unless `DILEMMA_SKIP_ROOT=1` says to skip it (outside CI only, and said).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(kib: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        let skip = std::env::var_os("DILEMMA_SKIP_ROOT").is_some() && std::env::var_os("CI").is_none();
        match ok {
            true => Some(SmallDisk { dir }),
            false if skip => {
                eprintln!("skipped (DILEMMA_SKIP_ROOT=1): the full-disk test needs root to mount a small tmpfs; CI runs it");
                None
            }
            false => panic!(
                "the full-disk test mounts a small tmpfs, which needs root; run the tests as root (CI does), or set DILEMMA_SKIP_ROOT=1 to skip it here"
            ),
        }
    }

    /// Fills what is left with one file, which [`SmallDisk::free`] removes.
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.dir.path().join("filler")).unwrap();
        let chunk = vec![0u8; 4096];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    }

    fn free(&self) {
        std::fs::remove_file(self.dir.path().join("filler")).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

#[tokio::test]
async fn on_a_full_disk_nothing_is_acknowledged_health_says_so_and_once_there_is_room_play_goes_on() {
    let Some(disk) = SmallDisk::mount(4096) else { return };
    let db = disk.dir.path().join("workshop.db");
    let s = Server::start_with(|c| {
        c.db = db.clone();
        c.limits.store_busy = Duration::from_millis(200);
    })
    .await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, _) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == Phase::Open).await;
    p.answer("a", "eens").await;
    disk.fill();
    // The next answers need room on the disk: refused with storage_failed. Whatever was
    // acknowledged before the refusal is what the database holds; the refused one is not there.
    let member = p.member().unwrap();
    let mut last_acked = "eens";
    let mut refused = false;
    for option in ["oneens", "hangt_af"].iter().cycle().take(40) {
        p.send(serde_json::json!({"type":"answer","item":"a","option":option})).await;
        if acked_or_refused(&mut p).await.is_some() {
            last_acked = option;
        } else {
            refused = true;
            break;
        }
    }
    assert!(refused, "a full disk refuses answers");
    assert_eq!(
        stored_answer(&db, &code, member).as_deref(),
        Some(last_acked),
        "the stored answer is the last one acknowledged, not the refused one"
    );
    wait_health(&s, 503, "cannot write").await;
    // Room again: the same player's answer is stored and acknowledged, and the server is healthy.
    disk.free();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        p.send(serde_json::json!({"type":"answer","item":"a","option":"hangt_af"})).await;
        if acked_or_refused(&mut p).await.is_some() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "answers never stored again after the disk had room");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    wait_health(&s, 200, "ok").await;
    f.control("close", None).await;
    f.session_where("closed after the full disk", |v| v.phase == Phase::Closed).await;
    let _dir = s.stop().await;
    assert_eq!(stored_answer(&db, &code, member).as_deref(), Some("hangt_af"), "what was acknowledged after the disk had room is stored");
}

/// Waits (5 s at most) until `/healthz` answers `status` with a body saying `says`.
async fn wait_health(s: &Server, status: u16, says: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let h = crate::hosted::get(s.addr(), crate::hosted::local(1), None, "localhost", "/healthz", "").await;
        if h.status == status && h.body.contains(says) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "health never answered {status} ({says}): {} {}", h.status, h.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
