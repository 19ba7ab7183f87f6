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
        Client::start_with(url, &[])
    }

    /// With extra environment, e.g. `SSL_CERT_FILE` (the platform's certificate store, as rustls reads it).
    fn start_with(url: &str, env: &[(&str, &std::path::Path)]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dilemma-headless"))
            .arg(url)
            .envs(env.iter().map(|(k, v)| (*k, *v)))
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

    f.send("preview on").await;
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
        p.until("timer", |v| v["timer"] == true && v["phase"] == "scene").await;
    }
    // The actors are done before the time is up: the facilitator opens the statement.
    f.send("open s").await;
    for p in players.iter_mut() {
        p.until("statement open", |v| v["phase"] == "open").await;
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

/// The desktop client against a server on HTTPS: `wss://`, the certificate checked against the
/// platform's store (here the test's own certificate, as an IT department's CA would be installed).
#[tokio::test(flavor = "multi_thread")]
async fn the_desktop_client_leads_a_session_on_a_wss_server_whose_certificate_it_checks() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success(), "openssl: {}", String::from_utf8_lossy(&made.stderr));
    let (c, k) = (cert.clone(), key.clone());
    let server = Server::start_with(move |config| config.tls = Some(session_server::TlsFiles::new(c, k))).await;
    let url = server.url.replace("127.0.0.1", "localhost");
    assert!(url.starts_with("wss://localhost:"), "{url}");
    let mut f = Client::start_with(&url, &[("SSL_CERT_FILE", &cert)]);
    f.until("scenarios over wss", |v| v["scenarios"].as_u64() > Some(0)).await;
    f.send("host test").await;
    let code = f.screen("Facilitator").await["code"].as_str().unwrap().to_owned();
    let mut p = Client::start_with(&url, &[("SSL_CERT_FILE", &cert)]);
    p.until("connected", |v| v["scenarios"].as_u64() > Some(0)).await;
    p.send(&format!("join {code} Oost")).await;
    p.screen("Lobby").await;
    f.until("one player", |v| v["participants"] == 1).await;
    // Without the certificate in its store, the client does not connect (and says why, retrying).
    let mut stranger = Client::start(&url);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while tokio::time::Instant::now() < deadline {
        if let Ok(Ok(Some(line))) = tokio::time::timeout(Duration::from_millis(200), stranger.lines.next_line()).await {
            let v: Value = serde_json::from_str(&line).unwrap();
            assert!(v["scenarios"].as_u64().unwrap_or(0) == 0, "connected to a server whose certificate it does not trust: {v}");
        }
    }
}

/// The client without a window says how it is used: `--help`, a refusal of an address that is no
/// websocket, and `help` on its input; its lines say the link's state.
#[tokio::test(flavor = "multi_thread")]
async fn the_headless_client_says_how_it_is_used() {
    let bin = env!("CARGO_BIN_EXE_dilemma-headless");
    let help = std::process::Command::new(bin).arg("--help").output().unwrap();
    assert!(help.status.success(), "{help:?}");
    assert!(String::from_utf8_lossy(&help.stdout).starts_with("usage: dilemma-headless ws://"), "{help:?}");
    let wrong = std::process::Command::new(bin).arg("http://127.0.0.1:7878/").output().unwrap();
    assert_eq!(wrong.status.code(), Some(1), "{wrong:?}");
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("starts with ws:// or wss://"), "{wrong:?}");

    let server = Server::start().await;
    let mut c = Client::start(&server.url);
    c.until("connected", |v| v["link"] == "connected" && v["scenarios"].as_u64() > Some(0)).await;
    let mut child = Command::new(bin)
        .arg(&server.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"help\ndance\n").await.unwrap();
    drop(stdin);
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output()).await.unwrap().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("commands: host SCENARIO") && said.contains("sign_in"), "{said}");
    assert!(said.contains("unknown command: dance (`help` lists the commands)"), "{said}");
}
