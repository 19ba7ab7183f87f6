//! `session-server backup` while a room of 200 answers, and a server started on the copy: everyone acknowledged before the backup resumes with their answer; `check` says whether a file is sound.

use std::process::Command;
use std::time::{Duration, Instant};

use integration_tests::{Server, TestClient};
use protocol::{Phase, ServerMsg};
use serde_json::json;

fn server_command(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_server-under-test")).args(args).output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_200_players_answer_holds_every_answer_acknowledged_before_it_began() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let mut players = Vec::new();
    for _ in 0..200 {
        players.push(s.player(&code, None).await);
    }
    f.control("open", Some("a")).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, (mut p, token)) in players.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            p.session_where("open", |v| v.phase == Phase::Open).await;
            tokio::time::sleep_until((started + Duration::from_millis(5 * i as u64)).into()).await;
            let option = ["eens", "oneens", "hangt_af"][i % 3];
            p.send(json!({"type":"answer","item":"a","option":option})).await;
            p.expect("the ack", |m| matches!(m, ServerMsg::AnswerAck { .. }).then_some(())).await;
            (token, option, Instant::now(), p)
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("workshop.db");
    let begun = Instant::now();
    let (db, to) = (s.db.clone(), copy.clone());
    let out = tokio::task::spawn_blocking(move || server_command(&["--db".as_ref(), db.as_os_str(), "backup".as_ref(), to.as_os_str()]))
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("session(s)"), "{}", String::from_utf8_lossy(&out.stdout));
    let mut answered = Vec::new();
    for t in tasks {
        answered.push(t.await.unwrap());
    }
    let before: Vec<_> = answered.iter().filter(|(_, _, acked, _)| *acked < begun).collect();
    assert!(before.len() >= 50 && before.len() < 200, "the backup ran while the room answered ({} before it)", before.len());

    // Refuses to overwrite; the copy is sound.
    let again = server_command(&["--db".as_ref(), s.db.as_os_str(), "backup".as_ref(), copy.as_os_str()]);
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let check = server_command(&["check".as_ref(), copy.as_os_str()]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert!(String::from_utf8_lossy(&check.stdout).contains("sound"), "{}", String::from_utf8_lossy(&check.stdout));

    // Restoring is starting a server on the copy: each of them resumes with their answer.
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    std::fs::write(dir.path().join("scenarios/test.toml"), integration_tests::TEST_DECK).unwrap();
    let restored = Server::start_in(dir, |_| {}).await;
    for (token, option, _, _) in before {
        let mut p: TestClient = restored.client().await;
        p.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
        let w = p.welcomed().await;
        assert_eq!(w.answers.get("a").map(String::as_str), Some(*option), "an answer acknowledged before the backup");
    }
}

#[test]
fn check_says_when_a_file_is_damaged_or_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![7u8; 8192]).unwrap();
    let out = server_command(&["check".as_ref(), junk.as_os_str()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a database"), "{}", String::from_utf8_lossy(&out.stderr));
    let missing =
        server_command(&["--db".as_ref(), dir.path().join("none.db").as_os_str(), "backup".as_ref(), dir.path().join("b.db").as_os_str()]);
    assert!(!missing.status.success() && String::from_utf8_lossy(&missing.stderr).contains("does not exist"));
}
