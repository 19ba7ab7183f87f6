//! A facilitator and three players, each in their own client process (`dilemma-headless`), play a
//! dilemma and a sketch from start to end against the real server.

use std::process::Stdio;
use std::time::Duration;

use integration_tests::Server;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

struct Client {
    _child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    last: Value,
}

impl Client {
    fn start(url: &str) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dilemma-headless"))
            .arg(url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start dilemma-headless");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Client { _child: child, stdin, lines, last: Value::Null }
    }

    async fn send(&mut self, command: &str) {
        self.stdin.write_all(format!("{command}\n").as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// Reads the process's state lines until `done` holds (up to 10 s).
    async fn until(&mut self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !done(&self.last) {
            match tokio::time::timeout_at(deadline, self.lines.next_line()).await {
                Ok(Ok(Some(line))) => self.last = serde_json::from_str(&line).unwrap(),
                other => panic!("waiting for {what}: {other:?}; last state {}", self.last),
            }
        }
        self.last.clone()
    }

    async fn screen(&mut self, screen: &str) -> Value {
        self.until(screen, |v| v["screen"] == screen).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn four_client_processes_play_a_dilemma_and_a_sketch() {
    let server = Server::start().await;
    let mut f = Client::start(&server.url);
    f.until("scenarios", |v| v["scenarios"].as_u64() > Some(0)).await;
    f.send("host test").await;
    let code = f.screen("Facilitator").await["code"].as_str().unwrap().to_owned();

    let mut players: Vec<Client> = (0..3).map(|_| Client::start(&server.url)).collect();
    for p in players.iter_mut() {
        p.until("connected", |v| v["scenarios"].as_u64() > Some(0)).await;
        p.send(&format!("join {} Oost", code.to_lowercase())).await;
        p.screen("Lobby").await;
    }
    f.until("three players", |v| v["participants"] == 3).await;

    f.send("open a").await;
    for (p, choice) in players.iter_mut().zip(["eens", "oneens", "eens"]) {
        p.until("item a", |v| v["screen"] == "Item" && v["item"] == "a").await;
        p.send(&format!("answer a {choice}")).await;
        p.until("choice", |v| v["choice"] == choice).await;
    }
    f.until("live tally", |v| v["counts"]["eens"] == 2 && v["counts"]["oneens"] == 1).await;
    f.send("reveal").await;
    for p in players.iter_mut() {
        p.until("result", |v| v["screen"] == "Results" && v["counts"]["eens"] == 2).await;
    }

    f.send("open s").await;
    let mut cast = Vec::new();
    for p in players.iter_mut() {
        p.until("sketch", |v| v["item"] == "s").await;
        // A role message follows the session update for the chosen players.
        let role = tokio::time::timeout(Duration::from_millis(500), p.until("role", |v| !v["role"].is_null())).await;
        cast.extend(role.ok().map(|v| v["role"].as_str().unwrap().to_owned()));
    }
    cast.sort();
    assert_eq!(cast, vec!["Ambtenaar", "Initiatiefnemer"], "two of three players get a role");
    f.send("start_timer").await;
    for p in players.iter_mut() {
        p.until("timer", |v| v["timer"] == true).await;
        p.send("answer s oneens").await;
        p.until("follow-up answered", |v| v["choice"] == "oneens").await;
    }
    f.send("reveal").await;
    for p in players.iter_mut() {
        p.until("sketch result", |v| v["screen"] == "Results" && v["counts"]["oneens"] == 3).await;
    }
    f.send("end").await;
    for c in players.iter_mut().chain([&mut f]) {
        c.screen("Ended").await;
    }
    server.stop().await;
}
