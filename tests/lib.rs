//! Test harness: a real server on port 0 with its own SQLite file, and websocket clients that record what they get.

use std::path::{Path, PathBuf};
use std::time::Duration;

use dilemma_tools::client::{Client, Received};
use protocol::{ClientMsg, ErrorCode, ServerMsg, SessionView};
use session_server::{Config, Limits};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_util::sync::CancellationToken;

/// How long a test waits for a message it expects.
pub const WAIT: Duration = Duration::from_secs(5);

pub fn shipped_scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// A small deck for precise tests: two dilemmas and two sketches (one with a follow-up statement).
pub const TEST_DECK: &str = r#"
id = "test"
title = "Testdeck"
language = "nl"

[[item]]
id = "a"
kind = "dilemma"
statement = "Bewoners mogen het groen zelf beheren."
themes = ["groen"]
prompts = ["Waarom?", "Wat heb je nodig?"]

[[item]]
id = "b"
kind = "dilemma"
statement = "Geld is het antwoord."
options = ["Ja", "Nee"]
prompts = ["Wanneer niet?"]

[[item]]
id = "s"
kind = "sketch"
title = "Twee petten"
situation = "De ambtenaar beoordeelt ook de subsidie."
duration_s = 30
questions = ["Wat zag je?"]
[[item.role]]
name = "Ambtenaar"
briefing = "Geheim voor de ambtenaar."
[[item.role]]
name = "Initiatiefnemer"
briefing = "Geheim voor de initiatiefnemer."
[item.follow_up]
statement = "Een collega moet beoordelen."

[[item]]
id = "kort"
kind = "sketch"
title = "Zonder stelling"
situation = "Iets korts."
duration_s = 30
[[item.role]]
name = "Een"
briefing = "Briefing een."
[[item.role]]
name = "Twee"
briefing = "Briefing twee."
"#;

pub struct Server {
    pub url: String,
    /// The monitoring port (`/metrics`).
    pub metrics: std::net::SocketAddr,
    pub db: PathBuf,
    pub scenarios: PathBuf,
    pub shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// A server with the test deck and the shipped decks, default limits.
    pub async fn start() -> Server {
        Server::start_with(|_| {}).await
    }

    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let scenarios = dir.path().join("scenarios");
        std::fs::create_dir(&scenarios).unwrap();
        std::fs::write(scenarios.join("test.toml"), TEST_DECK).unwrap();
        for entry in std::fs::read_dir(shipped_scenarios()).unwrap() {
            let p = entry.unwrap().path();
            std::fs::copy(&p, scenarios.join(p.file_name().unwrap())).unwrap();
        }
        Server::start_in(dir, tune).await
    }

    /// A server on the scenario folder and database in `dir`: how a test restarts one.
    pub async fn start_in(dir: tempfile::TempDir, tune: impl FnOnce(&mut Config)) -> Server {
        Server::start_at(dir, "127.0.0.1:0", tune).await
    }

    /// Stops gracefully and starts again on the same address, files and settings' defaults,
    /// as when the facilitator's laptop restarts the server: clients reconnect by themselves.
    pub async fn restart(self) -> Server {
        let addr = self.addr().to_string();
        let dir = self.stop().await;
        Server::start_at(dir, &addr, |_| {}).await
    }

    /// A server on the files in `dir` at `addr`: a restart after a pause, on the address the pages know.
    pub async fn start_at(dir: tempfile::TempDir, addr: &str, tune: impl FnOnce(&mut Config)) -> Server {
        let mut config = Config::new(dir.path().join("scenarios"), dir.path().join("workshop.db"));
        config.role_seed = Some(42);
        tune(&mut config);
        let listener = TcpListener::bind(addr).await.unwrap();
        let scheme = if config.tls.is_some() { "wss" } else { "ws" };
        let url = format!("{scheme}://{}/ws", listener.local_addr().unwrap());
        let monitor = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let metrics = monitor.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let (db, scenarios) = (config.db.clone(), config.scenarios.clone());
        let token = shutdown.clone();
        let listeners = session_server::Listeners { main: listener, metrics: Some(monitor) };
        let task = tokio::spawn(async move { session_server::run_on(listeners, config, token).await.unwrap() });
        Server { url, metrics, db, scenarios, shutdown, task, _dir: dir }
    }

    /// Stops the server gracefully and waits until the store is flushed.
    pub async fn stop(self) -> tempfile::TempDir {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(10), self.task).await.expect("server stops in time").unwrap();
        self._dir
    }

    /// The main port's address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.url.split("://").nth(1).unwrap().trim_end_matches("/ws").parse().unwrap()
    }

    pub async fn client(&self) -> TestClient {
        // A server that does not take the connection fails the test with a sentence instead of hanging it.
        let c = tokio::time::timeout(Duration::from_secs(20), Client::connect(&self.url)).await;
        TestClient { c: c.expect("the server did not accept a websocket within 20 s").unwrap(), seen: Vec::new() }
    }

    /// A facilitator who created a session on `scenario`, with the private preview on, so the
    /// live tally reaches them before the reveal (tests/it/preview.rs checks the default: off).
    pub async fn facilitator(&self, scenario: &str) -> (TestClient, String, String) {
        let mut f = self.client().await;
        f.send(serde_json::json!({"type":"create_session","protocol":1,"scenario":scenario,"title":"Test","preview":true})).await;
        let (code, token, _) = f.welcome().await;
        (f, code, token)
    }

    pub async fn player(&self, code: &str, team: Option<&str>) -> (TestClient, String) {
        let mut p = self.client().await;
        p.send(serde_json::json!({"type":"join","protocol":1,"code":code,"name":"x","team":team})).await;
        let (_, token, _) = p.welcome().await;
        (p, token)
    }
}

