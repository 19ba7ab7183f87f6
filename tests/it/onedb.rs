//! One database, one server: a second server started on the same file is refused with the first one's process id, the operator's commands still read it, and the room plays on and resumes on the next server.

use std::process::Command;

use integration_tests::Server;
use protocol::Phase;
use serde_json::json;

use crate::process::{Binary, server_cli};

#[tokio::test]
async fn a_second_server_on_the_same_database_is_refused_and_the_room_plays_on() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let (mut p, token) = s.player(&code, None).await;
    f.control("open", Some("a")).await;
    p.session_where("open", |v| v.phase == Phase::Open).await;
    p.answer("a", "oneens").await;

    // Started on the same database, it must stop by itself (a second server that kept running is
    // killed after ten seconds and fails the test).
    let mut second = Command::new(env!("CARGO_BIN_EXE_server-under-test"))
        .args(["--listen", "127.0.0.1:0", "--db"])
        .arg(&s.db)
        .arg("--scenarios")
        .arg(&s.scenarios)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while second.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second server kept running on the same database");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let out = second.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a second server started on the same database");
    assert!(said.contains("another server uses the database") && said.contains(&format!("PID {}", std::process::id())), "{said}");
    // The operator's commands read it meanwhile.
    let (ok, listed, err) = server_cli(&s.db, &["sessions".as_ref(), "list".as_ref()]);
    assert!(ok && String::from_utf8_lossy(&listed).contains(&code), "{err}");
    let (ok, _, err) = server_cli(&s.db, &["export".as_ref(), code.as_str().as_ref(), "--format".as_ref(), "csv".as_ref()]);
    assert!(ok, "{err}");
    let copy = tempfile::tempdir().unwrap();
    let (ok, _, err) = server_cli(&s.db, &["backup".as_ref(), copy.path().join("b.db").as_os_str()]);
    assert!(ok, "{err}");
    // The room never noticed.
    let (mut p2, _) = s.player(&code, None).await;
    p2.session_where("open", |v| v.phase == Phase::Open).await;
    p2.answer("a", "eens").await;
    f.tally_where("both answers", |t| t.total + t.withheld == 2).await;

    // Once the first has stopped, the next server takes the database and the player resumes.
    let dir = s.stop().await;
    let next = Binary::start(dir.path(), 0).await;
    let mut back = next.client().await;
    back.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    assert_eq!(back.welcomed().await.answers.get("a").map(String::as_str), Some("oneens"));
}
