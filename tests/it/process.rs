//! The server binary as a separate process, for tests that crash it with `kill -9` or start it under limits.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use integration_tests::TestClient;

/// The server binary in a process of its own, so a test can `kill -9` it.
pub struct Binary {
    pub child: Child,
    pub url: String,
    /// The port it listens on (for a restart on the same address).
    pub port: u16,
}

impl Binary {
    /// Starts the binary with the database and scenario folder in `dir`, on `port` (0: the system
    /// chooses one), and waits until this process says where it listens.
    pub async fn start(dir: &Path, port: u16) -> Binary {
        Binary::start_via(&[], dir, port, None).await
    }

    /// [`Binary::start`] run through `wrapper` (e.g. `["prlimit", "--nofile=48:48", "--"]`), with
    /// the server's log (its standard output) copied to `log`.
    ///
    /// The port is read from the server's own "listening" line, so a test never takes another
    /// process's listener for its server, and never races another test for a port it freed.
    pub async fn start_via(wrapper: &[&str], dir: &Path, port: u16, log: Option<std::fs::File>) -> Binary {
        Binary::start_full(wrapper, dir, port, log, &[], &[]).await
    }

    /// [`Binary::start`] with more settings on its command line (e.g. `--public-url …`), and its
    /// log copied to `log` where given.
    pub async fn start_with(dir: &Path, port: u16, args: &[&str]) -> Binary {
        Binary::start_full(&[], dir, port, None, args, &[]).await
    }

    /// [`Binary::start_with`], its log copied to `log`.
    pub async fn start_logged(dir: &Path, port: u16, args: &[&str], log: std::fs::File) -> Binary {
        Binary::start_full(&[], dir, port, Some(log), args, &[]).await
    }

    /// [`Binary::start`] with settings in its environment (`SESSION_SERVER_…`), as a systemd unit's
    /// `EnvironmentFile` gives them.
    pub async fn start_env(dir: &Path, port: u16, envs: &[(&str, String)]) -> Binary {
        Binary::start_full(&[], dir, port, None, &[], envs).await
    }

    async fn start_full(
        wrapper: &[&str],
        dir: &Path,
        port: u16,
        log: Option<std::fs::File>,
        args: &[&str],
        envs: &[(&str, String)],
    ) -> Binary {
        let bin = env!("CARGO_BIN_EXE_server-under-test");
        let mut command = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        let mut child = command
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--db")
            .arg(dir.join("workshop.db"))
            .arg("--scenarios")
            .arg(dir.join("scenarios"))
            .args(args)
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server binary");
        let listening = listening_port(child.stdout.take().expect("piped"), log);
        let port = match tokio::task::spawn_blocking(move || listening.recv_timeout(Duration::from_secs(20))).await.unwrap() {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server binary did not say it listens");
            }
        };
        Binary { child, url: format!("ws://127.0.0.1:{port}/ws"), port }
    }

    /// A facilitator who created a session on `scenario`: (client, code, token).
    pub async fn facilitator(&self, scenario: &str) -> (TestClient, String, String) {
        let mut f = self.client().await;
        f.send(serde_json::json!({"type":"create_session","protocol":1,"preview":true,"scenario":scenario})).await;
        let (code, token, _) = f.welcome().await;
        (f, code, token)
    }

    pub async fn client(&self) -> TestClient {
        TestClient { c: dilemma_tools::client::Client::connect(&self.url).await.unwrap(), seen: Vec::new() }
    }
}

/// A test that ends (or fails) without stopping its server does not leave it running.
impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port a server process started with `--listen 127.0.0.1:0` and a piped standard output
/// says it listens on (its log goes nowhere else).
pub async fn port_of(child: &mut Child) -> u16 {
    let listening = listening_port(child.stdout.take().expect("the server's output is piped"), None);
    tokio::task::spawn_blocking(move || listening.recv_timeout(Duration::from_secs(20)))
        .await
        .unwrap()
        .expect("the server says where it listens")
}

/// Copies the server's log to `log` (when given) and sends the port of its first "listening" line.
fn listening_port(out: std::process::ChildStdout, mut log: Option<std::fs::File>) -> std::sync::mpsc::Receiver<u16> {
    use std::io::{BufRead, Write};
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if let Some(log) = log.as_mut() {
                let _ = writeln!(log, "{line}");
            }
            if line.contains("listening: phones join") {
                let port = line.rsplit("127.0.0.1:").next().and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok());
                if let Some(port) = port {
                    let _ = tx.send(port);
                }
            }
        }
    });
    rx
}

/// A port that was free a moment ago, for what must be known before a process starts (a second
/// server's address in a command line); servers of these tests listen on port 0 instead.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A folder for a server process: `scenarios/` holding these (file name, contents) decks.
pub fn scenario_dir(decks: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    for (name, contents) in decks {
        std::fs::write(dir.path().join("scenarios").join(name), contents).unwrap();
    }
    dir
}

/// Runs a one-off command of the server binary (`export`, `report`, `sessions`) on database `db`:
/// (whether it succeeded, standard output, standard error).
pub fn server_cli(db: &Path, args: &[&std::ffi::OsStr]) -> (bool, Vec<u8>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_server-under-test")).arg("--db").arg(db).args(args).output().unwrap();
    (out.status.success(), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}