pub fn limits(tune: impl FnOnce(&mut Limits)) -> impl FnOnce(&mut Config) {
    move |c: &mut Config| tune(&mut c.limits)
}

/// Everything a `welcome` carries.
#[derive(Debug, Clone)]
pub struct Welcomed {
    pub role: protocol::Role,
    pub code: String,
    pub token: String,
    pub player_id: Option<String>,
    pub session: SessionView,
    pub answers: std::collections::BTreeMap<String, String>,
    pub guesses: std::collections::BTreeMap<String, u32>,
    pub reasons: std::collections::BTreeMap<String, String>,
}

/// A websocket client that keeps every message it received, for checks about what it was ever shown.
pub struct TestClient {
    pub c: Client,
    pub seen: Vec<ServerMsg>,
}

impl TestClient {
    /// A client of `url` from the local address `from`, with `tls` for a `wss://` address.
    pub async fn connect<R>(request: R, from: Option<std::net::IpAddr>, tls: Option<std::sync::Arc<rustls::ClientConfig>>) -> TestClient
    where
        R: tokio_tungstenite::tungstenite::client::IntoClientRequest + Unpin,
    {
        let c = tokio::time::timeout(Duration::from_secs(20), Client::connect_with(request, from, tls)).await;
        TestClient { c: c.expect("the server did not accept a websocket within 20 s").unwrap(), seen: Vec::new() }
    }

    pub async fn send(&mut self, v: serde_json::Value) {
        self.c.send_text(&v.to_string()).await.unwrap();
    }

    pub async fn send_msg(&mut self, m: &ClientMsg) {
        self.c.send(m).await.unwrap();
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.c.send_text(text).await.unwrap();
    }

    pub async fn next(&mut self, wait: Duration) -> Received {
        let r = self.c.next(wait).await;
        if let Received::Msg(m) = &r {
            self.seen.push(m.clone());
        }
        r
    }

    /// Waits for the first message `pick` accepts, keeping the others in `seen`.
    pub async fn expect<T>(&mut self, what: &str, mut pick: impl FnMut(&ServerMsg) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Received::Msg(m) => {
                    if let Some(t) = pick(&m) {
                        return t;
                    }
                }
                other => panic!("waiting for {what}, got {other:?}; seen: {:#?}", self.seen),
            }
        }
    }

    /// Waits until everything the session sent this client so far has arrived (into `seen`): a
    /// message the session must refuse goes through the session's task after all of that, and its
    /// refusal comes back behind it. Absence is then proved by what came before the refusal, not by a pause.
    ///
    /// (Not for what the session sends later by itself: a coalesced update still due, a report
    /// being rendered, a write still being committed.)
    pub async fn settle(&mut self) {
        let marker = |m: &ServerMsg| {
            matches!(m, ServerMsg::Error { code: ErrorCode::UnknownItem | ErrorCode::Unauthorized | ErrorCode::SessionEnded, .. })
        };
        let before = self.seen.iter().filter(|m| marker(m)).count();
        self.send(serde_json::json!({"type":"answer","item":"~settle~","option":"~"})).await;
        // Its own refusal: one more than were seen before it was sent.
        while self.seen.iter().filter(|m| marker(m)).count() <= before {
            self.expect("the settle marker's refusal", |m| marker(m).then_some(())).await;
        }
    }

    /// This player's member number, from the welcome it got (`p7` → 7).
    pub fn member(&self) -> Option<u32> {
        self.seen.iter().find_map(|m| match m {
            ServerMsg::Welcome { player_id: Some(id), .. } => id.strip_prefix('p')?.parse().ok(),
            _ => None,
        })
    }

    /// The welcome, all of it.
    pub async fn welcomed(&mut self) -> Welcomed {
        self.expect("welcome", |m| match m {
            ServerMsg::Welcome { role, code, token, player_id, session, answers, guesses, reasons } => Some(Welcomed {
                role: *role,
                code: code.clone(),
                token: token.clone(),
                player_id: player_id.clone(),
                session: session.clone(),
                answers: answers.clone(),
                guesses: guesses.clone(),
                reasons: reasons.clone(),
            }),
            _ => None,
        })
        .await
    }

    /// The welcome: (code, token, session).
    pub async fn welcome(&mut self) -> (String, String, SessionView) {
        let w = self.welcomed().await;
        (w.code, w.token, w.session)
    }

    /// The next private `role`: (role, briefing).
    pub async fn role(&mut self) -> (String, String) {
        self.expect("role", |m| match m {
            ServerMsg::Role { role, briefing, .. } => Some((role.clone(), briefing.clone())),
            _ => None,
        })
        .await
    }

    pub async fn error(&mut self) -> (ErrorCode, String) {
        self.expect("error", |m| match m {
            ServerMsg::Error { code, message } => Some((*code, message.clone())),
            _ => None,
        })
        .await
    }

    /// The next `session` update that `pick` accepts.
    pub async fn session_where(&mut self, what: &str, pick: impl Fn(&SessionView) -> bool) -> SessionView {
        self.expect(what, |m| match m {
            ServerMsg::Session { session } if pick(session) => Some(session.clone()),
            _ => None,
        })
        .await
    }

    pub async fn tally_where(&mut self, what: &str, pick: impl Fn(&protocol::Tally) -> bool) -> protocol::Tally {
        self.expect(what, |m| match m {
            ServerMsg::Tally(t) if pick(t) => Some(t.clone().into_tally()),
            _ => None,
        })
        .await
    }

    pub async fn answer(&mut self, item: &str, option: &str) {
        self.send(serde_json::json!({"type":"answer","item":item,"option":option})).await;
        let (i, o) = (item.to_owned(), option.to_owned());
        self.expect("answer_ack", |m| matches!(m, ServerMsg::AnswerAck { item, option } if *item == i && *option == o).then_some(())).await;
    }

    pub async fn control(&mut self, action: &str, item: Option<&str>) {
        let mut v = serde_json::json!({"type":"control","action":action});
        if let Some(item) = item {
            v["item"] = item.into();
        }
        self.send(v).await;
    }

    /// Everything that arrives within `wait`.
    pub async fn drain(&mut self, wait: Duration) -> Vec<ServerMsg> {
        let mut got = Vec::new();
        while let Received::Msg(m) = self.next(wait).await {
            got.push(m);
        }
        got
    }

    /// Reads until the server closes; returns the close frame.
    pub async fn closed(&mut self) -> Option<CloseFrame> {
        loop {
            match self.next(WAIT).await {
                Received::Msg(_) => continue,
                Received::Closed(frame) => return frame,
                Received::Nothing => panic!("the server did not close the connection"),
            }
        }
    }
}
